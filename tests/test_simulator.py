"""The simulator's semantics on tiny models: queueing, routing, joins, timers, calendars."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sim_fixtures.models import boundary_model, choice_model, permit_model

from engine.bpmn.builder import add_flow, add_node, add_timer, linear_model
from simulations.des.calendars import CalendarSpec
from simulations.des.kpis import run_kpis
from simulations.des.parallel import run_replications
from simulations.des.simulator import simulate_once
from simulations.params.distributions import Distribution
from simulations.params.parameters import ArrivalParams, LaneParams, SimParams, TaskParams


def always_open(gap: float = 100.0, staff: dict | None = None, **durations) -> SimParams:
    """24/7 parameters: exponential gaps, the given staff and fixed/exp durations."""
    p = SimParams(sla_calendar="24/7")
    p.arrivals = ArrivalParams(Distribution.exponential(gap), "24/7")
    p.default_lane = LaneParams(count=1, calendar="24/7")
    for lane, count in (staff or {}).items():
        p.lanes[lane] = LaneParams(count=count, calendar="24/7")
    for task, d in durations.items():
        p.tasks[task] = TaskParams(d if isinstance(d, Distribution) else Distribution.fixed(d))
    return p


def test_single_task_matches_mm1_waiting_time():
    params = always_open(100.0, {"clerks": 1}, serve=Distribution.exponential(50.0))
    result = run_replications(
        linear_model(["serve"]), params, 4000, replications=4, seed=3, workers=1
    )
    waiting = result.summary["task.serve.waiting"]["mean"]
    assert waiting == pytest.approx(50.0, rel=0.2)  # rho/(mu(1-rho)) = 0.5*50/0.5
    assert result.summary["lane.clerks.utilisation"]["mean"] == pytest.approx(0.5, rel=0.05)


def test_exclusive_gateway_follows_branch_probabilities():
    params = always_open(100.0, {"clerks": 5}, a=10.0, b=10.0)
    params.flows = {"to_a": 0.8}  # to_b gets the rest
    run = simulate_once(choice_model(), params, cases=4000, seed=1)
    kpis = run_kpis(run)
    assert kpis["task.a.executions"] == pytest.approx(0.8, abs=0.03)
    assert kpis["task.a.executions"] + kpis["task.b.executions"] == pytest.approx(1.0)


def test_parallel_join_waits_for_both_branches():
    params = always_open(600.0, {"front": 3, "back": 3, "head": 3, "applicant": 3})
    params.flows = {"to_fix": 0.0, "to_fork": 1.0}
    run = simulate_once(permit_model(), params, cases=300, seed=2)
    ids = run.compiled.ids
    ends = {}
    for case, node, end in zip(run.case, run.node, run.end, strict=True):
        ends.setdefault(case, {})[ids[node]] = end
    starts = {
        c: s for c, n, s in zip(run.case, run.node, run.enabled, strict=True) if ids[n] == "sign"
    }
    assert len(starts) == 300
    for case, sign_enabled in starts.items():
        assert sign_enabled == pytest.approx(max(ends[case]["survey"], ends[case]["fee"]))


def test_loop_repeats_with_its_probability():
    params = always_open(600.0, {"front": 3, "back": 3, "head": 3, "applicant": 3})
    params.flows = {"to_fix": 0.3, "to_fork": 0.7}
    kpis = run_kpis(simulate_once(permit_model(), params, cases=5000, seed=4))
    assert kpis["task.verify.executions"] == pytest.approx(1 / 0.7, rel=0.03)


@pytest.mark.parametrize(("work", "expected_cycle"), [(7200.0, 3600.0), (1800.0, 1800.0)])
def test_interrupting_boundary_timer_cuts_the_task_short(work, expected_cycle):
    params = always_open(10_000.0, {"clerks": 1}, work=work)
    params.arrivals.distribution = Distribution.fixed(10_000.0)  # no queueing
    run = simulate_once(boundary_model("PT1H"), params, cases=20, seed=1)
    cycle = run.case_end - run.case_arrival
    assert np.allclose(cycle, expected_cycle)
    assert np.allclose(run.work, min(work, 3600.0))


def test_non_interrupting_boundary_timer_spawns_a_branch():
    model = boundary_model("PT1H")
    model.processes["timed"].nodes["deadline"].cancel_activity = False
    params = always_open(10_000.0, {"clerks": 1}, work=7200.0)
    params.arrivals.distribution = Distribution.fixed(10_000.0)
    run = simulate_once(model, params, cases=10, seed=1)
    assert np.allclose(run.case_end - run.case_arrival, 7200.0)
    assert np.allclose(run.work, 7200.0)


def test_intermediate_timer_and_subprocess_take_their_time():
    model = linear_model(["a"])
    process = model.processes["p"]
    process.flows.clear()
    for node in process.nodes.values():
        node.incoming.clear(), node.outgoing.clear()
    add_timer(process, "wait", "PT2H")
    add_node(process, "sub", "subProcess")
    add_node(process, "sub_start", "startEvent", parent_id="sub")
    add_node(process, "inner", "userTask", lane="clerks", parent_id="sub")
    add_node(process, "sub_end", "endEvent", parent_id="sub")
    for a, b in [("start", "wait"), ("wait", "sub"), ("sub", "a"), ("a", "end")]:
        add_flow(process, a, b)
    add_flow(process, "sub_start", "inner")
    add_flow(process, "inner", "sub_end")
    process.nodes["sub_start"].parent_id = "sub"
    params = always_open(100_000.0, {"clerks": 2}, a=60.0, inner=600.0)
    params.arrivals.distribution = Distribution.fixed(100_000.0)
    run = simulate_once(model, params, cases=5, seed=1)
    assert np.allclose(run.case_end - run.case_arrival, 7200 + 600 + 60)


def test_work_pauses_after_office_hours():
    params = SimParams(start=datetime(2025, 1, 6, 15, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # Monday
    params.calendars["office"] = CalendarSpec.from_spec(
        {"weekly": {"mon-fri": "08:00-16:00"}, "holidays": "none"}, "office"
    )
    params.arrivals = ArrivalParams(Distribution.fixed(10 * 86400.0), "office")
    params.tasks["a"] = TaskParams(Distribution.fixed(7200.0))
    run = simulate_once(linear_model(["a"]), params, cases=1, seed=1)
    assert run.end[0] / 3600 == pytest.approx(18.0)  # 1 h on Monday, 1 h from 08:00 Tuesday


def test_holidays_close_the_office():
    start = datetime(2025, 3, 28, 15, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Friday
    # Monday 31 March and Tuesday 1 April 2025 are Idul Fitri: work resumes on Wednesday
    with_holidays = CalendarSpec.office_hours().build(start).add_work(0.0, 7200.0)
    without = CalendarSpec.office_hours(holidays=None).build(start).add_work(0.0, 7200.0)
    assert without / 3600 == pytest.approx(66.0)  # Monday 09:00
    assert with_holidays - without == pytest.approx(2 * 86400)


def test_same_seed_same_run_other_seed_other_run():
    params = always_open(100.0, {"clerks": 1}, serve=Distribution.exponential(60.0))
    a = simulate_once(linear_model(["serve"]), params, cases=200, seed=11)
    b = simulate_once(linear_model(["serve"]), params, cases=200, seed=11)
    c = simulate_once(linear_model(["serve"]), params, cases=200, seed=12)
    assert np.array_equal(a.end, b.end) and np.array_equal(a.case_arrival, b.case_arrival)
    assert not np.array_equal(a.end, c.end)


def test_sla_compliance_and_cost():
    params = always_open(3600.0, {"clerks": 1}, a=1800.0)
    params.lanes["clerks"].cost_per_hour = 100.0
    params.sla_days = 1
    kpis = run_kpis(simulate_once(linear_model(["a"]), params, cases=100, seed=1))
    assert kpis["cost.per_case"] == pytest.approx(50.0)
    assert kpis["sla.compliance"] == pytest.approx(1.0)


def test_inclusive_gateway_and_terminate_end():
    model = choice_model()
    process = model.processes["choice"]
    process.nodes["split"].kind = "inclusiveGateway"
    process.nodes["merge"].kind = "inclusiveGateway"
    params = always_open(1000.0, {"clerks": 4}, a=10.0, b=20.0)
    params.flows = {"to_a": 0.5, "to_b": 0.5}
    kpis = run_kpis(simulate_once(model, params, cases=3000, seed=5))
    both = kpis["task.a.executions"] + kpis["task.b.executions"]
    assert both == pytest.approx(1.0 + 0.25, abs=0.05)  # one branch if none is drawn
    assert kpis["cases.unfinished"] == 0
    process.nodes["end"].event_definitions = ("terminate",)
    kpis = run_kpis(simulate_once(model, params, cases=500, seed=5))
    assert kpis["cases.finished"] == 500


def test_each_replication_uses_its_own_parameters():
    """The compiled-process cache must never serve another parameter set's process."""
    from engine.bpmn.builder import linear_model
    from simulations.des.parallel import replicate
    from simulations.params.parameters import params_from_dict

    model = linear_model(["a"])
    for i in range(60):
        seconds = 60 if i % 2 else 6000
        params = params_from_dict(
            {"tasks": {"a": {"duration": {"type": "fixed", "value": seconds, "unit": "seconds"}}}}
        )
        kpis, _run, _warnings = replicate(model, params, None, 5, i, 0.0, False)
        assert kpis["task.a.processing"] == seconds


def test_a_timer_the_simulator_cannot_read_is_reported_once_wherever_it_runs():
    from engine.bpmn.builder import add_flow, add_timer, linear_model, remove_flow
    from simulations import jobs
    from simulations.des.parallel import run_replications
    from simulations.params.parameters import SimParams

    model = linear_model(["a", "b"])
    process = model.processes["p"]
    remove_flow(process, next(f.id for f in process.flows.values() if f.source == "a"))
    add_timer(process, "wait", "${bogus}")
    add_flow(process, "a", "wait")
    add_flow(process, "wait", "b")
    expected = "wait: timer '${bogus}' not understood; no wait"
    local = run_replications(model, SimParams(), 20, replications=3, seed=1, workers=1)
    web = jobs.simulate(model, SimParams(), cases=20, replications=3, seed=1)
    assert local.warnings == [expected] and web.warnings == [expected]
