"""Extensions created once and bound to each app with ``init_app``."""

from __future__ import annotations

import itertools
import logging
import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("permitflow.limits")

csrf = CSRFProtect()


class LoginLimiter:
    """A sliding-window limiter (logins, code lookups, applications) on a shared storage.

    Keys are (client IP, name); ``limit`` attempts per ``window`` seconds
    (``LOGIN_RATE_LIMIT`` for logins). Counts live in Flask-Limiter's storage library,
    ``limits``: in Redis when ``RATELIMIT_STORAGE_URL`` (``PERMITFLOW_RATELIMIT_STORAGE_URL``,
    else a ``redis://`` ``PERMITFLOW_BROKER_URL``) is set, so every app process counts
    against one budget that survives restarts, and each check-and-count is one atomic
    Lua script; in this process's memory otherwise (one process). If Redis cannot be
    reached, this process's memory counts meanwhile (logged), so a limit never disappears.
    """

    _names = itertools.count(1)

    def __init__(self, name: str | None = None) -> None:
        self.name = name or f"limiter{next(self._names)}"
        self.limit, self.window = 5, 60

    def init_app(self, app: Flask) -> None:
        self.limit, self.window = app.config["LOGIN_RATE_LIMIT"]
        url = app.config.get("RATELIMIT_STORAGE_URL") or storage_url()
        configure_storage(url, testing=app.testing)
        app.extensions["permitflow.login_limiter"] = self

    def _item(self) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(self.limit, self.window, namespace=self.name)

    def hit(self, ip: str, username: str) -> bool:
        """Record an attempt; False when the key already used up its window (atomic)."""
        return _call("hit", self._item(), ip, username.lower())

    def blocked(self, ip: str, username: str) -> bool:
        """Whether the key used up its window (without counting this as an attempt)."""
        return not _call("test", self._item(), ip, username.lower())

    def clear(self, ip: str, username: str) -> None:
        """Forget the key's attempts (after a successful login)."""
        _call("clear", self._item(), ip, username.lower())

    def reset(self) -> None:
        """Forget every count kept in memory (a new app in tests); shared counts stay."""
        _MEMORY.storage.reset()
        if _SHARED.storage is not _MEMORY.storage and _SHARED.testing:
            _SHARED.storage.reset()


class _Storage:
    def __init__(self, url: str, testing: bool = False) -> None:
        self.url, self.testing = url, testing
        self.storage = storage_from_string(url, **_options(url))
        self.strategy = MovingWindowRateLimiter(self.storage)


def _options(url: str) -> dict:
    if url.startswith(("redis://", "rediss://")):
        return {"key_prefix": "permitflow-limits", "socket_timeout": 2, "socket_connect_timeout": 2}
    return {}


def storage_url() -> str:
    """Where counts are kept: ``PERMITFLOW_RATELIMIT_STORAGE_URL``, a Redis broker, or memory."""
    url = os.environ.get("PERMITFLOW_RATELIMIT_STORAGE_URL")
    broker = os.environ.get("PERMITFLOW_BROKER_URL", "")
    return url or (broker if broker.startswith(("redis://", "rediss://")) else "memory://")


def configure_storage(url: str, testing: bool = False) -> None:
    """Keep every limiter's counts at ``url`` (``memory://`` or ``redis://...``)."""
    global _SHARED
    if url != _SHARED.url or testing != _SHARED.testing:
        _SHARED = _MEMORY if url == "memory://" else _Storage(url, testing)


def _call(operation: str, item: RateLimitItemPerSecond, *key: str):
    shared = _SHARED
    try:
        return getattr(shared.strategy, operation)(item, *key)
    except Exception:  # Redis unreachable: this process still limits
        if shared is _MEMORY:
            raise
        log.warning("rate-limit storage %s failed; counting in memory", shared.url, exc_info=True)
        return getattr(_MEMORY.strategy, operation)(item, *key)


_MEMORY = _Storage("memory://")
_SHARED = _MEMORY
limiter = LoginLimiter("login")
