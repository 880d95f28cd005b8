"""Files as Signavio and Bizagi export them load, validate clearly, and (Bizagi) run."""

from __future__ import annotations

from pathlib import Path

from engine import services
from engine.bpmn.reader import load_bpmn_file
from engine.validation.process import validate

BPMN = Path(__file__).parent / "bpmn"


def test_signavio_export_loads_with_lanes_and_diagram():
    model = load_bpmn_file(BPMN / "signavio_export.bpmn")
    assert model.exporter.startswith("Signavio")
    process = model.main_process()
    assert process.label == "Izin Reklame" and process.participant_name.startswith("Dinas")
    assert {lane.role for lane in process.lanes.values()} == {"front_office", "tim_teknis"}
    assert process.nodes["sid-START"].name == "Permohonan diterima"
    assert model.has_diagram and "sid-GW" in model.diagram_element_ids
    problems = validate(model, for_execution=True)
    # Signavio labels the branches ("ya"/"tidak") but writes no conditions: say so, on the flows
    missing = {p.element_id for p in problems if p.code == "missing_condition"}
    assert missing == {"sid-F4", "sid-F5"}
    assert all(p.line for p in problems if p.element_id)


def test_bizagi_export_runs_once_deployed(session):
    model = load_bpmn_file(BPMN / "bizagi_export.bpmn")
    assert model.exporter == "Bizagi Modeler"
    process = model.main_process()
    assert process.lane_of("Id_t2").role == "kepala_seksi"
    assert not [p for p in validate(model, for_execution=False) if p.severity == "error"]
    services.create_user(session, "loket", roles=["petugas_loket"])
    services.create_user(session, "kasi", roles=["kepala_seksi"])
    services.deploy(
        session, (BPMN / "bizagi_export.bpmn").read_bytes(), source="bizagi_export.bpmn"
    )
    case = services.start_case(session, "Id_proc", {})
    for user in ("loket", "kasi", "loket"):
        task = services.tasks_for_user(session, user)[0]
        services.complete_task(session, task.id, user, {})
    assert case.status == "completed" and case.outcome == "Selesai"
