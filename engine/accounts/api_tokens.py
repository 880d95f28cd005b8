"""Bearer tokens for the JSON API. Only a SHA-256 of each token is stored.

Authenticating is one SELECT (token, user and roles joined). A token's last use is
recorded at most once a minute per process, in its own short transaction: a request
never holds a lock on its token's row (nor, on SQLite, the database's write lock), so
one busy token does not serialise its requests (issue 11: ``UPDATE api_tokens SET
last_used_at`` in every request's transaction cost 30% of the throughput).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload

from engine.accounts.users import get_user, remember_roles
from engine.calendar import clock
from engine.errors import NotAllowed, NotFound
from engine.storage.db import busy_timeout
from engine.storage.tables import ApiToken, User

PREFIX = "pf_"
USAGE_EVERY = 60.0  # seconds between two records of a token's last use
_recorded: dict[str, float] = {}  # token hash -> monotonic time its use was last recorded
_recorded_lock = threading.Lock()


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
    found = (
        session.execute(
            select(ApiToken.id, ApiToken.revoked, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(token))
            .options(joinedload(User.roles))
        )
        .unique()
        .first()
    )
    if found is None or found.revoked:
        raise NotAllowed("This API token is unknown or revoked.")
    if not found.User.is_active:
        raise NotAllowed("The token's user is not active.")
    _record_use(session, found.id, _digest(token))
    remember_roles(session, found.User)  # the request's role checks need no more queries
    return found.User


def _record_use(session: Session, token_id: int, digest: str) -> None:
    """Set ``last_used_at``, at most once a minute, in a transaction of its own that
    never waits for a lock: a use that finds the token's row (PostgreSQL) or the
    database file (SQLite) locked by a writer is left to a later request."""
    now_mono = time.monotonic()
    with _recorded_lock:
        if now_mono - _recorded.get(digest, -USAGE_EVERY) < USAGE_EVERY:
            return
        _recorded[digest] = now_mono
        if len(_recorded) > 10_000:
            _recorded.clear()
    now = clock.now()
    due = (ApiToken.id == token_id) & or_(
        ApiToken.last_used_at.is_(None),
        ApiToken.last_used_at < now - timedelta(seconds=USAGE_EVERY),
    )
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "sqlite":
        unlocked = select(ApiToken.id).where(due).with_for_update(skip_locked=True)
        try:
            with engine.begin() as conn:  # a row locked by someone else is skipped
                conn.execute(
                    update(ApiToken).where(ApiToken.id.in_(unlocked)).values(last_used_at=now)
                )
        except OperationalError:  # bookkeeping never fails the request; retried next time
            with _recorded_lock:
                _recorded.pop(digest, None)
    elif engine.url.database in (None, "", ":memory:"):  # one connection: the caller's
        session.execute(
            update(ApiToken)
            .where(due)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    elif not _record_on_sqlite(engine, update(ApiToken).where(due).values(last_used_at=now)):
        with _recorded_lock:
            _recorded.pop(digest, None)  # the next request tries again


def _record_on_sqlite(engine: Engine, statement) -> bool:
    """Run ``statement`` at once or not at all (another writer holds the file).

    In the request's own transaction the write would hold the whole file's write lock
    until the request ends, and a request that only reads would roll it back."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout = 0")
        try:
            conn.execute(statement)
            conn.commit()
            return True
        except OperationalError:  # "database is locked": a writer is busy
            conn.rollback()
            return False
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_timeout() * 1000)}")


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
