"""SpiffArena's pre- and post-scripts run in the safe language, at SpiffArena's moments.

The pre-script of a task runs when it becomes ready (its form shows what it set), the
post-script when it completes (after the form data are merged); on a multi-instance
task once around the loop, or per instance with ``scriptsOnInstances``. Validation
checks them as script tasks' scripts, in the data flow at those moments. Every run goes
through the engine facade, the case restored from storage before every step.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.bpmn.diff import FieldChange, diff_models
from engine.bpmn.reader import load_bpmn
from engine.office import incidents
from engine.validation.process import has_errors, validate_file
from engine.workflow import specs
from tests.test_bpmn_coverage import complete, deploy, read, restored

MODEL = "prescript_postscript.bpmn"
MULTI = "prescript_on_multi_instance.bpmn"


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    services.create_user(session, "tina", roles=["technical"])
    session.commit()
    return session


def _open_task(session, case, user: str):
    case = restored(session, case)
    [task] = [t for t in services.tasks_for_user(session, user) if t.case_id == case.id][:1]
    return task


def _problems(data: bytes, code: str):
    _, problems = validate_file(data, "t.bpmn")
    return [p for p in problems if p.code == code]


def test_the_pre_script_runs_before_the_form_and_the_post_script_after_it(office):
    deploy(office, MODEL)
    specs._spec_cache.clear()  # the scripts come back from the stored spec too
    case = services.start_case(office, "prescript_postscript", {"floor_area": 120})
    office.commit()
    task = _open_task(office, case, "vera")
    seen = services.task_data(task)
    assert seen["fee"] == 120_000 and "total" not in seen  # the form shows the fee
    complete(office, case, "vera", "Review the fee", {"surcharge": 5_400})
    case = restored(office, case)
    data = services.case_data(case)
    # post-script: total after the surcharge; call: base handed in, final from what came back
    assert (data["total"], data["base"], data["rounded"]) == (125_400, 125_400, 125_000)
    assert data["final"] == 250_000
    assert (case.status, case.outcome) == ("completed", "High fee")


def test_pre_and_post_scripts_on_multi_instance_tasks(office):
    assert not _problems(read(MULTI), "missing_output_item")  # the post-script sets it
    deploy(office, MULTI)
    case = services.start_case(office, "prescript_on_multi_instance", {"building_type": "shop"})
    office.commit()
    reviews = [t for t in services.tasks_for_user(office, "tina") if t.case_id == case.id]
    assert len(reviews) == 2  # the pre-script listed the agencies before the instances
    complete(office, case, "tina", "Technical review", {"approved": True})
    complete(office, case, "tina", "Technical review", {"approved": False})
    for remark in ("hydrants ok", "parking short"):
        task = _open_task(office, case, "vera")
        heading = services.task_data(task)["heading"]  # per instance, before its form
        complete(office, case, "vera", "Write the agency's note", {"remark": remark})
        assert heading.startswith("Note for ")
    case = restored(office, case)
    data = services.case_data(case)
    assert data["approved_count"] == 1  # once, after the last review
    assert data["notes"] == ["Note for Fire: hydrants ok", "Note for Transport: parking short"]
    assert case.status == "completed"


def test_names_a_pre_script_writes_count_from_the_task_on():
    assert not has_errors(validate_file(read(MODEL), MODEL)[1])
    # the pre-script runs before the form: it cannot read the task's own field
    early = read(MODEL).replace(b"fee = floor_area * 1000", b"fee = surcharge * 1000")
    [problem] = _problems(early, "unset_name")
    assert problem.element_id == "review"
    assert "pre-script of 'Review the fee' reads 'surcharge'" in problem.message
    # without the call's post-script nothing sets what the gateway reads
    silent = read(MODEL).replace(
        b"<spiffworkflow:postScript>final = rounded * 2</spiffworkflow:postScript>", b""
    )
    [problem] = _problems(silent, "unset_name")
    assert "condition of 'high' reads 'final'" in problem.message


def test_a_post_script_reads_the_form_but_not_its_own_assignments():
    own = read(MODEL).replace(b"total = fee + surcharge", b"total = total + surcharge")
    [problem] = _problems(own, "unset_name")
    assert "post-script of 'Review the fee' reads 'total'" in problem.message


def test_an_unsafe_pre_script_is_refused_naming_the_element():
    data = read(MODEL).replace(b"fee = floor_area * 1000", b"import os")
    [problem] = _problems(data, "unsafe_expression")
    assert (problem.severity, problem.element_id) == ("error", "review")
    assert problem.message.startswith("The pre-script of 'Review the fee' is not allowed")
    data = read(MODEL).replace(b"final = rounded * 2", b"del rounded")
    [problem] = _problems(data, "unsafe_expression")
    assert problem.element_id == "compute" and "post-script" in problem.message


def test_a_pre_script_on_an_event_is_refused_naming_it():
    data = read(MODEL).replace(
        b'<bpmn:endEvent id="end_low" name="Low fee"/>',
        b'<bpmn:endEvent id="end_low" name="Low fee"><bpmn:extensionElements>'
        b"<spiffworkflow:preScript>x = 1</spiffworkflow:preScript>"
        b"</bpmn:extensionElements></bpmn:endEvent>",
    )
    [problem] = _problems(data, "extension_script")
    assert problem.element_id == "end_low" and "preScript" in problem.message


def test_a_failing_pre_script_is_an_incident_and_a_retry_runs_it_again(office):
    deploy(office, MODEL)
    case = services.start_case(office, "prescript_postscript", {})  # no floor area
    office.commit()
    case = restored(office, case)
    incident = incidents.open_incident_of(office, case)
    assert case.status == "incident" and incident.element_id == "review"
    assert incident.kind == "expression" and "pre-script" in incident.message
    assert "unknown name 'floor_area'" in incident.message
    incidents.set_variable(office, incident.id, "floor_area", "7", actor="admin")
    office.commit()
    restored(office, case)
    assert incidents.retry(office, incident.id, actor="admin") is None
    office.commit()
    assert services.task_data(_open_task(office, case, "vera"))["fee"] == 7_000


def test_a_failing_post_script_is_an_incident_and_the_task_can_be_done_again(office):
    deploy(office, MODEL)
    case = services.start_case(office, "prescript_postscript", {"floor_area": 3})
    office.commit()
    complete(office, case, "vera", "Review the fee", {})  # no surcharge
    case = restored(office, case)
    incident = incidents.open_incident_of(office, case)
    assert case.status == "incident" and incident.element_id == "review"
    assert "post-script" in incident.message and "'surcharge'" in incident.message
    assert incidents.retry(office, incident.id, actor="admin") is None
    office.commit()
    complete(office, case, "vera", "Review the fee", {"surcharge": 100})
    case = restored(office, case)
    assert services.case_data(case)["total"] == 3_100
    assert (case.status, case.outcome) == ("completed", "Low fee")


def test_a_changed_pre_script_shows_in_the_version_diff():
    old = load_bpmn(read(MODEL), MODEL)
    new = load_bpmn(read(MODEL).replace(b"floor_area * 1000", b"floor_area * 1500"), MODEL)
    [change] = diff_models(old, new).changed
    assert change.element_id == "review"
    assert change.changes == [
        FieldChange("pre_script", "fee = floor_area * 1000", "fee = floor_area * 1500")
    ]


def test_a_receive_task_runs_its_pre_script_once_on_the_data_it_waits_with(office):
    """The message brings the task up to date again (its data inherited again): the
    pre-script's assignment is there once, neither lost nor applied twice."""
    data = read("receive_send.bpmn").replace(
        b"<bpmn:extensionElements>",
        b"<bpmn:extensionElements><spiffworkflow:preScript xmlns:spiffworkflow="
        b'"http://spiffworkflow.org/bpmn/schema/1.0/core">reminders = reminders + 1'
        b"</spiffworkflow:preScript>",
    )
    assert not has_errors(validate_file(data, "receive_send.bpmn")[1])
    services.deploy(office, data, source="receive_send.bpmn", deployed_by="designer")
    case = services.start_case(office, "receive_send", {"reminders": 0})
    office.commit()
    services.deliver_message(office, restored(office, case), "reply", {"answer": "yes"})
    office.commit()
    case = restored(office, case)
    assert case.status == "completed"
    assert services.case_data(case)["reminders"] == 1


def test_a_post_script_on_instances_cannot_read_an_output_item_nothing_set():
    """SpiffWorkflow gives an instance its item, not its output item: a post-script
    reading it before anything wrote it failed at run time (SpiffWorkflow's
    script_on_mi.bpmn, ``output_item -= 1``) although validation had accepted it."""
    reads = read(MULTI).replace(
        b'note_line = heading + ": " + remark', b"note_line = note_line + remark"
    )
    problems = [p for p in validate_file(reads, "t.bpmn")[1] if "reads 'note_line'" in p.message]
    assert problems and "post-script of" in problems[0].message
    # start data cannot give it either: SpiffWorkflow refuses an output item already set
    assert (problems[0].severity, problems[0].code) == ("error", "unset_name")
    assert "output item of each instance" in problems[0].message
