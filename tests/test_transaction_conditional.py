"""Transactions with a cancel end event, and conditional events, run through the facade.

Models in ``tests/bpmn_features/``: ``transaction_cancel.bpmn`` (a cancel end event in
a transaction, caught by the cancel boundary event on it), ``conditional_catch.bpmn``
(a branch waits until a form on the other branch sets the name its condition reads),
``conditional_boundary.bpmn`` (a conditional boundary event interrupts a task; a
conditional start event begins an event sub-process). Each step restores the case from
the database (live workflows forgotten) before it acts.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.validation.process import validate_file
from tests.test_bpmn_coverage import complete, deploy, inbox, restored

TRANSACTION = "transaction_cancel.bpmn"
CATCH = "conditional_catch.bpmn"
BOUNDARY = "conditional_boundary.bpmn"


@pytest.fixture
def office(session):
    for username, roles in [("vera", ["verifier"]), ("tina", ["technical"]), ("hana", ["head"])]:
        services.create_user(session, username, roles=roles)
    session.commit()
    return session


def _start(session, name: str, key: str):
    deploy(session, name)
    case = services.start_case(session, key, {})
    session.commit()
    return case


# -- transactions ----------------------------------------------------------------------


def test_a_cancel_end_event_cancels_the_transaction_and_follows_the_cancel_boundary(office):
    case = _start(office, TRANSACTION, "transaction_cancel")
    assert inbox(office, case, "tina") == ["Inspect the site"]
    assert inbox(office, case, "vera") == ["Write the report"]
    complete(office, case, "tina", "Inspect the site", {"site_fit": False})
    # the report, still open inside the transaction, is cancelled with it
    assert inbox(office, case, "vera") == []
    assert inbox(office, case, "hana") == ["Inform the applicant"]
    assert restored(office, case).status == "running"
    complete(office, case, "hana", "Inform the applicant")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Refused")


def test_a_transaction_that_completes_leaves_by_its_outgoing_flow(office):
    case = _start(office, TRANSACTION, "transaction_cancel")
    complete(office, case, "tina", "Inspect the site", {"site_fit": True})
    assert inbox(office, case, "vera") == ["Write the report"]
    complete(office, case, "vera", "Write the report")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Approved")
    assert inbox(office, case, "hana") == []


# -- conditional events ----------------------------------------------------------------


def test_a_conditional_catch_waits_until_a_form_makes_its_condition_true(office):
    case = _start(office, CATCH, "conditional_catch")
    assert inbox(office, case, "vera") == ["Collect the documents"]
    assert inbox(office, case, "tina") == []
    complete(office, case, "vera", "Collect the documents", {"documents_complete": False})
    assert inbox(office, case, "tina") == []  # still false: the review waits
    complete(office, case, "vera", "Confirm the documents", {"documents_complete": True})
    assert inbox(office, case, "tina") == ["Technical review"]
    complete(office, case, "tina", "Technical review")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Reviewed")


def test_a_case_left_waiting_only_on_a_condition_says_so_by_the_event_name(office):
    """Nothing left in the case can make the condition true: an incident names the event
    (no longer a case "running" for ever; see test_red_team_issue9)."""
    case = _start(office, CATCH, "conditional_catch")
    complete(office, case, "vera", "Collect the documents", {"documents_complete": False})
    complete(office, case, "vera", "Confirm the documents", {"documents_complete": False})
    case = restored(office, case)
    assert case.status == "incident"
    assert case.current_step == "Incident: Documents complete"


def test_a_conditional_boundary_event_interrupts_its_task(office):
    case = _start(office, BOUNDARY, "conditional_boundary")
    assert inbox(office, case, "vera") == ["Await the payment"]
    complete(office, case, "hana", "Record the applicant's answer", {"withdrawn": True, "fee": 5})
    assert inbox(office, case, "vera") == []
    case = restored(office, case)
    assert case.status == "completed"
    assert case.outcome in {"Withdrawn", "Answer recorded"}


def test_a_conditional_start_begins_its_event_sub_process(office):
    case = _start(office, BOUNDARY, "conditional_boundary")
    complete(
        office,
        case,
        "hana",
        "Record the applicant's answer",
        {"withdrawn": False, "fee": 2_000_000},
    )
    assert inbox(office, case, "hana") == ["Write the audit note"]
    assert inbox(office, case, "vera") == ["Await the payment"]
    complete(office, case, "hana", "Write the audit note")
    complete(office, case, "vera", "Await the payment")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Paid")


# -- validation and incidents ----------------------------------------------------------

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">'
    '<bpmn:process id="p" name="P" isExecutable="true"><bpmn:startEvent id="s"/>'
)
_TAIL = "</bpmn:process></bpmn:definitions>"


def _problems(body: str) -> dict[str, set[str]]:
    """Error codes by element id of a small process ``s -> body`` (end ``e``)."""
    _, problems = validate_file((_HEAD + body + _TAIL).encode(), "small.bpmn")
    found: dict[str, set[str]] = {}
    for p in problems:
        if p.severity == "error":
            found.setdefault(p.element_id or "", set()).add(p.code)
    return found


def _waiting_on(condition: str) -> str:
    return (
        '<bpmn:intermediateCatchEvent id="w" name="Ready"><bpmn:conditionalEventDefinition>'
        f"<bpmn:condition>{condition}</bpmn:condition></bpmn:conditionalEventDefinition>"
        '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e" name="Done"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="w"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="e"/>'
    )


def test_a_cancel_end_event_outside_a_transaction_is_an_error_naming_it():
    body = (
        '<bpmn:subProcess id="sub" name="Check"><bpmn:startEvent id="ss"/>'
        '<bpmn:endEvent id="c" name="Give up"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="c"/></bpmn:subProcess>'
        '<bpmn:boundaryEvent id="b" name="Gave up" attachedToRef="sub">'
        "<bpmn:cancelEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e2"/>'
    )
    found = _problems(body)
    assert "cancel_outside_transaction" in found["c"]
    assert "cancel_outside_transaction" in found["b"]


def test_a_transaction_cancelled_without_a_cancel_boundary_event_is_an_error():
    body = (
        '<bpmn:transaction id="t" name="Check"><bpmn:startEvent id="ss"/>'
        '<bpmn:endEvent id="c" name="Give up"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="c"/></bpmn:transaction>'
        '<bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
    )
    assert "uncaught_cancel" in _problems(body)["c"]


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("print(ready)", "unsafe_expression"),
        ("__import__('os')", "unsafe_expression"),
        ("ready", "unset_name"),
    ],
)
def test_a_conditional_events_condition_is_checked_like_any_expression(condition, code):
    _, problems = validate_file(
        (
            _HEAD.replace('<bpmn:startEvent id="s"/>', _START_FORM) + _waiting_on(condition) + _TAIL
        ).encode(),
        "small.bpmn",
    )
    assert code in {p.code for p in problems if p.severity == "error" and p.element_id == "w"}


_START_FORM = (
    '<bpmn:startEvent id="s"><bpmn:extensionElements><camunda:formData>'
    '<camunda:formField id="applicant" label="Applicant" type="string"/>'
    "</camunda:formData></bpmn:extensionElements></bpmn:startEvent>"
)


def test_a_condition_on_an_unknown_name_opens_an_incident(office):
    # no start form: the name may come with the start data, so only a warning
    source = (_HEAD + _waiting_on("ready") + _TAIL).encode()
    _, problems = validate_file(source, "small.bpmn")
    assert not [p for p in problems if p.severity == "error"]
    services.deploy(office, source, source="small.bpmn", deployed_by="designer")
    case = services.start_case(office, "p", {})
    office.commit()
    case = restored(office, case)
    assert case.status == "incident"
    incident = services.incidents.open_incident_of(office, case)
    assert incident.element_id == "w" and "ready" in incident.message
    services.incidents.set_variable(office, incident.id, "ready", True, actor="admin")
    services.incidents.retry(office, incident.id, actor="admin")
    office.commit()
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Done")


SCOPES = "conditional_scopes.bpmn"


@pytest.mark.parametrize(
    ("form", "head_tasks", "outcome"),
    [
        ({"stop": False, "urgent": False}, ["Countersign"], "Assessed"),
        ({"stop": True, "urgent": False}, [], "Stopped"),
        ({"stop": False, "urgent": True}, ["Handle urgently"], "Handled urgently"),
    ],
    ids=["neither", "boundary-on-sub-process", "interrupting-event-sub-process"],
)
def test_a_form_inside_a_sub_process_fires_conditions_outside_it(office, form, head_tasks, outcome):
    case = _start(office, SCOPES, "conditional_scopes")
    complete(office, case, "vera", "Assess", form)
    assert inbox(office, case, "hana") == head_tasks
    for name in head_tasks:
        complete(office, case, "hana", name)
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", outcome)
    assert inbox(office, case, "hana") == []


def test_compensation_in_a_transaction_is_refused_by_element():
    body = (
        '<bpmn:transaction id="t" name="Booking"><bpmn:startEvent id="ss"/>'
        '<bpmn:task id="book" name="Book the room"/>'
        '<bpmn:boundaryEvent id="undo" name="Undo" attachedToRef="book">'
        "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:task id="unbook" name="Cancel the booking" isForCompensation="true"/>'
        '<bpmn:endEvent id="te"/>'
        '<bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="book"/>'
        '<bpmn:sequenceFlow id="g2" sourceRef="book" targetRef="te"/>'
        "</bpmn:transaction>"
        '<bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
    )
    found = _problems(body)
    assert "unsupported_element" in found["undo"]
    assert "unsupported_element" in found["unbook"]
    assert "t" not in found  # the transaction itself runs


def test_a_condition_failing_on_a_later_value_opens_an_incident_at_the_event(office):
    body = (
        '<bpmn:scriptTask id="init" name="Start low"><bpmn:script>level = 0</bpmn:script>'
        '</bpmn:scriptTask><bpmn:parallelGateway id="split"/>'
        '<bpmn:userTask id="rate" name="Rate" camunda:candidateGroups="verifier">'
        "<bpmn:extensionElements><camunda:formData>"
        '<camunda:formField id="level" label="Level" type="string"/>'
        "</camunda:formData></bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:intermediateCatchEvent id="w" name="High level"><bpmn:conditionalEventDefinition>'
        "<bpmn:condition>level &gt; 2</bpmn:condition></bpmn:conditionalEventDefinition>"
        '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e" name="Done"/>'
        '<bpmn:endEvent id="e2" name="Rated"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="init"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="init" targetRef="split"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="rate"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="w"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="w" targetRef="e"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="rate" targetRef="e2"/>'
    )
    source = (_HEAD + body + _TAIL).encode()
    services.deploy(office, source, source="small.bpmn", deployed_by="designer")
    case = services.start_case(office, "p", {})
    office.commit()
    complete(office, case, "vera", "Rate", {"level": "high"})
    case = restored(office, case)
    assert case.status == "incident"
    incident = services.incidents.open_incident_of(office, case)
    assert incident.element_id == "w" and incident.kind == "expression"
    # retrying evaluates the condition again: still failing, a new incident, no firing
    again = services.incidents.retry(office, incident.id, actor="admin")
    office.commit()
    assert again is not None and again.element_id == "w"
    assert restored(office, case).status == "incident"


@pytest.mark.parametrize("name", [TRANSACTION, CATCH])  # the writer drops event sub-processes
def test_a_model_written_back_out_keeps_its_transaction_and_conditions(name):
    from engine.bpmn.reader import load_bpmn
    from engine.bpmn.writer import write_bpmn
    from tests.test_bpmn_coverage import read

    written = write_bpmn(load_bpmn(read(name), name))
    _, problems = validate_file(written, name)
    assert not [p for p in problems if p.severity == "error"], problems
