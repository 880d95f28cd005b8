"""Who is logged in, and which areas each role may open.

Every view is decorated with :func:`requires` naming its area; the permission matrix
test walks each role over every route. Lane roles are the role keys of BPMN lanes
(``pf:role``); ``designer``, ``reformer`` and ``admin`` are the system roles.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, request, session, url_for

from engine.services import SYSTEM_ROLES, find_user
from webapp.database import get_session


def lane_roles(roles: set[str]) -> set[str]:
    return {role for role in roles if role not in SYSTEM_ROLES}


AREAS: dict[str, Callable[[set[str]], bool]] = {
    "user": lambda roles: True,
    "staff": lambda roles: bool(roles),
    "clerk": lambda roles: bool(lane_roles(roles)) or "admin" in roles,
    "designer": lambda roles: bool(roles & {"designer", "admin"}),
    "monitor": lambda roles: bool(roles & {"reformer", "designer", "admin"}),
    "reformer": lambda roles: bool(roles & {"reformer", "admin"}),
    "admin": lambda roles: "admin" in roles,
}


def may(area: str, roles: set[str] | None = None) -> bool:
    if roles is None:
        user = g.get("user")
        roles = user.role_names if user is not None else set()
    return AREAS[area](roles)


def _load_user() -> None:
    g.user = None
    username = session.get("username")
    if not username:
        return
    user = find_user(get_session(), username)
    if user is None or not user.is_active or session.get("gen") != user.session_generation:
        session.clear()  # logged out, password changed or deactivated since this login
        return
    g.user = user


def login_user(user) -> None:
    """Start a fresh session (no fixation): the username and the user's session generation.

    Logging out, a new password or deactivation moves the generation on, which ends every
    session of the user (the cookie itself carries nothing of the password).
    """
    session.clear()
    session.permanent = True
    session["username"] = user.username
    session["gen"] = user.session_generation or 0
    session["lang"] = user.language
    g.user = user


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target


def requires(area: str):
    """Log in first, then the user's roles must open ``area`` (else 403)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.get("user") is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not may(area):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def home_url() -> str:
    """Where a user lands after login: the first area their roles open."""
    for area, endpoint in (
        ("clerk", "inbox.index"),
        ("designer", "designer.index"),
        ("monitor", "monitoring.index"),
        ("admin", "admin.users"),
    ):
        if may(area):
            return url_for(endpoint)
    return url_for("auth.account")


def init_app(app: Flask) -> None:
    app.before_request(_load_user)

    @app.context_processor
    def _navigation():
        return {"may": may, "current_user": g.get("user")}
