"""Shapes found in files other modelling tools export (the BPMN-MIWG test suite's vendor
exports, bpmn-js's and its token simulation's test files), each drawn here in a minimal
model of our own: they are refused by name with what to draw instead, or they run."""

from __future__ import annotations

import pytest

from engine import services
from engine.errors import InvalidBpmn
from tests.test_validation import bpmn, problems_of

LANE = (
    '<bpmn:laneSet id="ls"><bpmn:lane id="lane" name="Clerk">'
    "<bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>a</bpmn:flowNodeRef>"
    "<bpmn:flowNodeRef>b</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
)
REVIEW = LANE + (
    '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Review"/><bpmn:endEvent id="e"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
)
# "Review" with an event on its boundary that leads to a second end event
BOUNDARY = REVIEW + (
    '<bpmn:boundaryEvent id="x" attachedToRef="t">{definition}</bpmn:boundaryEvent>'
    '<bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="e2"/>'
)
# start -> "Wait" -> end, "Wait" drawn as {element}
WAIT = (
    '<bpmn:startEvent id="s"/>{element}<bpmn:endEvent id="e"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="w"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="e"/>'
)


def refused(session, data: bytes, code: str) -> str:
    """Deploying ``data`` is refused with one error ``code``; its message."""
    with pytest.raises(InvalidBpmn) as refusal:
        services.deploy(session, data, source="t.bpmn")
    [problem] = [p for p in refusal.value.problems if p.severity == "error"]
    assert problem.code == code
    return problem.message


def test_unnamed_message_boundary_event_without_message_waits_for_its_id(session):
    """bpmn.io draws a message event before a message is chosen: SpiffWorkflow then
    waited for a message named None, and starting a case failed on the database as a
    "changed by someone else" conflict."""
    data = bpmn(BOUNDARY.format(definition="<bpmn:messageEventDefinition/>"))
    [warning] = problems_of(data, "message_without_ref")
    assert "waits for a message called by its id 'x' (it has no name)" in warning.message
    services.deploy(session, data, source="t.bpmn")
    case = services.start_case(session, "p", {})
    assert [t.name for t in services.open_tasks(session, case)] == ["Review"]
    services.deliver_message(session, case, "x", {})
    assert case.status == "completed" and not services.open_tasks(session, case)


def test_named_message_catch_without_message_waits_for_its_name(session):
    catch = (
        '<bpmn:intermediateCatchEvent id="w" name="Reply">'
        "<bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>"
    )
    services.deploy(session, bpmn(WAIT.format(element=catch)), source="t.bpmn")
    case = services.start_case(session, "p", {})
    assert case.status == "running"
    services.deliver_message(session, case, "Reply", {})
    assert case.status == "completed"


def test_receive_task_without_message_waits_for_its_name(session):
    """SpiffWorkflow ran it as a plain task: the case went on without waiting (a payment
    never received passed as received)."""
    receive = '<bpmn:receiveTask id="w" name="Payment received"/>'
    services.deploy(session, bpmn(WAIT.format(element=receive)), source="t.bpmn")
    case = services.start_case(session, "p", {})
    assert case.status == "running"
    services.deliver_message(session, case, "Payment received", {})
    assert case.status == "completed"


def test_unnamed_receive_task_without_message_waits_for_its_id(session):
    services.deploy(
        session, bpmn(WAIT.format(element='<bpmn:receiveTask id="w"/>')), source="t.bpmn"
    )
    case = services.start_case(session, "p", {})
    assert case.status == "running"
    services.deliver_message(session, case, "w", {})
    assert case.status == "completed"


def test_boundary_event_without_type_is_refused_by_name(session):
    """A boundary event dropped on a task before its type is chosen: SpiffWorkflow's
    NotImplementedError with the element's XML was the message."""
    message = refused(session, bpmn(BOUNDARY.format(definition="")), "boundary_without_definition")
    assert message.startswith("Boundary event 'x' has no type") and "timer" in message


def test_two_flows_out_of_a_task_are_refused_with_the_gateway_to_draw(session):
    """Two arrows out of a task (BPMN's implicit split): SpiffWorkflow's own message was
    cut off ("not supported for tasks of type") and said nothing of what to draw."""
    body = LANE + (
        '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Review"/>'
        '<bpmn:userTask id="a" name="Survey"/><bpmn:userTask id="b" name="Fee"/>'
        '<bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="a"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="b"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="e"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="e2"/>'
    )
    message = refused(session, bpmn(body), "several_outgoing_flows")
    assert "'Review' has 2 outgoing sequence flows (to 'Survey', 'Fee')" in message
    assert "parallel gateway" in message and "exclusive gateway" in message


def test_two_flows_out_of_a_task_of_a_partner_pool_only_warn():
    partner = (
        '<bpmn:process id="partner"><bpmn:startEvent id="ps"/><bpmn:task id="pt"/>'
        '<bpmn:endEvent id="pe"/><bpmn:endEvent id="pe2"/>'
        '<bpmn:sequenceFlow id="pf1" sourceRef="ps" targetRef="pt"/>'
        '<bpmn:sequenceFlow id="pf2" sourceRef="pt" targetRef="pe"/>'
        '<bpmn:sequenceFlow id="pf3" sourceRef="pt" targetRef="pe2"/></bpmn:process>'
    )
    [problem] = problems_of(bpmn(outside=partner), "several_outgoing_flows")
    assert (problem.element_id, problem.severity) == ("pt", "warning")


def _with_store(process_id: str) -> str:
    """A process ``process_id`` whose task writes to a data store (Signavio's database)."""
    return (
        f'<bpmn:process id="{process_id}"><bpmn:startEvent id="{process_id}_s"/>'
        f'<bpmn:task id="{process_id}_t" name="Record">'
        f'<bpmn:dataOutputAssociation id="{process_id}_a">'
        f"<bpmn:targetRef>{process_id}_ref</bpmn:targetRef></bpmn:dataOutputAssociation>"
        f'</bpmn:task><bpmn:endEvent id="{process_id}_e"/>'
        f'<bpmn:dataStoreReference id="{process_id}_ref" name="Archive" dataStoreRef="ds"/>'
        f'<bpmn:sequenceFlow id="{process_id}_f1" sourceRef="{process_id}_s" '
        f'targetRef="{process_id}_t"/><bpmn:sequenceFlow id="{process_id}_f2" '
        f'sourceRef="{process_id}_t" targetRef="{process_id}_e"/></bpmn:process>'
    )


def test_a_data_store_drawn_in_a_partner_pool_does_not_stop_the_procedure(session):
    """SpiffWorkflow refused every declared store it has no implementation for, whichever
    pool draws it: "Data Store with name Archive has no implementation"."""
    outside = '<bpmn:dataStore id="ds" name="Archive"/>' + _with_store("partner")
    services.deploy(session, bpmn(REVIEW, outside=outside), source="t.bpmn")
    services.create_user(session, "clerk", roles=["clerk"])
    case = services.start_case(session, "p", {})
    [task] = services.tasks_for_user(session, "clerk")
    services.complete_task(session, task.id, "clerk", {})
    assert case.status == "completed"


def test_a_data_store_unnamed_declaration_does_not_stop_the_procedure(session):
    """Camunda's Eclipse plugin declares stores without a name: "Data Store name is
    missing from bpmn xml"."""
    services.deploy(session, bpmn(REVIEW, outside='<bpmn:dataStore id="ds"/>'), source="t.bpmn")
    assert services.start_case(session, "p", {}).status == "running"


def test_a_data_store_in_the_running_process_is_refused_with_what_to_draw(session):
    body = REVIEW + ('<bpmn:dataStoreReference id="ref" name="Archive" dataStoreRef="ds"/>')
    data = bpmn(body, outside='<bpmn:dataStore id="ds" name="Archive"/>')
    message = refused(session, data, "unsupported_element")
    assert message.startswith("Element 'Archive' (dataStoreReference)")
    assert "remove the store" in message and "pf:connector" in message


@pytest.mark.parametrize(
    ("old", "new", "advice"),
    [
        (
            '<bpmn:userTask id="t" name="Review"/>',
            '<bpmn:userTask id="t" name="Review" isForCompensation="true"/>',
            "does not undo completed work",
        ),
        (
            '<bpmn:startEvent id="s"/>',
            '<bpmn:startEvent id="s"><bpmn:conditionalEventDefinition><bpmn:condition>'
            "ok</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>",
            "a case starts by hand, by a message or on a timer",
        ),
    ],
)
def test_unsupported_elements_say_what_to_draw_instead(old, new, advice):
    """Each was refused with "cannot be executed by permitflow" and nothing more."""
    problems = problems_of(bpmn(REVIEW.replace(old, new)), "unsupported_element")
    assert problems and all(advice in p.message for p in problems)


SIGN = LANE.replace("<bpmn:flowNodeRef>a</bpmn:flowNodeRef>", "") + (
    '<bpmn:startEvent id="s"/><bpmn:{kind} id="t" name="Review">'
    '<bpmn:extensionElements><camunda:formData><camunda:formField id="ok" label="OK" '
    'type="boolean"/></camunda:formData></bpmn:extensionElements>{io}</bpmn:{kind}>'
    '<bpmn:userTask id="b" name="Sign"/><bpmn:endEvent id="e"/>'
    '<bpmn:dataObject id="ok" name="Decision"/>'
    '<bpmn:dataObjectReference id="ref" dataObjectRef="ok"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="b"/>'
    '<bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e"/>'
)
# Signavio: every data object arrow also gets an ioSpecification entry with a generated id
SIGNAVIO_OUTPUT = (
    '<bpmn:ioSpecification id="io"><bpmn:dataOutput id="sid-a4e8c215"/>'
    '<bpmn:inputSet id="is"/><bpmn:outputSet id="os">'
    "<bpmn:dataOutputRefs>sid-a4e8c215</bpmn:dataOutputRefs></bpmn:outputSet>"
    '</bpmn:ioSpecification><bpmn:dataOutputAssociation id="da">'
    "<bpmn:sourceRef>sid-a4e8c215</bpmn:sourceRef><bpmn:targetRef>ref</bpmn:targetRef>"
    "</bpmn:dataOutputAssociation>"
)
# OMNITRACKER: a send task's message data, declared and never fed
UNFED_INPUT = (
    '<bpmn:ioSpecification id="io"><bpmn:dataInput id="_msgdata_10"/>'
    '<bpmn:inputSet id="is"><bpmn:dataInputRefs>_msgdata_10</bpmn:dataInputRefs>'
    '</bpmn:inputSet><bpmn:outputSet id="os"/></bpmn:ioSpecification>'
)


@pytest.mark.parametrize("io", [SIGNAVIO_OUTPUT, UNFED_INPUT], ids=["signavio", "unfed"])
def test_data_inputs_and_outputs_a_modeller_wrote_for_the_drawing_do_not_stop_cases(session, io):
    """SpiffWorkflow requires every ioSpecification entry as case data named by its id:
    the case stopped at an incident ("Missing data input", "Missing data ouput")."""
    services.deploy(session, bpmn(SIGN.format(kind="userTask", io=io)), source="t.bpmn")
    services.create_user(session, "clerk", roles=["clerk"])
    case = services.start_case(session, "p", {"applicant": "Sari"})
    [task] = services.tasks_for_user(session, "clerk")
    services.complete_task(session, task.id, "clerk", {"ok": True})
    assert case.status == "running"
    [task] = services.tasks_for_user(session, "clerk")
    assert task.name == "Sign"
    assert services.case_data(case)["applicant"] == "Sari"  # not only the declared data
    services.complete_task(session, task.id, "clerk", {})
    assert case.status == "completed"


@pytest.mark.parametrize(
    ("throw_name", "catch_name", "said"),
    [("Go", "Go", "Signal 'Go' is thrown here"), ("", "", "A signal without a name is thrown")],
)
def test_a_signal_without_signal_ref_is_named_as_the_engine_names_it(throw_name, catch_name, said):
    """Without signalRef SpiffWorkflow names a signal after its event: the warning said
    "Signal None is thrown here" (an English "None" on the Indonesian report)."""
    body = (
        '<bpmn:startEvent id="s"/>'
        f'<bpmn:intermediateThrowEvent id="go" name="{throw_name}">'
        "<bpmn:signalEventDefinition/></bpmn:intermediateThrowEvent>"
        f'<bpmn:intermediateCatchEvent id="w" name="{catch_name}">'
        '<bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="go"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="go" targetRef="w"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="w" targetRef="e"/>'
    )
    [warning] = problems_of(bpmn(body), "signal_cycle")
    assert warning.message.startswith(said)


@pytest.mark.parametrize(
    ("marker", "code", "advice"),
    [
        ("<bpmn:standardLoopCharacteristics/>", "loop_without_end", "write a loop condition"),
        (
            '<bpmn:multiInstanceLoopCharacteristics isSequential="true"/>',
            "multi_instance_without_count",
            "loopCardinality, e.g. 3 or len(documents)",
        ),
    ],
)
def test_a_loop_marker_without_its_count_is_refused_by_name(session, marker, code, advice):
    """bpmn.io draws the marker first: SpiffWorkflow's "A multiinstance task must specify
    a cardinality or a loop input data reference" named the element by its id only."""
    body = REVIEW.replace(
        '<bpmn:userTask id="t" name="Review"/>',
        f'<bpmn:userTask id="t" name="Review">{marker}</bpmn:userTask>',
    )
    message = refused(session, bpmn(body), code)
    assert message.startswith("userTask 'Review' is drawn as") and advice in message


def test_ids_a_vendor_extension_repeats_are_not_duplicates(session):
    """Visual Paradigm writes its extension content unprefixed, in the BPMN namespace, and
    repeats there the id of the event definition it describes: refused as duplicate ids."""
    vendor = (
        '<bpmn:extensionElements><vp:Extensions xmlns:vp="http://www.visual-paradigm.com">'
        '<bpmn:ModelExtension><bpmn:Model id="td" name="Timer"/></bpmn:ModelExtension>'
        "</vp:Extensions></bpmn:extensionElements>"
    )
    timer = '<bpmn:timerEventDefinition id="td"><bpmn:timeDuration>P1D</bpmn:timeDuration>'
    data = bpmn(BOUNDARY.format(definition=vendor + timer + "</bpmn:timerEventDefinition>"))
    assert not problems_of(data, "duplicate_id")
    services.deploy(session, data, source="t.bpmn")
    services.create_user(session, "clerk", roles=["clerk"])
    case = services.start_case(session, "p", {})
    [task] = services.tasks_for_user(session, "clerk")
    services.complete_task(session, task.id, "clerk", {})
    assert case.status == "completed"
