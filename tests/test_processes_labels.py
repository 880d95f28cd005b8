"""The shipped procedures name their lanes and clerks' form fields in Indonesian.

Staff pages take names from each element's ``pf:label xml:lang="id"``; a lane, a user
task's form field or an enum option without one would show English on an Indonesian page.
The files are read through the engine's loader, the labels through the engine's reader.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.bpmn.reader import load_bpmn
from engine.office.labels import labels_of_xml

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
FILES = sorted(PROCESSES.glob("*.bpmn"))


def missing_labels(data: bytes, language: str = "id") -> list[str]:
    """Lanes, user-task form fields and options of ``data`` without a ``language`` label."""
    model, labels = load_bpmn(data, "<test>"), labels_of_xml(data)
    missing = []
    for process in model.processes.values():
        for lane in process.lanes.values():
            if not labels.name(lane.id, language):
                missing.append(f"lane {lane.id} ({lane.name})")
        for node in process.nodes.values():
            if node.kind != "userTask":
                continue
            for form_field in node.form_fields:
                if not labels.field(node.id, form_field.id, language):
                    missing.append(f"{node.id}: field {form_field.id} ({form_field.label})")
                for value in form_field.enum_values:
                    if not labels.option(node.id, form_field.id, value.id, language):
                        missing.append(f"{node.id}: option {form_field.id}={value.id}")
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
def test_lanes_and_clerks_forms_have_indonesian_labels(path):
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


def test_labels_read_in_indonesian():
    data = (PROCESSES / "building_approval.bpmn").read_bytes()
    labels = labels_of_xml(data)
    assert labels.name("Lane_head_of_office", "id") == "Kepala Dinas"
    assert labels.field("verify_documents", "nik_match", "id") == "NIK cocok dengan Dukcapil"
    assert labels.option("technical_review", "technical_decision", "revise", "id") == (
        "Perlu revisi"
    )
