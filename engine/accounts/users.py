"""Users and their roles. Lane roles come from the BPMN; system roles are fixed."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts.passwords import check_password_or_dummy
from engine.calendar import clock
from engine.errors import EngineError, UserNotFound
from engine.office.forms import check_email
from engine.storage.tables import User, UserRole

SYSTEM_ROLES = ("designer", "reformer", "admin")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,79}$")


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"There is no user named {username!r}.")
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def authenticate_user(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None.

    Always one scrypt, whether the username exists or not (no timing oracle).
    """
    user = find_user(session, username) if username else None
    stored = user.password_hash if user is not None and user.is_active else None
    matches = check_password_or_dummy(stored, password)
    return user if matches and user is not None and user.is_active else None


def _email(email: str) -> str:
    """A user's email address: empty, or one address (no newline reaches a mail header)."""
    email = (email or "").strip()
    if not email:
        return ""
    try:
        check_email(email)
    except ValueError as exc:
        raise EngineError(f"Email {email[:80]!r} is not one email address: {exc}.") from None
    return email


def create_user(
    session: Session,
    username: str,
    *,
    full_name: str = "",
    email: str = "",
    roles: Iterable[str] = (),
    password_hash: str | None = None,
) -> User:
    """Create a user; usernames are lower-case letters, digits, ``._-``."""
    if not _USERNAME.match(username or ""):
        raise EngineError(
            f"Username {username!r} is not valid: use 2-80 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."
        )
    if find_user(session, username) is not None:
        raise EngineError(f"A user named {username!r} already exists.")
    user = User(
        username=username,
        full_name=full_name or username,
        email=_email(email),
        password_hash=password_hash,
        created_at=clock.now(),
    )
    user.roles = [UserRole(role=r) for r in sorted(set(roles))]
    session.add(user)
    session.flush()
    return user


def set_roles(session: Session, username: str, roles: Iterable[str]) -> User:
    user = get_user(session, username)
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - user.role_names)
    ]
    session.flush()
    forget_roles(session)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def roles_of(session: Session, username: str) -> frozenset[str]:
    """The user's roles, looked up once per session (raises UserNotFound)."""
    cache = session.info.setdefault("permitflow_roles", {})
    roles = cache.get(username)
    if roles is None:
        roles = cache[username] = _read_roles(session, username)
    return roles


def _read_roles(session: Session, username: str) -> frozenset[str]:
    """The user's roles in one query (the user and each role a row; no role: one row)."""
    rows = session.execute(
        select(User.id, UserRole.role)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(User.username == username)
    ).all()
    if not rows:
        raise UserNotFound(f"There is no user named {username!r}.")
    return frozenset(role for _id, role in rows if role is not None)


def remember_roles(session: Session, user: User) -> None:
    """Seed :func:`roles_of`'s cache with a user whose roles are loaded (token login)."""
    session.info.setdefault("permitflow_roles", {})[user.username] = frozenset(user.role_names)


def forget_roles(session: Session) -> None:
    session.info.pop("permitflow_roles", None)


def update_user(
    session: Session,
    username: str,
    *,
    full_name: str | None = None,
    email: str | None = None,
    language: str | None = None,
    is_active: bool | None = None,
    password_hash: str | None = None,
) -> User:
    """Change a user's details; ``None`` leaves a field as it is."""
    user = get_user(session, username)
    if language is not None and language not in ("id", "en"):
        raise EngineError(f"Language {language!r} is not offered; choose 'id' or 'en'.")
    changes = {
        "full_name": full_name,
        "email": None if email is None else _email(email),
        "language": language,
        "is_active": is_active,
        "password_hash": password_hash,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(user, name, value)
    if password_hash is not None or is_active is False:
        user.session_generation = (user.session_generation or 0) + 1
    session.flush()
    return user


def end_sessions(session: Session, username: str) -> None:
    """Log the user out everywhere: every session made before now stops working.

    Sessions live in signed cookies, which cannot be taken back; each carries the
    user's ``session_generation`` of its login and is refused once it moved on.
    """
    user = get_user(session, username)
    user.session_generation = (user.session_generation or 0) + 1
    session.flush()
