"""Execution semantics Camunda's own test models rely on, in small models of our own.

Each shape comes from a file of Camunda 7's engine tests (not committed here) that
permitflow accepted and then ran differently from BPMN, or crashed on. Every step
restores the case from the database.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest

from engine import services
from engine.calendar import clock
from engine.errors import InvalidBpmn
from engine.validation.process import format_report, has_errors, validate_file
from tests.test_bpmn_coverage import complete, inbox, restored

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" targetNamespace="t">'
)


def model(body: str, key: str = "p") -> bytes:
    return f'{HEAD}<process id="{key}" isExecutable="true">{body}</process></definitions>'.encode()


def deploy(session, data: bytes):
    _, problems = validate_file(data, "t.bpmn")
    assert not has_errors(problems), format_report(problems)
    definition, _ = services.deploy(session, data, source="t.bpmn", deployed_by="designer")
    session.commit()
    return definition


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


def _reviews(sequential: bool, condition: str) -> bytes:
    return model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
        '<userTask id="review" name="Review" camunda:candidateGroups="verifier">'
        f'<multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">'
        "<loopCardinality>3</loopCardinality>"
        f"<completionCondition>{condition}</completionCondition>"
        "</multiInstanceLoopCharacteristics></userTask>"
        '<sequenceFlow id="f1" sourceRef="review" targetRef="decide"/>'
        '<userTask id="decide" name="Decide" camunda:candidateGroups="verifier"/>'
        '<sequenceFlow id="f2" sourceRef="decide" targetRef="e"/><endEvent id="e"/>'
    )


@pytest.mark.parametrize(
    ("sequential", "condition", "reviews"),
    [
        (True, "${nrOfCompletedInstances == 2}", 2),
        (False, "${nrOfCompletedInstances / nrOfInstances &gt;= 0.6}", 2),
        (False, "${nrOfActiveInstances == 1}", 2),
        (True, "${loopCounter == 0}", 1),
    ],
)
def test_a_completion_condition_reads_camundas_instance_counters(
    office, sequential, condition, reviews
):
    data = _reviews(sequential, condition)
    _, problems = validate_file(data, "t.bpmn")
    assert not [p for p in problems if p.code == "name_from_start_data"], format_report(problems)
    deploy(office, data)
    case = services.start_case(office, "p", {})
    office.commit()
    done = 0
    while "Review" in inbox(office, case, "vera"):
        complete(office, case, "vera", "Review")
        done += 1
    assert done == reviews
    assert inbox(office, case, "vera") == ["Decide"]
    assert restored(office, case).status == "running"


def _routed(flows_without_ids: bool) -> bytes:
    flow = "" if flows_without_ids else ' id="{}"'
    return model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="gw"/>'
        '<exclusiveGateway id="gw" default="to_other"/>'
        f'<sequenceFlow{flow.format("to_small")} sourceRef="gw" targetRef="small">'
        '<conditionExpression xsi:type="tFormalExpression">${area &lt; 100}'
        "</conditionExpression></sequenceFlow>"
        f'<sequenceFlow{flow.format("to_large")} sourceRef="gw" targetRef="large">'
        '<conditionExpression xsi:type="tFormalExpression">${area &gt;= 100}'
        "</conditionExpression></sequenceFlow>"
        '<sequenceFlow id="to_other" sourceRef="gw" targetRef="e"/>'
        '<userTask id="small" name="Small" camunda:candidateGroups="verifier"/>'
        '<userTask id="large" name="Large" camunda:candidateGroups="verifier"/>'
        f'<sequenceFlow{flow.format("f3")} sourceRef="small" targetRef="e"/>'
        f'<sequenceFlow{flow.format("f4")} sourceRef="large" targetRef="e"/>'
        '<endEvent id="e"/>'
    )


@pytest.mark.parametrize("without_ids", [False, True])
def test_sequence_flows_without_ids_run_with_their_conditions(office, without_ids):
    """BPMN makes a flow's id optional (Camunda's testNoIdOnSequenceFlow): the model used
    to keep one of the id-less flows, and SpiffWorkflow took each for the default."""
    deploy(office, _routed(without_ids))
    for area, task in [(50, "Small"), (500, "Large")]:
        case = services.start_case(office, "p", {"area": area})
        office.commit()
        assert inbox(office, case, "vera") == [task]
        complete(office, case, "vera", task)
        assert restored(office, case).status == "completed"


def test_a_multi_instance_over_camundas_collection_and_element_variable(office):
    """Camunda Modeler writes "one instance per item" as camunda:collection and
    camunda:elementVariable; SpiffWorkflow refused it (no loop input data reference)."""
    deploy(
        office,
        model(
            '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
            '<userTask id="review" name="Review" camunda:candidateGroups="verifier">'
            '<multiInstanceLoopCharacteristics camunda:collection="${reviewers}"'
            ' camunda:elementVariable="reviewer"/></userTask>'
            '<sequenceFlow id="f1" sourceRef="review" targetRef="e"/><endEvent id="e"/>'
        ),
    )
    case = services.start_case(office, "p", {"reviewers": ["ani", "budi", "citra"]})
    office.commit()
    open_tasks = services.open_tasks(office, restored(office, case))
    assert sorted(services.task_data(t)["reviewer"] for t in open_tasks) == [
        "ani",
        "budi",
        "citra",
    ]
    for _ in range(3):
        complete(office, case, "vera", "Review")
    assert restored(office, case).status == "completed"


@pytest.mark.parametrize(("kind", "reserved"), [("startEvent", "Start"), ("userTask", "End")])
def test_an_id_the_engine_reserves_is_refused_naming_the_element(office, kind, reserved):
    """Camunda's tests name events "Start" and "End": SpiffWorkflow's own task specs have
    these names, so a case could not start ("No output task connected") or ended at
    once."""
    ids = {"startEvent": "s", "userTask": "t"} | {kind: reserved}
    data = model(
        f'<startEvent id="{ids["startEvent"]}"/>'
        f'<sequenceFlow id="f0" sourceRef="{ids["startEvent"]}" targetRef="{ids["userTask"]}"/>'
        f'<userTask id="{ids["userTask"]}" name="Review" camunda:candidateGroups="verifier"/>'
        f'<sequenceFlow id="f1" sourceRef="{ids["userTask"]}" targetRef="e"/><endEvent id="e"/>'
    )
    _, problems = validate_file(data, "t.bpmn")
    [problem] = [p for p in problems if p.severity == "error"]
    assert (problem.code, problem.element_id) == ("reserved_id", reserved)
    assert f"rename the {kind} (e.g. {reserved.lower()!r})" in problem.message
    with pytest.raises(InvalidBpmn, match="reserved"):
        services.deploy(office, data, source="t.bpmn", deployed_by="designer")


def _inspections(boundary: str) -> bytes:
    """Three inspections in a parallel multi-instance sub-process; an inspection that
    fails throws an error; ``boundary`` (an event definition) interrupts them all."""
    return (
        f'{HEAD}<error id="failed" errorCode="failed"/><process id="p" isExecutable="true">'
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="inspections"/>'
        '<subProcess id="inspections"><multiInstanceLoopCharacteristics>'
        "<loopCardinality>3</loopCardinality></multiInstanceLoopCharacteristics>"
        '<startEvent id="ss"/><sequenceFlow id="g0" sourceRef="ss" targetRef="inspect"/>'
        '<userTask id="inspect" name="Inspect" camunda:candidateGroups="verifier">'
        '<extensionElements><camunda:formData><camunda:formField id="passed" type="boolean"/>'
        "</camunda:formData></extensionElements></userTask>"
        '<sequenceFlow id="g1" sourceRef="inspect" targetRef="gw"/>'
        '<exclusiveGateway id="gw" default="g3"/>'
        '<sequenceFlow id="g2" sourceRef="gw" targetRef="fail">'
        "<conditionExpression>${not passed}</conditionExpression></sequenceFlow>"
        '<sequenceFlow id="g3" sourceRef="gw" targetRef="passed_end"/>'
        '<endEvent id="fail"><errorEventDefinition errorRef="failed"/></endEvent>'
        '<endEvent id="passed_end"/></subProcess>'
        '<sequenceFlow id="f1" sourceRef="inspections" targetRef="approved"/>'
        '<endEvent id="approved"/>'
        f'<boundaryEvent id="stop" attachedToRef="inspections">{boundary}</boundaryEvent>'
        '<sequenceFlow id="f2" sourceRef="stop" targetRef="refuse"/>'
        '<userTask id="refuse" name="Refuse" camunda:candidateGroups="verifier"/>'
        '<sequenceFlow id="f3" sourceRef="refuse" targetRef="refused"/><endEvent id="refused"/>'
        "</process></definitions>"
    ).encode()


@pytest.mark.parametrize("by", ["error", "timer"])
def test_a_boundary_event_on_a_multi_instance_sub_process_cancels_every_instance(office, by):
    """Camunda's testCatchErrorThrownByMultiInstanceSubProcess: the instances' sub-processes
    stayed behind their dropped tasks, and the next step failed ("A task with id ... was
    not found"), an incident instead of the boundary event's path."""
    boundary = {
        "error": '<errorEventDefinition errorRef="failed"/>',
        "timer": "<timerEventDefinition><timeDuration>P1D</timeDuration></timerEventDefinition>",
    }[by]
    deploy(office, _inspections(boundary))
    case = services.start_case(office, "p", {})
    office.commit()
    complete(office, case, "vera", "Inspect", {"passed": True})
    if by == "error":
        complete(office, case, "vera", "Inspect", {"passed": False})
    else:
        clock.advance(timedelta(days=1, minutes=1))
        services.tick(office)
        office.commit()
    assert restored(office, case).status == "running"
    assert inbox(office, case, "vera") == ["Refuse"]
    complete(office, case, "vera", "Refuse")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "refused")


def _validate_within(data: bytes, seconds: int):
    def hung(signum, frame):
        raise TimeoutError(f"validation still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        return validate_file(data, "t.bpmn")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_flow_nodes_without_ids_are_named_by_kind_and_line_and_run(office):
    """Camunda's invalidEscalationRefOnEscalationEventSubprocess has an event sub-process
    without an id: every id-less node was kept under "", the key a top-level node's
    missing parent is looked up with, and validation walked up from a node forever."""
    data = model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
        '<userTask id="review" name="Review" camunda:candidateGroups="verifier"/>'
        '<sequenceFlow id="f1" sourceRef="review" targetRef="e"/><endEvent id="e"/>'
        '<subProcess triggeredByEvent="true">'
        '<startEvent id="es" isInterrupting="false">'
        "<timerEventDefinition><timeDuration>P1D</timeDuration></timerEventDefinition>"
        "</startEvent>"
        '<sequenceFlow id="g0" sourceRef="es" targetRef="remind"/>'
        '<userTask id="remind" name="Remind" camunda:candidateGroups="verifier"/>'
        '<sequenceFlow id="g1" sourceRef="remind" targetRef="ee"/><endEvent id="ee"/>'
        "</subProcess>"
    )
    _, problems = _validate_within(data, 10)
    assert not has_errors(problems), format_report(problems)
    deploy(office, data)
    case = services.start_case(office, "p", {})
    office.commit()
    clock.advance(timedelta(days=1, minutes=1))
    services.tick(office)
    office.commit()
    assert inbox(office, case, "vera") == ["Remind", "Review"]


def test_a_call_activity_passing_camundas_business_key_runs(office):
    """Camunda Modeler's "business key" switch writes <camunda:in businessKey=...>: it was
    read as an input with an empty expression, an incident when the call started."""
    called = model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="check"/>'
        '<userTask id="check" name="Check" camunda:candidateGroups="verifier"/>'
        '<sequenceFlow id="f1" sourceRef="check" targetRef="e"/><endEvent id="e"/>',
        key="check_documents",
    )
    deploy(office, called)
    services.deploy(  # validated against the deployed procedure it calls
        office,
        model(
            '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="call"/>'
            '<callActivity id="call" calledElement="check_documents"><extensionElements>'
            '<camunda:in businessKey="#{execution.processBusinessKey}"/>'
            '<camunda:in source="fee" target="fee"/></extensionElements></callActivity>'
            '<sequenceFlow id="f1" sourceRef="call" targetRef="e"/><endEvent id="e"/>'
        ),
        source="t.bpmn",
        deployed_by="designer",
    )
    office.commit()
    case = services.start_case(office, "p", {"fee": 5})
    office.commit()
    assert restored(office, case).status == "running"
    assert inbox(office, case, "vera") == ["Check"]
    complete(office, case, "vera", "Check")
    assert restored(office, case).status == "completed"


def test_a_sub_process_whose_path_ends_at_a_boundary_event_ends(office):
    """Camunda's testNonInterruptingWithUserTaskAndBoundaryEvent: a deadline on a task
    inside a sub-process, without outgoing flow (an implicit end). The task was cancelled,
    but the sub-process never ended: the case stayed running with nothing to do."""
    deploy(
        office,
        model(
            '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="sub"/>'
            '<subProcess id="sub"><startEvent id="ss"/>'
            '<sequenceFlow id="g0" sourceRef="ss" targetRef="review"/>'
            '<userTask id="review" name="Review" camunda:candidateGroups="verifier"/>'
            '<boundaryEvent id="deadline" attachedToRef="review"><timerEventDefinition>'
            "<timeDuration>P1D</timeDuration></timerEventDefinition></boundaryEvent>"
            '<sequenceFlow id="g1" sourceRef="review" targetRef="se"/><endEvent id="se"/>'
            "</subProcess>"
            '<sequenceFlow id="f1" sourceRef="sub" targetRef="archive"/>'
            '<userTask id="archive" name="Archive" camunda:candidateGroups="verifier"/>'
            '<sequenceFlow id="f2" sourceRef="archive" targetRef="e"/><endEvent id="e"/>'
        ),
    )
    case = services.start_case(office, "p", {})
    office.commit()
    assert inbox(office, case, "vera") == ["Review"]
    clock.advance(timedelta(days=1, minutes=1))
    services.tick(office)
    office.commit()
    assert inbox(office, case, "vera") == ["Archive"]
    complete(office, case, "vera", "Archive")
    assert restored(office, case).status == "completed"


@pytest.mark.parametrize(
    ("where", "listener", "element"),
    [
        ("task", '<camunda:taskListener event="create" class="org.example.Notify"/>', "review"),
        ("task", '<camunda:executionListener event="end" expression="${x.y()}"/>', "review"),
        ("process", '<camunda:executionListener event="start" class="org.example.A"/>', "p"),
        (
            "task",
            '<flowable:executionListener xmlns:flowable="http://flowable.org/bpmn"'
            ' event="start" expression="${x.y()}"/>',
            "review",
        ),
    ],
)
def test_a_camunda_listener_is_refused_naming_the_element(where, listener, element):
    """Camunda's listeners (Java classes, expressions) were ignored without a word, so a
    model whose listener sets data or notifies someone ran without it."""
    extension = f"<extensionElements>{listener}</extensionElements>"
    data = model(
        (extension if where == "process" else "")
        + '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
        '<userTask id="review" name="Review" camunda:candidateGroups="verifier">'
        + (extension if where == "task" else "")
        + '</userTask><sequenceFlow id="f1" sourceRef="review" targetRef="e"/>'
        '<endEvent id="e"/>'
    )
    _, problems = validate_file(data, "t.bpmn")
    [problem] = [p for p in problems if p.severity == "error"]
    assert (problem.code, problem.element_id) == ("unsupported_element", element)
    assert "runs no listener code" in problem.message and "pf:connector" in problem.message


def test_an_activity_looping_straight_back_to_itself_with_a_boundary_event_runs(office):
    """Flowable's testGroovyCondition: a task whose flow leads back to itself and that has
    a boundary event; SpiffWorkflow's look-ahead went round the loop without end (a
    RecursionError out of start_case)."""
    deploy(
        office,
        model(
            '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
            '<userTask id="review" name="Review" camunda:candidateGroups="verifier"/>'
            '<sequenceFlow id="again" sourceRef="review" targetRef="review"/>'
            '<boundaryEvent id="deadline" attachedToRef="review"><timerEventDefinition>'
            "<timeDuration>P1D</timeDuration></timerEventDefinition></boundaryEvent>"
            '<sequenceFlow id="f1" sourceRef="deadline" targetRef="close"/>'
            '<userTask id="close" name="Close" camunda:candidateGroups="verifier"/>'
            '<sequenceFlow id="f2" sourceRef="close" targetRef="e"/><endEvent id="e"/>'
        ),
    )
    case = services.start_case(office, "p", {})
    office.commit()
    complete(office, case, "vera", "Review")
    assert inbox(office, case, "vera") == ["Review"]
    clock.advance(timedelta(days=1, minutes=1))
    services.tick(office)
    office.commit()
    assert inbox(office, case, "vera") == ["Close"]
    complete(office, case, "vera", "Close")
    assert restored(office, case).status == "completed"


def test_a_comment_among_the_extension_elements_is_read_over(office):
    """Flowable's CallActivityTypeConversionTest comments its mappings inside
    extensionElements: reading the scripts there raised ValueError out of validate and
    deploy."""
    data = model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="review"/>'
        '<userTask id="review" name="Review" camunda:candidateGroups="verifier">'
        "<extensionElements><!-- the reviewer's form --><camunda:formData>"
        '<camunda:formField id="ok" type="boolean"/></camunda:formData></extensionElements>'
        "</userTask>"
        '<sequenceFlow id="f1" sourceRef="review" targetRef="e"/><endEvent id="e"/>'
    )
    deploy(office, data)
    case = services.start_case(office, "p", {})
    office.commit()
    complete(office, case, "vera", "Review", {"ok": True})
    assert restored(office, case).status == "completed"


@pytest.mark.parametrize(
    "waits",
    [
        '<intermediateCatchEvent id="w"><messageEventDefinition/></intermediateCatchEvent>',
        '<receiveTask id="w"/>',
    ],
)
def test_a_path_waiting_for_a_message_that_names_none_is_told_what_it_waits_for(waits):
    """Flowable's testSingleIntermediateMessageExpressionEvent (bpmn.io leaves a new message
    event so): it waits for a message called by its id (tests/test_foreign_exports.py
    delivers one), and the designer is told so."""
    data = model(
        '<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="w"/>'
        f'{waits}<sequenceFlow id="f1" sourceRef="w" targetRef="e"/><endEvent id="e"/>'
    )
    _, problems = validate_file(data, "t.bpmn")
    [problem] = [p for p in problems if p.code == "message_without_ref"]
    assert (problem.severity, problem.element_id) == ("warning", "w")
    assert "called by its id 'w'" in problem.message
    assert "choose the message it waits for" in problem.message
    assert not has_errors(problems)
