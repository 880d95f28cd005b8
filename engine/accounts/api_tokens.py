"""Bearer tokens for the JSON API. Only a SHA-256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.users import get_user
from engine.calendar import clock
from engine.errors import NotAllowed, NotFound
from engine.storage.tables import ApiToken, User

PREFIX = "pf_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, username: str, name: str = "") -> str:
    """A new token for ``username``; shown once, never stored in clear."""
    user = get_user(session, username)
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id, name=name[:100], token_hash=_digest(token), created_at=clock.now()
        )
    )
    session.flush()
    return token


def authenticate(session: Session, token: str | None) -> User:
    """The active user a token belongs to, or :class:`NotAllowed`."""
    if not token or not token.startswith(PREFIX):
        raise NotAllowed("A valid API token is required (Authorization: Bearer pf_...).")
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked:
        raise NotAllowed("This API token is unknown or revoked.")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotAllowed("The token's user is not active.")
    row.last_used_at = clock.now()
    return user


def revoke(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None:
        row.revoked = True


def revoke_by_id(session: Session, token_id: int) -> None:
    """Revoke a token from the admin page (which never sees the token itself)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No API token {token_id}.")
    row.revoked = True


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
