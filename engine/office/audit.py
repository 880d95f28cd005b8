"""The append-only audit log: who did what, when, with which data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
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
