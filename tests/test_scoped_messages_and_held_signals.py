"""A message starts the event sub-process of one scope; a signal reaches a case in incident.

A message goes to one recipient: when every instance of a multi-instance sub-process
declares an event sub-process started by it, the message's correlation property names
the instance (its data), and a message several instances could take is refused. A
signal (a broadcast) still starts the event sub-process in every instance. A signal
broadcast while a case is in incident is caught by the branch waiting for it, which
moves on only when the incident is resolved: the case stays in incident meanwhile.
"""

from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import services
from engine.errors import InvalidState
from engine.storage.tables import AuditEntry, Incident
from engine.workflow.runtime import open_case
from tests.test_bpmn_coverage import complete, restored
from tests.test_red_team_issue9 import flows, model, open_tasks, script_task, start, user_task


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


NOTE = '<bpmn:message id="m" name="note"/>'
BY_AGENCY = (
    '<bpmn:correlationProperty id="cp" name="agency">'
    '<bpmn:correlationPropertyRetrievalExpression messageRef="m">'
    "<bpmn:formalExpression>agency</bpmn:formalExpression>"
    "</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"
)


def per_agency(start_event: str) -> str:
    """A parallel multi-instance sub-process over ``agencies`` whose event sub-process
    (non-interrupting) is started by ``start_event``'s definition, then "Read note"."""
    return (
        '<bpmn:process id="agencies" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:subProcess id="sp" name="Per agency"><bpmn:multiInstanceLoopCharacteristics>'
        "<bpmn:loopDataInputRef>agencies</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="agency" name="agency"/>'
        "</bpmn:multiInstanceLoopCharacteristics>"
        f'<bpmn:startEvent id="ss"/>{user_task("work", "Work")}<bpmn:endEvent id="se"/>'
        f"{flows(('ss', 'work'), ('work', 'se'), prefix='x')}"
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        f'<bpmn:startEvent id="es" isInterrupting="false">{start_event}</bpmn:startEvent>'
        f'{user_task("read", "Read note")}<bpmn:endEvent id="ee"/>'
        f"{flows(('es', 'read'), ('read', 'ee'), prefix='y')}</bpmn:subProcess></bpmn:subProcess>"
        f'<bpmn:endEvent id="e"/>{flows(("s", "sp"), ("sp", "e"))}</bpmn:process>'
    )


def read_by(session, case) -> list[str]:
    """The agencies whose instance has a "Read note" task open."""
    workflow = open_case(restored(session, case)).workflow
    ready = workflow.get_tasks(state=TaskState.READY)
    return sorted(t.data.get("agency") for t in ready if t.task_spec.bpmn_id == "read")


MESSAGE = '<bpmn:messageEventDefinition messageRef="m"/>'
AGENCIES = {"agencies": ["fire", "roads", "water"]}


def test_a_correlated_message_starts_the_event_sub_process_of_its_instance_only(office):
    case = start(office, model(per_agency(MESSAGE), NOTE + BY_AGENCY), "agencies", AGENCIES)
    assert open_tasks(office, case) == ["Work", "Work", "Work"]
    services.deliver_message(office, restored(office, case), "note", {"agency": "roads"})
    office.commit()
    assert read_by(office, case) == ["roads"]
    assert open_tasks(office, case).count("Read note") == 1


def test_a_message_correlating_to_no_instance_is_refused(office):
    case = start(office, model(per_agency(MESSAGE), NOTE + BY_AGENCY), "agencies", AGENCIES)
    with pytest.raises(InvalidState, match="correlates to none"):
        services.deliver_message(office, restored(office, case), "note", {"agency": "parks"})
    office.rollback()
    assert open_tasks(office, case) == ["Work", "Work", "Work"]
    assert restored(office, case).status == "running"


def test_an_uncorrelated_message_several_instances_could_take_is_refused_naming_them(office):
    case = start(office, model(per_agency(MESSAGE), NOTE), "agencies", AGENCIES)
    with pytest.raises(InvalidState, match="3 waiting scopes.*Per agency.*correlate"):
        services.deliver_message(office, restored(office, case), "note", {})
    office.rollback()
    assert restored(office, case).status == "running"  # refused before it: no incident
    assert "Read note" not in open_tasks(office, case)


def test_a_signal_still_starts_the_event_sub_process_in_every_instance(office):
    signal = '<bpmn:signal id="sig" name="closing"/>'
    thrower = (
        '<bpmn:process id="thrower" isExecutable="true"><bpmn:startEvent id="s"/>'
        f"{user_task('go', 'Throw')}"
        '<bpmn:intermediateThrowEvent id="t"><bpmn:signalEventDefinition signalRef="sig"/>'
        '</bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>'
        f"{flows(('s', 'go'), ('go', 't'), ('t', 'e'))}</bpmn:process>"
    )
    listening = per_agency('<bpmn:signalEventDefinition signalRef="sig"/>')
    case = start(office, model(listening, signal), "agencies", AGENCIES)
    throwing = start(office, model(thrower, signal), "thrower")
    complete(office, throwing, "vera", "Throw")
    assert read_by(office, case) == ["fire", "roads", "water"]


LISTENER = (
    '<bpmn:process id="listener" isExecutable="true"><bpmn:startEvent id="s"/>'
    '<bpmn:parallelGateway id="split"/>'
    f"{script_task('bad', 'y = 1 / zero')}"
    '<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition signalRef="sig"/>'
    f"</bpmn:intermediateCatchEvent>{script_task('after', 'caught = 1')}"
    f"{user_task('got', 'Got it')}{user_task('other', 'Other')}"
    '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
    + flows(
        ("s", "split"),
        ("split", "c"),
        ("c", "after"),
        ("after", "got"),
        ("got", "e1"),
        ("split", "bad"),
        ("bad", "other"),
        ("other", "e2"),
    )
    + "</bpmn:process>"
)
THROWER = (
    '<bpmn:process id="thrower" isExecutable="true"><bpmn:startEvent id="s"/>'
    f"{user_task('go', 'Throw')}"
    '<bpmn:intermediateThrowEvent id="t"><bpmn:signalEventDefinition signalRef="sig"/>'
    '</bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>'
    f"{flows(('s', 'go'), ('go', 't'), ('t', 'e'))}</bpmn:process>"
)
SIGNAL = '<bpmn:signal id="sig" name="closing"/>'


def _in_incident_then_signalled(office):
    waiting = start(office, model(LISTENER, SIGNAL), "listener", {"zero": 0})
    throwing = start(office, model(THROWER, SIGNAL), "thrower")
    complete(office, throwing, "vera", "Throw")  # the signal job runs eagerly in tests
    case = restored(office, waiting)
    incident = office.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    return waiting, throwing, incident


def test_a_signal_to_a_case_in_incident_moves_nothing_until_the_incident_is_retried(office):
    waiting, throwing, incident = _in_incident_then_signalled(office)
    case = restored(office, waiting)
    assert case.status == "incident"  # neither cleared nor hidden
    assert incident.status == "open"
    assert open_tasks(office, waiting) == []  # the caught branch waits for the retry
    workflow = open_case(case).workflow
    assert not any(
        t.task_spec.bpmn_id == "after" for t in workflow.get_tasks(state=TaskState.COMPLETED)
    )
    received = office.scalars(
        select(AuditEntry.message).where(
            AuditEntry.case_id == case.id, AuditEntry.action == "signal_received"
        )
    ).all()
    assert len(received) == 1 and "in incident" in received[0]
    broadcast = office.scalars(
        select(AuditEntry.message).where(
            AuditEntry.case_id == restored(office, throwing).id,
            AuditEntry.action == "signal_broadcast",
        )
    ).one()
    assert case.tracking_code in broadcast
    services.incidents.set_variable(office, incident.id, "zero", 1, actor="admin")
    office.commit()
    services.incidents.retry(office, incident.id, actor="admin")
    office.commit()
    assert restored(office, waiting).status == "running"
    assert open_tasks(office, waiting) == ["Got it", "Other"]


def test_a_signal_caught_in_incident_also_moves_on_when_the_failed_step_is_skipped(office):
    waiting, _throwing, incident = _in_incident_then_signalled(office)
    services.incidents.skip(office, incident.id, "other", actor="admin")
    office.commit()
    assert open_tasks(office, waiting) == ["Got it", "Other"]
