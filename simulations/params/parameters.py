"""Simulation parameters: the documented YAML file, validated, with sensible defaults.

See ``docs/simulation-parameters.md`` for the format. :func:`load_params` also reads
a Prosimos simulation-parameters JSON file (see :mod:`simulations.params.prosimos`),
so a model discovered by SIMOD runs here unchanged.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from simulations.des.calendars import CalendarSpec
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.model import (
    DEFAULT_START,
    ArrivalParams,
    EventParams,
    LaneParams,
    SimParams,
    TaskParams,
)

__all__ = ["ParamsError", "SimParams", "load_params", "params_from_dict", "params_to_dict"]

_TOP_KEYS = {
    "start",
    "process",
    "cases",
    "trim",
    "arrivals",
    "calendars",
    "lanes",
    "tasks",
    "flows",
    "events",
    "sla",
    "defaults",
}


MAX_STAFF = 1000  # clerks per lane: the simulator keeps one resource per clerk


def load_params(path: str | Path) -> SimParams:
    """Read a parameters file: YAML (ours) or JSON (ours or Prosimos').

    Examples
    --------
    >>> load_params("missing.yaml")
    Traceback (most recent call last):
    ...
    simulations.params.distributions.ParamsError: missing.yaml: no such file
    """
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ParamsError(f"{path}: not valid {path.suffix[1:].upper() or 'YAML'}: {exc}") from None
    except RecursionError:
        raise ParamsError(f"{path}: too deeply nested") from None
    if isinstance(data, dict) and "task_resource_distribution" in data:
        from simulations.params.prosimos import params_from_prosimos

        return params_from_prosimos(data, source=str(path))
    return params_from_dict(data or {}, source=str(path))


def params_from_dict(data: dict, source: str = "parameters") -> SimParams:
    """Validate a parsed parameters mapping; errors name the bad key."""
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping at the top level")
    for key in data:
        if key not in _TOP_KEYS:
            raise ParamsError(f"{key}: unknown section; use one of {sorted(_TOP_KEYS)}")
    p = SimParams(source=source)
    p.start = _start(data.get("start", DEFAULT_START))
    p.process = data.get("process")
    if p.process is not None and not isinstance(p.process, str):
        shown = repr(p.process)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise ParamsError(f"process: expected a process id (text), got {shown}")
    p.cases = _int(data.get("cases", 1000), "cases", 1)
    p.trim = _number(data.get("trim", 0.0), "trim", 0.0, 0.45)
    p.calendars = {
        str(k): CalendarSpec.from_spec(v, f"calendars.{k}")
        for k, v in _mapping(data, "calendars").items()
    }
    defaults = _mapping(data, "defaults")
    if "duration" in defaults:
        p.default_duration = Distribution.from_spec(defaults["duration"], "defaults.duration")
    if "lane" in defaults:
        p.default_lane = _lane(defaults["lane"], "defaults.lane")
    p.arrivals = _arrivals(_mapping(data, "arrivals"))
    p.lanes = {str(k): _lane(v, f"lanes.{k}") for k, v in _mapping(data, "lanes").items()}
    p.tasks = {str(k): _task(v, f"tasks.{k}") for k, v in _mapping(data, "tasks").items()}
    p.flows = {
        str(k): _number(v, f"flows.{k}", 0.0, 1.0) for k, v in _mapping(data, "flows").items()
    }
    p.events = {str(k): _event(v, f"events.{k}") for k, v in _mapping(data, "events").items()}
    sla = _mapping(data, "sla")
    if "max_days" in sla:
        p.sla_days = _int(sla["max_days"], "sla.max_days", 0)
    p.sla_calendar = str(sla.get("calendar", "office"))
    for where, name in _calendar_refs(p):
        try:
            p.calendar(name)
        except ParamsError:
            raise ParamsError(
                f"{where}: calendar {name!r} is not defined under calendars"
            ) from None
    return p


def params_to_dict(p: SimParams) -> dict:
    """The YAML mapping of ``p`` (what :func:`params_from_dict` reads back)."""
    data: dict = {"start": p.start.isoformat(), "cases": p.cases}
    if p.process:
        data["process"] = p.process
    if p.trim:
        data["trim"] = p.trim
    arrivals = {"distribution": p.arrivals.distribution.as_spec(), "calendar": p.arrivals.calendar}
    if p.arrivals.per_hour:
        arrivals["per_hour"] = list(p.arrivals.per_hour)
    data["arrivals"] = arrivals
    if p.calendars:
        data["calendars"] = {k: c.as_spec() for k, c in p.calendars.items()}
    data["defaults"] = {
        "duration": p.default_duration.as_spec(),
        "lane": _lane_dict(p.default_lane),
    }
    data["lanes"] = {k: _lane_dict(v) for k, v in p.lanes.items()}
    data["tasks"] = {k: _task_dict(v) for k, v in p.tasks.items()}
    data["flows"] = dict(p.flows)
    if p.events:
        data["events"] = {
            k: {"probability": e.probability, **({"delay": e.delay.as_spec()} if e.delay else {})}
            for k, e in p.events.items()
        }
    if p.sla_days is not None:
        data["sla"] = {"max_days": p.sla_days, "calendar": p.sla_calendar}
    return data


def _lane_dict(lane: LaneParams) -> dict:
    return {"count": lane.count, "calendar": lane.calendar, "cost_per_hour": lane.cost_per_hour}


def _task_dict(task: TaskParams) -> dict:
    out: dict = {}
    if task.duration is not None:
        out["duration"] = task.duration.as_spec()
    if task.lane:
        out["lane"] = task.lane
    if task.cost:
        out["cost"] = task.cost
    if task.instances is not None:
        out["instances"] = task.instances.as_spec()
    if task.loop_probability is not None:
        out["loop_probability"] = task.loop_probability
    return out


def _calendar_refs(p: SimParams):
    yield "arrivals.calendar", p.arrivals.calendar
    yield "sla.calendar", p.sla_calendar
    yield "defaults.lane.calendar", p.default_lane.calendar
    for k, lane in p.lanes.items():
        yield f"lanes.{k}.calendar", lane.calendar


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ParamsError(f"{key}: expected a mapping, got {type(value).__name__}")
    return value


def _check_keys(spec: dict, allowed: set[str], where: str) -> dict:
    if not isinstance(spec, dict):
        raise ParamsError(f"{where}: expected a mapping, got {spec!r}")
    for key in spec:
        if key not in allowed:
            raise ParamsError(f"{where}.{key}: unknown key; use one of {sorted(allowed)}")
    return spec


def _arrivals(spec: dict) -> ArrivalParams:
    _check_keys(spec, {"distribution", "calendar", "per_hour", "rate_per_day"}, "arrivals")
    a = ArrivalParams()
    if "rate_per_day" in spec:
        rate = _number(spec["rate_per_day"], "arrivals.rate_per_day", 1e-9)
        a.distribution = Distribution.exponential(86400.0 / rate)
    if "distribution" in spec:
        a.distribution = Distribution.from_spec(spec["distribution"], "arrivals.distribution")
    a.calendar = str(spec.get("calendar", a.calendar))
    if "per_hour" in spec:
        hours = spec["per_hour"]
        if not isinstance(hours, list) or len(hours) != 24:
            raise ParamsError("arrivals.per_hour: expected 24 relative weights, one per hour")
        a.per_hour = tuple(_number(h, f"arrivals.per_hour[{i}]", 0.0) for i, h in enumerate(hours))
        if a.distribution.kind != "exponential" or max(a.per_hour) <= 0:
            raise ParamsError("arrivals.per_hour: needs exponential gaps and a positive weight")
    return a


def _lane(spec, where: str) -> LaneParams:
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = {"count": spec}
    _check_keys(spec, {"count", "calendar", "cost_per_hour"}, where)
    return LaneParams(
        count=_int(spec.get("count", 1), f"{where}.count", 1, MAX_STAFF),
        calendar=str(spec.get("calendar", "office")),
        cost_per_hour=_number(spec.get("cost_per_hour", 0.0), f"{where}.cost_per_hour", 0.0),
    )


def _task(spec, where: str) -> TaskParams:
    if not isinstance(spec, dict) or "type" in spec:
        spec = {"duration": spec}
    _check_keys(spec, {"duration", "lane", "cost", "instances", "loop_probability"}, where)
    duration, instances = spec.get("duration"), spec.get("instances")
    loop = spec.get("loop_probability")
    return TaskParams(
        duration=None
        if duration is None
        else Distribution.from_spec(duration, f"{where}.duration"),
        lane=None if spec.get("lane") is None else str(spec["lane"]),
        cost=_number(spec.get("cost", 0.0), f"{where}.cost", 0.0),
        instances=None
        if instances is None
        else Distribution.from_spec(instances, f"{where}.instances"),
        loop_probability=None if loop is None else _number(loop, f"{where}.loop_probability", 0, 1),
    )


def _event(spec, where: str) -> EventParams:
    if not isinstance(spec, dict) or "type" in spec:
        spec = {"delay": spec}
    _check_keys(spec, {"delay", "probability"}, where)
    delay = spec.get("delay")
    return EventParams(
        delay=None if delay is None else Distribution.from_spec(delay, f"{where}.delay"),
        probability=_number(spec.get("probability", 1.0), f"{where}.probability", 0.0, 1.0),
    )


def _start(value) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ParamsError(f"start: {value!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Jakarta"))


def _number(value, where: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParamsError(f"{where}: expected a number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ParamsError(f"{where}: {value} is outside [{low}, {high}]")
    return float(value)


def _int(value, where: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ParamsError(f"{where}: expected a whole number >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ParamsError(f"{where}: at most {high}, got {value}")
    return value
