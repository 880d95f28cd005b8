"""Timers: due timer events fire when ``tick`` runs (the CLI, the server's ticker, a worker).

Several tickers may run at once. Each case fires in its own transaction: its row is
locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a case another ticker or a clerk
holds is left for the next round) and its due timers are read again inside that
transaction, so a timer cancelled meanwhile never fires and none fires twice; on
SQLite the case's optimistic lock decides. A firing is audited only when SpiffWorkflow
really moved the timer on. SpiffWorkflow reads the time through
:mod:`engine.calendar.clock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import Conflict
from engine.office import audit
from engine.storage.tables import OPEN_STATUSES, Case, CaseStatus, Timer
from engine.workflow import (
    internals,
    messages,  # noqa: F401 - installs the router of thrown messages
    start_events,
)
from engine.workflow.runtime import advance, open_case, timer_due


@dataclass
class Fired:
    tracking_code: str
    element_id: str
    name: str


def due_timers(session: Session, now: datetime | None = None) -> list[Timer]:
    now = now or clock.now()
    query = (
        select(Timer)
        .join(Case, Case.id == Timer.case_id)
        .where(
            Timer.due_at <= now, Case.status.in_(OPEN_STATUSES), Case.status != CaseStatus.INCIDENT
        )
        .order_by(Timer.due_at)
    )
    return list(session.scalars(query))


def tick(session: Session, now: datetime | None = None) -> list[Fired]:
    """Fire every due timer; returns what fired.

    Commits ``session``: the caller's pending changes first, then each case on its own.
    """
    now = now or clock.now()
    session.commit()
    case_ids = sorted({timer.case_id for timer in due_timers(session, now)})
    session.commit()
    fired: list[Fired] = [
        Fired(started.tracking_code, started.element_id, "start")
        for started in start_events.start_due(session, now)  # cases on schedule
    ]
    for case_id in case_ids:
        try:
            fired.extend(fire_case(session, case_id, now))
            session.commit()
        except Conflict:  # a clerk or another ticker changed the case first
            session.rollback()
    return fired


def fire_case(session: Session, case_id: int, now: datetime | None = None) -> list[Fired]:
    """Fire the due timers of one case, re-read under the case's lock (caller commits)."""
    now = now or clock.now()
    query = (
        select(Case)
        .where(
            Case.id == case_id, Case.status.in_(OPEN_STATUSES), Case.status != CaseStatus.INCIDENT
        )
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    case = session.scalars(query).first()
    if case is None:  # finished, cancelled, or being changed right now
        return []
    timers = list(
        session.scalars(
            select(Timer)
            .where(Timer.case_id == case_id, Timer.due_at <= now)
            .order_by(Timer.due_at)
            .execution_options(populate_existing=True)
        )
    )
    if not timers:  # fired or cancelled since the round began
        return []
    running = open_case(case)
    moved: list[Timer] = []

    def fire() -> None:  # inside advance: a failure becomes an incident of the case
        running.workflow.refresh_timers()
        moved.extend(timer for timer in timers if _moved_on(running.workflow, timer.id, now))
        for timer in moved:
            audit.record(
                session,
                "timer_fired",
                actor="system",
                case_id=case.id,
                task_id=timer.id,
                element_id=timer.element_id,
                element_name=timer.name,
                message=f"Timer '{timer.name}' fired",
            )

    advance(session, running, "system", fire)
    return [Fired(case.tracking_code, timer.element_id, timer.name) for timer in moved]


def _moved_on(workflow, task_id: str, now: datetime) -> bool:
    """Whether SpiffWorkflow fired the timer (a cycle waits again, for a later time)."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:  # its sub-process finished
        return True
    if task is None:
        return True
    if task.state != TaskState.WAITING:
        return True
    if not any(isinstance(p, TimerEventDefinition) for p in internals.awaited_definitions(task)):
        return True  # the timer of an event waiting for all its definitions: the rest wait
    due = timer_due(task)
    return due is not None and due > now
