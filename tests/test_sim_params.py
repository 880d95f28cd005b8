"""Parameter files: the YAML format, its error messages, Prosimos JSON, calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sim_fixtures.models import choice_model

from simulations.des.calendars import CalendarSpec, parse_weekly
from simulations.des.compiler import compile_process
from simulations.des.eventlog import write_event_log
from simulations.des.simulator import simulate_once
from simulations.params.calibrate import calibrate, fit_duration, read_event_log
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import (
    ArrivalParams,
    LaneParams,
    SimParams,
    TaskParams,
    load_params,
    params_from_dict,
    params_to_dict,
)

FIXTURES = Path(__file__).parent / "sim_fixtures"


def test_the_documented_example_loads():
    params = load_params(FIXTURES / "permit.yaml")
    assert params.lanes["back"].count == 5
    assert params.tasks["verify"].duration.kind == "lognormal"
    assert params.tasks["register"].duration.mean == pytest.approx(35 * 60 / 3)
    assert params.flows == {"to_fix": 0.3, "to_fork": 0.7}
    assert params.sla_days == 5


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (
            {"tasks": {"verify": {"duration": {"type": "weibull", "mean": 3}}}},
            "tasks.verify.duration.type",
        ),
        (
            {"tasks": {"verify": {"duration": {"type": "normal", "mean": 3}}}},
            "tasks.verify.duration.std",
        ),
        (
            {"tasks": {"verify": {"duration": {"type": "exponential", "mean": "x"}}}},
            "tasks.verify.duration.mean",
        ),
        ({"lanes": {"front": {"count": 0}}}, "lanes.front.count"),
        ({"lanes": {"front": {"staff": 2}}}, "lanes.front.staff"),
        ({"lanes": {"front": {"calendar": "night"}}}, "lanes.front.calendar"),
        ({"calendars": {"office": {"weekly": {"mon": "8-16"}}}}, "calendars.office.weekly.mon"),
        ({"flows": {"to_fix": 1.5}}, "flows.to_fix"),
        ({"arrival": {}}, "arrival"),
        ({"start": "yesterday"}, "start"),
    ],
)
def test_errors_name_the_bad_key(data, key):
    with pytest.raises(ParamsError) as info:
        params_from_dict(data)
    assert str(info.value).startswith(key)


def test_references_to_unknown_elements_are_errors():
    params = params_from_dict({"flows": {"nope": 0.5}})
    with pytest.raises(ParamsError, match="flows.nope"):
        compile_process(choice_model(), params)


def test_params_round_trip_through_yaml():
    params = load_params(FIXTURES / "permit.yaml")
    again = params_from_dict(yaml.safe_load(yaml.safe_dump(params_to_dict(params))))
    assert params_to_dict(again) == params_to_dict(params)


def test_weekly_hours_and_ranges():
    weekly = parse_weekly({"mon-fri": "08:00-12:00, 13:00-16:00", "sat": "08:00-12:00"}, "w")
    assert weekly[0] == ((28800.0, 43200.0), (46800.0, 57600.0)) and 6 not in weekly
    assert CalendarSpec.from_spec("24/7", "c").always_open


def test_prosimos_json_loads_with_its_layouts():
    params = load_params(FIXTURES / "prosimos_small.json")
    assert params.lanes["clerk"].count == 3 and params.lanes["clerk"].cost_per_hour == 10
    a = params.tasks["a"].duration  # expon [mean, min, max]: min + Exp(mean - min)
    draws = a.sample(np.random.default_rng(1), 20000)
    assert draws.min() >= 300 and draws.max() <= 3000
    assert draws.mean() == pytest.approx(600, rel=0.03)
    b = params.tasks["b"].duration.sample(np.random.default_rng(2), 20000)  # [mean, variance, ...]
    assert b.mean() == pytest.approx(900, rel=0.03) and b.std() == pytest.approx(300, rel=0.05)
    assert params.arrivals.distribution.mean == pytest.approx(900)
    assert params.calendar(params.arrivals.calendar).always_open  # Monday-Sunday 00:00-23:59:59
    assert params.flows == {"to_a": 0.25, "to_b": 0.75}
    kpis_run = simulate_once(choice_model(), params, cases=200, seed=1)
    assert kpis_run.finished.all()


def test_fit_duration_picks_a_sensible_family():
    rng = np.random.default_rng(0)
    assert fit_duration(rng.exponential(500, 3000)).kind == "exponential"
    assert fit_duration(rng.normal(1000, 50, 3000)).kind in ("normal", "gamma", "lognormal")
    assert fit_duration(np.full(20, 42.0)) == Distribution.fixed(42.0)


def test_calibrate_recovers_parameters_from_a_simulated_log(tmp_path):
    params = SimParams(sla_calendar="24/7")
    params.arrivals = ArrivalParams(Distribution.exponential(300.0), "24/7")
    params.lanes["clerks"] = LaneParams(count=4, calendar="24/7")
    params.tasks["a"] = TaskParams(Distribution.exponential(400.0))
    params.tasks["b"] = TaskParams(Distribution.fixed(250.0))
    params.flows = {"to_a": 0.7, "to_b": 0.3}
    run = simulate_once(choice_model(), params, cases=4000, seed=9)
    log = tmp_path / "log.csv"
    write_event_log(run, log, enabled=True)
    fitted = calibrate(choice_model(), read_event_log(log), calendar="24/7")
    assert fitted.flows["to_a"] == pytest.approx(0.7, abs=0.03)
    assert fitted.arrivals.distribution.mean == pytest.approx(300.0, rel=0.06)
    assert fitted.tasks["a"].duration.kind == "exponential"
    assert fitted.tasks["a"].duration.mean == pytest.approx(400.0, rel=0.08)
    assert fitted.tasks["b"].duration.mean == pytest.approx(250.0, abs=1.0)
    assert fitted.lanes["clerks"].count == 4


def test_parameter_files_that_would_exhaust_memory_or_recursion_are_refused(tmp_path):
    from simulations.params.distributions import ParamsError
    from simulations.params.parameters import load_params, params_from_dict

    with pytest.raises(ParamsError, match=r"lanes.front.count: at most 1000"):
        params_from_dict({"lanes": {"front": {"count": 10**9}}})
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000)
    with pytest.raises(ParamsError, match="deep.yaml"):
        load_params(deep)
