"""Working calendars as arrays of open intervals in simulation seconds.

A :class:`CalendarSpec` is what a parameters file says (weekly hours, holidays, time
zone). :meth:`CalendarSpec.build` turns it, for one simulation start, into a
:class:`Calendar`: sorted open intervals ``[start, end)`` in seconds since the start
with the working time accumulated before each, extended a year at a time as the
simulation runs. Then "when does a clerk who starts now finish 2 hours of work" is
one or two binary searches.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from simulations.params.distributions import ParamsError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_CHUNK_DAYS = 366


@dataclass(frozen=True)
class CalendarSpec:
    """Weekly opening hours plus closed days.

    ``weekly`` maps a weekday (Monday is 0) to ``(start, end)`` pairs in seconds after
    local midnight; ``holidays`` is a ``holidays`` country code (``"ID"``) or None;
    ``closed`` lists further closed dates (cuti bersama, regional holidays).
    ``always_open`` skips all calendar arithmetic (a 24/7 calendar).
    """

    weekly: dict[int, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    holidays: str | None = "ID"
    closed: tuple[date, ...] = ()
    timezone: str = "Asia/Jakarta"
    always_open: bool = False

    @classmethod
    def office_hours(cls, holidays: str | None = "ID", tz: str = "Asia/Jakarta") -> CalendarSpec:
        """Monday to Friday 08:00-16:00, closed on Indonesian public holidays."""
        day = ((8 * 3600.0, 16 * 3600.0),)
        return cls({d: day for d in range(5)}, holidays, (), tz)

    @classmethod
    def always(cls) -> CalendarSpec:
        """Open 24 hours a day, every day."""
        return cls({}, None, (), "UTC", True)

    @classmethod
    def from_spec(cls, spec, where: str) -> CalendarSpec:
        """Read ``{weekly: {mon-fri: "08:00-16:00"}, holidays: ID, closed: [...], timezone}``.

        ``"24/7"`` (or ``always_open: true``) is a calendar that never closes.
        """
        if spec == "24/7" or (isinstance(spec, dict) and spec.get("always_open")):
            return cls.always()
        if not isinstance(spec, dict):
            raise ParamsError(f"{where}: expected a mapping or '24/7', got {spec!r}")
        unknown = set(spec) - {"weekly", "holidays", "closed", "timezone", "always_open"}
        if unknown:
            raise ParamsError(f"{where}.{sorted(unknown)[0]}: unknown calendar key")
        base = cls.office_hours()
        weekly = (
            parse_weekly(spec["weekly"], f"{where}.weekly") if "weekly" in spec else base.weekly
        )
        holidays = spec.get("holidays", "ID")
        if holidays in (False, "none", "None", ""):
            holidays = None
        tz = str(spec.get("timezone", "Asia/Jakarta"))
        try:
            ZoneInfo(tz)
        except Exception:
            raise ParamsError(f"{where}.timezone: unknown time zone {tz!r}") from None
        closed = tuple(_as_date(d, f"{where}.closed") for d in spec.get("closed", ()))
        return cls(weekly, holidays, closed, tz)

    def as_spec(self) -> dict | str:
        """The mapping :meth:`from_spec` reads back."""
        if self.always_open:
            return "24/7"
        weekly = {
            DAYS[d]: ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans)
            for d, spans in sorted(self.weekly.items())
        }
        spec = {"weekly": weekly, "holidays": self.holidays or "none", "timezone": self.timezone}
        if self.closed:
            spec["closed"] = [d.isoformat() for d in self.closed]
        return spec

    def build(self, start: datetime) -> Calendar:
        """The calendar's open intervals in seconds since ``start`` (tz-aware)."""
        return Calendar(self, start)


class Calendar:
    """Open intervals of one calendar for a simulation that starts at ``start``.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> cal = CalendarSpec({0: ((9 * 3600.0, 17 * 3600.0),)}, None, (), "UTC").build(
    ...     datetime(2024, 1, 1, 16, tzinfo=timezone.utc))  # a Monday, 16:00
    >>> cal.add_work(0.0, 7200.0) / 3600  # 1 h on Monday, 1 h the next Monday
    162.0
    """

    def __init__(self, spec: CalendarSpec, start: datetime):
        self.spec = spec
        self.always_open = spec.always_open
        self.start = start
        self.tz = ZoneInfo(spec.timezone)
        self._day = start.astimezone(self.tz).date() - timedelta(days=1)
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.cum: list[float] = []  # working seconds before each interval
        self.cum_end: list[float] = []  # working seconds up to each interval's end
        self._working = self._working_calendar()
        if not self.always_open:
            if not any(spec.weekly.values()):
                raise ParamsError("calendar has no opening hours at all")
            self._extend()

    def _working_calendar(self):
        if self.spec.holidays is None:
            return None
        from engine.calendar.working_days import WorkingCalendar

        return WorkingCalendar(
            tz=self.spec.timezone,
            country=self.spec.holidays,
            extra_holidays=self.spec.closed,
            weekend=(),
        )

    def _closed(self, day: date) -> bool:
        if self._working is None:
            return day in self.spec.closed
        return not self._working.is_working_day(day)

    def _extend(self) -> None:
        for _ in range(_CHUNK_DAYS):
            self._day += timedelta(days=1)
            day = self._day
            if self._closed(day):
                continue
            for a, b in self.spec.weekly.get(day.weekday(), ()):
                lo = self._seconds(day, a)
                hi = self._seconds(day, b)
                if hi <= 0 or hi <= lo:
                    continue
                lo = max(lo, 0.0)
                if self.ends and lo <= self.ends[-1]:  # touching intervals merge
                    self.ends[-1] = max(self.ends[-1], hi)
                    self.cum_end[-1] = self.cum[-1] + self.ends[-1] - self.starts[-1]
                    continue
                work = self.cum_end[-1] if self.cum_end else 0.0
                self.starts.append(lo)
                self.ends.append(hi)
                self.cum.append(work)
                self.cum_end.append(work + hi - lo)

    def _seconds(self, day: date, offset: float) -> float:
        moment = datetime.combine(day, time(), tzinfo=self.tz) + timedelta(seconds=offset)
        return (moment - self.start).total_seconds()

    def _index(self, t: float) -> int:
        i = bisect_right(self.ends, t)
        while i >= len(self.ends):
            self._extend()
            i = bisect_right(self.ends, t)
        return i

    def next_open(self, t: float) -> float:
        """The first open moment at or after ``t``."""
        if self.always_open:
            return t
        s = self.starts[self._index(t)]
        return s if s > t else t

    def add_work(self, t: float, work: float) -> float:
        """When ``work`` seconds of working time done from ``t`` on are finished."""
        if self.always_open:
            return t + work
        i = self._index(t)
        s = self.starts[i]
        if t < s:
            t = s
        if t + work <= self.ends[i]:
            return t + work
        target = self.cum[i] + (t - s) + work
        while target > self.cum_end[-1]:
            self._extend()
        j = bisect_left(self.cum_end, target)
        return self.starts[j] + target - self.cum[j]

    def work_until(self, t) -> np.ndarray:
        """Working seconds from the start to each moment in ``t`` (vectorised)."""
        t = np.asarray(t, dtype=float)
        if self.always_open:
            return np.maximum(t, 0.0)
        if t.size:
            self._index(float(np.max(t)))
        starts, ends, cum = (np.asarray(x) for x in (self.starts, self.ends, self.cum))
        i = np.minimum(np.searchsorted(ends, t, side="right"), len(ends) - 1)
        return cum[i] + np.clip(t - starts[i], 0.0, ends[i] - starts[i])

    def work_between(self, a: float, b: float) -> float:
        """Working seconds in ``[a, b]``."""
        return float(np.diff(self.work_until([a, b]))[0]) if b > a else 0.0


def parse_weekly(spec, where: str) -> dict[int, tuple[tuple[float, float], ...]]:
    """``{mon-fri: "08:00-12:00, 13:00-16:00", sat: "08:00-12:00"}`` -> weekday spans."""
    if not isinstance(spec, dict):
        raise ParamsError(f"{where}: expected a mapping of days to hours")
    weekly: dict[int, list[tuple[float, float]]] = {}
    for key, hours in spec.items():
        days = _days(str(key).lower(), f"{where}.{key}")
        spans = _spans(hours, f"{where}.{key}")
        for d in days:
            weekly.setdefault(d, []).extend(spans)
    return {d: tuple(sorted(s)) for d, s in weekly.items()}


def _days(key: str, where: str) -> list[int]:
    def one(name: str) -> int:
        name = name.strip()
        if name in _FULL_DAYS:
            return _FULL_DAYS[name]
        if name[:3] in DAYS and len(name) == 3:
            return DAYS.index(name)
        raise ParamsError(f"{where}: unknown day {name!r}; use mon..sun or mon-fri")

    if "-" in key:
        a, b = key.split("-", 1)
        first, last = one(a), one(b)
        return (
            list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    return [one(k) for k in key.split(",")]


def _spans(hours, where: str) -> list[tuple[float, float]]:
    if hours in (None, "", "closed"):
        return []
    items = hours if isinstance(hours, list) else str(hours).split(",")
    spans = []
    for item in items:
        m = _RANGE.match(str(item))
        if not m:
            raise ParamsError(f"{where}: {item!r} is not a time range like 08:00-16:00")
        h1, m1, s1, h2, m2, s2 = (int(x or 0) for x in m.groups())
        a, b = h1 * 3600 + m1 * 60 + s1, h2 * 3600 + m2 * 60 + s2
        if not 0 <= a < b <= 86400:
            raise ParamsError(f"{where}: {item!r} must run forwards within one day")
        spans.append((float(a), float(b)))
    return spans


def _as_date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParamsError(f"{where}: {value!r} is not a date like 2025-03-31") from None


def _hhmm(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}" + (f":{s % 60:02d}" if s % 60 else "")
