"""Classification of personal form fields (UU 27/2022) and the validation warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bpmn.reader import load_bpmn, load_bpmn_file
from engine.validation.process import validate, validate_file

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def form(*fields: str) -> bytes:
    """A one-task process whose start form has ``fields`` (camunda:formField elements)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:pf="https://permitflow.org/schema/bpmn/1.0" id="defs">
<bpmn:process id="p" name="Permit" isExecutable="true">
<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData>
{"".join(fields)}
</camunda:formData></bpmn:extensionElements></bpmn:startEvent>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
</bpmn:process></bpmn:definitions>""".encode()


def fields_of(data: bytes):
    return {f.id: f for f in load_bpmn(data).processes["p"].nodes["s"].form_fields}


def warnings_of(data: bytes) -> list[str]:
    _model, problems = validate_file(data, "t.bpmn", for_execution=False)
    return [p.message for p in problems if p.code == "personal_unmarked"]


def test_marks_on_the_field_or_as_a_property():
    fields = fields_of(
        form(
            '<camunda:formField id="nik" label="NIK" type="string" pf:personal="true"/>',
            '<camunda:formField id="diagnosis" label="Diagnosis" type="string">'
            '<camunda:properties><camunda:property id="pf:sensitive" value="true"/>'
            "</camunda:properties></camunda:formField>",
            '<camunda:formField id="floors" label="Floors" type="long"/>',
        )
    )
    assert fields["nik"].personal and not fields["nik"].sensitive
    assert fields["diagnosis"].sensitive and fields["diagnosis"].personal  # sensitive is personal
    assert not fields["floors"].personal


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ('<camunda:formField id="no_ktp" label="Nomor" type="string"/>', "nik"),
        (
            '<camunda:formField id="x1" label="Nomor" type="string"><camunda:validation>'
            '<camunda:constraint name="pattern" config="^[0-9]{16}$"/></camunda:validation>'
            "</camunda:formField>",
            "16 digits",
        ),
        ('<camunda:formField id="hp" label="Nomor HP" type="string"/>', "phone"),
        ('<camunda:formField id="surel" label="Surel" type="string"/>', "email"),
        ('<camunda:formField id="lokasi" label="Alamat lokasi usaha" type="string"/>', "address"),
    ],
)
def test_an_unmarked_field_that_looks_personal_is_warned(field, kind):
    [message] = warnings_of(form(field))
    assert "not marked personal" in message and 'pf:personal="true"' in message
    expected = {
        "16 digits": "a NIK",
        "phone": "a phone",
        "email": "an email",
        "address": "an address",
    }
    assert expected.get(kind, "a NIK") in message


def test_a_marked_or_harmless_field_is_not_warned():
    assert (
        warnings_of(
            form(
                '<camunda:formField id="nik" label="NIK" type="string" pf:personal="true"/>',
                '<camunda:formField id="floors" label="Jumlah lantai" type="long"/>',
                '<camunda:formField id="purpose" label="Fungsi bangunan" type="string"/>',
            )
        )
        == []
    )


def test_the_shipped_procedures_mark_their_personal_fields():
    marked = {}
    for path in sorted(Path("processes").glob("*.bpmn")):
        model = load_bpmn_file(path)
        assert [p for p in validate(model) if p.code == "personal_unmarked"] == [], path
        for process in model.processes.values():
            for node in process.nodes.values():
                marked.update({f.id: f.personal for f in node.form_fields})
    for field_id in ("nik", "kk_number", "phone", "email", "building_address", "applicant_name"):
        assert marked[field_id], field_id
