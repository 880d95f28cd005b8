"""The web side of case migration; the work is :mod:`engine.workflow.migration`'s."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from engine.services import migrate_cases, plan_migration

#: the engine's migration reasons (engine.workflow.migration.REASONS) in the reader's words
REASONS = {
    "can_move": _l("can move to version %(target)s"),
    "not_comparable": _l(
        "its state cannot be compared with version %(target)s; it stays on its version"
    ),
    "not_comparable_in_event_subprocess": _l(
        "its state cannot be compared with version %(target)s while event sub-process "
        "'%(step)s' runs; it stays on its version"
    ),
    "sub_process_removed": _l("its sub-process '%(step)s' was removed in version %(target)s"),
    "step_removed": _l("step '%(step)s' was removed in version %(target)s"),
    "done_step_removed": _l(
        "step '%(step)s', already done, no longer exists in version %(target)s"
    ),
    "changed_type": _l("the case is at '%(step)s', which changed its type"),
    "changed_event": _l("the case is at '%(step)s', which now waits for another kind of event"),
    "changed_lane": _l("the case is at '%(step)s', which changed its lane"),
    "engine_refused": _l("the engine could not move its state"),
    "changed_meanwhile": _l("the case changed meanwhile; check it again"),
}


def reason_text(check) -> str:
    """Why a case can or cannot move, in the reader's language."""
    template = REASONS.get(check.reason_key)
    if template is None:
        return check.reason
    return str(template) % {"target": "", "step": "", **check.reason_params}


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
