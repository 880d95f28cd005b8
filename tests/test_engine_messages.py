"""Messages between cases: explicit correlation, explicit payload, nothing leaks.

The issuer throws ``permit_issued`` declaring its payload (``permit_no``, and
``issued_by`` computed from ``office``) and a correlation property (``permit_no``);
the registry's catch event stores ``permit_no`` and ``issued_by`` as
``issuing_office``, nothing else.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import services
from engine.calendar import clock
from engine.errors import InvalidBpmn, InvalidState

HERE = Path(__file__).parent / "engine_bpmn"
ISSUER = (HERE / "messages.bpmn").read_bytes()

ARCHIVE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://example.org">
  <bpmn:message id="M" name="permit_issued"/>
  <bpmn:process id="archive" name="Archive" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="L" name="Registrar">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>w</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"/>
    <bpmn:intermediateCatchEvent id="w" name="Any permit issued">
      <bpmn:messageEventDefinition messageRef="M"/></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="t" name="File it"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="w"/>
    <bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="t"/>
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""

APPLICANT = {"applicant_name": "Siti", "nik": "3174012345678901", "fee": 999, "office": "DPMPTSP"}


@pytest.fixture
def offices(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "rina", roles=["registrar"])
    services.deploy(session, ISSUER, source="messages.bpmn")
    services.deploy(session, (HERE / "messages_receiver.bpmn").read_bytes(), source="recv.bpmn")
    services.deploy(session, ARCHIVE, source="archive.bpmn")
    session.commit()
    return session


def _issue(s, permit_no: str, key: str = "issuer"):
    issuer = services.start_case(s, key, {**APPLICANT, "permit_no": permit_no})
    services.complete_task(s, services.open_tasks(s, issuer)[0].id, "ani", {})
    s.commit()
    return services.get_case(s, issuer.id)


def _registry(s, permit_no: str):
    data = {"applicant_name": "Land office", "fee": 10, "permit_no": permit_no}
    return services.start_case(s, "registry", data)


def test_only_declared_fields_travel_into_declared_names(offices):
    s = offices
    waiting = _registry(s, "PBG-001")
    assert waiting.current_step == "Waiting: Permit issued"
    issuer = _issue(s, "PBG-001")
    assert issuer.status == "completed"
    waiting = services.get_case(s, waiting.id)
    assert [t.name for t in services.open_tasks(s, waiting)] == ["Record the building"]
    data = services.case_data(waiting)
    assert data["applicant_name"] == "Land office" and data["fee"] == 10  # not overwritten
    assert "nik" not in data and "office" not in data and "issued_by" not in data
    assert data["permit_no"] == "PBG-001" and data["issuing_office"] == "DPMPTSP"
    received = [e for e in services.case_history(s, waiting.id) if e.action == "message_received"]
    assert received[0].data == {"permit_no": "PBG-001", "issuing_office": "DPMPTSP"}


def test_a_message_reaches_only_the_correlated_case(offices):
    s = offices
    first, second = _registry(s, "PBG-001"), _registry(s, "PBG-002")
    other = services.start_case(s, "archive", {"permit_no": "PBG-002"})
    _issue(s, "PBG-002")
    assert services.get_case(s, first.id).current_step == "Waiting: Permit issued"
    assert services.get_case(s, other.id).current_step == "Waiting: Any permit issued"
    assert [t.name for t in services.open_tasks(s, second)] == ["Record the building"]


def test_a_message_that_matches_no_case_is_delivered_to_none_with_a_reason(offices):
    s = offices
    waiting = _registry(s, "PBG-001")
    issuer = _issue(s, "PBG-404")
    assert issuer.status == "completed"
    assert services.get_case(s, waiting.id).current_step == "Waiting: Permit issued"
    [entry] = [
        e for e in services.case_history(s, issuer.id) if e.action == "message_not_delivered"
    ]
    assert "no waiting case correlates to permit number = 'PBG-404'" in entry.message


def test_a_message_without_correlation_reaches_no_case(offices):
    s = offices
    services.deploy(s, _uncorrelated(), source="uncorrelated.bpmn")
    waiting, other = _registry(s, "PBG-001"), services.start_case(s, "archive", {})
    issuer = _issue(s, "PBG-001")
    for case in (waiting, other):
        assert services.get_case(s, case.id).current_step.startswith("Waiting: ")
    [entry] = [
        e for e in services.case_history(s, issuer.id) if e.action == "message_not_delivered"
    ]
    assert "declares no correlation" in entry.message


def test_message_to_a_case_not_waiting_is_refused(offices):
    s = offices
    case = services.start_case(s, "issuer", {})
    with pytest.raises(InvalidState, match="not waiting"):
        services.deliver_message(s, case, "permit_issued", {})


def test_a_message_from_outside_names_its_case(offices):
    s = offices
    waiting = _registry(s, "PBG-001")
    services.deliver_message(
        s, waiting, "permit_issued", {"permit_no": "PBG-001", "issued_by": "Kiosk", "x": 1}
    )
    data = services.case_data(services.get_case(s, waiting.id))
    assert data["issuing_office"] == "Kiosk" and "x" not in data


PAYMENT = HERE / "payment_deadline.bpmn"


@pytest.fixture
def payments(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, PAYMENT.read_bytes(), source="payment_deadline.bpmn")
    session.commit()
    case = services.start_case(session, "fee_payment", {})
    services.complete_task(session, services.open_tasks(session, case)[0].id, "ani", {})
    session.commit()
    assert case.current_step == "Waiting: Paid in time?"
    return session, case


def test_event_gateway_message_after_the_deadline_is_due_but_not_fired(payments):
    """SpiffWorkflow 3.2 ran both branches here: the case ended "Expired" after it was paid."""
    s, case = payments
    clock.advance(timedelta(days=4))  # the deadline is due, no tick has run yet
    services.deliver_message(s, case, "payment_received", {})
    s.commit()
    case = services.get_case(s, case.id)
    assert [t.name for t in services.open_tasks(s, case)] == ["Issue the permit"]
    assert case.status == "running" and case.current_step == "Issue the permit"
    assert "payment_status" not in services.case_data(case)  # the deadline branch never ran
    assert services.tick(s) == []
    services.complete_task(s, services.open_tasks(s, case)[0].id, "ani", {})
    s.commit()
    assert (case.status, case.outcome) == ("completed", "Issued")
    assert "payment_status" not in services.case_data(case)


def test_event_gateway_deadline_fired_first_refuses_the_late_message(payments):
    s, case = payments
    clock.advance(timedelta(days=4))
    assert [f.element_id for f in services.tick(s)] == ["wait_first"]
    case = services.get_case(s, case.id)
    assert (case.status, case.outcome) == ("completed", "Expired")
    assert services.case_data(case)["payment_status"] == "expired"
    with pytest.raises(InvalidState):
        services.deliver_message(s, case, "payment_received", {})


def test_a_case_catching_a_second_correlated_message_takes_it(offices):
    """SpiffWorkflow compares a later message's correlation with the first one's; an
    event without correlations was silently not caught and the case waited forever."""
    s = offices
    twice = (
        (HERE / "messages_receiver.bpmn")
        .read_bytes()
        .replace(
            b'<bpmn:sequenceFlow id="b2" sourceRef="wait_issued" targetRef="record"/>',
            b'<bpmn:intermediateCatchEvent id="wait_again" name="Permit issued again">'
            b'<bpmn:messageEventDefinition messageRef="Msg_issued"/></bpmn:intermediateCatchEvent>'
            b'<bpmn:sequenceFlow id="b2" sourceRef="wait_issued" targetRef="wait_again"/>'
            b'<bpmn:sequenceFlow id="b4" sourceRef="wait_again" targetRef="record"/>',
        )
        .replace(
            b"<bpmn:flowNodeRef>record</bpmn:flowNodeRef>",
            b"<bpmn:flowNodeRef>record</bpmn:flowNodeRef><bpmn:flowNodeRef>wait_again</bpmn:flowNodeRef>",
        )
    )
    services.deploy(s, twice, source="twice.bpmn")
    waiting = _registry(s, "PBG-001")
    _issue(s, "PBG-001")
    assert services.get_case(s, waiting.id).current_step == "Waiting: Permit issued again"
    with pytest.raises(InvalidState, match="other correlation values"):
        services.deliver_message(s, waiting, "permit_issued", {"permit_no": "PBG-999"})
    _issue(s, "PBG-001")
    waiting = services.get_case(s, waiting.id)
    assert [t.name for t in services.open_tasks(s, waiting)] == ["Record the building"]


def _uncorrelated() -> bytes:
    xml = ISSUER.replace(b"<bpmn:correlationKey", b"<!-- ").replace(
        b"</bpmn:correlationKey>", b" -->"
    )
    start = xml.index(b"<bpmn:correlationProperty ")
    end = xml.index(b"</bpmn:correlationProperty>") + len(b"</bpmn:correlationProperty>")
    return xml[:start] + xml[end:]


def test_validation_checks_message_declarations(session):
    from engine.validation.process import validate_file

    def codes(xml: bytes) -> dict[str, tuple[str, str | None]]:
        _model, problems = validate_file(xml, "m.bpmn")
        return {
            p.code: (p.severity, p.element_id)
            for p in problems
            if "message" in p.code or p.code == "unsafe_expression"
        }

    assert codes(ISSUER) == {}
    assert codes(_uncorrelated()) == {"message_without_correlation": ("warning", "throw_issued")}
    unsafe = ISSUER.replace(b'expression="office"', b'expression="office.upper()"')
    assert codes(unsafe)["unsafe_expression"] == ("error", "throw_issued")
    with pytest.raises(InvalidBpmn, match="Payload field 'issued_by'"):
        services.deploy(session, unsafe, source="unsafe.bpmn")


SPIFF = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'


def test_spiffarena_message_payload_and_variable(session):
    """SpiffArena's spiffworkflow:messagePayload and spiffworkflow:messageVariable."""
    start = ISSUER.index(b"<bpmn:extensionElements><pf:messagePayload>")
    end = ISSUER.index(b"</pf:messagePayload></bpmn:extensionElements>") + len(
        b"</pf:messagePayload></bpmn:extensionElements>"
    )
    issuer = (
        (ISSUER[:start] + ISSUER[end:])
        .replace(b'id="defs"', SPIFF.encode() + b' id="defs"')
        .replace(
            b'<bpmn:messageEventDefinition messageRef="Msg_issued"/></bpmn:intermediateThrowEvent>',
            b'<bpmn:messageEventDefinition messageRef="Msg_issued"><bpmn:extensionElements>'
            b'<spiffworkflow:messagePayload>{"permit_no": permit_no, "by": office}'
            b"</spiffworkflow:messagePayload></bpmn:extensionElements>"
            b"</bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>",
        )
    )
    receiver = (HERE / "messages_receiver.bpmn").read_bytes()
    start = receiver.index(b"<bpmn:extensionElements><pf:messageData>")
    end = receiver.index(b"</pf:messageData></bpmn:extensionElements>") + len(
        b"</pf:messageData></bpmn:extensionElements>"
    )
    receiver = (
        (receiver[:start] + receiver[end:])
        .replace(b'id="defs"', SPIFF.encode() + b' id="defs"')
        .replace(
            b'<bpmn:messageEventDefinition messageRef="Msg_issued"/></bpmn:intermediateCatchEvent>',
            b'<bpmn:messageEventDefinition messageRef="Msg_issued"><bpmn:extensionElements>'
            b"<spiffworkflow:messageVariable>issued</spiffworkflow:messageVariable>"
            b"</bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateCatchEvent>",
        )
    )
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, issuer, source="spiff_issuer.bpmn")
    services.deploy(session, receiver, source="spiff_receiver.bpmn")
    waiting = _registry(session, "PBG-007")
    _issue(session, "PBG-007")
    data = services.case_data(services.get_case(session, waiting.id))
    assert data["issued"] == {"permit_no": "PBG-007", "by": "DPMPTSP"}
    assert data["applicant_name"] == "Land office" and "nik" not in data


def test_a_retrieval_expression_written_as_bpmn_message_path_correlates(session):
    """BPMN's schema names the retrieval expression's child ``messagePath`` (Camunda
    Modeler, SpiffWorkflow's own tests); only SpiffArena writes ``formalExpression``.
    Read as no correlation, the message reached no case."""

    def as_message_path(text: bytes) -> bytes:
        return text.replace(b"bpmn:formalExpression", b"bpmn:messagePath")

    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "rina", roles=["registrar"])
    services.deploy(session, as_message_path(ISSUER), source="messages.bpmn")
    receiver = (HERE / "messages_receiver.bpmn").read_bytes()
    services.deploy(session, as_message_path(receiver), source="recv.bpmn")
    session.commit()
    waiting = _registry(session, "PBG-007")
    _issue(session, "PBG-007")
    assert [t.name for t in services.open_tasks(session, waiting)] == ["Record the building"]
