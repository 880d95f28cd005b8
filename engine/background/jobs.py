"""Background jobs: recorded in the database, run by Celery workers or in-process.

A job row carries its kind, parameters, progress and result, so any web process can
show it. :func:`submit` hands the job to Celery when ``PERMITFLOW_BROKER_URL`` is set,
else runs it on a local thread pool; either way the worker calls the registered
function with a ``report(progress, message)`` callback.

Crashes. The process running a job holds a lease on it: it names itself in ``worker``
and renews ``heartbeat_at`` every third of :func:`lease_seconds` (45 s by default,
``PERMITFLOW_JOB_LEASE``). A running job whose heartbeat is older than the lease lost
its worker (killed, out of memory, machine restarted): :func:`get` and :func:`recent`
show it failed at once, and :func:`reap_dead` (run by Celery beat and ``permitflow
tick``) records that. Celery acknowledges a job only when it has finished and redelivers
a killed worker's message after the broker's visibility timeout; :func:`run` then takes
the job over if its lease expired and it was not yet recorded as failed (a second
attempt), and ignores a duplicate delivery of a job that is alive or finished. Without
a broker, a job queued in a process that died before starting it is run by the ticker's
process (:func:`adopt_orphans`).

Jobs a transaction creates (a signal a case throws...) go to the workers only once it
commits (:func:`submit_after_commit`): a rolled-back transaction leaves no job and starts
none. The engine's own job kinds (:data:`BUILT_IN`) are imported when a worker meets
them, so a Celery worker runs them without listing their module.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, and_, event, or_, select, update
from sqlalchemy.orm import Session

from engine.background import celery_app
from engine.background.celery_app import broker_url
from engine.calendar import clock
from engine.errors import EngineError, NotFound
from engine.storage import db
from engine.storage.tables import Job

log = logging.getLogger("permitflow.jobs")
Runner = Callable[[dict[str, Any], Callable[[float, str], None]], dict[str, Any]]
_RUNNERS: dict[str, Runner] = {}
#: the engine's own job kinds and the module that registers each (imported on first use)
BUILT_IN = {"signal_delivery": "engine.workflow.signals"}
_engine_of_job: ContextVar[Engine | None] = ContextVar("permitflow_job_engine", default=None)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="permitflow-job")
MAX_ATTEMPTS = 2  # a job that kills its worker twice (out of memory...) is not tried again
WORKER_LOST = (
    "The worker running this job stopped (killed, out of memory or restarted) "
    "and did not finish it. Start the job again."
)


def register(kind: str, runner: Runner) -> None:
    """Make ``runner(params, report) -> result`` the code of jobs of ``kind``."""
    _RUNNERS[kind] = runner


def _runner(kind: str) -> Runner | None:
    if kind not in _RUNNERS and kind in BUILT_IN:
        importlib.import_module(BUILT_IN[kind])
    return _RUNNERS.get(kind)


def current_engine() -> Engine:
    """The database of the job this thread runs (a runner opens its own sessions on it)."""
    return _engine_of_job.get() or db.get_engine(db.database_url())


def lease_seconds() -> float:
    """How long a running job stays alive without a heartbeat (``PERMITFLOW_JOB_LEASE``)."""
    return float(os.environ.get("PERMITFLOW_JOB_LEASE") or 45)


def create(session: Session, kind: str, params: dict[str, Any], created_by: str = "") -> Job:
    if _runner(kind) is None:
        raise EngineError(f"No background work of kind {kind!r} is known.")
    job = Job(kind=kind, params=params, created_by=created_by, created_at=clock.now())
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: int) -> Job:
    """Job ``job_id``; a running job whose worker died is shown failed."""
    job = _load(session, job_id)
    _mark_if_dead(job, _cutoff())
    return job


def recent(session: Session, kind: str | None = None, limit: int = 20) -> list[Job]:
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if kind:
        query = query.where(Job.kind == kind)
    rows = list(session.scalars(query))
    cutoff = _cutoff()
    for job in rows:
        _mark_if_dead(job, cutoff)
    return rows


def reap_dead(session: Session) -> list[int]:
    """Record as failed the running jobs whose worker stopped renewing its lease."""
    cutoff, now = _cutoff(), clock.now()
    dead = list(session.scalars(select(Job.id).where(Job.status == "running", _stale(cutoff))))
    if dead:
        session.execute(
            update(Job)
            .where(Job.id.in_(dead), Job.status == "running", _stale(cutoff))
            .values(status="failed", error=WORKER_LOST, finished_at=now)
        )
        log.warning("jobs %s lost their worker; recorded as failed", dead)
    return dead


def _cutoff() -> datetime:
    return clock.now() - timedelta(seconds=lease_seconds())


def _stale(cutoff: datetime):
    return or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff)


def _mark_if_dead(job: Job, cutoff: datetime) -> None:
    if job.status == "running" and (job.heartbeat_at is None or job.heartbeat_at < cutoff):
        job.status, job.error, job.finished_at = "failed", WORKER_LOST, clock.now()


def submit(job_id: int, engine: Engine | None = None) -> None:
    """Run a committed job in the background: on Celery if configured, else a thread."""
    if broker_url():  # engine.background.worker runs it
        celery_app.get_app().send_task("permitflow.run_job", args=[job_id])
        return
    _run_here(job_id, engine)


def submit_after_commit(session: Session, job_ids: list[int], *, now: bool = False) -> None:
    """Hand jobs created in ``session``'s transaction to the workers once it commits.

    Nothing is submitted when the transaction rolls back (its job rows are gone with it).
    ``now`` runs them in the committing thread instead (tests and step-by-step scripts,
    like Celery's ``task_always_eager``), after the session's transaction has ended, so
    the session may be used again meanwhile.
    """
    session.info.setdefault(_PENDING, []).append((list(job_ids), now))
    if not event.contains(session, "after_transaction_end", _hand_over):
        event.listen(session, "after_commit", _mark_committed)
        event.listen(session, "after_transaction_end", _hand_over)


_PENDING = "permitflow.jobs_after_commit"  # session.info: the jobs waiting for the commit
_COMMITTED = "permitflow.jobs_committed"


def _mark_committed(session: Session) -> None:
    if session.info.get(_PENDING) and not session.in_nested_transaction():
        session.info[_COMMITTED] = True  # a savepoint's commit is not the end


def _hand_over(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint ended; the transaction goes on
        return
    pending = session.info.pop(_PENDING, [])
    if not session.info.pop(_COMMITTED, False):
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else None  # in-process: the session's database
    for job_ids, now in pending:
        for job_id in job_ids:
            try:
                if now:
                    run(job_id, engine)
                else:
                    submit(job_id, engine)
            except Exception:  # the job stays queued; adopt_orphans or a retry runs it
                log.exception("job %s not submitted", job_id)


def adopt_orphans(session: Session, engine: Engine | None = None) -> list[int]:
    """Without a broker, run here the jobs queued for longer than a lease that this
    process does not hold: the process they were submitted to may have died before
    starting them. A job still waiting in another live process is run by whichever
    starts it first (:func:`run` claims it); the ticker calls this every round."""
    if broker_url():  # the broker keeps a queued job's message until a worker takes it
        return []
    stale = select(Job.id).where(Job.status == "queued", Job.created_at < _cutoff())
    orphans = [job_id for job_id in session.scalars(stale) if job_id not in _here]
    for job_id in orphans:
        _run_here(job_id, engine)
    if orphans:
        log.warning("jobs %s were queued in a process that did not start them; run here", orphans)
    return orphans


_here: set[int] = set()  # the jobs waiting in or running on this process's thread pool
_here_lock = threading.Lock()


def _run_here(job_id: int, engine: Engine | None) -> None:
    with _here_lock:
        if job_id in _here:
            return
        _here.add(job_id)
    _POOL.submit(_run_and_forget, job_id, engine)


def _run_and_forget(job_id: int, engine: Engine | None) -> None:
    try:
        run(job_id, engine)
    finally:
        with _here_lock:
            _here.discard(job_id)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def run(job_id: int, engine: Engine | None = None) -> str:
    """Execute job ``job_id`` now, recording progress, result or error.

    Does nothing when the job is finished, or alive in another worker (a duplicate
    delivery, or a worker that died a moment ago: ``"busy"``, so the caller may try
    again once the lease could have run out); takes over a job whose worker died unless
    it was tried ``MAX_ATTEMPTS`` times. Returns ``"ran"``, ``"busy"`` or ``"finished"``.
    """
    engine = engine or db.get_engine(db.database_url())
    me = worker_name()
    claimed = _claim(engine, job_id, me)
    if isinstance(claimed, str):
        return claimed
    kind, params = claimed
    runner = _runner(kind)
    if runner is None:
        _finish(engine, job_id, me, "failed", error=f"No background work of kind {kind!r}.")
        return "ran"
    stop = threading.Event()
    threading.Thread(
        target=_heartbeat,
        args=(engine, job_id, me, stop),
        name=f"job-{job_id}-heartbeat",
        daemon=True,
    ).start()

    def report(progress: float, message: str = "") -> None:
        with Session(engine) as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.worker == me)
                .values(
                    progress=max(0.0, min(1.0, progress)),
                    message=message[:300],
                    heartbeat_at=clock.now(),
                )
            )
            s.commit()

    token = _engine_of_job.set(engine)
    try:
        result = runner(params, report)
    except Exception as exc:  # the job's failure is recorded for its owner, not raised
        log.warning("job %s failed: %s", job_id, traceback.format_exc())
        _finish(engine, job_id, me, "failed", error=f"{type(exc).__name__}: {exc}")
        return "ran"
    finally:
        stop.set()
        _engine_of_job.reset(token)
    _finish(engine, job_id, me, "done", result=result)
    return "ran"


def _claim(engine: Engine, job_id: int, me: str) -> tuple[str, dict[str, Any]] | str:
    """Take the job's lease in one UPDATE, so two deliveries never both run it."""
    now = clock.now()
    takeable = or_(
        Job.status == "queued",
        and_(Job.status == "running", _stale(_cutoff()), Job.attempts < MAX_ATTEMPTS),
    )
    with Session(engine) as session:
        job = _load(session, job_id)
        taken: CursorResult = session.execute(  # type: ignore[assignment]
            update(Job)
            .where(Job.id == job_id, takeable)
            .values(
                status="running",
                worker=me,
                started_at=now,
                heartbeat_at=now,
                attempts=Job.attempts + 1,
            )
        )
        if not taken.rowcount:
            session.rollback()
            _refuse_dead(engine, job_id)
            busy = _load(session, job_id).status == "running"
            log.info(
                "job %s is %s; delivery ignored", job_id, "alive elsewhere" if busy else "finished"
            )
            return "busy" if busy else "finished"
        session.commit()
        return job.kind, dict(job.params)


def _load(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No background job {job_id}.")
    return job


def _refuse_dead(engine: Engine, job_id: int) -> None:
    """This job, when dead and out of attempts, is recorded as failed (a dead job with an
    attempt left stays for its next delivery, which takes it over)."""
    with Session(engine) as session:
        session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == "running",
                _stale(_cutoff()),
                Job.attempts >= MAX_ATTEMPTS,
            )
            .values(status="failed", error=WORKER_LOST, finished_at=clock.now())
        )
        session.commit()


def _heartbeat(engine: Engine, job_id: int, me: str, stop: threading.Event) -> None:
    while not stop.wait(lease_seconds() / 3):
        try:
            with Session(engine) as s:
                s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.worker == me, Job.status == "running")
                    .values(heartbeat_at=clock.now())
                )
                s.commit()
        except Exception:  # a lost heartbeat is retried; the lease tolerates two misses
            log.exception("job %s: heartbeat failed", job_id)


def _finish(engine: Engine, job_id: int, me: str, status: str, *, result=None, error=None) -> None:
    values: dict[str, Any] = {"status": status, "finished_at": clock.now()}
    if status == "done":
        values.update(progress=1.0, result=result)
    else:
        values["error"] = error
    with Session(engine) as session:
        session.execute(update(Job).where(Job.id == job_id, Job.worker == me).values(**values))
        session.commit()
