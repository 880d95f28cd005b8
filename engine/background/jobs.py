"""Background jobs: recorded in the database, run by Celery workers or in-process.

A job row carries its kind, parameters, progress and result, so any web process can
show it. :func:`submit` hands the job to Celery when ``PERMITFLOW_BROKER_URL`` is set,
else runs it on a local thread pool; either way the worker calls the registered
function with a ``report(progress, message)`` callback.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError, NotFound
from engine.storage import db
from engine.storage.tables import Job

log = logging.getLogger("permitflow.jobs")
Runner = Callable[[dict[str, Any], Callable[[float, str], None]], dict[str, Any]]
_RUNNERS: dict[str, Runner] = {}
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="permitflow-job")


def register(kind: str, runner: Runner) -> None:
    """Make ``runner(params, report) -> result`` the code of jobs of ``kind``."""
    _RUNNERS[kind] = runner


def create(session: Session, kind: str, params: dict[str, Any], created_by: str = "") -> Job:
    if kind not in _RUNNERS:
        raise EngineError(f"No background work of kind {kind!r} is known.")
    job = Job(kind=kind, params=params, created_by=created_by, created_at=clock.now())
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No background job {job_id}.")
    return job


def recent(session: Session, kind: str | None = None, limit: int = 20) -> list[Job]:
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if kind:
        query = query.where(Job.kind == kind)
    return list(session.scalars(query))


def broker_url() -> str | None:
    return os.environ.get("PERMITFLOW_BROKER_URL") or None


def submit(job_id: int, engine: Engine | None = None) -> None:
    """Run a committed job in the background: on Celery if configured, else a thread."""
    if broker_url():
        from engine.background.worker import run_job_task

        run_job_task.delay(job_id)
        return
    _POOL.submit(run, job_id, engine)


def run(job_id: int, engine: Engine | None = None) -> None:
    """Execute job ``job_id`` now, recording progress, result or error."""
    engine = engine or db.get_engine(db.database_url())
    with Session(engine) as session:
        job = get(session, job_id)
        job.status, job.started_at = "running", clock.now()
        kind, params = job.kind, dict(job.params)
        session.commit()

    def report(progress: float, message: str = "") -> None:
        with Session(engine) as s:
            row = get(s, job_id)
            row.progress, row.message = max(0.0, min(1.0, progress)), message[:300]
            s.commit()

    try:
        result = _RUNNERS[kind](params, report)
    except Exception as exc:  # the job's failure is recorded for its owner, not raised
        log.warning("job %s failed: %s", job_id, traceback.format_exc())
        _finish(engine, job_id, "failed", error=f"{type(exc).__name__}: {exc}")
        return
    _finish(engine, job_id, "done", result=result)


def _finish(engine: Engine, job_id: int, status: str, *, result=None, error=None) -> None:
    with Session(engine) as session:
        job = get(session, job_id)
        job.status, job.finished_at = status, clock.now()
        job.result, job.error = result, error
        if status == "done":
            job.progress = 1.0
        session.commit()
