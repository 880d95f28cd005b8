"""Connector rate limits: at most ``rate_per_minute`` calls a minute per connector.

With a Redis URL configured (``PERMITFLOW_RATELIMIT_STORAGE_URL``, else a ``redis://``
``PERMITFLOW_BROKER_URL``: the storage the web app's login limiter uses) the calls are
counted in Redis, so every web process and Celery worker shares one budget per connector
(a moving window; each check-and-count is one atomic Lua script of the ``limits``
library, which Flask-Limiter is built on). Without one they are counted in this
process. If Redis cannot be reached, this process counts meanwhile (logged), so a limit
never disappears. A call over the limit waits for the oldest call to leave the window.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("permitflow.integration")
KEY_PREFIX = "permitflow-connectors"
MAX_PAUSE = 1.0  # seconds between two looks at a full window


def storage_url() -> str:
    """Where shared counts live: ``PERMITFLOW_RATELIMIT_STORAGE_URL``, a Redis broker, or ""."""
    url = os.environ.get("PERMITFLOW_RATELIMIT_STORAGE_URL", "")
    broker = os.environ.get("PERMITFLOW_BROKER_URL", "")
    url = url or (broker if broker.startswith(("redis://", "rediss://")) else "")
    return url if url.startswith(("redis://", "rediss://")) else ""


class LocalRateLimit:
    """At most ``per_minute`` calls a minute per connector in this process (waits)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: dict[str, deque[float]] = {}

    def wait(self, name: str, per_minute: int) -> None:
        while True:
            with self._lock:
                times = self._times.setdefault(name, deque())
                now = time.monotonic()
                while times and now - times[0] >= 60:
                    times.popleft()
                if len(times) < per_minute:
                    times.append(now)
                    return
                pause = 60 - (now - times[0])
            time.sleep(min(pause, MAX_PAUSE))


class SharedRateLimit:
    """The same limit counted in Redis at ``url`` for every process."""

    def __init__(self, url: str) -> None:
        self.url = url
        options: dict[str, float | str | bool] = {
            "key_prefix": KEY_PREFIX,
            "socket_timeout": 2,
            "socket_connect_timeout": 2,
        }
        self.storage = storage_from_string(url, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)

    def try_call(self, name: str, per_minute: int) -> float:
        """Count a call and return 0, or (the window is full) how long to wait first."""
        item = RateLimitItemPerMinute(per_minute, namespace="connector")
        if self.strategy.hit(item, name):
            return 0.0
        reset = self.strategy.get_window_stats(item, name).reset_time
        return max(0.05, min(reset - time.time(), MAX_PAUSE))


class ConnectorRateLimit:
    """Shared in Redis when configured (:func:`storage_url`), else per process."""

    def __init__(self) -> None:
        self.local = LocalRateLimit()
        self._shared: SharedRateLimit | None = None
        self._lock = threading.Lock()

    def shared(self) -> SharedRateLimit | None:
        url = storage_url()
        if not url:
            return None
        with self._lock:
            if self._shared is None or self._shared.url != url:
                self._shared = SharedRateLimit(url)
            return self._shared

    def wait(self, name: str, per_minute: int) -> None:
        """Return once a call to connector ``name`` fits in its limit (counting it)."""
        while True:
            shared = self.shared()
            if shared is None:
                return self.local.wait(name, per_minute)
            try:
                pause = shared.try_call(name, per_minute)
            except Exception:  # Redis unreachable: this process still limits
                log.warning("connector rate limits in %s failed; counting here", shared.url)
                return self.local.wait(name, per_minute)
            if not pause:
                return
            time.sleep(pause)
