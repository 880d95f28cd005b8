"""How long an issued document is valid: ``pf:validity`` as an ISO 8601 period (``P5Y``)."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

PERIOD = re.compile(r"P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,5})D)?")


def validity_problem(text: str) -> str | None:
    match = PERIOD.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return f"pf:validity {text!r} must be a period such as P5Y, P6M or P30D"
    return None


def valid_until(issued: date, text: str | None) -> date | None:
    """The last day of validity of a document issued on ``issued``; None: no end."""
    match = PERIOD.fullmatch(text.strip()) if text else None
    if match is None or not any(match.groups()):
        return None
    years, months, days = (int(g or 0) for g in match.groups())
    month_index = issued.month - 1 + months
    year = issued.year + years + month_index // 12
    month = month_index % 12 + 1
    day = min(issued.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=days) - timedelta(days=1)
