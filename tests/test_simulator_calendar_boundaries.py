"""Work at a closing: the two calendar rules where Prosimos 2.1.0 differs from us.

Prosimos finishes work that exactly fills the rest of the day at midnight (its successor
then waits for the next opening) and counts the closing instant as open (a task taken
then is logged with no wait, its work done the next morning). Here work that fills the
day ends at the closing, and a task ready at the closing starts at the next opening.
See ``benchmarks/simulation_vs_prosimos.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.bpmn.builder import linear_model
from simulations.des.calendars import CalendarSpec
from simulations.des.simulator import simulate_once
from simulations.params.distributions import Distribution
from simulations.params.parameters import ArrivalParams, LaneParams, SimParams, TaskParams

WEDNESDAY_16H = datetime(2024, 1, 3, 16, 0, tzinfo=UTC)


def two_pools(start: datetime, form_hours: str, check_hours: str) -> SimParams:
    """One case at ``start``: a 1-hour form (pool ``applicant``), then a 10-minute check."""
    params = SimParams(start=start, sla_calendar="24/7")
    for lane, hours in (("applicant", form_hours), ("checker", check_hours)):
        params.calendars[lane] = CalendarSpec.from_spec(
            {"weekly": {"mon-fri": hours}, "holidays": "none", "timezone": "UTC"}, lane
        )
        params.lanes[lane] = LaneParams(count=1, calendar=lane)
    params.arrivals = ArrivalParams(Distribution.fixed(30 * 86400.0), "24/7")
    params.tasks["form"] = TaskParams(Distribution.fixed(3600.0), lane="applicant")
    params.tasks["check"] = TaskParams(Distribution.fixed(600.0), lane="checker")
    return params


def hours(run) -> list[tuple[float, float, float]]:
    """(enabled, start, end) of each task in hours after the start."""
    return [
        (e / 3600, s / 3600, d / 3600)
        for e, s, d in zip(run.enabled, run.start, run.end, strict=True)
    ]


def test_work_that_fills_the_day_ends_at_the_closing_not_at_midnight():
    params = two_pools(WEDNESDAY_16H, "09:00-17:00", "09:00-18:00")
    run = simulate_once(linear_model(["form", "check"]), params, cases=1, seed=1)
    form, check = hours(run)
    assert form == pytest.approx((0.0, 0.0, 1.0))  # 16:00-17:00
    # the checker is open until 18:00, so the check follows at once (Prosimos: 09:00)
    assert check == pytest.approx((1.0, 1.0, 1.0 + 1 / 6))


def test_a_task_ready_at_the_closing_starts_at_the_next_opening():
    params = two_pools(WEDNESDAY_16H, "09:00-17:00", "09:00-17:00")
    run = simulate_once(linear_model(["form", "check"]), params, cases=1, seed=1)
    _, check = hours(run)
    # ready at 17:00, the checkers' closing: logged as started at Thursday 09:00
    assert check == pytest.approx((1.0, 17.0, 17.0 + 1 / 6))


def test_calendar_arithmetic_at_the_closing():
    cal = CalendarSpec({2: ((9 * 3600.0, 17 * 3600.0),)}, None, (), "UTC").build(WEDNESDAY_16H)
    week = 7 * 24.0
    assert cal.add_work(0.0, 3600.0) / 3600 == pytest.approx(1.0)  # ends 17:00
    assert cal.add_work(0.0, 3601.0) / 3600 == pytest.approx(week - 7 + 1 / 3600)
    assert cal.next_open(3600.0) / 3600 == pytest.approx(week - 7)  # next Wednesday 09:00
