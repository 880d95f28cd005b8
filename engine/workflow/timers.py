"""Timers: due timer events fire when ``tick`` runs (the CLI or a worker).

Each case with a due timer is loaded, its timers refreshed and its engine steps run,
under the case's optimistic lock; a case changed meanwhile is simply retried on the
next tick. SpiffWorkflow reads the time through :mod:`engine.calendar.clock`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import Conflict
from engine.office import audit
from engine.storage.tables import OPEN_STATUSES, Case, Timer
from engine.workflow.runtime import advance, open_case


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
        .where(Timer.due_at <= now, Case.status.in_(OPEN_STATUSES))
        .order_by(Timer.due_at)
    )
    return list(session.scalars(query))


def tick(session: Session, now: datetime | None = None) -> list[Fired]:
    """Fire every due timer; returns what fired. Each case runs in its own savepoint."""
    now = now or clock.now()
    fired: list[Fired] = []
    by_case: dict[int, list[Timer]] = {}
    for timer in due_timers(session, now):
        by_case.setdefault(timer.case_id, []).append(timer)
    for case_id, timers in by_case.items():
        names = [(t.element_id, t.name) for t in timers]
        try:
            with session.begin_nested():
                _fire_case(session, session.get(Case, case_id), names)
        except Conflict:
            continue
        code = session.get(Case, case_id).tracking_code
        fired.extend(Fired(code, element_id, name) for element_id, name in names)
    return fired


def _fire_case(session: Session, case: Case, names: list[tuple[str, str]]) -> None:
    running = open_case(case)
    running.workflow.refresh_timers()
    for element_id, name in names:
        audit.record(
            session,
            "timer_fired",
            actor="system",
            case_id=case.id,
            element_id=element_id,
            element_name=name,
            message=f"Timer '{name}' fired",
        )
    advance(session, running, "system")
