"""The web side of case migration; the work is :mod:`engine.case_migration`'s.

Guarded so the rest of the designer pages work when that module is not installed yet:
:func:`plan` then returns None and the page says so.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy.orm import Session


def available() -> bool:
    try:
        import engine.case_migration  # noqa: F401
    except ImportError:
        return False
    return True


def plan(session: Session, key: str, from_version: int, to_version: int):
    """The dry run: one check per running case (can it move, and why not). Nothing is saved."""
    if not available():
        return None
    from engine.case_migration import plan_migration

    checks = plan_migration(session, key, from_version, to_version)
    session.rollback()
    return checks


def migrate(session: Session, key: str, from_version: int, to_version: int, *, actor: str,
            case_ids: list[int]) -> int:  # fmt: skip
    """Move the chosen cases; returns how many moved."""
    if not available():
        abort(404)
    if not case_ids:
        return 0
    from engine.case_migration import migrate_cases

    checks = migrate_cases(session, key, from_version, to_version, actor=actor, case_ids=case_ids)
    return sum(1 for check in checks if check.migrated)
