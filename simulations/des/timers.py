"""Timer expressions as delays: ISO 8601 durations, dates, cycles, working-day deadlines.

BPMN timers here are wall-clock, as the engine runs them: ``PT4H`` fires four hours
later whatever the office hours. ``due_in_working_days(n)`` fires at the end of the
n-th working day (weekends and Indonesian holidays skipped), as in
``docs/bpmn-conventions.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache

from engine.bpmn.model import TimerDefinition
from engine.calendar.working_days import WorkingCalendar

_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {
    "y": 365 * 86400,
    "mo": 30 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "mi": 60,
    "s": 1,
}
_WORKING_DAYS = re.compile(r"^due_in_working_days\(\s*(\d+)\s*\)$")

Delay = Callable[[float], float]  # simulation time now -> seconds to wait


def iso_duration_seconds(text: str) -> float | None:
    """Seconds of an ISO 8601 duration such as ``P3D`` or ``PT1H30M``; None if not one.

    Examples
    --------
    >>> iso_duration_seconds("PT1H30M"), iso_duration_seconds("P2D"), iso_duration_seconds("x")
    (5400.0, 172800.0, None)
    """
    text = _strip(text)
    m = _DURATION.match(text)
    if not m or text in ("P", "PT"):
        return None
    return float(sum(float(v) * _SECONDS[k] for k, v in m.groupdict().items() if v))


def sla_calendar(params) -> WorkingCalendar:
    """The working-day calendar of the SLA and of working-day timers (``params.sla_calendar``)."""
    spec = params.calendar(params.sla_calendar)
    return _working_calendar(spec.timezone, spec.holidays or "ID", tuple(sorted(spec.closed)))


@lru_cache(maxsize=16)
def _working_calendar(tz: str, country: str, closed: tuple) -> WorkingCalendar:
    return WorkingCalendar(tz=tz, country=country, extra_holidays=closed)


def timer_delay(timer: TimerDefinition | None, start: datetime, sla_calendar) -> Delay | None:
    """The delay function of a timer definition, or None when it cannot be read.

    ``start`` is the simulated time zero; ``sla_calendar`` an
    :class:`engine.calendar.working_days.WorkingCalendar` for working-day deadlines.
    """
    if timer is None:
        return None
    text = _strip(timer.expression)
    if timer.kind == "cycle":
        text = text.split("/")[-1]
    seconds = iso_duration_seconds(text)
    if seconds is not None:
        return _constant(float(seconds))
    m = _WORKING_DAYS.match(text)
    if m:
        return working_days_delay(int(m.group(1)), start, sla_calendar)
    if timer.kind == "date":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=start.tzinfo)
        at = (moment - start).total_seconds()
        return lambda now: max(0.0, at - now)
    return None


def _constant(seconds: float) -> Delay:
    def delay(now: float) -> float:
        return seconds

    return delay


def working_days_delay(days: int, start: datetime, calendar) -> Delay:
    """Seconds from ``now`` to the end of the ``days``-th working day after it."""
    cache: dict[int, float] = {}

    def delay(now: float) -> float:
        day = int(now // 3600)  # deadlines only move with the local date; hourly cache
        due = cache.get(day)
        if due is None:
            moment = start + timedelta(seconds=now)
            due = (calendar.add_working_days(moment, days) - start).total_seconds()
            cache[day] = due
        return max(0.0, due - now)

    return delay


def _strip(text: str) -> str:
    text = (text or "").strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1].strip()
    return text.strip("'\"")
