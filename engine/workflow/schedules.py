"""When the timer start events of a deployed procedure are due: cases on schedule.

A top-level start event with a timer (``timeDate``, ``timeDuration`` or ``timeCycle``)
makes cases by itself. Deploying the procedure records the next due start of each such
event (:class:`~engine.storage.tables.ScheduledStart`); the ticker starts a case when
one is due and records the next (:mod:`engine.workflow.start_events`). A new version
of the procedure takes over the schedule of the old one: an unchanged timer keeps its
place in the cycle, a changed one starts again from the deployment. A date or cycle
already past when deployed is not made up: the next start is the first one still due.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.model import BpmnModel
from engine.calendar import clock
from engine.errors import EngineError, InvalidBpmn
from engine.expressions import language
from engine.expressions.functions import iso_literal_kind, with_zone
from engine.storage.tables import ProcessDefinition, ScheduledStart

__all__ = ["next_start", "record_schedule", "timer_starts"]


def timer_starts(model: BpmnModel, key: str) -> list[tuple[str, str, str]]:
    """``(element id, timer kind, expression)`` of the timer start events of ``key``."""
    process = model.processes[key]
    return [
        (node.id, node.timer.kind, node.timer.expression)
        for node in process.start_events()
        if node.parent_id is None and "timer" in node.event_definitions and node.timer
    ]


def next_start(kind: str, expression: str, after: datetime) -> tuple[datetime, int | None] | None:
    """The first start of the timer strictly after ``after``, with how many starts come
    after that one (``None``: no end), or ``None`` when it starts no more cases.

    Raises :class:`EngineError` naming the problem for an expression that is not a date,
    a duration or a cycle.
    """
    text = _literal(expression)
    try:
        if kind == "date":
            due = _moment(text)
            return (due, 0) if due > after else None
        if kind == "duration":
            return after + _period(_duration(text), after), 0
        return _next_in_cycle(text, after)
    except (ValueError, OverflowError):  # e.g. P9999Y: past the last date Python can hold
        raise EngineError(f"the timer {text!r} lies outside the dates a case can have") from None


def record_schedule(session: Session, definition: ProcessDefinition, model: BpmnModel) -> None:
    """Record the next due start of each timer start event of a newly deployed version,
    replacing the schedule of the procedure's older versions."""
    now = clock.now()
    old = {
        (row.element_id, row.expression): row
        for row in session.scalars(
            select(ScheduledStart).where(ScheduledStart.process_key == definition.key)
        )
    }
    for element_id, kind, expression in timer_starts(model, definition.key):
        kept = old.pop((element_id, f"{kind}:{expression}"), None)
        if kept is not None:  # the same timer: it keeps its place in the cycle
            kept.definition_id = definition.id
            continue
        try:
            due = next_start(kind, expression, now)
        except EngineError as exc:
            raise InvalidBpmn(
                f"The timer start event {element_id!r} of {definition.key} cannot be "
                f"scheduled: {exc.message}"
            ) from exc
        if due is not None:
            session.add(
                ScheduledStart(
                    definition_id=definition.id,
                    process_key=definition.key,
                    element_id=element_id,
                    expression=f"{kind}:{expression}",
                    due_at=due[0],
                    remaining=due[1],
                    started=0,
                )
            )
    for row in old.values():  # timers the new version no longer has
        session.delete(row)
    session.flush()


def _literal(expression: str) -> str:
    """The ISO text of a timer: a bare or quoted literal, or a constant expression."""
    text = language.strip_wrapper(expression).strip()
    if iso_literal_kind(text.strip("'\"")):
        return text.strip("'\"")
    try:
        value: Any = language.evaluate(text, {})
    except EngineError as exc:
        raise EngineError(
            f"{expression!r} must be an ISO 8601 date, duration or cycle, or an expression "
            f"of constants giving one (a start event has no case data yet): {exc.message}"
        ) from exc
    if not isinstance(value, str) or not iso_literal_kind(value):
        raise EngineError(f"{expression!r} gives {value!r}, not an ISO 8601 date or period")
    return value


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(with_zone(text))
    except ValueError as exc:
        raise EngineError(f"{text!r} is not an ISO 8601 date-time") from exc


def _duration(text: str) -> dict[str, Any]:
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text)
    except Exception as exc:  # SpiffWorkflow raises a bare Exception
        raise EngineError(f"{text!r} is not an ISO 8601 duration") from exc
    if not parsed or not any(parsed.values()):
        raise EngineError(f"{text!r} is an empty duration")
    return parsed


def _period(parsed: dict[str, Any], start: datetime, times: int = 1) -> timedelta:
    """``times`` periods from ``start``, months and years by the calendar."""
    months = int(parsed.get("years", 0) * 12 + parsed.get("months", 0)) * times
    rest = timedelta(
        weeks=parsed.get("weeks", 0) * times,
        days=parsed.get("days", 0) * times,
        hours=parsed.get("hours", 0) * times,
        minutes=parsed.get("minutes", 0) * times,
        seconds=parsed.get("seconds", 0) * times,
    )
    return _add_months(start, months) - start + rest


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _next_in_cycle(text: str, after: datetime) -> tuple[datetime, int | None] | None:
    """Cycles ``R[n]/start/period`` (or ``R[n]/period``: from ``after``)."""
    parts = text.upper().lstrip("R").split("/")
    if len(parts) not in (2, 3):
        raise EngineError(f"{text!r} is not an ISO 8601 cycle such as R/2027-01-01T08:00/P1M")
    try:
        cycles = int(parts[0]) if parts[0] else None
    except ValueError as exc:
        raise EngineError(f"{text!r}: {parts[0]!r} is not a number of repetitions") from exc
    if len(parts) == 2:
        start, period = after, _duration(text.split("/")[1])
        first = start + _period(period, start)
        return first, (None if cycles is None else cycles - 1)
    start, period = _moment(text.split("/")[1]), _duration(text.split("/")[2])
    longest = _period(period, start)  # a lower bound for the index, then step
    longest += timedelta(days=3 * (period.get("months", 0) + 12 * period.get("years", 0)))
    index = max(0, int((after - start) / longest)) if after > start else 0
    while True:
        if cycles is not None and index >= cycles:
            return None
        due = start + _period(period, start, index)
        if due > after:
            return due, (None if cycles is None else cycles - index - 1)
        index += 1
