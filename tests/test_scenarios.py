"""What-if scenarios: each change, the comparison and the revised BPMN."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_fixtures.models import choice_model, permit_model

from engine.bpmn.builder import linear_model
from simulations.des.parallel import run_replications
from simulations.des.simulator import simulate_once
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import SimParams, load_params
from simulations.scenarios.changes import ScenarioError, apply_changes, load_scenario, scenario_bpmn
from simulations.scenarios.compare import compare

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
    import engine.bpmn.writer  # noqa: F401  (the scenario export needs it)
    from engine.bpmn.reader import load_bpmn

    data = scenario_bpmn(model)
    again = load_bpmn(data, "scenario.bpmn")
    assert "fee" not in again.processes["permit"].nodes
    assert again.has_diagram


BAD_CHANGES = [
    ({"op": "remove_task", "task": ["x"]}, "changes[0].task", "got a list"),
    ({"op": ["x"]}, "changes[0].op", "unknown operation"),
    ({"op": None}, "changes[0].op", "unknown operation"),
    ({"op": "duration", "task": "survey", "factor": "x"}, "changes[0].factor", "positive number"),
    ({"op": "duration", "task": "survey", "factor": -1}, "changes[0].factor", "greater than 0"),
    ({"op": "duration", "task": "survey", "factor": float("nan")}, "changes[0].factor", "positive"),
    (
        {"op": "duration", "task": "survey", "distribution": "x"},
        "changes[0].distribution",
        "mapping",
    ),
    (
        {
            "op": "duration",
            "task": "survey",
            "distribution": {"type": "fixed", "value": 1, "unit": [1]},
        },
        "changes[0].distribution",
        "not a valid distribution",
    ),
    (
        {"op": "duration", "task": "survey", "distribution": {"type": "exponential", "mean": [1]}},
        "changes[0].distribution",
        "not a valid distribution",
    ),
    (
        {"op": "duration", "task": "survey", "distribution": {"type": "fixed", "value": -5}},
        "changes[0].distribution",
        "non-negative mean",
    ),
    ({"op": "duration", "task": "survey"}, "changes[0].distribution", "exactly one of"),
    ({"op": "arrival_rate", "rate_per_day": 0}, "changes[0].rate_per_day", "greater than 0"),
    ({"op": "arrival_rate", "rate_per_day": float("inf")}, "changes[0].rate_per_day", "positive"),
    ({"op": "arrival_rate", "factor": 0}, "changes[0].factor", "greater than 0"),
    ({"op": "arrival_rate", "factor": [2]}, "changes[0].factor", "positive number"),
    ({"op": "arrival_rate", "factor": 2, "rate_per_day": 3}, "changes[0].", "exactly one of"),
    ({"op": "merge_tasks", "tasks": "register"}, "changes[0].tasks", "list of task ids"),
    ({"op": "merge_tasks", "tasks": ["register"]}, "changes[0].tasks", "at least two tasks"),
    ({"op": "merge_tasks", "tasks": [1, 2]}, "changes[0].tasks[0]", "task id"),
    ({"op": "merge_tasks", "tasks": ["verify", "verify"]}, "changes[0].tasks", "twice"),
    ({"op": "parallelize", "tasks": {"a": "b"}}, "changes[0].tasks", "got a mapping"),
    ({"op": "parallelize", "tasks": ["verify", ["survey"]]}, "changes[0].tasks[1]", "got a list"),
    ({"op": "move_task", "task": "fee", "lane": ["back"]}, "changes[0].lane", "lane id"),
    ({"op": "move_task", "task": "fee", "lane": 5}, "changes[0].lane", "lane id"),
    ({"op": "staff", "lane": "head", "count": 1.5}, "changes[0].count", "whole number"),
    ({"op": "staff", "lane": "head", "count": True}, "changes[0].count", "whole number"),
    ({"op": "staff", "lane": "head", "count": 10**9}, "changes[0].count", "whole number"),
    ({"op": "staff", "lane": {"a": 1}, "count": 2}, "changes[0].lane", "got a mapping"),
    ({"op": "probability", "flow": ["to_fix"], "p": 0.1}, "changes[0].flow", "got a list"),
    ({"op": "probability", "flow": "to_fix", "p": 1.5}, "changes[0].p", "probability"),
    ({"op": "probability", "flow": "to_fix", "p": "half"}, "changes[0].p", "probability"),
    ({"op": "remove_task", "task": "fee", "taks": "x"}, "changes[0].taks", "not a field"),
    ("remove fee", "changes[0]", "expected a mapping"),
]


@pytest.mark.parametrize(("change", "key", "message"), BAD_CHANGES)
def test_a_change_of_a_wrong_type_or_range_is_named(change, key, message):
    with pytest.raises(ScenarioError) as error:
        apply_changes(permit_model(), load_params(FIXTURES / "permit.yaml"), [change])
    assert str(error.value).startswith(key) and message in str(error.value)


def test_every_change_is_checked_before_any_is_applied():
    changes = [{"op": "remove_task", "task": "fee"}, {"op": "staff", "lane": "x", "count": 0}]
    with pytest.raises(ScenarioError, match=r"^changes\[1\]\.count"):
        apply_changes(permit_model(), SimParams(), changes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("process: 5", "process: expected a process id"),
        ("process: [permit]", "process: expected a process id"),
        ("[" * 5000, "too deeply nested"),
        ("{a: " * 5000, "too deeply nested"),
        ("start: 2025-13-45", "not valid YAML"),
        ("cases: !!int x", "not valid YAML"),
        ("defaults: {duration: {type: fixed, value: 1, unit: [s]}}", "wrong type"),
    ],
)
def test_bad_parameter_texts_raise_params_errors(text, message):
    from simulations.jobs import parse_params

    with pytest.raises(ParamsError, match=message):
        parse_params(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 5000, "too deeply nested"),
        ("- " * 3000 + "x", "too deeply nested"),
        ("- {op: remove_task, task: 2025-13-45}", "not valid YAML"),
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
                for p, n in zip("abcde", "bcdef", strict=True)
            ),
            "are not allowed; write the value out",
        ),
    ],
)
def test_bad_change_texts_raise_scenario_errors(text, message):
    from simulations.jobs import parse_changes

    with pytest.raises(ScenarioError, match=message):
        parse_changes(text)


def test_an_unknown_process_is_named():
    params = SimParams()
    params.process = "nowhere"
    with pytest.raises(ParamsError, match=r"^process: 'nowhere' is not a process"):
        apply_changes(permit_model(), params, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 5000, "change: too deeply nested"),
        ("{not json", "change: not valid JSON"),
        ('{"op": "remove_task", "task": ["x"]}', "change.task: expected a task id"),
        ('"remove"', "change: expected a mapping"),
    ],
)
def test_a_json_change_is_checked(text, message):
    from simulations.jobs import parse_change_json

    with pytest.raises(ScenarioError, match=message):
        parse_change_json(text)
