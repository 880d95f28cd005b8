"""What-if scenarios: each change, the comparison and the revised BPMN."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_fixtures.models import choice_model, permit_model

from simulations.building import linear_model
from simulations.compare import compare
from simulations.distributions import Distribution
from simulations.parallel import run_replications
from simulations.params import SimParams, load_params
from simulations.scenarios import ScenarioError, apply_changes, load_scenario, scenario_bpmn
from simulations.simulator import simulate_once

FIXTURES = Path(__file__).parent / "sim_fixtures"


def _targets(process, node_id):
    return sorted(process.flows[f].target for f in process.nodes[node_id].outgoing)


def test_remove_task_reconnects_its_neighbours():
    model, params = permit_model(), load_params(FIXTURES / "permit.yaml")
    new_model, new_params = apply_changes(
        model, params, [{"op": "remove_task", "task": "register"}]
    )
    process = new_model.processes["permit"]
    assert "register" not in process.nodes and "register" not in new_params.tasks
    assert _targets(process, "start") == ["verify"]
    assert "register" in model.processes["permit"].nodes  # the baseline is untouched
    assert simulate_once(new_model, new_params, cases=50, seed=1).finished.all()


def test_merge_tasks_sums_durations_in_the_first_lane():
    params = SimParams()
    params.tasks = {}
    params.default_duration = Distribution.fixed(60.0)
    base = linear_model(["a", "b", "c"], lanes=["front", "back", "back"])
    model, new = apply_changes(base, params, [{"op": "merge_tasks", "tasks": ["a", "b"]}])
    process = model.processes["p"]
    assert "b" not in process.nodes
    assert process.nodes["a"].lane_id == "front" and process.nodes["a"].name == "a + b"
    assert new.tasks["a"].duration.mean == pytest.approx(120.0)
    assert _targets(process, "a") == ["c"]


def test_merge_needs_a_direct_sequence():
    with pytest.raises(ScenarioError, match=r"changes\[0\].tasks"):
        apply_changes(
            permit_model(), SimParams(), [{"op": "merge_tasks", "tasks": ["register", "sign"]}]
        )


def test_parallelize_puts_tasks_between_split_and_join():
    model, _ = apply_changes(
        linear_model(["a", "b", "c"]), SimParams(), [{"op": "parallelize", "tasks": ["a", "b"]}]
    )
    process = model.processes["p"]
    fork = process.flows[process.nodes["start"].outgoing[0]].target
    assert process.nodes[fork].kind == "parallelGateway"
    assert _targets(process, fork) == ["a", "b"]
    join = _targets(process, "a")[0]
    assert _targets(process, "b") == [join] and _targets(process, join) == ["c"]
    assert simulate_once(model, SimParams(), cases=20, seed=1).finished.all()


def test_move_task_and_staff_and_duration_and_probability_and_arrivals():
    params = load_params(FIXTURES / "permit.yaml")
    changes = [
        {"op": "move_task", "task": "fee", "lane": "back"},
        {"op": "staff", "lane": "head", "count": 3},
        {"op": "duration", "task": "survey", "factor": 0.5},
        {
            "op": "duration",
            "task": "sign",
            "distribution": {"type": "fixed", "value": 5, "unit": "minutes"},
        },
        {"op": "probability", "flow": "to_fix", "p": 0.1},
        {"op": "arrival_rate", "factor": 2.0},
    ]
    model, new = apply_changes(permit_model(), params, changes)
    process = model.processes["permit"]
    assert process.nodes["fee"].lane_id == "back" and "fee" in process.lanes["back"].node_ids
    assert "fee" not in process.lanes["front"].node_ids
    assert new.lanes["head"].count == 3
    assert new.tasks["survey"].duration.mean == pytest.approx(3600.0)
    assert new.tasks["sign"].duration.mean == 300.0
    assert new.flows["to_fix"] == 0.1 and new.flows["to_fork"] == pytest.approx(0.9)
    assert new.arrivals.distribution.mean == pytest.approx(params.arrivals.distribution.mean / 2)


def test_unknown_operations_and_missing_keys_are_named():
    with pytest.raises(ScenarioError, match=r"changes\[0\].op"):
        apply_changes(choice_model(), SimParams(), [{"op": "teleport"}])
    with pytest.raises(ScenarioError, match=r"changes\[0\].count"):
        apply_changes(choice_model(), SimParams(), [{"op": "staff", "lane": "x"}])


def test_comparison_flags_a_real_improvement_as_significant():
    params = load_params(FIXTURES / "permit.yaml")
    base = run_replications(permit_model(), params, 150, replications=5, seed=3, workers=1)
    model, faster = apply_changes(
        permit_model(), params, [{"op": "duration", "task": "survey", "factor": 0.25}]
    )
    better = run_replications(
        model, faster, 150, replications=5, seed=3, workers=1, label="faster survey"
    )
    comparison = compare(base, better)
    row = comparison.row("task.survey.processing")
    assert row.significant and row.relative == pytest.approx(-0.75, abs=0.05)
    assert not comparison.row("task.sign.processing").significant
    assert "faster survey" in comparison.to_text()
    assert comparison.as_dict()["kpis"][0]["kpi"]


def test_scenario_file_and_revised_bpmn(tmp_path):
    scenario = load_scenario(FIXTURES / "merge_and_staff.yaml")
    assert scenario.name == "parallel checks, one more head" and len(scenario.changes) == 2
    model, _ = apply_changes(permit_model(), SimParams(), [{"op": "remove_task", "task": "fee"}])
    pytest.importorskip("engine.bpmn_writer")
    from engine.loader import load_bpmn

    data = scenario_bpmn(model)
    again = load_bpmn(data, "scenario.bpmn")
    assert "fee" not in again.processes["permit"].nodes
    assert again.has_diagram
