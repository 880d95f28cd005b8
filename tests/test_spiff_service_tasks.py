"""SpiffArena's service tasks (``spiffworkflow:serviceTaskOperator``) call registered
connectors like ``pf:connector``, under the same checks; secrets never come from a model."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import InvalidBpmn
from engine.integration import registry
from engine.storage.tables import ServiceCallRow
from engine.workflow.runtime import peek_workflow

MODEL = Path(__file__).parent / "bpmn_features" / "spiff_service_task.bpmn"
PARAMETER = '<spiffworkflow:parameter id="nik" type="str" value="applicant_nik"/>'
NIK = "3273010101900001"


def _model(*replacements: tuple[str, str]) -> bytes:
    text = MODEL.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def _refusals(session, data: bytes) -> list:
    with pytest.raises(InvalidBpmn) as refused:
        services.deploy(session, data, source="spiff_service_task.bpmn")
    return [p for p in refused.value.problems if p.severity == "error"]


def test_the_case_calls_the_connector_and_the_answer_lands_in_the_result_variable(session):
    services.deploy(session, MODEL.read_bytes(), source="spiff_service_task.bpmn")
    case = services.start_case(session, "spiff_service_task", {"applicant_nik": NIK})
    session.commit()  # the call is made as the case is committed (PERMITFLOW_CALLS_EAGER)
    [row] = session.query(ServiceCallRow).filter_by(case_id=case.id).all()
    assert (row.connector, row.operation, row.status) == ("population", "nik_lookup", "done")
    [task] = services.open_tasks(session, case)
    assert task.element_id == "review"
    result = peek_workflow(case).last_task.data["nik_result"]
    assert set(result) == {"match", "reason", "name", "birth_date", "address"}
    assert result["match"] is True and result["name"] == "SITI RAHAYU"


def test_the_retry_element_is_ignored_with_a_warning_naming_it(session):
    _, problems = services.validate_file(
        MODEL.read_bytes(), "spiff_service_task.bpmn", connectors=registry.catalog(session)
    )
    [warning] = [p for p in problems if p.code == "ignored_retry"]
    assert (warning.severity, warning.code, warning.element_id) == (
        "warning",
        "ignored_retry",
        "lookup",
    )
    assert '<spiffworkflow:retry retries="3" backoff_base="2"/>' in warning.message
    assert "connector 'population'" in warning.message
    assert not [p for p in problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("operator", "code", "words"),
    [
        ("weather/CurrentTemp", "unknown_connector", ["'weather'", "current_temp", "in:nik"]),
        ("population/CurrentTemp", "unknown_operation", ["'current_temp'", "nik_lookup"]),
    ],
)
def test_an_unregistered_connector_is_refused_naming_what_an_admin_registers(
    session, operator, code, words
):
    data = _model(('id="population/NikLookup"', f'id="{operator}"'))
    [problem] = _refusals(session, data)
    assert (problem.code, problem.element_id) == (code, "lookup")
    for word in [operator, "/admin/connectors", *words]:
        assert word in problem.message


def test_a_secret_parameter_is_refused_and_never_resolved(session, monkeypatch):
    monkeypatch.setenv("BAMBOOHR_API_KEY", "do-not-send-me")
    secret = (
        '<spiffworkflow:parameter id="api_key" type="str" value="\'secret:BAMBOOHR_API_KEY\'"/>'
    )
    problems = _refusals(session, _model((PARAMETER, PARAMETER + secret)))
    refusal = next(p for p in problems if p.code == "secret_in_model")
    assert "'api_key'" in refusal.message and "BAMBOOHR_API_KEY" in refusal.message
    assert "registration of connector 'population'" in refusal.message
    assert "do-not-send-me" not in repr(problems)
    unknown = _refusals(session, _model((PARAMETER, PARAMETER + secret), ("population/", "hr/")))
    [register] = [p.message for p in unknown if p.code == "unknown_connector"]
    assert "in:nik out:" in register  # the secret is not a request field to register


def test_an_unsafe_parameter_expression_is_refused(session):
    unsafe = PARAMETER.replace("applicant_nik", "applicant_nik.__class__")
    problems = _refusals(session, _model((PARAMETER, unsafe)))
    assert [(p.code, p.element_id) for p in problems] == [("unsafe_expression", "lookup")]
    assert "spiffworkflow:parameter nik" in problems[0].message


@pytest.mark.parametrize(
    ("replacement", "code", "words"),
    [
        ((PARAMETER, ""), "unmapped_input", ['<spiffworkflow:parameter id="nik"']),
        (
            (PARAMETER, PARAMETER + '<spiffworkflow:parameter id="zipcode" value="22980"/>'),
            "unknown_input",
            ["'zipcode'"],
        ),
        ((' resultVariable="nik_result"', ""), "unmapped_output", ["resultVariable"]),
        (('id="population/NikLookup"', 'id="NikLookup"'), "unknown_connector", ["connector/"]),
    ],
)
def test_parameters_and_result_follow_the_connector_rules(session, replacement, code, words):
    problems = _refusals(session, _model(replacement))
    assert [(p.code, p.element_id) for p in problems] == [(code, "lookup")]
    for word in words:
        assert word in problems[0].message


def test_a_url_in_a_parameter_is_refused(session):
    url = PARAMETER.replace("applicant_nik", "'https://evil.example/steal'")
    problems = _refusals(session, _model((PARAMETER, url)))
    assert "service_url" in {p.code for p in problems}


def test_written_back_out_it_is_the_same_call_in_permitflow_s_own_form(session):
    """A revised diagram (what-if scenarios) writes pf:connector with a ``*`` output."""
    from engine.bpmn.reader import load_bpmn
    from engine.bpmn.writer import process_to_bpmn

    process = load_bpmn(MODEL.read_bytes(), source="spiff.bpmn").processes["spiff_service_task"]
    written = process_to_bpmn(process)
    again = load_bpmn(written, source="again.bpmn").processes["spiff_service_task"]
    before, after = process.nodes["lookup"].service, again.nodes["lookup"].service
    assert (after.connector, after.inputs, after.outputs) == (
        "population.nik_lookup",
        (("nik", "applicant_nik"),),
        (("nik_result", "*"),),
    )
    assert (before.connector, before.inputs, before.outputs) == (
        after.connector,
        after.inputs,
        after.outputs,
    )
    _, problems = services.validate_file(
        written, "again.bpmn", connectors=registry.catalog(session)
    )
    assert not [p for p in problems if p.severity == "error"], problems
