"""The web side of case migration; the work is :mod:`engine.workflow.migration`'s."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.services import migrate_cases, plan_migration


def plan(session: Session, key: str, from_version: int, to_version: int):
    """The dry run: one check per running case (can it move, and why not). Nothing is saved."""
    checks = plan_migration(session, key, from_version, to_version)
    session.rollback()
    return checks


def migrate(
    session: Session,
    key: str,
    from_version: int,
    to_version: int,
    *,
    actor: str,
    case_ids: list[int],
) -> int:
    """Move the chosen cases; returns how many moved."""
    if not case_ids:
        return 0
    checks = migrate_cases(session, key, from_version, to_version, actor=actor, case_ids=case_ids)
    return sum(1 for check in checks if check.migrated)
