"""The functions a safe expression may call, value guards, and ISO 8601 literals.

Every function here takes and returns plain values (numbers, strings, lists, dicts,
dates), guards its arguments so no call can run for long or build something huge,
and raises :class:`~engine.errors.ExpressionFailed` with a message a designer can act
on. :mod:`engine.expressions.language` calls nothing outside :data:`FUNCTIONS`.

The working-day helpers use :func:`engine.calendar.working_days.default_calendar`, imported
lazily so that evaluating ``a > 1`` never loads the holiday tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import date as _date
from typing import Any

from engine.calendar import clock
from engine.errors import EngineError, ExpressionFailed


def office_zone() -> Any:
    """The office's time zone (``PERMITFLOW_TIMEZONE``, Asia/Jakarta by default): the same
    one the SLA clock counts working days in."""
    return _calendar().tz


MAX_DAYS = 36_600  # add_days: about a century either way
MAX_WORKING_DAYS = 2_000  # working-day helpers step day by day: about eight years
MAX_ROUND_DIGITS = 100
MAX_INT_BITS = 4_096  # about 1,230 decimal digits
MAX_STRING_LENGTH = 100_000
MAX_SIZE = 1_000_000  # of a built container: items plus string characters, nested


# -- value guards -----------------------------------------------------------------


def size(value: Any, limit: int = MAX_SIZE) -> int:
    """Items plus string characters in ``value``, nested; stops counting past ``limit``.

    Shared references count each time they occur (``[x] * 3`` is three ``x``), as
    they would when the value is stored or printed.
    """
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        total += 1
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
    return total


def check_value(value: Any) -> Any:
    """Return ``value``, or fail when a number, string or container is too large."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionFailed(
            f"a number is too large (over {MAX_INT_BITS} bits)",
            reason="number_too_large",
            params={"bits": MAX_INT_BITS},
        )
    if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
        raise _text_too_long()
    if isinstance(value, list | tuple | dict | set) and size(value) > MAX_SIZE:
        raise ExpressionFailed(
            f"a list or dict is too large (over {MAX_SIZE} items)",
            reason="list_too_large",
            params={"limit": MAX_SIZE},
        )
    if isinstance(value, complex):
        raise ExpressionFailed("the result is a complex number", reason="complex_number")
    return value


def storable(value: Any, name: str) -> Any:
    """``value`` as case data can hold it: dates as ISO strings, tuples as lists."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, _date):  # datetime too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [storable(item, name) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ExpressionFailed(
                f"the keys of dict '{name}' must be texts",
                reason="keys_not_texts",
                params={"name": name},
            )
        return {key: storable(item, name) for key, item in value.items()}
    raise ExpressionFailed(
        f"'{name}' cannot be stored in case data: a {type(value).__name__} "
        "(use numbers, texts, True/False, None, lists and dicts)",
        reason="not_storable",
        params={"name": name, "kind": kind_of(value)},
    )


def check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if (base.bit_length() - 1) * exponent > MAX_INT_BITS:
            raise ExpressionFailed(
                "a number is too large (exponent too big)",
                reason="number_too_large",
                params={"bits": MAX_INT_BITS},
            )


def check_repeat(sequence: Any, count: Any) -> None:
    if not isinstance(count, int) or count <= 0:
        return
    if isinstance(sequence, str) and len(sequence) * count > MAX_STRING_LENGTH:
        raise _text_too_long()
    if isinstance(sequence, list | tuple) and size(sequence) * count > MAX_SIZE:
        raise ExpressionFailed(
            f"a list is too large (over {MAX_SIZE} items)",
            reason="list_too_large",
            params={"limit": MAX_SIZE},
        )


def _text_too_long() -> ExpressionFailed:
    return ExpressionFailed(
        f"a text is too long (over {MAX_STRING_LENGTH} characters)",
        reason="text_too_long",
        params={"limit": MAX_STRING_LENGTH},
    )


def kind_of(value: Any) -> str:
    """The kind of a value in words an interface can translate: ``none``, ``bool``,
    ``number``, ``text``, ``list``, ``dict``, ``date`` or ``other``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple | set):
        return "list"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, _date):
        return "date"
    return "other"


def failure_message(err: Exception) -> str:
    """A designer-readable description of a Python error raised while evaluating."""
    if isinstance(err, EngineError):
        return err.message
    if isinstance(err, ZeroDivisionError):
        return "division by zero"
    if isinstance(err, KeyError):
        return f"key {err.args[0]!r} not found" if err.args else "key not found"
    if isinstance(err, IndexError):
        return f"index out of range ({err})"
    if isinstance(err, TypeError):
        return f"wrong types: {err}"
    if isinstance(err, RecursionError | MemoryError):
        return "a value is too large or too deeply nested"
    if isinstance(err, OverflowError):
        return f"a number is too large ({err})"
    if isinstance(err, ValueError):
        return f"wrong value: {err}"
    return f"{type(err).__name__}: {err}"


def failure_reason(err: Exception) -> tuple[str | None, dict[str, Any]]:
    """``(reason, params)`` of :func:`failure_message`'s description, for an interface to
    word in its reader's language (see :class:`~engine.errors.EngineError`); the reason is
    None when there is nothing more to say than the message."""
    if isinstance(err, EngineError):
        return err.reason, dict(err.params)
    if isinstance(err, ZeroDivisionError):
        return "division_by_zero", {}
    if isinstance(err, KeyError):
        return "key_not_found", {"key": f"{err.args[0]!s:.80}"} if err.args else {}
    if isinstance(err, IndexError):
        return "index_out_of_range", {}
    if isinstance(err, TypeError):
        return "wrong_types", {}
    if isinstance(err, RecursionError | MemoryError):
        return "value_too_deep", {}
    if isinstance(err, OverflowError):
        return "number_too_large", {}
    if isinstance(err, ValueError):
        return "wrong_value", {}
    return None, {}


def shorten(text: str, limit: int = 120) -> str:
    """``text`` on one line, quoted, cut to about ``limit`` characters for messages."""
    flat = " ".join(str(text).split())
    return "'" + (flat if len(flat) <= limit else flat[: limit - 3] + "...") + "'"


# -- guarded builtins -----------------------------------------------------------


def _round(number: Any, ndigits: int | None = None) -> Any:
    """``round`` without the huge ``10 ** ndigits`` a large ``ndigits`` would build."""
    if ndigits is not None and (not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS):
        raise ExpressionFailed(
            f"round() takes at most {MAX_ROUND_DIGITS} digits",
            reason="round_digits",
            params={"limit": MAX_ROUND_DIGITS},
        )
    return round(number, ndigits)


def _sum(values: Any, start: Any = 0) -> Any:
    """``sum`` of numbers only (summing lists or strings is quadratic)."""
    items = list(values)
    for item in [*items, start]:
        if not isinstance(item, int | float):
            raise ExpressionFailed(
                f"sum() adds numbers only, got {type(item).__name__}",
                reason="sum_numbers_only",
                params={"kind": kind_of(item)},
            )
    return sum(items, start)


# -- dates -----------------------------------------------------------------------


def _as_date(value: Any, what: str = "date") -> _date:
    """A ``date`` from a date, a datetime (its date in the office's time zone) or an ISO string."""
    if isinstance(value, datetime):
        return value.astimezone(office_zone()).date() if value.tzinfo else value.date()
    if isinstance(value, _date):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            if len(value.strip()) == 10:
                return _date.fromisoformat(value.strip())
            return _as_date(datetime.fromisoformat(value.strip()))
        except ValueError:
            pass
    raise ExpressionFailed(
        f"{what} must be an ISO date like 2026-05-01, got {value!r:.80}",
        reason="not_a_date",
        params={"value": f"{value!r:.80}"},
    )


def _as_days(n: Any, limit: int = MAX_DAYS) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > limit:
        raise ExpressionFailed(
            f"the number of days must be a whole number up to {limit}",
            reason="days_not_whole",
            params={"limit": limit},
        )
    return n


def today() -> str:
    """Today's date in the office's time zone, e.g. ``"2026-05-01"``."""
    return clock.now().astimezone(office_zone()).date().isoformat()


def now() -> str:
    """The current moment in the office's time zone, e.g. ``"2026-05-01T09:30:00+07:00"``."""
    return clock.now().astimezone(office_zone()).isoformat(timespec="seconds")


def date(value: Any) -> _date:
    """The date of an ISO date or date-time string."""
    return _as_date(value)


def days_between(a: Any, b: Any) -> int:
    """Calendar days from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    return (_as_date(b, "the second date") - _as_date(a, "the first date")).days


def add_days(d: Any, n: Any) -> str:
    """The ISO date ``n`` calendar days after ``d``."""
    return (_as_date(d) + timedelta(days=_as_days(n))).isoformat()


def _calendar() -> Any:
    from engine.calendar import working_days

    return working_days.default_calendar()


def add_working_days(d: Any, n: Any) -> str:
    """The ISO date of the ``n``-th working day after ``d`` (skipping weekends, holidays)."""
    n = _as_days(n, MAX_WORKING_DAYS)
    return _calendar().add_working_days(_as_date(d), n).date().isoformat()


def working_days_between(a: Any, b: Any) -> int:
    """Working days in the range (a, b]; 0 when ``b`` is not after ``a``."""
    first, last = _as_date(a, "the first date"), _as_date(b, "the second date")
    if (last - first).days > 2 * MAX_WORKING_DAYS:
        raise ExpressionFailed(
            f"the dates are more than {2 * MAX_WORKING_DAYS} days apart",
            reason="dates_too_far_apart",
            params={"limit": 2 * MAX_WORKING_DAYS},
        )
    return _calendar().working_days_between(first, last)


def due_in_working_days(n: Any) -> str:
    """The ISO date-time of the end of the ``n``-th working day from now."""
    start = clock.now().astimezone(office_zone())
    return _calendar().add_working_days(start, _as_days(n, MAX_WORKING_DAYS)).isoformat()


#: The whitelist: the only callables an expression can reach, by name.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "sum": _sum,
    "abs": abs,
    "round": _round,
    "any": any,
    "all": all,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "today": today,
    "now": now,
    "date": date,
    "days_between": days_between,
    "add_days": add_days,
    "add_working_days": add_working_days,
    "working_days_between": working_days_between,
    "due_in_working_days": due_in_working_days,
}

#: Helpers written here; time spent inside them does not count against the budget
#: (the first working-day call loads the holiday tables).
TRUSTED_HELPERS = frozenset(
    {
        "today",
        "now",
        "date",
        "days_between",
        "add_days",
        "add_working_days",
        "working_days_between",
        "due_in_working_days",
    }
)


# -- ISO 8601 timer literals -------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = (
    rf"P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
)
_DATETIME = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_PATTERNS = {
    "duration": re.compile(rf"{_DURATION}\Z"),
    "date": re.compile(rf"{_DATETIME}\Z"),
    "cycle": re.compile(rf"R\d*/(?:{_DURATION}|{_DATETIME})(?:/(?:{_DURATION}|{_DATETIME}))?\Z"),
}
TIMER_KINDS = tuple(_PATTERNS)


def iso_literal_kind(text: str) -> str | None:
    """``"duration"``, ``"date"`` or ``"cycle"`` when ``text`` is a bare ISO 8601 literal.

    >>> iso_literal_kind("P3D"), iso_literal_kind("R3/PT1H"), iso_literal_kind("x + 1")
    ('duration', 'cycle', None)
    """
    text = text.strip()
    for kind, pattern in _PATTERNS.items():
        if pattern.match(text) and _valid_datetimes(text):
            return kind
    return None


#: the longest a timer may wait (a billion years hung SpiffWorkflow, which counts months
#: one by one), and the most repetitions of a cycle that may be due when it starts
MAX_TIMER_DAYS = 36_600
MAX_CYCLES_DUE = 100
LATEST_TIMER_YEAR = 9000
_DURATION_PARTS = re.compile(
    rf"P(?:({_NUM})Y)?(?:({_NUM})M)?(?:({_NUM})W)?(?:({_NUM})D)?"
    rf"(?:T(?:({_NUM})H)?(?:({_NUM})M)?(?:({_NUM})S)?)?\Z"
)
_DAYS_PER_PART = (366, 31, 7, 1, 1 / 24, 1 / 1440, 1 / 86400)


def duration_days(duration: str) -> float:
    """About how many days an ISO 8601 duration lasts (a month as 31 days).

    >>> duration_days("P1M"), duration_days("PT12H")
    (31.0, 0.5)
    """
    match = _DURATION_PARTS.match(duration.strip())
    if match is None:
        raise ValueError(f"{duration!r} is not an ISO 8601 duration")
    parts = zip(match.groups(), _DAYS_PER_PART, strict=True)
    return sum(float(value.replace(",", ".")) * per for value, per in parts if value)


def timer_literal_problem(
    kind: str, text: str, now: datetime | None = None
) -> ExpressionFailed | None:
    """Why a timer cannot wait for the ISO 8601 literal ``text`` of ``kind``, or None:
    a duration over :data:`MAX_TIMER_DAYS`, a cycle whose interval is not at least a
    second (it would repeat at once, for ever) or, when a timer starts waiting ``now``,
    whose start is so long past that more than :data:`MAX_CYCLES_DUE` repetitions are
    due (a start event's schedule may start in the past: it skips what it missed).

    >>> str(timer_literal_problem("cycle", "R/PT0S"))
    'a timer cycle must repeat at most every second, got R/PT0S'
    """
    text = text.strip()
    parts = text.split("/")
    if kind == "date" or kind == "cycle":
        moments = [p for p in parts[kind == "cycle" :] if p and not p.startswith("P")]
        if any(_too_late(moment) for moment in moments):
            return ExpressionFailed(
                f"a timer date must be before the year {LATEST_TIMER_YEAR}, got {text}",
                reason="timer_too_late",
                params={"value": text, "year": str(LATEST_TIMER_YEAR)},
            )
    if kind == "duration":
        parts = ["", *parts]
    elif kind != "cycle":
        return None
    durations = [duration_days(part) for part in parts[1:] if part.startswith("P")]
    if any(days > MAX_TIMER_DAYS for days in durations):
        return ExpressionFailed(
            f"a timer may wait at most {MAX_TIMER_DAYS // 366} years, got {text}",
            reason="timer_too_long",
            params={"value": text, "years": MAX_TIMER_DAYS // 366},
        )
    if kind == "duration":
        return None
    if not durations or durations[0] * 86400 < 1:
        return ExpressionFailed(
            f"a timer cycle must repeat at most every second, got {text}",
            reason="cycle_too_fast",
            params={"value": text},
        )
    starts = [datetime.fromisoformat(with_zone(p)) for p in parts[1:2] if not p.startswith("P")]
    if now and starts and (now - starts[0]) / timedelta(days=durations[0]) > MAX_CYCLES_DUE:
        return ExpressionFailed(
            f"the timer cycle {text} starts so long ago that more than "
            f"{MAX_CYCLES_DUE} repetitions are due at once",
            reason="cycle_too_far_behind",
            params={"value": text, "limit": MAX_CYCLES_DUE},
        )
    return None


def _too_late(moment: str) -> bool:
    """Whether ``moment`` is past :data:`LATEST_TIMER_YEAR` in UTC (9999-12-31 at -14:00
    is not even a moment Python can hold in UTC: "date value out of range")."""
    try:
        return datetime.fromisoformat(with_zone(moment)).astimezone(UTC).year >= LATEST_TIMER_YEAR
    except (OverflowError, ValueError):
        return True


def with_zone(moment: str) -> str:
    """An ISO date-time with an offset: naive ones and bare dates are taken
    in the office's time zone (Jakarta's by default).

    >>> with_zone("2026-12-01")
    '2026-12-01T00:00:00+07:00'
    """
    parsed = datetime.fromisoformat(moment)
    return moment if parsed.tzinfo else parsed.replace(tzinfo=office_zone()).isoformat()


def _valid_datetimes(text: str) -> bool:
    """Whether every date-time part of ``text`` is a real moment (no month 13)."""
    for part in text.split("/"):
        if re.match(r"\d{4}-", part):
            try:
                datetime.fromisoformat(part)
            except ValueError:
                return False
    return True
