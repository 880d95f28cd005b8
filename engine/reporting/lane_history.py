"""How the lanes of a procedure really worked: waiting and working time from the audit log.

For every completed task of the event log (:func:`engine.reporting.event_log.event_rows`): waiting
is ready -> first claim (or -> completion when nobody claimed it), working is first
claim -> completion. Per lane: the share of the time cases
spent waiting, and the busy share of the lane's clerks over the period's working hours.
These are the "history" figures the procedure analysis uses to name bottlenecks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine.accounts.users import list_users
from engine.calendar.working_days import default_calendar
from engine.office import definitions
from engine.reporting.event_log import event_rows

HOURS_PER_DAY = 8.0


def lane_history(session: Session, key: str) -> dict[str, dict[str, float]]:
    """Per lane id: tasks, mean waiting and working hours, waiting share, utilisation, staff."""
    rows = event_rows(session, key)
    if not rows:
        return {}
    lanes = definitions.get_definition(session, key).lanes  # lane id -> {name, role}
    by_name = {info["name"]: lane_id for lane_id, info in lanes.items()}
    staff = _staff_by_role(session)
    hours = _working_hours(min(r.enabled for r in rows), max(r.end for r in rows))
    figures: dict[str, dict[str, float]] = {}
    for lane_name in sorted({r.lane for r in rows}):
        lane_id = by_name.get(lane_name, lane_name)
        mine = [r for r in rows if r.lane == lane_name]
        # a task nobody claimed waited until it was completed
        waiting = sum(_seconds(r.enabled, r.start if r.claimed else r.end) for r in mine)
        working = sum(_seconds(r.start, r.end) for r in mine if r.claimed)
        clerks = staff.get(lanes.get(lane_id, {}).get("role", ""), 0)
        figures[lane_id] = {
            "tasks": len(mine),
            "waiting_hours": waiting / 3600 / len(mine),
            "working_hours": working / 3600 / len(mine),
            "waiting_share": waiting / (waiting + working) if waiting + working else 0.0,
            "utilisation": min(1.0, working / 3600 / (clerks * hours)) if clerks else 0.0,
            "staff": clerks,
        }
    return figures


def _seconds(start: datetime | None, end: datetime | None) -> float:
    return max(0.0, (end - start).total_seconds()) if start and end else 0.0


def _working_hours(start: datetime, end: datetime) -> float:
    days = default_calendar().working_days_between(start, end) + 1
    return days * HOURS_PER_DAY


def _staff_by_role(session: Session) -> dict[str, int]:
    staff: dict[str, int] = {}
    for user in list_users(session):
        if user.is_active:
            for role in user.role_names:
                staff[role] = staff.get(role, 0) + 1
    return staff
