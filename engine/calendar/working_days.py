"""The SLA clock in working days.

Service standards (PermenPANRB 15/2014) give maximum completion times in *working
days*: due dates skip weekends, Indonesian public holidays (the ``holidays`` package)
and the collective-leave days (cuti bersama) an office configures. Days are counted in
the office's time zone, Asia/Jakarta unless configured otherwise, so a case filed at
20:00 UTC counts from the next Jakarta day.

Holiday lookups are memoised per year, so :meth:`WorkingCalendar.add_working_days`
costs a few dictionary look-ups per day it steps over.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from engine.calendar.public_holidays import country_holidays

COLLECTIVE_LEAVE_NAME = "Cuti bersama"
EXTRA_HOLIDAY_NAME = "Holiday"
_ONE_DAY = timedelta(days=1)
_ONE_MICROSECOND = timedelta(microseconds=1)


class WorkingCalendar:
    """Working days of one office: weekdays that are not holidays or collective leave.

    ``tz`` is an IANA time zone name; ``country`` a ``holidays`` country code;
    ``collective_leave`` and ``extra_holidays`` are further closed days (e.g. cuti
    bersama from the yearly joint ministerial decree, a regional holiday);
    ``weekend`` holds the closed weekdays (Monday is 0). Holiday names come in
    ``language`` (a ``holidays`` language code), fixed so they do not depend on the
    process locale.
    """

    def __init__(
        self,
        tz: str = "Asia/Jakarta",
        country: str = "ID",
        collective_leave: Iterable[date] = (),
        extra_holidays: Iterable[date] = (),
        weekend: tuple[int, ...] = (5, 6),
        *,
        language: str = "en_US",
    ):
        self.tz = ZoneInfo(tz)
        self.country = country
        self.language = language
        self.collective_leave = frozenset(collective_leave)
        self.extra_holidays = frozenset(extra_holidays)
        self.weekend = frozenset(weekend)
        self._closed_by_year: dict[int, dict[date, str]] = {}

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(tz={self.tz.key!r}, country={self.country!r}, "
            f"collective_leave={len(self.collective_leave)} day(s), "
            f"extra_holidays={len(self.extra_holidays)} day(s))"
        )

    # -- days -----------------------------------------------------------------

    def local_date(self, moment: date | datetime) -> date:
        """The calendar date of ``moment`` in this calendar's time zone.

        Dates are taken as local dates already; naive datetimes as UTC.
        """
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(self.tz).date()
        return moment

    def _closed_days(self, year: int) -> dict[date, str]:
        """Non-weekend closed days of ``year`` with their names, built once per year."""
        closed = self._closed_by_year.get(year)
        if closed is None:
            closed = {d: EXTRA_HOLIDAY_NAME for d in self.extra_holidays if d.year == year}
            closed.update(
                (d, COLLECTIVE_LEAVE_NAME) for d in self.collective_leave if d.year == year
            )
            closed.update(country_holidays(self.country, year, self.language))
            self._closed_by_year[year] = closed
        return closed

    def load_years(self, *years: int) -> None:
        """Build the closed days of ``years`` now (an app process at start, not its first
        due date)."""
        for year in years:
            self._closed_days(year)

    def is_working_day(self, d: date | datetime) -> bool:
        """Whether the (local) date of ``d`` is a working day."""
        day = self.local_date(d)
        return day.weekday() not in self.weekend and day not in self._closed_days(day.year)

    def holiday_name(self, d: date | datetime) -> str | None:
        """The public holiday's name, ``"Cuti bersama"`` for collective leave, else None.

        Weekends have no name; an extra holiday without one is called ``"Holiday"``.
        """
        day = self.local_date(d)
        return self._closed_days(day.year).get(day)

    def next_working_day(self, d: date | datetime) -> date:
        """The first working day strictly after the local date of ``d``."""
        day = self.local_date(d) + _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    # -- durations ------------------------------------------------------------

    def end_of_day(self, day: date) -> datetime:
        """The last microsecond of ``day`` in this calendar's time zone (DST-safe)."""
        next_midnight = datetime.combine(day + _ONE_DAY, time.min, tzinfo=self.tz)
        return (next_midnight.astimezone(UTC) - _ONE_MICROSECOND).astimezone(self.tz)

    def add_working_days(self, start: date | datetime, n: int) -> datetime:
        """The due moment ``n`` working days after ``start``: the end of that day.

        Day 1 is the first working day after the local date of ``start``, whatever
        that date is, so Friday + 1 is the end of Monday. ``n == 0`` means the end of
        the start day if it is a working day, else of the next working day. The
        result is tz-aware, in the calendar's time zone.
        """
        if n < 0:
            raise ValueError(f"the number of working days must not be negative, got {n}")
        day = self.local_date(start)
        if n == 0 and self.is_working_day(day):
            return self.end_of_day(day)
        for _ in range(max(n, 1)):
            day = self.next_working_day(day)
        return self.end_of_day(day)

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """The number of working days in the local-date range (a, b]; 0 if b <= a.

        Used to measure how long a case was paused and how late it is.
        """
        first, last = self.local_date(a), self.local_date(b)
        count = 0
        day = first + _ONE_DAY
        while day <= last:
            count += self.is_working_day(day)
            day += _ONE_DAY
        return count

    def overdue_working_days(self, due: datetime, now: datetime) -> int:
        """How many working days ``now`` is past ``due``; 0 when not late.

        A case due at the end of Friday is 0 working days late on Saturday and 1 on
        Monday.
        """
        return self.working_days_between(due, now)


def _parse_dates(text: str, source: str) -> list[date]:
    """Comma-separated ISO dates; blank items are skipped."""
    days = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            days.append(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"{source}: {item!r} is not a date like 2026-12-31") from None
    return days


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The calendar configured by the environment, built once.

    ``PERMITFLOW_TIMEZONE`` (default ``Asia/Jakarta``) and
    ``PERMITFLOW_COLLECTIVE_LEAVE`` (comma-separated ISO dates). Tests that change
    them call ``default_calendar.cache_clear()``.
    """
    tz = os.environ.get("PERMITFLOW_TIMEZONE", "").strip() or "Asia/Jakarta"
    leave = _parse_dates(
        os.environ.get("PERMITFLOW_COLLECTIVE_LEAVE", ""), "PERMITFLOW_COLLECTIVE_LEAVE"
    )
    try:
        return WorkingCalendar(tz=tz, collective_leave=leave)
    except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"PERMITFLOW_TIMEZONE: {tz!r} is not a known time zone") from exc
