"""The append-only audit log: who did what, when, with which data.

The data of the entries that carry form values (a case started, a task completed...) is
stored encrypted (``{"sealed": ...}``, :mod:`engine.privacy.crypto`): personal values never
sit in the log in clear text. :func:`data_of` opens it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.privacy import crypto
from engine.storage.tables import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    actor: str = "",
    case_id: int | None = None,
    task_id: str | None = None,
    element_id: str | None = None,
    element_name: str = "",
    lane: str = "",
    message: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; there is deliberately no update or delete."""
    if data and action in SEALED_ACTIONS:
        data = {"sealed": crypto.seal_text(json.dumps(data, default=str))}
    entry = AuditEntry(
        at=clock.now(),
        action=action,
        actor=actor,
        case_id=case_id,
        task_id=task_id,
        element_id=element_id,
        element_name=element_name,
        lane=lane,
        message=message,
        data=data,
    )
    session.add(entry)
    return entry


# actions whose data holds form values or a message's payload (personal data among them):
# retention clears it. Every action's data is stored encrypted (AuditEntry.data is SealedJSON)
SEALED_ACTIONS = frozenset(
    {
        "case_started",
        "task_completed",
        "case_resumed",
        "incident_opened",
        "data_corrected",
        "message_received",
    }
)


def data_of(entry: AuditEntry) -> dict[str, Any] | None:
    """The entry's data, opened when sealed."""
    data = entry.data
    if isinstance(data, dict) and set(data) == {"sealed"}:
        return json.loads(crypto.open_text(data["sealed"]))
    return data


def case_history(session: Session, case_id: int) -> list[AuditEntry]:
    """Every entry of a case, oldest first."""
    query = select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id)
    return list(session.scalars(query))


def entries(session: Session, *, action: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest entries, optionally of one action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))


def task_history(session: Session, task_id: str) -> list[AuditEntry]:
    """Every entry about one task (created, claimed, completed...), oldest first."""
    query = select(AuditEntry).where(AuditEntry.task_id == task_id).order_by(AuditEntry.id)
    return list(session.scalars(query))


# how a conflict message names what the winner did
_DONE = {
    "task_claimed": "claimed",
    "task_unclaimed": "released",
    "task_completed": "completed",
    "case_returned": "returned to the applicant",
    "case_resumed": "answered by the applicant",
    "case_cancelled": "cancelled",
    "case_completed": "finished",
    "timer_fired": "moved on by its timer",
    "message_received": "moved on by a message",
}


def who_changed(session: Session, *, case_id: int | None = None, task_id: str | None = None) -> str:
    """The newest committed change of a case or task, for a conflict message.

    E.g. "completed by ani"; an empty string when the log says nothing.
    """
    query = (
        select(AuditEntry.action, AuditEntry.actor)
        .where(AuditEntry.action.in_(_DONE))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if task_id is not None:
        query = query.where(AuditEntry.task_id == task_id)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    row = session.execute(query).first()
    if row is None:
        return ""
    action, actor = row
    return f"{_DONE.get(action, action.replace('_', ' '))} by {actor or 'the system'}"
