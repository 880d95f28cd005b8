"""How the lanes of a procedure really worked: waiting and working time from the audit log.

For every completed task: waiting is ready -> first claim (or -> completion when nobody
claimed it), working is first claim -> completion. Per lane: the share of the time cases
spent waiting, and the busy share of the lane's clerks over the period's working hours.
These are the "history" figures the procedure analysis uses to name bottlenecks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import definitions
from engine.tables import AuditEntry, Case
from engine.users import list_users
from engine.working_days import default_calendar

HOURS_PER_DAY = 8.0


def task_times(session: Session, key: str) -> list[dict[str, Any]]:
    """One row per completed task of ``key``: element, lane name, ready, claimed, completed."""
    query = (
        select(AuditEntry)
        .join(Case, Case.id == AuditEntry.case_id)
        .where(Case.process_key == key,
               AuditEntry.action.in_(("task_created", "task_claimed", "task_completed")))
        .order_by(AuditEntry.id)
    )
    open_rows: dict[str, dict[str, Any]] = {}
    done: list[dict[str, Any]] = []
    for entry in session.scalars(query):
        if entry.action == "task_created":
            open_rows[entry.task_id] = {"element": entry.element_id, "lane": entry.lane,
                                        "ready": entry.at, "claimed": None}
        elif entry.task_id in open_rows:
            row = open_rows[entry.task_id]
            if entry.action == "task_claimed":
                row["claimed"] = row["claimed"] or entry.at
            else:
                row["completed"] = entry.at
                done.append(open_rows.pop(entry.task_id))
    return done


def lane_history(session: Session, key: str) -> dict[str, dict[str, float]]:
    """Per lane id: tasks, mean waiting and working hours, waiting share, utilisation, staff."""
    rows = task_times(session, key)
    if not rows:
        return {}
    lanes = definitions.get_definition(session, key).lanes  # lane id -> {name, role}
    by_name = {info["name"]: lane_id for lane_id, info in lanes.items()}
    staff = _staff_by_role(session)
    hours = _working_hours(min(r["ready"] for r in rows), max(r["completed"] for r in rows))
    figures: dict[str, dict[str, float]] = {}
    for lane_name in sorted({r["lane"] for r in rows}):
        lane_id = by_name.get(lane_name, lane_name)
        mine = [r for r in rows if r["lane"] == lane_name]
        waiting = sum(_seconds(r["ready"], r["claimed"] or r["completed"]) for r in mine)
        working = sum(_seconds(r["claimed"], r["completed"]) for r in mine if r["claimed"])
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
