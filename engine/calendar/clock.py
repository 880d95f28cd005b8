"""The engine's notion of "now", movable in tests.

Every due date, timer and audit time goes through :func:`now`, so a test can move
time forward (``set_offset(timedelta(days=4))``) instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """The current time, tz-aware UTC, shifted by the test offset if any."""
    return datetime.now(UTC) + _offset


def set_offset(offset: timedelta) -> None:
    """Shift :func:`now` by ``offset`` (tests and demo data only)."""
    global _offset
    _offset = offset


def advance(delta: timedelta) -> None:
    """Move :func:`now` further by ``delta``."""
    set_offset(_offset + delta)


def reset() -> None:
    """Back to the real time."""
    set_offset(timedelta(0))
