"""Start events that create cases: timer start events on schedule, message start events.

The ticker calls :func:`start_due`: each due :class:`ScheduledStart` is claimed with a
compare-and-set of its ``due_at`` (two tickers, or a ticker and a retry, start one case
per due time, on SQLite and PostgreSQL), a case of its version is started and its timer
start event fired, and the next due start recorded (:mod:`engine.workflow.schedules`).

:func:`start_by_message` starts a case of each deployed procedure (newest version)
whose top-level start event catches the message (any one of a start event's several
message definitions); the case stores the payload the way any catching element does
(only the fields its ``pf:messageData`` declares).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Delete, Update, delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError, InvalidState, ProcessNotFound
from engine.office import audit, cases, definitions
from engine.storage.tables import Case, CaseStatus, ProcessDefinition, ScheduledStart
from engine.workflow import internals, messages
from engine.workflow.runtime import Running, advance, open_case
from engine.workflow.schedules import next_start

__all__ = [
    "Started",
    "deliver_message",
    "message_starts",
    "start_by_message",
    "start_due",
    "starts_by_itself",
]

SYSTEM = "system"


@dataclass
class Started:
    tracking_code: str
    process_key: str
    element_id: str


def start_due(session: Session, now: datetime | None = None) -> list[Started]:
    """Start a case for every due scheduled start; commits each on its own."""
    now = now or clock.now()
    session.commit()
    due = list(
        session.execute(
            select(ScheduledStart.id, ScheduledStart.due_at)
            .where(ScheduledStart.due_at <= now)
            .order_by(ScheduledStart.due_at)
        )
    )
    started: list[Started] = []
    for row_id, due_at in due:
        try:
            case = _claim_and_start(session, row_id, due_at, now)
            session.commit()
        except EngineError as exc:  # this start fails; the others (and the timers) go on
            session.rollback()
            _skip(session, row_id, due_at, now, exc.message)
            session.commit()
            continue
        except Exception:
            session.rollback()
            raise
        if case is not None:
            started.append(case)
    return started


def _claim_and_start(
    session: Session, row_id: int, due_at: datetime, now: datetime
) -> Started | None:
    row = session.get(ScheduledStart, row_id, populate_existing=True)
    if row is None:
        return None
    kind, _, expression = row.expression.partition(":")
    following = next_start(kind, expression, max(due_at, now))
    mine = (ScheduledStart.id == row_id) & (ScheduledStart.due_at == due_at)
    claim: Update | Delete
    if following is None:  # the last start of the timer
        claim = delete(ScheduledStart).where(mine)
    else:
        claim = (
            update(ScheduledStart)
            .where(mine)
            .values(started=ScheduledStart.started + 1, due_at=following[0], remaining=following[1])
        )
    result = session.execute(claim, execution_options={"synchronize_session": False})
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:  # another ticker started this one
        return None
    definition = session.get(ProcessDefinition, row.definition_id)
    assert definition is not None
    case = cases.start_case(
        session, definition.key, {}, started_by=SYSTEM, version=definition.version
    )
    if case.status == CaseStatus.RUNNING:
        _fire_start_timer(session, case, row.element_id)
    audit.record(
        session,
        "case_started_on_schedule",
        actor=SYSTEM,
        case_id=case.id,
        element_id=row.element_id,
        message=f"Case {case.tracking_code} started by the timer start event "
        f"'{row.element_id}' due {due_at.isoformat()}",
    )
    return Started(case.tracking_code, definition.key, row.element_id)


def _skip(session: Session, row_id: int, due_at: datetime, now: datetime, reason: str) -> None:
    """Move a start that failed on to its next due time, saying why in the audit log."""
    row = session.get(ScheduledStart, row_id, populate_existing=True)
    if row is None or row.due_at != due_at:
        return
    kind, _, expression = row.expression.partition(":")
    try:
        following = next_start(kind, expression, max(due_at, now))
    except EngineError:  # the timer has no next start either: it starts no more cases
        following = None
    audit.record(
        session,
        "scheduled_start_failed",
        actor=SYSTEM,
        element_id=row.element_id,
        message=f"The scheduled start of {row.process_key} due {due_at.isoformat()} "
        f"started no case: {reason}",
    )
    if following is None:
        session.delete(row)
    else:
        row.due_at, row.remaining = following


def _fire_start_timer(session: Session, case: Case, element_id: str) -> None:
    """Fire the case's waiting timer start event ``element_id`` now (the schedule was due)."""
    running = open_case(case)

    def fire() -> None:
        for task in running.workflow.get_tasks(state=TaskState.WAITING):
            if getattr(task.task_spec, "bpmn_id", None) == element_id:
                internals.mark_event_fired(task)
                internals.refresh(task)
        others = [
            t
            for t in running.workflow.get_tasks(state=TaskState.WAITING)
            if t.task_spec.bpmn_id != element_id and _is_start(t)
        ]
        for task in others:  # the other start events of the process: this case began here
            task.cancel()

    advance(session, running, SYSTEM, fire)


def _is_start(task) -> bool:
    return (
        type(task.task_spec).__name__ == "StartEvent"
        and task.parent is not None
        and (task.parent.task_spec.name == "Start")
    )


def starts_by_itself(definition: ProcessDefinition) -> bool:
    """Whether cases of the procedure start only on its schedule or by a message (every
    top-level start event has a timer or message): no applicant or clerk starts one."""
    process = definitions.model_for(definition).processes[definition.key]
    starts = [n for n in process.start_events() if n.parent_id is None]
    return bool(starts) and all(n.event_definitions for n in starts)


def message_starts(session: Session, name: str) -> list[ProcessDefinition]:
    """The newest versions of the deployed procedures a message ``name`` starts."""
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    found = []
    for definition in session.scalars(
        select(ProcessDefinition)
        .join(
            newest,
            (ProcessDefinition.key == newest.c.key)
            & (ProcessDefinition.version == newest.c.version),
        )
        .order_by(ProcessDefinition.key)
    ):
        model = definitions.model_for(definition)
        if name in _start_messages(model, definition.key):
            found.append(definition)
    return found


def _start_messages(model, key: str) -> set[str]:
    """Names of the messages the top-level start events of ``key`` catch (each of an
    event with several message definitions: any one of them starts a case)."""
    return {
        model.messages.get(ref, ref)
        for node in model.processes[key].start_events()
        if node.parent_id is None
        for ref in node.message_refs
        if ref
    }


def start_by_message(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    actor: str = SYSTEM,
    thrower: Case | None = None,
) -> list[Case]:
    """Start a case of every procedure whose start event catches message ``name``
    (thrown by ``thrower``, whose applicant's the cases are: :func:`messages.take_applicant`).

    Raises :class:`ProcessNotFound` when no deployed procedure starts on it.
    """
    targets = message_starts(session, name)
    if not targets:
        raise ProcessNotFound(f"No deployed procedure starts on the message {name!r}.")
    started = []
    for definition in targets:
        case = cases.start_case(
            session, definition.key, {}, started_by=actor, version=definition.version
        )
        if thrower is not None:
            messages.take_applicant(thrower, case)
        messages.deliver(session, case, name, payload, actor=actor)
        started.append(case)
    return started


#: how deep messages may start cases that start cases before the chain is stopped
MAX_CHAIN = 8
_chain: ContextVar[int] = ContextVar("message_start_chain", default=0)  # per thread/request


def start_for_thrown(
    session: Session, source: Running, name: str, payload: dict[str, Any], actor: str
) -> bool:
    """Start the procedures whose start event catches message ``name``, thrown by
    ``source`` and taken by no waiting case; False when none starts on it."""
    if not message_starts(session, name) or _chain.get() >= MAX_CHAIN:
        return False
    depth = _chain.set(_chain.get() + 1)
    try:
        started = start_by_message(session, name, payload, actor=actor, thrower=source.case)
    finally:
        _chain.reset(depth)
    codes = ", ".join(case.tracking_code for case in started)
    audit.record(
        session,
        "message_started_case",
        actor=actor,
        case_id=source.case.id,
        message=f"Message '{name}' matched no waiting case; it started case {codes}",
    )
    return True


messages.start_unmatched_with(start_for_thrown)


def deliver_message(
    session: Session,
    case: Case | None,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    actor: str = SYSTEM,
) -> list[Case]:
    """Deliver message ``name`` to ``case``; without a case, start the procedures whose
    start event catches it. Returns the cases it reached."""
    if case is not None:
        messages.deliver(session, case, name, payload, actor=actor)
        return [case]
    if not isinstance(payload, dict | None):
        raise InvalidState("A message's payload must be a set of named values.")
    return start_by_message(session, name, payload, actor=actor)
