"""The shipped procedures name their lanes, clerks' form fields, gateways, events and
sequence flows in Indonesian.

Staff and reformer pages take names from each element's ``pf:label xml:lang="id"``; a
lane, a user task's form field, an enum option, a gateway ("Signed?"), an event ("Signage
permit issued") or a named sequence flow ("approve") without one would show English on an
Indonesian page. The pilot diagram in ``processes/pilots`` is deployed as a version of
its procedure, so it is checked too.
The files are read through the engine's loader, the labels through the engine's reader.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.bpmn.reader import load_bpmn
from engine.office.labels import labels_of_xml

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
FILES = sorted(PROCESSES.glob("*.bpmn")) + sorted(PROCESSES.glob("pilots/*.bpmn"))


def missing_labels(data: bytes, language: str = "id") -> list[str]:
    """Lanes, user-task form fields and options, named gateways, events and sequence
    flows of ``data`` without a ``language`` label."""
    model, labels = load_bpmn(data, "<test>"), labels_of_xml(data)
    missing = []
    for process in model.processes.values():
        for lane in process.lanes.values():
            if not labels.name(lane.id, language):
                missing.append(f"lane {lane.id} ({lane.name})")
        for node in process.nodes.values():
            if node.name and node.kind.endswith(("Gateway", "Event")):
                if not labels.name(node.id, language):
                    missing.append(f"{node.kind} {node.id} ({node.name})")
            if node.kind != "userTask":
                continue
            for form_field in node.form_fields:
                if not labels.field(node.id, form_field.id, language):
                    missing.append(f"{node.id}: field {form_field.id} ({form_field.label})")
                for value in form_field.enum_values:
                    if not labels.option(node.id, form_field.id, value.id, language):
                        missing.append(f"{node.id}: option {form_field.id}={value.id}")
        for flow in process.flows.values():
            if flow.name and not labels.name(flow.id, language):
                missing.append(f"sequenceFlow {flow.id} ({flow.name})")
    return missing


def test_all_six_procedures_are_checked():
    assert {path.stem for path in FILES} >= {
        "building_approval",
        "business_license",
        "resident_id_card",
        "complaint",
        "signage_permit",
        "small_business_bundle",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_lanes_forms_gateways_events_and_flows_have_indonesian_labels(path):
    data = path.read_bytes()
    model = load_bpmn(data, path.name)
    assert any(process.lanes for process in model.processes.values()), "no lanes read"
    assert missing_labels(data) == []


def test_a_procedure_without_labels_is_reported():
    """The check fails when the labels are gone (a lane, a field and an option each)."""
    data = (PROCESSES / "building_approval.bpmn").read_bytes()
    stripped = re.sub(rb'<pf:label xml:lang="id"[^>]*>[^<]*</pf:label>', b"", data)
    missing = missing_labels(stripped)
    assert "lane Lane_cashier (Cashier)" in missing
    assert "verify_documents: field decision (Documents)" in missing
    assert "technical_review: option technical_decision=revise" in missing
    assert "exclusiveGateway gw_signed (Signed?)" in missing
    assert "endEvent end_issued (Permit issued)" in missing
    assert "boundaryEvent payment_deadline (14 days without payment)" in missing
    assert "sequenceFlow Flow_gw_technical_end_rejected (reject)" in missing


def test_labels_read_in_indonesian():
    data = (PROCESSES / "building_approval.bpmn").read_bytes()
    labels = labels_of_xml(data)
    assert labels.name("Lane_head_of_office", "id") == "Kepala Dinas"
    assert labels.field("verify_documents", "nik_match", "id") == "NIK cocok dengan Dukcapil"
    assert labels.option("technical_review", "technical_decision", "revise", "id") == (
        "Perlu revisi"
    )


def test_gateways_events_and_flows_read_in_indonesian():
    labels = labels_of_xml((PROCESSES / "building_approval.bpmn").read_bytes())
    assert labels.name("gw_documents", "id") == "Berkas lengkap?"
    assert labels.name("gw_signed", "id") == "Sudah ditandatangani?"
    assert labels.name("Flow_gw_technical_gw_inspection", "id") == "Disetujui"
    assert labels.name("Flow_gw_technical_end_rejected", "id") == "Ditolak"
    signage = labels_of_xml((PROCESSES / "signage_permit.bpmn").read_bytes())
    assert signage.name("end_signage_issued", "id") == "Izin reklame terbit"
