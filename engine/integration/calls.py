"""Service task calls in the background: claimed once, retried with backoff, answered.

When a case's save records a waiting service task (:mod:`engine.workflow.service_tasks`),
a background job (:mod:`engine.background.jobs`: Celery when a broker is set, a local
thread otherwise) is submitted once the transaction commits; ``permitflow tick`` and
the ticker also pick up calls whose job was lost. No web request waits for another
system.

A call is claimed with a lease in one UPDATE (only one worker makes it). Its inputs
are evaluated on the case data, the connector is called up to ``1 + retries`` times
(pausing ``backoff * 2**n`` seconds), and then, in a new transaction, the outputs are
mapped into the case and it moves on; or, after the last failure, the case gets an
incident that an admin retries at ``/admin/incidents`` (the call is made again).
Every attempt is logged (connector, operation, status, duration) without the data.

``PERMITFLOW_CALLS_EAGER=1`` (tests and scripts that walk a procedure step by step, like
Celery's ``task_always_eager``): without a broker, a call is made in the committing
thread as soon as its case is committed, so the commit returns with the case moved on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, Engine, and_, event, inspect, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.background import jobs
from engine.background.celery_app import broker_url
from engine.bpmn.model import ServiceCall
from engine.calendar import clock
from engine.errors import Conflict, EngineError, InvalidState
from engine.expressions import language
from engine.integration import client, registry
from engine.office import audit
from engine.storage import db
from engine.storage.tables import Case, Connector, ServiceCallRow
from engine.workflow import runtime, service_tasks

log = logging.getLogger("permitflow.integration")
JOB_KIND = "service_call"
MAX_PAUSE = 60.0  # seconds between two attempts at most
_ENGINES: dict[str, Engine] = {}
_HERE = threading.local()


def _lease(connector: Connector | None) -> timedelta:
    if connector is None:
        return timedelta(seconds=60)
    worst = (connector.retries + 1) * connector.timeout_seconds
    pauses = sum(min(connector.backoff_seconds * 2**n, MAX_PAUSE) for n in range(connector.retries))
    return timedelta(seconds=worst + pauses + 30)


def _submit_after_commit(session: Session, call_ids: list[str]) -> None:
    """Create one job per new call; hand them to the workers once the case is committed."""
    created = [jobs.create(session, JOB_KIND, {"call": call_id}) for call_id in call_ids]
    bind = session.get_bind()
    if isinstance(bind, Engine):  # an in-process job uses the database of the case
        _ENGINES.update({call_id: bind for call_id in call_ids})

    committed: list[bool] = []

    def submit(_session: Session) -> None:
        committed.append(True)
        engine = bind if isinstance(bind, Engine) else None
        for job in created:
            try:
                _hand_over(job.id, engine)
            except Exception:  # the ticker picks the call up later
                log.exception("service call job %s not submitted", job.id)
        if eager() and engine is not None:
            _reload_cases(_session, engine)  # the case moved on in the call's transaction

    def forget(_session: Session, _previous=None) -> None:  # rolled back: no job to submit
        if committed:
            return
        if event.contains(session, "after_commit", submit):
            event.remove(session, "after_commit", submit)
        for call_id in call_ids:
            _ENGINES.pop(call_id, None)

    event.listen(session, "after_commit", submit, once=True)
    event.listen(session, "after_rollback", forget, once=True)


def _reload_cases(session: Session, engine: Engine) -> None:
    """Give the committing session's case objects (cases, their tasks, calls...) the values
    the calls committed: loaded afresh rather than expired, so an object its caller keeps
    after closing the session stays readable."""
    stale = [
        o
        for o in session.identity_map.values()
        if isinstance(o, Case) or hasattr(type(o), "case_id")
    ]
    with Session(engine) as fresh:
        for obj in stale:
            state = inspect(obj)
            current = fresh.get(state.mapper.class_, state.identity)
            if current is None:
                continue
            for column in state.mapper.column_attrs:
                set_committed_value(obj, column.key, getattr(current, column.key))


def eager() -> bool:
    """Calls are made in the committing thread (``PERMITFLOW_CALLS_EAGER`` or inside
    :func:`eagerly`), unless a broker is set."""
    wanted = os.environ.get("PERMITFLOW_CALLS_EAGER", "") not in ("", "0")
    return (wanted or getattr(_HERE, "eager", False)) and not broker_url()


@contextmanager
def eagerly() -> Iterator[None]:
    """Within this block, this thread makes a call as soon as its case is committed (a
    script that walks procedures step by step, such as the demo's sample cases)."""
    before = getattr(_HERE, "eager", False)
    _HERE.eager = True
    try:
        yield
    finally:
        _HERE.eager = before


def _hand_over(job_id: int, engine: Engine | None) -> None:
    if eager():
        jobs.run(job_id, engine)
    else:
        jobs.submit(job_id, engine)


def _run_job(params: dict[str, Any], report) -> dict[str, Any]:
    call_id = str(params["call"])
    return {"outcome": run_call(call_id, _ENGINES.pop(call_id, None))}


service_tasks.on_new_calls.append(_submit_after_commit)
jobs.register(JOB_KIND, _run_job)


def run_pending(engine: Engine | None = None, limit: int = 20) -> int:
    """Make the due calls no job is making (lost jobs, expired leases); returns how many."""
    engine = engine or db.get_engine(db.database_url())
    with Session(engine) as session:
        ids = list(session.scalars(select(ServiceCallRow.id).where(_takeable()).limit(limit)))
    return sum(1 for call_id in ids if run_call(call_id, engine) != "busy")


def _takeable():
    now = clock.now()
    return or_(
        ServiceCallRow.status == "pending",
        and_(ServiceCallRow.status == "running", ServiceCallRow.claimed_until < now),
    )


def run_call(call_id: str, engine: Engine | None = None) -> str:
    """Make call ``call_id`` if nobody else is: ``"done"``, ``"incident"`` or ``"busy"``."""
    engine = engine or db.get_engine(db.database_url())
    prepared = _claim_and_prepare(engine, call_id)
    if isinstance(prepared, str):
        return prepared
    connector, operation, values, case_id = prepared
    answer, error = _attempts(engine, call_id, connector, operation, values, case_id)
    with Session(engine, expire_on_commit=False) as session:
        outcome = _apply(session, call_id, answer, error)
        session.commit()
    return outcome


def _claim_and_prepare(engine: Engine, call_id: str):
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(ServiceCallRow, call_id)
        if row is None:
            return "busy"
        connector = session.scalar(select(Connector).where(Connector.name == row.connector))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                select(ServiceCallRow.id)
                .where(ServiceCallRow.id == call_id)
                .with_for_update(skip_locked=True)
            )
        taken: CursorResult = session.execute(  # type: ignore[assignment]
            update(ServiceCallRow)
            .where(ServiceCallRow.id == call_id, _takeable())
            .values(status="running", claimed_until=clock.now() + _lease(connector))
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:
            session.rollback()
            return "busy"
        session.commit()
        row = session.get(ServiceCallRow, call_id, populate_existing=True)
        assert row is not None
        try:
            values = _inputs(session, row)
        except EngineError as exc:
            session.commit()
            return _early(engine, call_id, f"its inputs could not be evaluated: {exc}")
        if connector is None:
            return _early(engine, call_id, f"Connector {row.connector!r} is no longer registered.")
        session.expunge(connector)
        return connector, row.operation, values, row.case_id


def _early(engine: Engine, call_id: str, message: str) -> str:
    with Session(engine, expire_on_commit=False) as session:
        outcome = _apply(session, call_id, None, message)
        session.commit()
    return outcome


def _service_of(case: Case, element_id: str) -> ServiceCall:
    from engine.office import definitions

    found = definitions.locate(case.definition, element_id)
    service = found[1].service if found else None
    if service is None:
        raise EngineError(f"{element_id} is not a service task with a connector.")
    return service


def _inputs(session: Session, row: ServiceCallRow) -> dict[str, Any]:
    case = session.get(Case, row.case_id)
    assert case is not None
    data = service_tasks.data_of(runtime.peek_workflow(case), row.id)
    service = _service_of(case, row.element_id)
    return {name: language.evaluate(expression, data) for name, expression in service.inputs}


def _attempts(engine, call_id, connector, operation, values, case_id):
    """Call up to ``1 + retries`` times; ``(answer, None)`` or ``(None, error message)``."""
    error = ""
    for attempt in range(connector.retries + 1):
        if attempt:
            time.sleep(min(connector.backoff_seconds * 2 ** (attempt - 1), MAX_PAUSE))
        with Session(engine) as session:
            try:
                answer = client.call(session, connector, operation, values, case_id=case_id)
            except client.CallFailed as exc:
                error = str(exc)
                answer = None
                retry = exc.retryable
            session.execute(
                update(ServiceCallRow)
                .where(ServiceCallRow.id == call_id)
                .values(
                    attempts=ServiceCallRow.attempts + 1,
                    last_status=answer.status if answer else None,
                )
            )
            session.commit()
        if answer is not None:
            return answer, None
        if not retry:
            break
    return None, error


def _apply(session: Session, call_id: str, answer, error: str | None) -> str:
    row = session.get(ServiceCallRow, call_id)
    assert row is not None
    case = session.get(Case, row.case_id)
    assert case is not None
    actor = f"connector:{row.connector}"
    row.finished_at = clock.now()
    try:
        running = runtime.open_case(case)
        if answer is None:
            row.status, row.error = "failed", (error or "")[:2000]
            message = (
                f"{row.connector}.{row.operation} failed after {row.attempts} attempt(s): "
                f"{error}. Retry once the system answers again."
            )
            detail = {
                "code": "connector_failed",
                "params": {
                    "connector": row.connector,
                    "operation": row.operation,
                    "attempts": row.attempts,
                    "error": (error or "")[:300],
                },
            }
            runtime.fail_service_task(session, running, call_id, message, actor, detail)
            _audit(session, row, "failed", answer)
            return "incident"
        service = _service_of(case, row.element_id)
        values = service_tasks.mapped_answer(service, answer.fields)
    except EngineError as exc:
        if answer is None or isinstance(exc, (Conflict, InvalidState)):
            row.status, row.error = "abandoned", str(exc)[:2000]
            return "abandoned"
        return _apply(session, call_id, None, f"the answer could not be mapped: {exc}")
    row.status = "done"
    _audit(session, row, "ok", answer)
    incident = runtime.advance(
        session, running, actor, lambda: service_tasks.answer(running.workflow, call_id, values)
    )
    return "incident" if incident else "done"


def _audit(session: Session, row: ServiceCallRow, outcome: str, answer) -> None:
    audit.record(
        session,
        "service_call",
        actor=f"connector:{row.connector}",
        case_id=row.case_id,
        task_id=row.id,
        element_id=row.element_id,
        message=f"{row.connector}.{row.operation}: {outcome}",
        data={
            "connector": row.connector,
            "operation": row.operation,
            "outcome": outcome,
            "attempts": row.attempts,
            "status": answer.status if answer else row.last_status,
            "duration_ms": answer.duration_ms if answer else None,
        },
    )


def recent_calls(session: Session, limit: int = 50) -> list:
    """The latest external calls (for the admin page)."""
    from engine.storage.tables import ConnectorCallLog

    return list(
        session.scalars(select(ConnectorCallLog).order_by(ConnectorCallLog.id.desc()).limit(limit))
    )


__all__ = ["JOB_KIND", "eagerly", "recent_calls", "registry", "run_call", "run_pending"]
