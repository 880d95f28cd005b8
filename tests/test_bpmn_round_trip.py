"""What the writer writes, the reader reads back: every shipped and feature model, field by field.

A reformer's simplified "what-if" procedure is exported with
:func:`simulations.scenarios.changes.scenario_bpmn` (the writer) and then deployed by
designers, so a model written back out must keep what the engine executes: loops, the
decision tables and call mappings, message data, event sub-processes (interrupting or
not), pre- and post-scripts, data associations... Each model is loaded, written and
loaded again; the two models must agree on every field of every node, flow and lane,
and the written file must validate with the same problem codes as the original.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from engine import services
from engine.bpmn.model import BpmnModel, Lane, Node, Process, SequenceFlow
from engine.bpmn.reader import load_bpmn
from engine.bpmn.writer import write_bpmn
from engine.demo import fill
from engine.validation.process import validate_file
from simulations.params.model import SimParams
from simulations.scenarios.changes import apply_changes, scenario_bpmn
from tests import test_bundle, test_procedures

clerks = test_procedures.clerks  # the fixture: a clerk per role, every procedure deployed

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted((ROOT / "processes").rglob("*.bpmn")) + sorted(
    (ROOT / "tests" / "bpmn_features").glob("*.bpmn")
)
BUNDLE = ROOT / "processes" / "small_business_bundle.bpmn"

#: fields the writer recomputes, so they may differ after a round trip (and why)
EXCLUDED = {
    # source line numbers: the writer pretty-prints its own layout
    "line",
    # a process with lanes, or one of several, is put in a pool of its own so
    # bpmn.io can draw it: the pool is new when the file had none (checked below)
    "participant_id",
    "participant_name",
    # compared below, in a form that ignores namespace declarations inherited from the
    # file (the kept XML is serialized with every namespace in scope)
    "kept_extensions",
    # the containers compared one by one, ignoring their order (the writer writes a
    # sub-process's flows inside it, after the nodes)
    "nodes",
    "flows",
    "lanes",
}


def _round_trip(path: Path) -> tuple[BpmnModel, BpmnModel, bytes]:
    original = load_bpmn(path.read_bytes(), path.name)
    written = write_bpmn(original)
    return original, load_bpmn(written, path.name), written


def _canonical(kept: tuple[str, ...]) -> list[bytes]:
    """Kept XML without the namespaces in scope and the whitespace of pretty-printing."""
    parser = etree.XMLParser(remove_blank_text=True)
    return [
        etree.tostring(etree.fromstring(text, parser), method="c14n", exclusive=True)
        for text in kept
    ]


def _differences(before, after, where: str) -> list[str]:
    found = []
    for field in dataclasses.fields(before):
        if field.name in EXCLUDED:
            continue
        old, new = getattr(before, field.name), getattr(after, field.name)
        if field.name == "loop" and old is not None and new is not None:
            old, new = dataclasses.replace(old, line=None), dataclasses.replace(new, line=None)
        if old != new:
            found.append(f"{where}.{field.name}: {old!r} became {new!r}")
    if hasattr(before, "kept_extensions"):
        if _canonical(before.kept_extensions) != _canonical(after.kept_extensions):
            found.append(f"{where}.kept_extensions differ")
    return found


def _process_differences(before: Process, after: Process) -> list[str]:
    found = _differences(before, after, before.id)
    if before.participant_id is not None:  # the file's own pool is kept
        if (before.participant_id, before.participant_name) != (
            after.participant_id,
            after.participant_name,
        ):
            found.append(f"{before.id}: pool {before.participant_id!r} not kept")
    for name in ("nodes", "flows", "lanes"):
        old: dict[str, Node | SequenceFlow | Lane] = getattr(before, name)
        new: dict[str, Node | SequenceFlow | Lane] = getattr(after, name)
        if set(old) != set(new):
            found.append(f"{before.id}.{name}: {sorted(set(old) ^ set(new))} lost or added")
        for key in set(old) & set(new):
            found.extend(_differences(old[key], new[key], f"{before.id}.{name}[{key}]"))
    return found


@pytest.mark.parametrize("path", MODELS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_written_model_reads_back_field_by_field(path):
    original, again, _ = _round_trip(path)
    assert list(again.processes) == list(original.processes)
    found = []
    for process_id, process in original.processes.items():
        found.extend(_process_differences(process, again.processes[process_id]))
    assert again.messages == original.messages
    assert _canonical(again.kept_definitions) == _canonical(original.kept_definitions)
    assert again.message_contracts == original.message_contracts
    no_line = lambda items: [dataclasses.replace(i, line=None) for i in items]  # noqa: E731
    assert no_line(original.message_flows) == no_line(again.message_flows)
    kept = {p.id: p for p in no_line(again.participants.values())}
    for participant in no_line(original.participants.values()):
        assert kept.get(participant.id) == participant
    assert not found, "\n".join(found)


#: problem codes the round trip may change: the writer always lays out a diagram, so a
#: file drawn nowhere gets one
DIAGRAM_CODES = {"no_diagram"}


def _codes(data: bytes, path: Path) -> list[tuple[str, str]]:
    dmn = services.decisions_beside(path, path.read_bytes()) or None
    model, problems = validate_file(data, path.name, dmn_files=dmn)
    assert model is not None
    return sorted({(p.severity, p.code) for p in problems if p.code not in DIAGRAM_CODES})


@pytest.mark.parametrize("path", MODELS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_written_model_validates_as_the_original(path):
    _, _, written = _round_trip(path)
    assert _codes(written, path) == _codes(path.read_bytes(), path)


def test_a_non_interrupting_event_subprocess_stays_non_interrupting():
    from engine.workflow.event_subprocesses import event_subprocess_starts

    path = ROOT / "tests" / "bpmn_features" / "event_subprocess.bpmn"
    original, again, written = _round_trip(path)
    assert original.find_node("two_days")[1].is_interrupting is False
    assert again.find_node("two_days")[1].is_interrupting is False
    assert event_subprocess_starts(etree.fromstring(written)) == {"two_days": False}


def test_the_bundles_what_if_export_deploys_with_its_parallel_agency_reviews(clerks):
    model = load_bpmn(BUNDLE.read_bytes(), BUNDLE.name)
    # the reformers' simplified procedure: no separate registration of the application
    change = {"op": "remove_task", "task": "register_bundle"}
    simplified, _ = apply_changes(model, SimParams(), [change])
    data = scenario_bpmn(simplified)
    exported = load_bpmn(data, "what_if.bpmn").processes["small_business_bundle"]
    assert "register_bundle" not in exported.nodes
    review = exported.nodes["agency_review"]
    assert review.loop is not None and review.loop.kind == "multiInstance"
    assert not review.loop.sequential and review.loop.collection == "agencies"
    assert exported.nodes["compute_fees"].decision_ref == "small_business_fees"
    dmn = services.decisions_beside(BUNDLE, BUNDLE.read_bytes())
    definition, created = services.deploy(
        clerks, data, source="what_if.bpmn", deployed_by="reformer", dmn_files=dmn
    )
    assert created and definition.key == "small_business_bundle" and definition.version == 2
    deployed = services.model_for(definition).processes["small_business_bundle"]
    assert deployed.nodes["agency_review"].loop == review.loop
    # a case of the new version: one review per agency concerned, side by side
    data = fill(services.start_form(deployed)) | test_bundle.BUNDLE
    case = services.start_case(clerks, "small_business_bundle", data, started_by="applicant")
    clerks.commit()
    tasks = services.open_tasks(clerks, services.get_case(clerks, case.id))
    assert case.definition_id == definition.id
    assert [t.element_id for t in tasks] == ["agency_review"] * 3
