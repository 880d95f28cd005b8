"""Red team of issue 9's changes: hostile or odd BPMN through the public interfaces.

Each test reproduces one finding (twelve, all fixed on 2026-12-01: each failed on the code
the red team attacked). Models are written inline, each the smallest that shows the
fault; every step restores the case from the database first.
"""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine import services
from engine.cli import main
from engine.errors import InvalidState
from engine.storage.tables import HumanTask, Incident
from engine.validation.process import validate_file
from tests.test_bpmn_coverage import complete, restored

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:pf="https://permitflow.org/schema/bpmn/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def model(body: str, declarations: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs" '
        f'targetNamespace="t">{declarations}{body}</bpmn:definitions>'
    ).encode()


def flows(*pairs: tuple[str, str], prefix: str = "f") -> str:
    return "".join(
        f'<bpmn:sequenceFlow id="{prefix}{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(pairs)
    )


def condition(text: str) -> str:
    return (
        '<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">'
        f"{text}</bpmn:condition></bpmn:conditionalEventDefinition>"
    )


def user_task(task_id: str, name: str) -> str:
    return f'<bpmn:userTask id="{task_id}" name="{name}" camunda:candidateGroups="verifier"/>'


def script_task(task_id: str, script: str) -> str:
    return f'<bpmn:scriptTask id="{task_id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'


def conditional_subprocess(esp_id: str, text: str, body: str = "", interrupting="false") -> str:
    """An event sub-process started by condition ``text``: ``body`` (a script) then a
    user task ``ESP <id>``."""
    inner = script_task(f"{esp_id}_t", body) if body else ""
    first = f"{esp_id}_t" if body else f"{esp_id}_u"
    pairs = [(f"{esp_id}_s", first), (f"{esp_id}_u", f"{esp_id}_e")]
    if body:
        pairs.append((f"{esp_id}_t", f"{esp_id}_u"))
    return (
        f'<bpmn:subProcess id="{esp_id}" triggeredByEvent="true">'
        f'<bpmn:startEvent id="{esp_id}_s" isInterrupting="{interrupting}">{condition(text)}'
        f"</bpmn:startEvent>{inner}{user_task(f'{esp_id}_u', f'ESP {esp_id}')}"
        f'<bpmn:endEvent id="{esp_id}_e"/>{flows(*pairs, prefix=esp_id + "_f")}</bpmn:subProcess>'
    )


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


def start(session, xml: bytes, key: str, data: dict | None = None):
    errors = [p for p in validate_file(xml, f"{key}.bpmn")[1] if p.severity == "error"]
    assert not errors, errors  # each model is accepted: the fault is at run time
    services.deploy(session, xml, source=f"{key}.bpmn", deployed_by="designer")
    session.commit()
    case = services.start_case(session, key, data or {})
    session.commit()
    return case


def open_tasks(session, case) -> list[str]:
    case = restored(session, case)
    return sorted(session.scalars(select(HumanTask.name).where(HumanTask.case_id == case.id)))


def open_incidents(session, case) -> list[str]:
    case = restored(session, case)
    query = select(Incident.message).where(Incident.case_id == case.id, Incident.status == "open")
    return list(session.scalars(query))


# -- 1. a data value shaped like a serialized object bricks the case ---------------------


def _typename_model(key: str) -> bytes:
    body = (
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:intermediateCatchEvent id="reply" name="Reply">'
        '<bpmn:extensionElements><pf:messageData><pf:field name="answer"/></pf:messageData>'
        "</bpmn:extensionElements>"
        '<bpmn:messageEventDefinition id="d1" messageRef="m_a"/>'
        '<bpmn:messageEventDefinition id="d2" messageRef="m_b"/></bpmn:intermediateCatchEvent>'
        f'{user_task("work", "Work")}<bpmn:endEvent id="e" name="Done"/>'
        f"{flows(('s', 'reply'), ('reply', 'work'), ('work', 'e'))}</bpmn:process>"
    )
    return model(
        body, '<bpmn:message id="m_a" name="reply_a"/><bpmn:message id="m_b" name="reply_b"/>'
    )


@pytest.mark.parametrize("way", ["a variable named typename", "start data", "message payload"])
def test_a_value_with_a_typename_key_does_not_make_the_case_unloadable(office, way):
    """Case data are restored by SpiffWorkflow's registry (``DictionaryConverter.restore``),
    which reads every dict with a ``typename`` key as a serialized object: a task's data
    (a variable named ``typename``, set by a script or a form field) or any nested value
    (start data, a message payload, here caught by an event with several definitions, or
    a connector's whole answer) fails with TypeError ('NoneType' object is not callable)
    on every later load, so the case can never move again (each action is a 500)."""
    poison = {"typename": "Nope", "note": "typed by the applicant"}
    if way == "a variable named typename":
        body = (
            '<bpmn:process id="typename_var" isExecutable="true"><bpmn:startEvent id="s"/>'
            f"{script_task('init', 'typename = 1')}{user_task('work', 'Work')}"
            f'{user_task("next", "Next")}<bpmn:endEvent id="e"/>'
            f"{flows(('s', 'init'), ('init', 'work'), ('work', 'next'), ('next', 'e'))}"
            "</bpmn:process>"
        )
        case = start(office, model(body), "typename_var")
        complete(office, case, "vera", "Work")  # loads the stored state: TypeError
        assert open_tasks(office, case) == ["Next"]
        return
    if way == "start data":
        case = start(office, _typename_model("typename_start"), "typename_start", {"x": poison})
    else:
        case = start(office, _typename_model("typename_message"), "typename_message")
    services.deliver_message(
        office, restored(office, case), "reply_a", {"answer": poison if way != "start data" else 1}
    )
    office.commit()
    complete(office, case, "vera", "Work")  # loads the stored state: TypeError
    assert restored(office, case).status == "completed"


# -- 2. a conditional event sub-process inside a sub-process ------------------------------


def test_a_conditional_event_subprocess_inside_a_sub_process_starts_without_an_incident(office):
    """``conditions._conditional_starts`` reads ``scope.subprocess_specs``, which only the
    top workflow has: as soon as the sub-process runs, every step of the case fails with
    "'BpmnSubWorkflow' object has no attribute 'subprocess_specs'" (an incident at the
    sub-process's start event that a retry cannot clear)."""
    scope = (
        '<bpmn:subProcess id="scope" name="Scope"><bpmn:startEvent id="ss"/>'
        f"{user_task('work', 'Work')}{script_task('raise', 'urgent = True')}"
        f"{user_task('later', 'Later')}"
        f"{conditional_subprocess('esc', 'urgent')}"
        '<bpmn:endEvent id="se"/>'
        f"{flows(('ss', 'work'), ('work', 'raise'), ('raise', 'later'), ('later', 'se'), prefix='sf')}"
        "</bpmn:subProcess>"
    )
    body = (
        '<bpmn:process id="nested_conditional" isExecutable="true"><bpmn:startEvent id="s"/>'
        f'{script_task("init", "urgent = False")}{scope}<bpmn:endEvent id="e"/>'
        f"{flows(('s', 'init'), ('init', 'scope'), ('scope', 'e'))}</bpmn:process>"
    )
    case = start(office, model(body), "nested_conditional")
    assert open_incidents(office, case) == []
    assert open_tasks(office, case) == ["Work"]
    complete(office, case, "vera", "Work")
    assert open_tasks(office, case) == ["ESP esc", "Later"]


# -- 3. conditional event sub-processes that set each other off ---------------------------


def test_conditional_event_subprocesses_setting_each_other_off_stop_with_an_incident(office):
    """Two non-interrupting conditional event sub-processes, each making the other's
    condition true. ``runtime._run_engine_steps`` re-evaluates up to
    ``conditions.MAX_ROUNDS`` (50) times and then returns as if all were well: one start
    opens ~50 event sub-process instances (50 inbox tasks), each later step 50 more, and
    nobody is told. The runaway should stop in an incident naming the events."""
    body = (
        '<bpmn:process id="pingpong" isExecutable="true"><bpmn:startEvent id="s"/>'
        f'{user_task("work", "Work")}<bpmn:endEvent id="e"/>{flows(("s", "work"), ("work", "e"))}'
        f"{conditional_subprocess('even', 'n % 2 == 0', 'n = n + 1')}"
        f"{conditional_subprocess('odd', 'n % 2 == 1', 'n = n + 1')}"
        "</bpmn:process>"
    )
    case = start(office, model(body), "pingpong", {"n": 0})
    tasks = open_tasks(office, case)
    assert len(tasks) < 10, f"{len(tasks)} tasks opened by one start"
    assert open_incidents(office, case), "the runaway is not reported"


# -- 4. a called process's own data fire the caller's conditional event ------------------


def test_a_name_local_to_a_called_process_does_not_fire_the_callers_conditional_event(office):
    """The call activity hands back only ``result`` (camunda:out); the called process's
    own ``flag`` is not the caller's. ``conditions._latest_writes`` walks every completed
    task of the case, called processes included, so the caller's conditional event on
    ``flag`` fires while the called process still runs (the caller's data still say
    flag = False)."""
    body = (
        '<bpmn:process id="caller" isExecutable="true"><bpmn:startEvent id="s"/>'
        f"{script_task('init', 'flag = False')}"
        '<bpmn:parallelGateway id="split"/>'
        '<bpmn:callActivity id="call" name="Called" calledElement="callee">'
        '<bpmn:extensionElements><camunda:out source="result" target="result"/>'
        "</bpmn:extensionElements></bpmn:callActivity>"
        f'<bpmn:intermediateCatchEvent id="flagged" name="Flag set">{condition("flag")}'
        "</bpmn:intermediateCatchEvent>"
        f"{user_task('after_flag', 'After the flag')}"
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + flows(
            ("s", "init"),
            ("init", "split"),
            ("split", "call"),
            ("split", "flagged"),
            ("call", "e1"),
            ("flagged", "after_flag"),
            ("after_flag", "e2"),
        )
        + '</bpmn:process><bpmn:process id="callee" isExecutable="true"><bpmn:startEvent id="cs"/>'
        f"{script_task('local', 'flag = True' + chr(10) + 'result = 1')}"
        f'{user_task("child_work", "Child work")}<bpmn:endEvent id="ce"/>'
        f"{flows(('cs', 'local'), ('local', 'child_work'), ('child_work', 'ce'), prefix='c')}"
        "</bpmn:process>"
    )
    case = start(office, model(body), "caller")
    assert open_tasks(office, case) == ["Child work"]


# -- 5. a hostile serviceTaskOperator parameter crashes validation -----------------------


def _service_model(value: str) -> bytes:
    body = (
        '<bpmn:process id="svc" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:serviceTask id="call" name="Call"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="population/NikLookup" resultVariable="r">'
        "<spiffworkflow:parameters>"
        f'<spiffworkflow:parameter id="nik" value="{value}"/></spiffworkflow:parameters>'
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
        f'<bpmn:endEvent id="e"/>{flows(("s", "call"), ("call", "e"))}</bpmn:process>'
    )
    return model(body)


def test_a_deeply_nested_parameter_value_is_a_problem_not_a_recursion_error(tmp_path):
    """``validation.service_tasks._secret_names`` parses each parameter value with
    ``ast.parse`` outside the safe language's limits and catches only SyntaxError and
    ValueError: a 10 kB value ``a+a+...`` raises RecursionError out of validate_file, and
    ``permitflow validate`` (and deploy) end in a traceback instead of a report."""
    xml = _service_model("a" + "+a" * 5000)
    problems = validate_file(xml, "svc.bpmn")[1]
    assert any(p.code == "unsafe_expression" for p in problems)
    path = tmp_path / "svc.bpmn"
    path.write_bytes(xml)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "unsafe_expression" in result.output or "nested" in result.output


def test_a_long_service_task_attribute_is_read_in_linear_time():
    """``bpmn.reader._service_call`` scans every text of a service task with
    ``[a-z][a-z0-9+.-]*://``, which backtracks over a long run of letters: 25 kB in one
    parameter take seconds, 40 kB ~20 s, a 600 kB upload runs for hours (one designer's
    upload holds a worker). Present since the connectors (issue 15); reachable through
    every serviceTaskOperator parameter since today."""
    began = time.perf_counter()
    validate_file(_service_model("a" * 25_000), "svc.bpmn")
    assert time.perf_counter() - began < 1.5


# -- 6. an unnamed message and a named one become one message ---------------------------


def test_an_unnamed_message_whose_id_is_another_messages_name_is_refused():
    """An unnamed message is known by its id (``reply``); another message is *named*
    ``reply`` (id ``m2``). Routing is by name, so the two BPMN messages (with their own
    payload contracts) are one at run time: a catch of either takes the other's message.
    Validation says nothing."""
    body = (
        '<bpmn:process id="dup" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:intermediateCatchEvent id="c1" name="Reply">'
        '<bpmn:messageEventDefinition messageRef="reply"/></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="c2" name="Other reply">'
        '<bpmn:messageEventDefinition messageRef="m2"/></bpmn:intermediateCatchEvent>'
        f'<bpmn:endEvent id="e"/>{flows(("s", "c1"), ("c1", "c2"), ("c2", "e"))}</bpmn:process>'
    )
    xml = model(body, '<bpmn:message id="reply"/><bpmn:message id="m2" name="reply"/>')
    codes = {p.code for p in validate_file(xml, "dup.bpmn")[1] if p.severity == "error"}
    assert "duplicate_message_name" in codes, "two BPMN messages known by the same name"


# -- 7. a case in incident misses a broadcast signal for good ------------------------------


def test_a_signal_broadcast_while_a_case_is_in_incident_still_reaches_its_waiting_branch(office):
    """Case B waits for signal ``closing`` on one branch while another branch failed (an
    incident). Case A throws ``closing``: ``signals._candidates`` takes only RUNNING
    cases, so B is skipped silently ("broadcast to 0 other cases"); after the incident is
    repaired and retried, B's branch waits for a signal that already came: stuck for
    good, with nothing in either history saying so."""
    declarations = '<bpmn:signal id="sig" name="closing"/>'
    thrower = (
        '<bpmn:process id="thrower" isExecutable="true"><bpmn:startEvent id="s"/>'
        f"{user_task('go', 'Throw')}"
        '<bpmn:intermediateThrowEvent id="t"><bpmn:signalEventDefinition signalRef="sig"/>'
        '</bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>'
        f"{flows(('s', 'go'), ('go', 't'), ('t', 'e'))}</bpmn:process>"
    )
    listener = (
        '<bpmn:process id="listener" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:parallelGateway id="split"/>'
        f"{script_task('bad', 'y = 1 / zero')}"
        '<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition signalRef="sig"/>'
        f"</bpmn:intermediateCatchEvent>{user_task('got', 'Got it')}{user_task('other', 'Other')}"
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + flows(
            ("s", "split"),
            ("split", "c"),
            ("c", "got"),
            ("got", "e1"),
            ("split", "bad"),
            ("bad", "other"),
            ("other", "e2"),
        )
        + "</bpmn:process>"
    )
    waiting = start(office, model(listener, declarations), "listener", {"zero": 0})
    assert restored(office, waiting).status == "incident"
    throwing = start(office, model(thrower, declarations), "thrower")
    complete(office, throwing, "vera", "Throw")  # the signal job runs eagerly in tests
    query = select(Incident).where(Incident.case_id == restored(office, waiting).id)
    incident = office.scalars(query).one()
    services.incidents.set_variable(office, incident.id, "zero", 1, actor="admin")
    office.commit()
    services.incidents.retry(office, incident.id, actor="admin")
    office.commit()
    assert open_tasks(office, waiting) == ["Got it", "Other"]


# -- 8. a form that restates the inherited value is not "the latest value" ----------------


def _form_task(task_id: str, name: str, *fields: str) -> str:
    declared = "".join(f'<camunda:formField id="{f}" label="{f}" type="long"/>' for f in fields)
    return (
        f'<bpmn:userTask id="{task_id}" name="{name}" camunda:candidateGroups="verifier">'
        f"<bpmn:extensionElements><camunda:formData>{declared}</camunda:formData>"
        "</bpmn:extensionElements></bpmn:userTask>"
    )


def test_the_latest_form_wins_even_when_it_restates_the_inherited_value(office):
    """Clerk A sets x = 1; clerk B, later, on a parallel branch, submits x = 0 (the value
    B's form inherited) and y = 1. The conditional event waits for ``x == 1 and y == 1``.
    ``conditions._latest_writes`` counts a step as writing a name only when the value
    differs from the one it inherited, so B's x = 0 is not seen and the event fires on
    A's older x = 1, against the latest form."""
    body = (
        '<bpmn:process id="restated" isExecutable="true"><bpmn:startEvent id="s"/>'
        f"{script_task('init', 'x = 0' + chr(10) + 'y = 0')}"
        '<bpmn:parallelGateway id="split"/>'
        f"{_form_task('a', 'A', 'x')}{_form_task('b', 'B', 'x', 'y')}"
        f'<bpmn:intermediateCatchEvent id="c" name="Both">{condition("x == 1 and y == 1")}'
        f"</bpmn:intermediateCatchEvent>{user_task('fired', 'Fired')}"
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>'
        + flows(
            ("s", "init"),
            ("init", "split"),
            ("split", "a"),
            ("split", "b"),
            ("split", "c"),
            ("a", "e1"),
            ("b", "e2"),
            ("c", "fired"),
            ("fired", "e3"),
        )
        + "</bpmn:process>"
    )
    case = start(office, model(body), "restated")
    complete(office, case, "vera", "A", {"x": 1})
    complete(office, case, "vera", "B", {"x": 0, "y": 1})
    assert open_tasks(office, case) == []


# -- 9. a case waiting only for a condition nothing can change any more -------------------


def test_a_case_whose_condition_nothing_can_change_any_more_is_not_left_running_silently(office):
    """conditional_catch.bpmn: both of the verifier's forms say the documents are not
    complete. Every task that sets ``documents_complete`` is done; the review branch
    waits at the conditional event and the join for it, for ever: the case is
    "running", with no task, timer, message wait, service call or incident, and nothing
    tells anyone. A conditional event left as the case's only wait (no task, timer,
    message, signal or event sub-process could change its names) should open an incident
    naming it."""
    from tests.test_bpmn_coverage import deploy as deploy_feature

    deploy_feature(office, "conditional_catch.bpmn")
    case = services.start_case(office, "conditional_catch", {})
    office.commit()
    complete(office, case, "vera", "Collect the documents", {"documents_complete": False})
    complete(office, case, "vera", "Confirm the documents", {"documents_complete": False})
    assert open_tasks(office, case) == []
    assert restored(office, case).status == "incident"  # not "running" silently
    assert open_incidents(office, case), "the case waits for ever, and nobody is told"


# -- 10. a failed pre-script cannot be repaired by setting its variable --------------------


@pytest.mark.parametrize("loop", ["", "parallel", "sequential"])
def test_a_failed_pre_script_is_repaired_by_setting_the_variable_and_retrying(office, loop):
    """The pre-script ``y = 10 / d`` fails (d = 0): an incident. The documented repair is
    to set ``d`` on the failed step and retry. But a failed pre-script leaves its task
    not ready, and the retry (``repair.make_ready`` -> ``internals.refresh``) brings it
    up to date again, re-inheriting the parent's data: ``d`` is 0 again, the pre-script
    fails again, and the incident can never be cleared by a repair (only skipped)."""
    loops = ""
    if loop:
        sequential = "true" if loop == "sequential" else "false"
        loops = (
            f'<bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}" '
            'spiffworkflow:scriptsOnInstances="true"><bpmn:loopCardinality>2'
            "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
        )
    key = f"pre_fails{loop}"
    body = (
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:userTask id="u" name="Review" camunda:candidateGroups="verifier">'
        "<bpmn:extensionElements><spiffworkflow:preScript>y = 10 / d</spiffworkflow:preScript>"
        f"</bpmn:extensionElements>{loops}</bpmn:userTask>"
        f'<bpmn:endEvent id="e"/>{flows(("s", "u"), ("u", "e"))}</bpmn:process>'
    )
    case = start(office, model(body), key, {"d": 0})
    [incident] = office.scalars(
        select(Incident).where(Incident.case_id == restored(office, case).id)
    ).all()
    services.incidents.set_variable(office, incident.id, "d", 2, actor="admin")
    office.commit()
    services.incidents.retry(office, incident.id, actor="admin")
    office.commit()
    assert open_incidents(office, case) == []
    assert open_tasks(office, case)


# -- 11. one message starts an event sub-process in every instance -----------------------


def test_one_message_starts_one_event_subprocess_not_one_per_instance(office):
    """A parallel multi-instance sub-process (3 agencies) declares a non-interrupting event
    sub-process started by message ``note``. ``event_subprocesses.catch_in_scopes``
    starts it "in every running sub-process whose event sub-process catches it", so one
    delivered message opens three "Read note" tasks. A BPMN message goes to one catch
    (signals are the broadcast); a message that several scopes could take should be
    refused as ambiguous (as a correlation matching several cases is) or taken once."""
    body = (
        '<bpmn:process id="mi_esp" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:subProcess id="sp" name="Per agency"><bpmn:multiInstanceLoopCharacteristics>'
        "<bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
        f'<bpmn:startEvent id="ss"/>{user_task("work", "Work")}<bpmn:endEvent id="se"/>'
        f"{flows(('ss', 'work'), ('work', 'se'), prefix='x')}"
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        '<bpmn:startEvent id="es" isInterrupting="false">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
        f'{user_task("read", "Read note")}<bpmn:endEvent id="ee"/>'
        f"{flows(('es', 'read'), ('read', 'ee'), prefix='y')}</bpmn:subProcess></bpmn:subProcess>"
        f'<bpmn:endEvent id="e"/>{flows(("s", "sp"), ("sp", "e"))}</bpmn:process>'
    )
    case = start(office, model(body, '<bpmn:message id="m" name="note"/>'), "mi_esp")
    assert open_tasks(office, case) == ["Work", "Work", "Work"]
    with pytest.raises(InvalidState, match="3 waiting scopes"):  # refused as ambiguous
        services.deliver_message(office, restored(office, case), "note", {})
    office.rollback()
    assert open_tasks(office, case) == ["Work", "Work", "Work"]
