"""The 21 BPMN MIWG reference models: each loads (or is refused by name), none crashes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine.bpmn.reader import load_bpmn_file
from engine.errors import InvalidBpmn
from engine.validation.process import validate

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "bpmn-miwg-reference"
if not REFERENCE.is_dir():
    pytest.skip(f"the MIWG reference models are not at {REFERENCE}", allow_module_level=True)

FILES = sorted(REFERENCE.glob("*.bpmn"))
SEVERITIES = {"error", "warning"}


def load(path: Path):
    """The model, or None when the file is refused with a message naming the problem."""
    try:
        return load_bpmn_file(path)
    except InvalidBpmn as exc:
        assert exc.message.startswith(path.name) and len(exc.message) > len(path.name) + 10
        return None


def test_all_reference_files_are_there():
    assert len(FILES) == 21


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_loads_and_validates_without_crashing(path):
    model = load(path)
    assert model is not None, f"{path.name} was refused"
    assert model.processes and model.has_diagram
    assert sum(len(p.nodes) for p in model.processes.values()) >= 3
    drawn = [
        n.id in model.diagram_element_ids
        for p in model.processes.values()
        for n in p.nodes.values()
    ]
    assert sum(drawn) / len(drawn) > 0.85  # B.1.0 does not draw the process it calls
    for problem in validate(model, for_execution=False):
        assert problem.severity in SEVERITIES and problem.source == path.name
        assert problem.message


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_unsupported_elements_are_reported_by_name(path):
    model = load(path)
    problems = [p for p in validate(model, for_execution=True) if p.code == "unsupported_element"]
    assert len(problems) == len(model.unsupported)
    for item, problem in zip(model.unsupported, problems, strict=True):
        assert f"'{item.name or item.id}' ({item.tag}" in problem.message
        assert "cannot be executed by permitflow" in problem.message
        assert problem.line == item.line


def kinds(model) -> Counter:
    return Counter(n.kind for p in model.processes.values() for n in p.nodes.values())


def test_a10_is_three_tasks_in_a_row():
    model = load_bpmn_file(REFERENCE / "A.1.0.bpmn")
    assert kinds(model) == {"startEvent": 1, "task": 3, "endEvent": 1}
    process = model.main_process()
    assert [n.name for n in process.nodes.values()] == [
        "Start Event",
        "Task 1",
        "Task 2",
        "Task 3",
        "End Event",
    ]
    assert len(process.flows) == 4 and validate(model) == []


def test_a40_pools_lanes_and_message_flows():
    model = load_bpmn_file(REFERENCE / "A.4.0.bpmn")
    assert len(model.processes) == 2 and len(model.message_flows) == 2
    pool = next(p for p in model.processes.values() if p.lanes)
    assert sorted(lane.role for lane in pool.lanes.values()) == ["lane_1", "lane_2"]
    assert all(n.lane_id for n in pool.nodes.values())  # sub-process children included
    assert any(n.parent_id for n in pool.nodes.values())


def test_b10_descriptive_elements_are_counted():
    model = load_bpmn_file(REFERENCE / "B.1.0.bpmn")
    assert (len(model.processes), model.annotations, model.groups) == (4, 1, 1)
    assert kinds(model)["callActivity"] == 3
    assert [u.tag for u in model.unsupported] == [
        "serviceTask",
        "serviceTask",
        "dataStoreReference",
    ]


def test_c10_signavio_invoice_lanes_and_conditions():
    model = load_bpmn_file(REFERENCE / "C.1.0.bpmn")
    assert model.exporter.startswith("Signavio")
    process = model.main_process()
    assert process.is_executable and process.participant_name
    assert {lane.role for lane in process.lanes.values()} == {
        "approver",
        "team_assistant",
        "accountant",
    }
    assert sum(1 for f in process.flows.values() if f.condition) == 4
    assert all(n.lane_id for n in process.nodes.values() if n.is_human)


def test_c91_camunda_timers():
    model = load_bpmn_file(REFERENCE / "C.9.1.bpmn")
    timers = sorted(
        (n.timer.kind, n.timer.expression)
        for p in model.processes.values()
        for n in p.nodes.values()
        if n.timer
    )
    assert timers == [("cycle", "R6/P1D"), ("duration", "P7D")]


def test_accepted_is_deployable(session):
    """One check decides both: every reference model that validates without errors deploys."""
    from engine import services
    from engine.validation.process import has_errors, validate_file

    accepted = []
    for path in FILES:
        _, problems = validate_file(path.read_bytes(), path.name)
        if not has_errors(problems):
            services.deploy(session, path.read_bytes(), source=path.name)
            accepted.append(path.stem)
    assert {"A.1.0", "A.4.0", "A.4.1"} <= set(accepted)
