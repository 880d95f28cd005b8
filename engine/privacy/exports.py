"""Event log exports and calibration without personal data, unless an admin asks.

By default cases and resources are keyed pseudonyms
(:func:`engine.reporting.event_log.pseudonymised`); ``--with-personal`` needs the admin
role and is written to the access log (who, which procedure, why).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.accounts.users import roles_of
from engine.errors import NotAllowed
from engine.office.access import ADMIN_ROLE
from engine.privacy import access_log
from engine.reporting.event_log import EventRow, pseudonymised


def rows_for_export(
    session: Session,
    key: str,
    rows: list[EventRow],
    *,
    with_personal: bool = False,
    actor: str = "",
    purpose: str = "event log export",
) -> list[EventRow]:
    """``rows`` pseudonymised, or as they are for an admin (logged)."""
    if not with_personal:
        return pseudonymised(rows)
    if not actor or ADMIN_ROLE not in roles_of(session, actor):
        raise NotAllowed(
            "Exporting with personal data (tracking codes, staff names) needs an admin: "
            "pass --as ADMIN_USERNAME, or leave out --with-personal for pseudonyms."
        )
    access_log.record(
        session,
        "exported",
        actor=actor,
        field_id="case codes,resources",
        reason=f"{purpose} of {key} with personal data ({len(rows)} rows)",
    )
    return rows
