"""Periods of the public IKM page: a year (``2026``), a quarter (``2026-Q3``) or a month
(``2026-11``), in the office's time zone; empty for all responses."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import format_date
from flask_babel import gettext as _

from engine.services import clock, default_calendar

PERIOD = re.compile(r"(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?")


def period_bounds(period: str | None) -> tuple[datetime | None, datetime | None] | None:
    """(since, until) of a period, (None, None) for all time, None when unreadable."""
    if not period:
        return None, None
    match = PERIOD.fullmatch(period)
    if match is None or not 2000 <= int(match["year"]) <= 2100:
        return None
    year = int(match["year"])
    if match["quarter"]:
        first, months = 3 * int(match["quarter"]) - 2, 3
    elif match["month"]:
        first, months = int(match["month"]), 1
    else:
        first, months = 1, 12
    end_month = first + months
    start = date(year, first, 1)
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    tz = default_calendar().tz
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end, time.min, tzinfo=tz)


def period_options() -> list[tuple[str, str]]:
    """(value, label): all time, this and last year, this year's quarters, the last 12 months."""
    today = default_calendar().local_date(clock.now())
    options = [
        ("", _("All time")),
        (str(today.year), str(today.year)),
        (str(today.year - 1), str(today.year - 1)),
    ]
    for quarter in range(1, (today.month - 1) // 3 + 2):
        options.append(
            (f"{today.year}-Q{quarter}", _("Quarter %(q)d, %(y)d", q=quarter, y=today.year))
        )
    year, month = today.year, today.month
    for _i in range(12):
        options.append((f"{year}-{month:02d}", format_date(date(year, month, 1), "MMMM yyyy")))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return options
