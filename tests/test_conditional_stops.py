"""Conditional events that cannot go on: a loop of events setting each other off, and a
case left waiting for a condition nothing can change, each stop in an incident naming
the events that an administrator can repair; whose writes a condition sees.

Models are inline (tests/test_red_team_issue9.py's helpers); every step restores the
case from the database first.
"""

from __future__ import annotations

from engine import services
from tests.test_bpmn_coverage import complete, deploy, inbox, restored
from tests.test_red_team_issue9 import (
    _form_task,
    condition,
    conditional_subprocess,
    flows,
    model,
    open_incidents,
    open_tasks,
    script_task,
    start,
    user_task,
)


def test_a_dead_condition_is_repaired_by_setting_the_variable_and_retrying(session):
    for username, roles in [("vera", ["verifier"]), ("tina", ["technical"])]:
        services.create_user(session, username, roles=roles)
    deploy(session, "conditional_catch.bpmn")
    case = services.start_case(session, "conditional_catch", {})
    session.commit()
    complete(session, case, "vera", "Collect the documents", {"documents_complete": False})
    complete(session, case, "vera", "Confirm the documents", {"documents_complete": False})
    incident = services.incidents.open_incident_of(session, restored(session, case))
    assert incident.element_name == "Documents complete"
    assert "is false and nothing left in the case can change it" in incident.message
    assert incident.values == {"documents_complete": False}
    # a retry without a change finds the same dead wait
    assert services.incidents.retry(session, incident.id, actor="admin") is not None
    session.commit()
    incident = services.incidents.open_incident_of(session, restored(session, case))
    services.incidents.set_variable(session, incident.id, "documents_complete", True, actor="admin")
    assert services.incidents.retry(session, incident.id, actor="admin") is None
    session.commit()
    assert restored(session, case).status == "running"
    assert inbox(session, case, "tina") == ["Technical review"]


def _vera(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()


def test_a_loop_of_conditional_event_sub_processes_names_both_events(session):
    _vera(session)
    body = (
        '<bpmn:process id="loop" isExecutable="true"><bpmn:startEvent id="s"/>'
        f'{user_task("work", "Work")}<bpmn:endEvent id="e"/>{flows(("s", "work"), ("work", "e"))}'
        f"{conditional_subprocess('even', 'n % 2 == 0', 'n = n + 1')}"
        f"{conditional_subprocess('odd', 'n % 2 == 1', 'n = n + 1')}"
        "</bpmn:process>"
    )
    case = start(session, model(body), "loop", {"n": 0})
    [message] = open_incidents(session, case)
    assert "keep setting each other off" in message
    assert "'even'" in message and "'odd'" in message
    assert len(open_tasks(session, case)) <= 6


def test_a_condition_met_again_at_each_form_is_no_loop(session):
    """A non-interrupting conditional start whose event sub-process makes its condition
    false again starts once at each form that makes it true, without an incident."""
    _vera(session)
    body = (
        '<bpmn:process id="again" isExecutable="true"><bpmn:startEvent id="s"/>'
        f"{script_task('init', 'n = 0')}"
        f"{_form_task('one', 'One', 'n')}{_form_task('two', 'Two', 'n')}"
        f'{_form_task("three", "Three", "n")}<bpmn:endEvent id="e"/>'
        f"{flows(('s', 'init'), ('init', 'one'), ('one', 'two'), ('two', 'three'), ('three', 'e'))}"
        f"{conditional_subprocess('esc', 'n == 1', 'n = 0')}"
        "</bpmn:process>"
    )
    case = start(session, model(body), "again")
    for name in ("One", "Two", "Three"):
        complete(session, case, "vera", name, {"n": 1})
    assert open_incidents(session, case) == []
    assert open_tasks(session, case) == ["ESP esc", "ESP esc", "ESP esc"]


def test_a_called_processes_own_condition_sees_its_own_form(session):
    """Writes count per called process: a conditional event inside the called process
    fires on that process's own script, which the caller never sees."""
    _vera(session)
    body = (
        '<bpmn:process id="outer" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:callActivity id="call" name="Called" calledElement="inner"/>'
        f'{user_task("after", "After")}<bpmn:endEvent id="e"/>'
        f"{flows(('s', 'call'), ('call', 'after'), ('after', 'e'))}</bpmn:process>"
        '<bpmn:process id="inner" isExecutable="true"><bpmn:startEvent id="cs"/>'
        f"{script_task('init', 'ready = False')}"
        '<bpmn:parallelGateway id="split"/>'
        f"{script_task('local', 'ready = True')}"
        f'<bpmn:intermediateCatchEvent id="w" name="Ready">{condition("ready")}'
        f"</bpmn:intermediateCatchEvent>{user_task('inner_work', 'Inner work')}"
        '<bpmn:endEvent id="ce1"/><bpmn:endEvent id="ce2"/>'
        + flows(
            ("cs", "init"),
            ("init", "split"),
            ("split", "w"),
            ("split", "local"),
            ("local", "ce1"),
            ("w", "inner_work"),
            ("inner_work", "ce2"),
            prefix="c",
        )
        + "</bpmn:process>"
    )
    case = start(session, model(body), "outer")
    assert open_incidents(session, case) == []
    assert open_tasks(session, case) == ["Inner work"]


def test_a_condition_a_message_may_still_change_is_no_dead_wait(session):
    """The only wait is the condition, but a message may still start an event
    sub-process that sets its name: no incident; the message makes it true."""
    _vera(session)
    esp = (
        '<bpmn:subProcess id="on_note" triggeredByEvent="true">'
        '<bpmn:startEvent id="n_s" isInterrupting="false">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
        f'{script_task("n_t", "flag = True")}<bpmn:endEvent id="n_e"/>'
        f"{flows(('n_s', 'n_t'), ('n_t', 'n_e'), prefix='n')}</bpmn:subProcess>"
    )
    body = (
        '<bpmn:process id="noted" isExecutable="true"><bpmn:startEvent id="s"/>'
        f"{script_task('init', 'flag = False')}"
        f'<bpmn:intermediateCatchEvent id="w" name="Flagged">{condition("flag")}'
        f'</bpmn:intermediateCatchEvent>{user_task("after", "After")}<bpmn:endEvent id="e"/>'
        f"{flows(('s', 'init'), ('init', 'w'), ('w', 'after'), ('after', 'e'))}{esp}"
        "</bpmn:process>"
    )
    case = start(session, model(body, '<bpmn:message id="m" name="note"/>'), "noted")
    assert open_incidents(session, case) == []
    assert restored(session, case).status == "running"
    services.deliver_message(session, restored(session, case), "note", {})
    session.commit()
    assert open_tasks(session, case) == ["After"]
