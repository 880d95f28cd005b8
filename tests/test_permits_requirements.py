"""The service standard's requirements and the start form's uploads agree (or a warning)."""

from __future__ import annotations

import pytest

from engine.validation.process import validate_file
from tests.conftest import PROCESSES

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:pf="https://permitflow.org/schema/bpmn/1.0"
    id="d" targetNamespace="t">
  <bpmn:process id="p" name="P" isExecutable="true">
    <bpmn:extensionElements>
      <pf:serviceStandard code="X" name="X">
        <pf:requirement field="ktp">KTP-el</pf:requirement>
        {requirements}
      </pf:serviceStandard>
    </bpmn:extensionElements>
    <bpmn:startEvent id="start"><bpmn:extensionElements><camunda:formData>
      <camunda:formField id="ktp" label="KTP-el" type="file"/>
      <camunda:formField id="plan" label="Gambar rencana" type="file"/>
    </camunda:formData></bpmn:extensionElements><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f" sourceRef="start" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def warnings(requirements: str) -> list[str]:
    _, problems = validate_file(BPMN.format(requirements=requirements).encode(), "p.bpmn")
    return [p.message for p in problems if p.code == "requirements_mismatch"]


def test_an_upload_no_requirement_lists_is_named():
    (message,) = warnings("")
    assert "'Gambar rencana' (plan), which no requirement" in message


def test_a_requirement_the_form_asks_nothing_for_is_named():
    found = warnings(
        '<pf:requirement field="plan">Gambar</pf:requirement><pf:requirement>KKPR</pf:requirement>'
    )
    assert found == [
        "the service standard requires 'KKPR', but names no start-form field asking for it "
        '(add field="..." to the pf:requirement)'
    ]


def test_a_requirement_naming_a_missing_field_is_named():
    found = warnings(
        '<pf:requirement field="plan">Gambar</pf:requirement><pf:requirement field="kkpr">KKPR</pf:requirement>'
    )
    assert found == [
        "the requirement 'KKPR' names the field 'kkpr', which the start form does not have"
    ]


def test_agreement_gives_no_warning():
    assert warnings('<pf:requirement field="plan">Gambar rencana</pf:requirement>') == []


@pytest.mark.parametrize(
    "key", ["building_approval", "business_license", "resident_id_card", "complaint"]
)
def test_the_shipped_procedures_agree(key):
    path = PROCESSES / f"{key}.bpmn"
    _, problems = validate_file(path.read_bytes(), path.name)
    assert [p.message for p in problems if p.code == "requirements_mismatch"] == []


def test_a_requirement_checked_at_the_counter_needs_no_field():
    assert (
        warnings(
            '<pf:requirement field="plan">Gambar</pf:requirement>'
            '<pf:requirement checkedAt="counter">Asli KTP</pf:requirement>'
        )
        == []
    )
