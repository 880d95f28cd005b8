"""Event log exports and calibration without personal data, unless a proven admin asks.

By default cases and resources are keyed pseudonyms
(:func:`engine.reporting.event_log.pseudonymised`); ``--with-personal`` needs proof that
the caller is an active admin (:class:`AdminProof`: their API token, or their username and
password; a name alone proves nothing at a shell) and is written to the access log under
the proven name (who, which procedure, why).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.accounts import api_tokens
from engine.accounts.passwords import check_password_or_dummy
from engine.accounts.users import find_user, roles_of
from engine.errors import NotAllowed
from engine.office.access import ADMIN_ROLE
from engine.privacy import access_log
from engine.reporting.event_log import EventRow, pseudonymised
from engine.storage.tables import User

HOW = (
    "set PERMITFLOW_API_TOKEN (or --token) to an admin's API token, or give --as USERNAME "
    "and that admin's password when asked; or leave out --with-personal for pseudonyms"
)


class NotProven(NotAllowed):
    """Personal data was asked for without proof of an active admin."""

    code = "not_proven"


@dataclass(frozen=True)
class AdminProof:
    """Who claims to be an admin, and the secret that shows it."""

    token: str = ""
    username: str = ""
    password: str = ""


def proven_admin(session: Session, proof: AdminProof | None) -> str:
    """The username ``proof`` shows to be an active admin, else :class:`NotProven`."""
    proof = proof or AdminProof()
    user = _proven_user(session, proof)
    if not user.is_active:
        raise NotProven(f"{user.username} is not an active user: {HOW}.")
    if ADMIN_ROLE not in roles_of(session, user.username):
        raise NotProven(f"Exporting with personal data needs an admin; {user.username} is not.")
    return user.username


def _proven_user(session: Session, proof: AdminProof) -> User:
    if proof.token:
        try:
            user = api_tokens.authenticate(session, proof.token)
        except NotAllowed as exc:
            raise NotProven(f"{exc.message} Personal data needs proof: {HOW}.") from None
        if proof.username and proof.username != user.username:
            raise NotProven(f"The API token is not {proof.username}'s: {HOW}.")
        return user
    if not proof.username or not proof.password:
        raise NotProven(f"Exporting with personal data needs proof of an admin: {HOW}.")
    found = find_user(session, proof.username)
    stored = found.password_hash if found is not None else None
    if found is None or not check_password_or_dummy(stored, proof.password):
        raise NotProven(f"Wrong username or password for {proof.username}: {HOW}.")
    return found


def rows_for_export(
    session: Session,
    key: str,
    rows: list[EventRow],
    *,
    with_personal: bool = False,
    proof: AdminProof | None = None,
    purpose: str = "event log export",
) -> list[EventRow]:
    """``rows`` pseudonymised, or as they are for a proven admin (logged under their name)."""
    if not with_personal:
        return pseudonymised(rows)
    admin = proven_admin(session, proof)
    access_log.record(
        session,
        "exported",
        actor=admin,
        field_id="case codes,resources",
        reason=f"{purpose} of {key} with personal data ({len(rows)} rows)",
    )
    return rows
