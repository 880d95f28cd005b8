"""Due dates in working days for cases and tasks, and the overdue lists.

A case is due ``maxDays`` working days (its service standard) after it started, plus
the working days it spent returned to the applicant: the clock pauses meanwhile. A
task is due after its own ``pf:maxDays`` (default ``PERMITFLOW_TASK_DAYS``, 2), never
later than its case.
"""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from engine.bpmn.model import Node
from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.storage.tables import CLOCK_RUNNING, Case, HumanTask


def default_task_days() -> int:
    return int(os.environ.get("PERMITFLOW_TASK_DAYS", "2"))


def case_due(started_at: datetime, max_days: int | None, paused_days: int = 0) -> datetime | None:
    """When a case must be finished: ``max_days`` + ``paused_days`` working days after start."""
    if max_days is None:
        return None
    return default_calendar().add_working_days(started_at, max_days + paused_days)


def task_due(created_at: datetime, node: Node | None, case: Case) -> datetime:
    """A task's due moment: its ``pf:maxDays`` working days, capped by the case's due date."""
    days = default_task_days()
    if node is not None:
        raw = node.properties.get("maxDays")
        if raw and raw.strip().isdigit():
            days = int(raw)
    due = default_calendar().add_working_days(created_at, days)
    if case.due_at is not None and case.due_at < due and case.due_at > created_at:
        return case.due_at
    return due


def pause(case: Case) -> None:
    """Stop the case's clock (the case went back to the applicant)."""
    case.paused_at = clock.now()


def resume(case: Case, tasks: list[HumanTask]) -> int:
    """Restart the clock; due dates move by the working days the case was paused."""
    if case.paused_at is None:
        return 0
    calendar = default_calendar()
    days = calendar.working_days_between(case.paused_at, clock.now())
    case.paused_at = None
    if days:
        case.paused_working_days += days
        if case.due_at is not None:
            case.due_at = calendar.add_working_days(case.due_at, days)
        for task in tasks:
            if task.due_at is not None:
                task.due_at = calendar.add_working_days(task.due_at, days)
    return days


def case_is_overdue(now: datetime | None = None) -> ColumnElement[bool]:
    """THE rule for an overdue case, as a SQL condition: its clock runs (running, or
    stopped by an incident: not returned to the applicant, whose clock is paused) and
    its due moment has passed. The case list, the CLI, monitoring and the API use it."""
    return and_(
        Case.status.in_(CLOCK_RUNNING), Case.due_at.is_not(None), Case.due_at < (now or clock.now())
    )


def task_is_overdue(now: datetime | None = None) -> ColumnElement[bool]:
    """An open task past its due moment, in a case whose clock runs (join ``Case``)."""
    return and_(Case.status.in_(CLOCK_RUNNING), HumanTask.due_at < (now or clock.now()))


def overdue_cases(session: Session, now: datetime | None = None) -> list[Case]:
    query = select(Case).where(case_is_overdue(now)).order_by(Case.due_at)
    return list(session.scalars(query))


def overdue_tasks(session: Session, now: datetime | None = None) -> list[HumanTask]:
    query = select(HumanTask).join(Case).where(task_is_overdue(now)).order_by(HumanTask.due_at)
    return list(session.scalars(query))
