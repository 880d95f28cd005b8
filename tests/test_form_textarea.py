"""A long text form field (type "textarea") is accepted as a string and shown as a
<textarea>; SpiffWorkflow's token_trial_parallel_simple.bpmn was refused for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import render_template_string

from engine import services
from engine.bpmn.reader import load_bpmn
from engine.errors import InvalidFormData
from engine.validation.process import validate_file
from tests.web.conftest import app, web_engine  # noqa: F401 - fixtures
from webapp.tasks.forms import field_views

MODEL = Path(__file__).parent / "bpmn_features" / "long_text.bpmn"
REPORT = "Garis sempadan 3 m.\nAtap melewati batas kavling."


def test_a_textarea_field_is_valid():
    _, problems = validate_file(MODEL.read_bytes(), MODEL.name)
    assert [p.describe() for p in problems if p.severity == "error"] == []
    wrong = MODEL.read_bytes().replace(b'type="textarea"', b'type="memo"')
    _, problems = validate_file(wrong, MODEL.name)
    [problem] = [p for p in problems if p.code == "invalid_form_field"]
    assert "'memo'" in problem.message and "textarea" in problem.message


def test_a_textarea_field_keeps_its_lines_as_a_string(session):
    services.create_user(session, "tech", roles=["admin"])
    services.deploy(session, MODEL.read_bytes(), source=MODEL.name, deployed_by="tech")
    case = services.start_case(session, "long_text", {"applicant_name": "Sari"}, started_by="tech")
    [task] = services.open_tasks(session, case)
    with pytest.raises(InvalidFormData):  # required, like any string
        services.complete_task(session, task.id, "tech", {"findings": ""})
    services.complete_task(session, task.id, "tech", {"findings": REPORT})
    session.commit()
    case = services.get_case(session, case.id)
    assert case.status == "completed" and services.case_data(case)["findings"] == REPORT


def test_the_form_shows_a_textarea_field_as_a_textarea(app):  # noqa: F811 - fixture
    model = load_bpmn(MODEL.read_bytes(), MODEL.name)
    fields = model.processes["long_text"].nodes["write"].form_fields
    with app.test_request_context():
        html = render_template_string(
            "{% from '_macros.html' import form_field %}"
            "{% for f in fields %}{{ form_field(f) }}{% endfor %}",
            fields=field_views(fields, {"findings": REPORT}),
        )
    assert '<textarea name="findings" id="f-findings"' in html
    assert "Atap melewati batas kavling.</textarea>" in html
    assert 'type="text" name="findings"' not in html
