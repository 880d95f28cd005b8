"""Incidents: an error while a case runs stops the case with a record an admin can act on.

Before incidents, each of these printed a SpiffWorkflow traceback and rolled the
clerk's completion back, so the case could never move again.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import services
from engine.calendar import clock
from engine.cli import main
from engine.errors import InvalidFormData, InvalidState
from engine.office import incidents
from engine.workflow.runtime import forget_live_workflows

HERE = Path(__file__).parent / "engine_bpmn"
SITE = HERE / "incident.bpmn"

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="defs" targetNamespace="http://example.org">
  <bpmn:process id="{key}" name="{key}" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="L" name="Front Office">{refs}</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="register" name="Register application"/>
    <bpmn:endEvent id="done" name="Done"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register"/>
    {body}
  </bpmn:process>
</bpmn:definitions>"""


def _bpmn(key: str, body: str, nodes: list[str]) -> bytes:
    refs = "".join(
        f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ["start", "register", "done", *nodes]
    )
    return _HEAD.format(key=key, refs=refs, body=body).encode()


NO_BRANCH = _bpmn(
    "no_branch",
    """<bpmn:exclusiveGateway id="gw" name="Which way?"/>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="done">
      <bpmn:conditionExpression>fee &gt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="done">
      <bpmn:conditionExpression>fee &lt; 0</bpmn:conditionExpression></bpmn:sequenceFlow>""",
    ["gw"],
)
SIZE_BOMB = _bpmn(
    "size_bomb",
    """<bpmn:scriptTask id="compute" name="Compute fee" scriptFormat="python">
      <bpmn:script>fee = 9**exponent</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="done"/>""",
    ["compute"],
)
TIMER_READS_UNSET = _bpmn(
    "late_timer",
    """<bpmn:intermediateCatchEvent id="wait" name="Wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>wait_period</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="wait"/>
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="done"/>""",
    ["wait"],
)


DATA_OBJECT_ID_NOT_NAME = _bpmn(
    "data_object",
    """<bpmn:dataObject id="DataObject_fee" name="fee"/>
    <bpmn:dataObjectReference id="ref_fee" name="fee" dataObjectRef="DataObject_fee"/>
    <bpmn:scriptTask id="compute" name="Compute fee" scriptFormat="python">
      <bpmn:dataOutputAssociation id="out_fee"><bpmn:targetRef>ref_fee</bpmn:targetRef>
      </bpmn:dataOutputAssociation>
      <bpmn:script>fee = 100</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="done"/>""",
    ["compute"],
)


@pytest.fixture
def office(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, SITE.read_bytes(), source="incident.bpmn")
    session.commit()
    return session


def _stopped_case(s, name: str = "Siti"):
    """A site permit whose gateway reads floor_area, which the applicant left empty."""
    case = services.start_case(s, "site_permit", {"applicant_name": name})
    [task] = services.open_tasks(s, case)
    services.complete_task(s, task.id, "ani", {})
    s.commit()
    forget_live_workflows()  # every later step restores the case from storage
    return case, incidents.open_incident_of(s, case)


def test_a_failing_condition_opens_an_incident_and_keeps_the_clerks_work(office):
    s = office
    case, incident = _stopped_case(s)
    assert case.status == "incident"
    assert case.current_step == "Incident: Large building?"
    assert (incident.element_id, incident.element_name) == ("gw", "Large building?")
    assert incident.kind == "expression" and incident.created_by == "ani"
    assert incident.expression == "floor_area > 500"
    assert incident.values == {"floor_area": "(not set)"}
    assert "unknown name 'floor_area'" in incident.message
    assert services.open_tasks(s, case) == []  # the registration stays done
    actions = [e.action for e in services.case_history(s, case.id)]
    assert actions[-2:] == ["task_completed", "incident_opened"]
    assert incidents.counts_by_procedure(s) == {"site_permit": 1}


def test_admin_fixes_the_value_retries_and_the_case_goes_on(office):
    s = office
    case, incident = _stopped_case(s)
    with pytest.raises(InvalidFormData, match="Floor area .* whole number"):
        incidents.set_variable(s, incident.id, "floor_area", "many", actor="admin")
    with pytest.raises(InvalidFormData, match="at least 1"):
        incidents.set_variable(s, incident.id, "floor_area", "0", actor="admin")
    incidents.set_variable(s, incident.id, "floor_area", "650", actor="admin")
    s.commit()
    forget_live_workflows()
    assert incidents.retry(s, incident.id, actor="admin") is None
    s.commit()
    case = services.get_case(s, case.id)
    assert case.status == "running"
    assert [t.name for t in services.open_tasks(s, case)] == ["Technical review"]
    assert services.case_data(case)["floor_area"] == 650
    assert (incident.status, incident.resolution, incident.resolved_by) == (
        "resolved",
        "retried",
        "admin",
    )
    entries = {e.action: e for e in services.case_history(s, case.id)}
    assert entries["incident_variable_set"].data["value"] == 650
    assert entries["incident_variable_set"].data["previous"] == "(not set)"
    assert entries["incident_retried"].actor == "admin"
    assert incidents.counts_by_procedure(s) == {}


def test_a_retry_that_fails_again_opens_a_new_incident(office):
    s = office
    case, incident = _stopped_case(s)
    again = incidents.retry(s, incident.id, actor="admin")
    s.commit()
    assert again is not None and again.id != incident.id and again.created_by == "admin"
    assert services.get_case(s, case.id).status == "incident"
    with pytest.raises(InvalidState, match="retried"):
        incidents.retry(s, incident.id, actor="admin")


def test_skip_moves_to_an_element_after_the_failed_step_or_back(office):
    s = office
    case, incident = _stopped_case(s)
    with pytest.raises(InvalidState, match="review, end_small, register"):
        incidents.skip(s, incident.id, "nowhere", actor="admin")
    incidents.skip(s, incident.id, "end_small", actor="admin")
    s.commit()
    case = services.get_case(s, case.id)
    assert (case.status, case.outcome) == ("completed", "Small building registered")
    other, incident = _stopped_case(s, "Budi")
    incidents.skip(s, incident.id, "register", actor="admin")
    s.commit()
    assert [t.element_id for t in services.open_tasks(s, other)] == ["register"]
    assert "incident_skipped" in [e.action for e in services.case_history(s, other.id)]


def test_cancel_resolves_the_incident_and_cancels_the_case(office):
    s = office
    case, incident = _stopped_case(s)
    incidents.cancel(s, incident.id, actor="admin", reason="Applied twice")
    s.commit()
    assert services.get_case(s, case.id).status == "cancelled"
    assert incident.resolution == "cancelled"
    assert incidents.list_incidents(s) == []
    assert [i.id for i in incidents.list_incidents(s, status=None)] == [incident.id]


def test_set_variable_without_a_form_field_reads_json(office):
    s = office
    case, incident = _stopped_case(s)
    with pytest.raises(Exception, match="not a variable name"):
        incidents.set_variable(s, incident.id, "_secret", "1", actor="admin")
    incidents.set_variable(s, incident.id, "note", '{"a": [1, 2]}', actor="admin")
    incidents.set_variable(s, incident.id, "floor_area", 12, actor="admin")
    incidents.retry(s, incident.id, actor="admin")
    data = services.case_data(services.get_case(s, case.id))
    assert data["note"] == {"a": [1, 2]}


@pytest.mark.parametrize(
    "xml, data, kind, element, text",
    [
        (NO_BRANCH, {"fee": 5}, "no_branch", "gw", "no outgoing flow"),
        (SIZE_BOMB, {"exponent": 10**9}, "expression", "compute", "9**exponent"),
        (DATA_OBJECT_ID_NOT_NAME, {}, "engine", "compute", "DataObject_fee"),
    ],
)
def test_other_runtime_errors_become_incidents(session, xml, data, kind, element, text):
    services.create_user(session, "ani", roles=["front_office"])
    definition, _ = services.deploy(session, xml, source="inline.bpmn")
    case = services.start_case(session, definition.key, data)
    [task] = services.open_tasks(session, case)
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    incident = incidents.open_incident_of(session, case)
    assert case.status == "incident"
    assert (incident.kind, incident.element_id) == (kind, element)
    assert text in incident.message + (incident.expression or "")


def test_a_timer_failing_at_tick_opens_an_incident_and_tick_goes_on(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, TIMER_READS_UNSET, source="timer.bpmn")
    case = services.start_case(session, "late_timer", {})
    [task] = services.open_tasks(session, case)
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    incident = incidents.open_incident_of(session, case)
    assert case.status == "incident" and incident.element_id == "wait"
    assert incident.values == {"wait_period": "(not set)"}
    clock.advance(timedelta(days=30))
    assert services.tick(session) == []  # a stopped case's timers wait for the admin


def test_cli_prints_one_line_and_exits_non_zero(sqlite_engine, monkeypatch):
    monkeypatch.setenv(
        "PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        assert "Traceback" not in result.output + result.stderr
        return result

    run("user", "add", "ani", "--role", "front_office")
    run("deploy", str(SITE))
    started = json.loads(
        run("start", "site_permit", "--data", '{"applicant_name": "S"}', "--json").output
    )
    [task] = json.loads(run("tasks", "--json").output)
    failed = run("complete", task["id"], "--as", "ani", code=1)
    [line] = failed.stderr.strip().splitlines()
    assert line.startswith("Incident 1: case " + started["tracking_code"])
    assert "'Large building?' (gw)" in line and "unknown name 'floor_area'" in line
    [listed] = json.loads(run("incidents", "--json").output)
    assert listed["values"] == {"floor_area": "(not set)"} and listed["status"] == "open"
    assert 'floor_area="(not set)"' in run("incidents").output
    wrong = run("incidents", "set-var", "1", "floor_area", "lots", "--as", "admin", code=1)
    assert "whole number" in wrong.stderr
    again = run("incidents", "retry", "1", "--as", "admin", code=1)
    assert again.stderr.startswith("Incident 2: case ")
    run("incidents", "set-var", "2", "floor_area", "650", "--as", "admin")
    out = run("incidents", "retry", "2", "--as", "admin").output
    assert "is running; next: Technical review" in out
    assert run("incidents").output.strip() == "No incidents."
    assert "No incident 9;" in run("incidents", "retry", "9", "--as", "admin", code=1).stderr
    history = run("history", started["tracking_code"]).output
    for action in ("incident_opened", "incident_variable_set", "incident_retried"):
        assert action in history


def test_cancelling_a_stopped_case_elsewhere_resolves_its_incident(office):
    s = office
    case, incident = _stopped_case(s)
    services.cancel_case(s, case.id, actor="head", reason="Withdrawn by the applicant")
    s.commit()
    assert services.get_case(s, case.id).status == "cancelled"
    s.refresh(incident)
    assert (incident.status, incident.resolution, incident.resolved_by) == (
        "resolved",
        "cancelled",
        "head",
    )
    assert incidents.counts_by_procedure(s) == {}


def test_a_failed_timer_is_retried_after_the_fix(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, TIMER_READS_UNSET, source="timer.bpmn")
    case = services.start_case(session, "late_timer", {})
    [task] = services.open_tasks(session, case)
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    forget_live_workflows()
    incident = incidents.open_incident_of(session, case)
    incidents.set_variable(session, incident.id, "wait_period", "P1D", actor="admin")
    assert incidents.retry(session, incident.id, actor="admin") is None
    session.commit()
    case = services.get_case(session, case.id)
    assert (case.status, case.current_step) == ("running", "Waiting: Wait")
    clock.advance(timedelta(days=1, minutes=1))
    assert [f.element_id for f in services.tick(session)] == ["wait"]
    assert services.get_case(session, case.id).status == "completed"


def test_a_failed_script_is_skipped_to_the_next_element(session):
    services.create_user(session, "ani", roles=["front_office"])
    definition, _ = services.deploy(session, SIZE_BOMB, source="bomb.bpmn")
    case = services.start_case(session, definition.key, {"exponent": 10**9})
    [task] = services.open_tasks(session, case)
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    incident = incidents.open_incident_of(session, case)
    assert incidents.skip(session, incident.id, "done", actor="admin") is None
    session.commit()
    assert services.get_case(session, case.id).status == "completed"
