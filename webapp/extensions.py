"""Extensions created once and bound to each app with ``init_app``."""

from __future__ import annotations

import threading
import time
from collections import deque

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


class LoginLimiter:
    """A small in-memory sliding-window limiter for login attempts.

    Keys are (client IP, username); ``LOGIN_RATE_LIMIT`` is (attempts, seconds).
    One process serves the office (waitress threads), so memory storage is enough.
    """

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()
        self.limit, self.window = 5, 60

    def init_app(self, app: Flask) -> None:
        self.limit, self.window = app.config["LOGIN_RATE_LIMIT"]
        app.extensions["permitflow.login_limiter"] = self

    def hit(self, ip: str, username: str) -> bool:
        """Record an attempt; False when the key already used up its window."""
        now = time.monotonic()
        key = (ip, username.lower())
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:
                self._hits = {
                    k: v for k, v in self._hits.items() if v and v[-1] > now - self.window
                }
            return True

    def blocked(self, ip: str, username: str) -> bool:
        """Whether the key used up its window (without counting this as an attempt)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.get((ip, username.lower()), deque())
            return sum(1 for t in hits if t > now - self.window) >= self.limit

    def clear(self, ip: str, username: str) -> None:
        """Forget the key's attempts (after a successful login)."""
        with self._lock:
            self._hits.pop((ip, username.lower()), None)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


limiter = LoginLimiter()
