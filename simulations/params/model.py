"""The simulation parameters as data: lanes, tasks, events, arrivals and the whole set.

:mod:`simulations.params.parameters` reads them from YAML and
:mod:`simulations.params.prosimos` from Prosimos JSON.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from simulations.des.calendars import CalendarSpec
from simulations.params.distributions import Distribution, ParamsError

DEFAULT_START = datetime(2025, 1, 6, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Monday


@dataclass
class LaneParams:
    """A resource pool: ``count`` clerks working on ``calendar``, paid ``cost_per_hour``."""

    count: int = 1
    calendar: str = "office"
    cost_per_hour: float = 0.0


@dataclass
class TaskParams:
    """A task's working-time ``duration``; ``lane`` overrides the BPMN lane.

    ``instances`` is how many instances a multi-instance activity runs (drawn, rounded);
    ``loop_probability`` the chance that a standard loop runs again after each run.
    """

    duration: Distribution | None = None
    lane: str | None = None
    cost: float = 0.0  # fixed cost per execution
    instances: Distribution | None = None
    loop_probability: float | None = None


@dataclass
class EventParams:
    """A timer's or message's ``delay`` (wall clock); ``probability`` a message comes."""

    delay: Distribution | None = None
    probability: float = 1.0


@dataclass
class ArrivalParams:
    """Gaps between new cases, pushed into the ``calendar``'s opening hours.

    ``per_hour`` (24 relative weights, local time) makes exponential arrivals busier
    at some hours than others.
    """

    distribution: Distribution = field(default_factory=lambda: Distribution.exponential(3600.0))
    calendar: str = "office"
    per_hour: tuple[float, ...] | None = None


@dataclass
class SimParams:
    """Everything a simulation needs besides the BPMN model."""

    start: datetime = DEFAULT_START
    process: str | None = None
    cases: int = 1000
    trim: float = 0.0
    arrivals: ArrivalParams = field(default_factory=ArrivalParams)
    calendars: dict[str, CalendarSpec] = field(default_factory=dict)
    lanes: dict[str, LaneParams] = field(default_factory=dict)
    tasks: dict[str, TaskParams] = field(default_factory=dict)
    flows: dict[str, float] = field(default_factory=dict)
    events: dict[str, EventParams] = field(default_factory=dict)
    sla_days: int | None = None
    sla_calendar: str = "office"
    default_duration: Distribution = field(default_factory=lambda: Distribution.exponential(1800.0))
    default_lane: LaneParams = field(default_factory=LaneParams)
    source: str = "defaults"

    def calendar(self, name: str) -> CalendarSpec:
        """The named calendar; ``office`` and ``24/7`` exist unless redefined."""
        if name in self.calendars:
            return self.calendars[name]
        if name == "24/7":
            return CalendarSpec.always()
        if name == "office":
            return CalendarSpec.office_hours()
        raise ParamsError(f"calendar {name!r} is not defined under calendars")

    def lane(self, lane_id: str | None) -> LaneParams:
        """The pool parameters of ``lane_id`` (the defaults when not listed)."""
        return self.lanes.get(lane_id or "", self.default_lane)

    def copy(self) -> SimParams:
        """A deep copy, for what-if scenarios."""
        return copy.deepcopy(self)
