"""Comparing two versions of a procedure, on small literal models."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from engine.bpmn.diff import FieldChange, diff_models
from engine.bpmn.model import FormField, Node
from engine.bpmn.reader import load_bpmn

BASE = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_text()


def model(xml: str = BASE):
    return load_bpmn(xml.encode(), "test.bpmn")


def edited(*replacements: tuple[str, str]):
    xml = BASE
    for old, new in replacements:
        assert old in xml, old
        xml = xml.replace(old, new)
    return model(xml)


def test_identical_models_have_no_differences():
    diff = diff_models(model(), model())
    assert diff.is_empty
    assert diff.as_dict()["is_empty"] is True
    assert diff.as_dict()["added"] == []


def test_renamed_task_and_changed_timer():
    new = edited(
        ('name="Decide"', 'name="Decide on the application"'),
        ("<bpmn:timeDuration>P2D", "<bpmn:timeDuration>P3D"),
    )
    diff = diff_models(model(), new)
    assert [(c.element_id, c.kind) for c in diff.changed] == [
        ("decide", "userTask"),
        ("wait", "intermediateCatchEvent"),
    ]
    assert diff.changed[0].name == "Decide on the application"
    assert diff.changed[0].changes == [FieldChange("name", "Decide", "Decide on the application")]
    assert diff.changed[1].changes == [FieldChange("timer", "duration P2D", "duration P3D")]
    assert not diff.added and not diff.removed


def test_added_task_with_its_flows():
    new = edited(
        (
            '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="decide"/>',
            '<bpmn:userTask id="verify" name="Verify documents"/>'
            '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="verify"/>'
            '<bpmn:sequenceFlow id="f2b" sourceRef="verify" targetRef="decide"/>',
        )
    )
    diff = diff_models(model(), new)
    assert [(c.element_id, c.kind, c.name) for c in diff.added] == [
        ("verify", "userTask", "Verify documents"),
        ("f2b", "sequenceFlow", ""),
    ]
    changed = {c.element_id: c.changes for c in diff.changed}
    assert changed == {"f2": [FieldChange("target", "decide", "verify")]}


def test_removed_element_and_changed_condition_and_default():
    new = edited(
        ('default="f_no"', ""),
        ("area &gt; 0", "area &gt; 10"),
    )
    diff = diff_models(model(), new)
    changed = {c.element_id: c.changes for c in diff.changed}
    assert changed["gw"] == [FieldChange("default_flow", "f_no", None)]
    assert changed["f_yes"] == [
        FieldChange(
            "condition", 'decision == "approve" and area > 0', 'decision == "approve" and area > 10'
        )
    ]
    old = model()
    smaller = copy.deepcopy(old)
    del smaller.main_process().nodes["wait"]
    assert [c.element_id for c in diff_models(old, smaller).removed] == ["wait"]


def test_form_fields_added_removed_and_changed():
    old = model()
    new = copy.deepcopy(old)
    decide: Node = new.main_process().nodes["decide"]
    first = decide.form_fields[0]
    decide.form_fields = (
        FormField(id=first.id, label=first.label, type="string", enum_values=first.enum_values),
        FormField(id="note", label="Note", type="string", constraints={"required": ""}),
    )
    start = new.main_process().nodes["start"]
    start.form_fields = start.form_fields[:1]
    diff = diff_models(old, new)
    changes = {c.element_id: c.changes for c in diff.changed}
    assert changes["decide"] == [
        FieldChange("form.note", None, "Note (string, required)"),
        FieldChange("form.decision.type", "enum", "string"),
        FieldChange("form.decision.required", True, False),
    ]
    assert changes["start"] == [FieldChange("form.area", "Area (long)", None)]


def test_lane_move_lanes_and_service_standard():
    new = edited(
        ("<bpmn:flowNodeRef>register</bpmn:flowNodeRef>", ""),
        (
            "<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>decide</bpmn:flowNodeRef><bpmn:flowNodeRef>register</bpmn:flowNodeRef>",
        ),
        ('name="Head of Office"', 'name="Head of Service"'),
        (
            "<pf:requirement>KTP</pf:requirement>",
            "<pf:requirement>KTP</pf:requirement><pf:requirement>NPWP</pf:requirement>",
        ),
        ("<pf:maxDays>5</pf:maxDays>", "<pf:maxDays>3</pf:maxDays>"),
        ('<pf:fee amount="0">', '<pf:fee amount="50000">'),
    )
    diff = diff_models(model(), new)
    register = next(c for c in diff.changed if c.element_id == "register")
    assert register.changes == [FieldChange("lane", "Front Office", "Head of Service")]
    assert [c.element_id for c in diff.lanes_changed] == ["Lane_head"]
    assert diff.lanes_changed[0].changes == [
        FieldChange("name", "Head of Office", "Head of Service"),
        FieldChange("role", "head_of_office", "head_of_service"),
    ]
    assert diff.service_standard == [
        FieldChange("requirement added", None, "NPWP"),
        FieldChange("max_days", 5, 3),
        FieldChange("fee.amount", 0.0, 50000.0),
    ]
    assert json.loads(json.dumps(diff.as_dict()))["service_standard"][1] == {
        "field": "max_days",
        "old": 5,
        "new": 3,
    }


def test_lanes_added_and_removed():
    new = edited(('id="Lane_head"', 'id="Lane_chief"'))
    diff = diff_models(model(), new)
    assert [(c.element_id, c.kind) for c in diff.lanes_added] == [("Lane_chief", "lane")]
    assert [c.element_id for c in diff.lanes_removed] == ["Lane_head"]
    assert not diff.changed  # nodes stay in a lane of the same name


def test_order_is_deterministic():
    new = edited(('name="Decide"', 'name="D"'), ('name="Register application"', 'name="R"'))
    first = diff_models(model(), new).as_dict()
    assert first == diff_models(model(), new).as_dict()
    assert [c["element_id"] for c in first["changed"]] == ["decide", "register"]
