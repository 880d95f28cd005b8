"""Read Prosimos' simulation-parameters JSON (as written by SIMOD) into :class:`SimParams`.

Each Prosimos resource (``resource_list`` entry) becomes a pool, named by its id, with
``amount`` clerks; a task runs in the pool of its first resource in
``task_resource_distribution``. Prosimos' parameter layouts are kept: ``expon`` is
``[mean, min, max]`` drawn as ``min + Exp(mean - min)``; ``norm`` is
``[mean, std, min, max]``; ``lognorm`` and ``gamma`` are ``[mean, variance, min, max]``;
``uniform`` is ``[min, max]``; ``fix`` is ``[value]``; values outside ``[min, max]``
are redrawn. ``histogram_sampling`` arrivals become a histogram distribution.
"""

from __future__ import annotations

import math

from simulations.des.calendars import CalendarSpec
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.model import ArrivalParams, LaneParams, SimParams, TaskParams

_DAY_NAMES = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


def params_from_prosimos(
    data: dict, source: str = "prosimos.json", timezone: str = "UTC"
) -> SimParams:
    """Translate a Prosimos JSON mapping; ``timezone`` is how its calendars are read.

    Examples
    --------
    >>> p = params_from_prosimos({
    ...     "resource_profiles": [{"id": "p", "name": "p", "resource_list": [
    ...         {"id": "clerk", "name": "clerk", "amount": 2, "cost_per_hour": 10,
    ...          "calendar": "c"}]}],
    ...     "resource_calendars": [{"id": "c", "time_periods": [{"from": "MONDAY",
    ...         "to": "FRIDAY", "beginTime": "09:00:00", "endTime": "17:00:00"}]}],
    ...     "arrival_time_distribution": {"distribution_name": "expon",
    ...         "distribution_params": [{"value": 600}, {"value": 0}, {"value": 6000}]},
    ...     "arrival_time_calendar": [{"from": "MONDAY", "to": "SUNDAY",
    ...         "beginTime": "00:00:00", "endTime": "23:59:59"}],
    ...     "gateway_branching_probabilities": [],
    ...     "task_resource_distribution": [{"task_id": "t", "resources": [
    ...         {"resource_id": "clerk", "distribution_name": "fix",
    ...          "distribution_params": [{"value": 60}]}]}]})
    >>> p.lanes["clerk"].count, p.tasks["t"].lane, p.tasks["t"].duration.mean
    (2, 'clerk', 60.0)
    """
    try:
        return _translate(data, source, timezone)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, ParamsError):
            raise
        raise ParamsError(f"{source}: not a Prosimos parameters file ({exc!r})") from None


def _translate(data: dict, source: str, timezone: str) -> SimParams:
    p = SimParams(source=source)
    for cal in data.get("resource_calendars", []):
        p.calendars[cal["id"]] = calendar_from_periods(cal["time_periods"], timezone, cal["id"])
    for profile in data["resource_profiles"]:
        for res in profile["resource_list"]:
            p.lanes[res["id"]] = LaneParams(
                count=int(res.get("amount", 1)),
                calendar=res["calendar"],
                cost_per_hour=float(res.get("cost_per_hour", 0.0)),
            )
            if res["calendar"] not in p.calendars:
                raise ParamsError(
                    f"resource_profiles.{res['id']}.calendar: {res['calendar']!r} unknown"
                )
    arrival = data["arrival_time_distribution"]
    periods = data.get("arrival_time_calendar", [])
    if isinstance(periods, dict):  # older files wrap the periods in a calendar object
        periods = periods.get("time_periods", [])
    if periods:
        p.calendars["arrivals"] = calendar_from_periods(periods, timezone, "arrival_time_calendar")
    p.arrivals = ArrivalParams(
        distribution_from_prosimos(arrival, "arrival_time_distribution"),
        "arrivals" if periods else "24/7",
    )
    for task in data["task_resource_distribution"]:
        first = task["resources"][0]
        p.tasks[task["task_id"]] = TaskParams(
            duration=distribution_from_prosimos(
                first, f"task_resource_distribution.{task['task_id']}"
            ),
            lane=first["resource_id"],
        )
    for gateway in data.get("gateway_branching_probabilities", []):
        for prob in gateway["probabilities"]:
            if "value" in prob:
                p.flows[prob["path_id"]] = float(prob["value"])
    for event in data.get("event_distribution", []):
        from simulations.params.model import EventParams

        p.events[event["event_id"]] = EventParams(
            delay=distribution_from_prosimos(event, f"event_distribution.{event['event_id']}")
        )
    p.sla_calendar = "24/7"
    return p


def calendar_from_periods(periods: list, timezone: str, where: str) -> CalendarSpec:
    """Prosimos ``time_periods`` (``from``/``to`` day names, ``beginTime``/``endTime``)."""
    weekly: dict[int, list[tuple[float, float]]] = {}
    for i, period in enumerate(periods):
        first = _DAY_NAMES.index(period["from"].upper())
        last = _DAY_NAMES.index(period["to"].upper())
        begin, end = _clock(period["beginTime"]), _clock(period["endTime"])
        if end >= 86399.0:  # "23:59:59" means until midnight
            end = 86400.0
        if not begin < end:
            raise ParamsError(f"{where}.time_periods[{i}]: endTime must be after beginTime")
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        for day in days:
            weekly.setdefault(day, []).append((begin, end))
    if all(spans == [(0.0, 86400.0)] for spans in weekly.values()) and len(weekly) == 7:
        return CalendarSpec.always()
    return CalendarSpec({d: tuple(sorted(s)) for d, s in weekly.items()}, None, (), timezone)


def distribution_from_prosimos(spec: dict, where: str) -> Distribution:
    """A Prosimos ``distribution_name`` + ``distribution_params`` pair, layouts kept."""
    name = spec["distribution_name"]
    if name == "histogram_sampling":
        hist = spec["histogram_data"]
        return Distribution(
            "histogram", {"cdf": tuple(hist["cdf"]), "values": tuple(hist["bin_midpoints"])}
        )
    values = [
        float(v["value"]) if isinstance(v, dict) else float(v) for v in spec["distribution_params"]
    ]

    def bounds(i: int) -> tuple[float, float]:
        low = values[i] if len(values) > i else 0.0
        high = values[i + 1] if len(values) > i + 1 else math.inf
        return max(low, 0.0), high

    if name in ("fix", "fixed"):
        return Distribution.fixed(values[0])
    if name in ("expon", "exponential"):
        low, high = bounds(1)
        scale = values[0] - low if values[0] > low else values[0]
        return Distribution("exponential", {"mean": scale, "shift": low}, low, high)
    if name in ("norm", "normal"):
        low, high = bounds(2)
        return Distribution("normal", {"mean": values[0], "std": values[1]}, low, high)
    if name in ("lognorm", "gamma"):
        low, high = bounds(2)
        kind = "lognormal" if name == "lognorm" else "gamma"
        return Distribution(kind, {"mean": values[0], "std": math.sqrt(values[1])}, low, high)
    if name == "uniform":
        return Distribution("uniform", {"min": values[0], "max": values[1]}, values[0], values[1])
    if name in ("triang", "triangular"):  # [mode, min, max]
        mode, low, high = values[0], values[1], values[2]
        return Distribution("triangular", {"min": low, "mode": mode, "max": high}, low, high)
    raise ParamsError(f"{where}.distribution_name: {name!r} is not supported")


def _clock(text: str) -> float:
    parts = [float(x) for x in str(text).split(":")]
    while len(parts) < 3:
        parts.append(0.0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]
