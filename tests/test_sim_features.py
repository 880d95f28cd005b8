"""The simulator runs what the engine runs: multi-instance activities, event
sub-processes, call activities and standard loops (issue 9).

Every case here arrives alone (a fixed gap of 100 hours), every task takes a fixed
hour of working time and the lanes are open 24/7, so cycle times are exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sim_fixtures.models import boundary_model

from engine.bpmn.builder import linear_model
from engine.bpmn.model import Loop
from engine.bpmn.reader import load_bpmn_file
from simulations.des.compiler import compile_process
from simulations.des.kpis import run_kpis
from simulations.des.parallel import run_replications
from simulations.des.simulator import simulate_once
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import (
    ArrivalParams,
    EventParams,
    LaneParams,
    SimParams,
    TaskParams,
    params_from_dict,
    params_to_dict,
)

HOUR = 3600.0
MODELS = Path(__file__).parent / "bpmn_features"


def model(name: str):
    return load_bpmn_file(MODELS / f"{name}.bpmn")


def params(process: str, clerks: int = 1, **hours) -> SimParams:
    """One case every 100 hours on the 24/7 calendar; ``hours`` are fixed task durations."""
    p = SimParams(process=process, sla_calendar="24/7")
    p.arrivals = ArrivalParams(Distribution.fixed(100 * HOUR), "24/7")
    p.default_lane = LaneParams(count=clerks, calendar="24/7")
    p.default_duration = Distribution.fixed(HOUR)
    for task, h in hours.items():
        p.tasks[task] = TaskParams(Distribution.fixed(h * HOUR))
    return p


def cycle_hours(m, p: SimParams, cases: int = 5, **kwargs) -> np.ndarray:
    run = simulate_once(m, p, cases=cases, seed=1, **kwargs)
    assert run.finished.all()
    return (run.case_end - run.case_arrival) / HOUR


# -- multi-instance ---------------------------------------------------------------------


@pytest.mark.parametrize(("clerks", "hours"), [(1, 3.0), (3, 1.0)])
def test_parallel_instances_each_take_a_clerk(clerks, hours):
    p = params("mi_parallel", clerks)
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([hours] * 5)
    kpis = run_kpis(simulate_once(model("sim_loops"), p, cases=5, seed=1))
    assert kpis["task.p_review.executions"] == 3.0


def test_sequential_instances_run_in_a_row_even_with_free_clerks():
    p = params("mi_sequential", 3)
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([3.0] * 5)


def test_instances_parameter_overrides_the_cardinality_and_may_be_drawn():
    p = params("mi_parallel", 1)
    p.tasks["p_review"] = TaskParams(instances=Distribution.fixed(5))
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([5.0] * 5)
    p.tasks["p_review"] = TaskParams(
        instances=Distribution.from_spec({"type": "empirical", "values": [1, 2]})
    )
    kpis = run_kpis(simulate_once(model("sim_loops"), p, cases=2000, seed=3))
    assert kpis["task.p_review.executions"] == pytest.approx(1.5, abs=0.05)


def test_collection_without_parameter_runs_once_and_says_what_to_set():
    p = params("mi_collection", 3)
    compiled = compile_process(model("sim_loops"), p)
    assert any("tasks.c_review.instances" in w for w in compiled.warnings)
    assert any("completion condition" in w for w in compiled.warnings)
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([1.0] * 5)
    p.tasks["c_review"] = TaskParams(instances=Distribution.fixed(4))
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([2.0] * 5)  # 4 on 3 clerks


def test_multi_instance_sub_process_runs_its_instances_in_parallel():
    # two instances of visit (1 h) -> write (2 h): 3 h with 2 clerks, 6 h with one
    p = params("mi_sub", 2, s_write=2)
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([3.0] * 5)
    p.default_lane.count = 1
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([6.0] * 5)
    kpis = run_kpis(simulate_once(model("sim_loops"), p, cases=5, seed=1))
    assert kpis["task.s_visit.executions"] == kpis["task.s_write.executions"] == 2.0


def test_boundary_timer_on_a_multi_instance_task_cancels_every_instance():
    m = boundary_model("PT1H")  # work, with an interrupting 1-hour timer to its own end
    m.processes["timed"].nodes["work"].loop = Loop("multiInstance", cardinality="3")
    p = params("timed", 2, work=2)
    # all three instances stop at 1 h and free both clerks: no case waits for the next
    assert cycle_hours(m, p) == pytest.approx([1.0] * 5)
    run = simulate_once(m, p, cases=5, seed=1)
    assert len(run.node) == 10  # two instances started per case, both cut at 1 h
    assert run.work == pytest.approx([HOUR] * 10)


def test_sequential_multi_instance_sub_process():
    m = model("sim_loops")
    m.processes["mi_sub"].nodes["s_inspection"].loop = Loop(
        "multiInstance", sequential=True, cardinality="2"
    )
    assert cycle_hours(m, params("mi_sub", 2, s_write=2)) == pytest.approx([6.0] * 5)


def test_bundle_agency_reviews_are_one_instance_per_agency():
    bundle = load_bpmn_file(Path(__file__).parents[1] / "processes/small_business_bundle.bpmn")
    p = SimParams()
    compiled = compile_process(bundle, p)
    assert any("tasks.agency_review.instances" in w for w in compiled.warnings)
    p.tasks["agency_review"] = TaskParams(instances=Distribution.fixed(3))
    result = run_replications(bundle, p, 200, replications=1, seed=1, workers=1)
    executions = result.summary["task.agency_review.executions"]["mean"]
    assert executions == pytest.approx(3 * result.summary["cases.finished"]["mean"] / 200, rel=0.05)


def test_new_task_parameters_read_and_write_back():
    spec = {"tasks": {"t": {"instances": {"type": "uniform", "min": 2, "max": 4}}}}
    spec["tasks"]["u"] = {"loop_probability": 0.25}
    p = params_from_dict(spec)
    assert p.tasks["t"].instances.kind == "uniform"
    assert params_from_dict(params_to_dict(p)).tasks["u"].loop_probability == 0.25
    with pytest.raises(ParamsError, match="tasks.u.loop_probability"):
        params_from_dict({"tasks": {"u": {"loop_probability": 2}}})


# -- event sub-processes ----------------------------------------------------------------


def test_interrupting_timer_event_subprocess_cancels_the_work_and_frees_the_clerk():
    p = params("esp_interrupting", 1, i_work=5)
    # the 5 h work stops at 2 h; the one clerk then closes the case in 1 h
    assert cycle_hours(model("sim_event_subprocesses"), p) == pytest.approx([3.0] * 5)
    kpis = run_kpis(simulate_once(model("sim_event_subprocesses"), p, cases=5, seed=1))
    assert kpis["task.i_work.processing"] == pytest.approx(2 * HOUR)
    assert kpis["task.i_close.executions"] == 1.0


def test_timer_event_subprocess_does_not_start_once_its_scope_has_ended():
    p = params("esp_interrupting", 1, i_work=1)
    run = simulate_once(model("sim_event_subprocesses"), p, cases=5, seed=1)
    assert (run.case_end - run.case_arrival) / HOUR == pytest.approx([1.0] * 5)
    assert "task.i_close.executions" not in run_kpis(run)


def test_non_interrupting_event_subprocess_runs_beside_and_the_case_waits_for_it():
    p = params("esp_non_interrupting", 2, n_work=5, n_note=4)
    assert cycle_hours(model("sim_event_subprocesses"), p) == pytest.approx([6.0] * 5)
    kpis = run_kpis(simulate_once(model("sim_event_subprocesses"), p, cases=5, seed=1))
    assert kpis["task.n_work.processing"] == pytest.approx(5 * HOUR)


def test_message_event_subprocess_starts_only_with_its_event_parameters():
    m = model("sim_event_subprocesses")
    p = params("esp_message", 1, m_work=5)
    assert any("events.m_withdrawn" in w for w in compile_process(m, p).warnings)
    assert cycle_hours(m, p) == pytest.approx([5.0] * 5)
    p.events["m_withdrawn"] = EventParams(Distribution.fixed(HOUR))
    assert cycle_hours(m, p) == pytest.approx([2.0] * 5)  # withdrawn at 1 h, confirmed in 1 h
    p.events["m_withdrawn"] = EventParams(Distribution.fixed(HOUR), probability=0.5)
    cycles = cycle_hours(m, p, cases=400)
    assert set(np.round(cycles, 6)) == {2.0, 5.0}
    assert np.mean(cycles == 2.0) == pytest.approx(0.5, abs=0.08)


def test_event_subprocess_of_a_sub_process_interrupts_only_that_sub_process():
    p = params("esp_in_sub", 1, u_work=5)
    # work stops at 2 h, fix 1 h ends the sub-process, then after 1 h
    assert cycle_hours(model("sim_event_subprocesses"), p) == pytest.approx([4.0] * 5)


# -- call activities --------------------------------------------------------------------


def test_call_of_a_process_of_the_same_file_runs_it_inline():
    p = params("caller", 1, assess=2)
    compiled = compile_process(model("sim_calls"), p)
    assert not any("call_review" in w for w in compiled.warnings)
    assert cycle_hours(model("sim_calls"), p) == pytest.approx([3.0] * 5)  # 2 h assess + issue
    kpis = run_kpis(simulate_once(model("sim_calls"), p, cases=5, seed=1))
    assert kpis["task.assess.processing"] == pytest.approx(2 * HOUR)


def test_call_with_a_duration_parameter_is_timed_as_a_whole():
    p = params("caller", 1, call_review=5)
    assert cycle_hours(model("sim_calls"), p) == pytest.approx([6.0] * 5)


def test_call_of_a_deployed_process_runs_inline_when_the_caller_passes_it():
    p = params("deployed_caller", 1)
    m = model("sim_calls")
    assert cycle_hours(m, p) == pytest.approx([0.0] * 5)  # as before: unknown, no time
    warnings = compile_process(m, p).warnings
    assert any("'business_licence', which is not in this file" in w for w in warnings)
    licence = linear_model(["check", "sign"])
    called = {"business_licence": licence}
    assert cycle_hours(m, p, called=called) == pytest.approx([2.0] * 5)
    result = run_replications(m, p, 5, replications=2, seed=1, workers=1, called=called)
    assert result.summary["cycle_time.mean"]["mean"] == pytest.approx(2 * HOUR)


def test_call_cycle_is_cut_and_compiling_ends():
    p = params("ping", 1)
    compiled = compile_process(model("sim_calls"), p)
    assert any("call cycle" in w for w in compiled.warnings)
    # ping's task, then pong inline, whose call of ping (running already) takes no time
    assert cycle_hours(model("sim_calls"), p) == pytest.approx([1.0] * 5)


# -- standard loops ---------------------------------------------------------------------


def test_standard_loop_runs_once_without_its_probability_and_warns():
    p = params("std_loop", 1)
    compiled = compile_process(model("sim_loops"), p)
    assert any("tasks.l_stamp.loop_probability" in w for w in compiled.warnings)
    assert cycle_hours(model("sim_loops"), p) == pytest.approx([2.0] * 5)


def test_standard_loop_repeats_with_its_probability_up_to_its_maximum():
    p = params("std_loop", 1)
    p.tasks["l_stamp"] = TaskParams(loop_probability=1.0)
    p.tasks["l_unbounded"] = TaskParams(loop_probability=0.5)
    kpis = run_kpis(simulate_once(model("sim_loops"), p, cases=4000, seed=2))
    assert kpis["task.l_stamp.executions"] == 3.0  # loopMaximum="3"
    assert kpis["task.l_unbounded.executions"] == pytest.approx(2.0, rel=0.05)  # 1/(1-p)


def test_standard_loop_that_would_never_end_is_refused():
    p = params("std_loop", 1)
    p.tasks["l_unbounded"] = TaskParams(loop_probability=1.0)
    with pytest.raises(ParamsError, match="for ever"):
        compile_process(model("sim_loops"), p)


def test_standard_loop_testing_before_may_not_run_at_all():
    m = linear_model(["stamp"])
    process = m.main_process()
    process.nodes["stamp"].loop = Loop("standard", condition="stamped < copies", test_before=True)
    p = params(process.id, 1)
    kpis = run_kpis(simulate_once(m, p, cases=50, seed=1))
    assert kpis["task.stamp.executions"] == 1.0  # no probability: once, as before
    p.tasks["stamp"] = TaskParams(loop_probability=0.5)
    kpis = run_kpis(simulate_once(m, p, cases=4000, seed=1))
    assert kpis["task.stamp.executions"] == pytest.approx(1.0, rel=0.06)  # p / (1 - p)


@pytest.mark.parametrize(
    "name",
    [
        "interrupting_event_subprocess",
        "event_subprocess_scopes",
        "nested_event_subprocess_deep",
        "nested_event_subprocess_error",
        "multi_instance_reviews",
        "standard_loop",
        "call_activity",
    ],
)
def test_feature_models_finish_every_case_with_every_event_given(name):
    """Event sub-processes starting at random (half of them), 0-3 instances and loops
    repeating 40% of the time: no clerk is held by cancelled work, no case is stuck."""
    m = model(name)
    process = m.main_process()
    p = params(process.id, 2)
    p.arrivals.distribution = Distribution.exponential(HOUR)
    for n in process.nodes.values():
        if n.kind == "startEvent" and n.parent_id:
            if process.nodes[n.parent_id].triggered_by_event:
                p.events[n.id] = EventParams(Distribution.exponential(HOUR / 2), 0.5)
        if n.loop is not None and n.loop.kind == "multiInstance":
            spec = {"type": "uniform", "min": 0, "max": 3}
            p.tasks[n.id] = TaskParams(instances=Distribution.from_spec(spec))
        elif n.loop is not None:
            p.tasks[n.id] = TaskParams(loop_probability=0.4)
    run = simulate_once(m, p, cases=300, seed=2)
    assert run.finished.all()
