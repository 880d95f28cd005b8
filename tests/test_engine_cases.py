"""The engine's service layer end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import services
from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.errors import (
    CaseNotFound,
    EngineError,
    InvalidBpmn,
    InvalidFormData,
    InvalidState,
    NotAllowed,
    ProcessNotFound,
    StaleTask,
)

HERE = Path(__file__).parent
TWO_LANES = (HERE / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


@pytest.fixture
def office(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    services.create_user(session, "admin", roles=["admin"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn", deployed_by="designer")
    session.commit()
    return session


def start(session, **data):
    data = {"applicant_name": "Siti", "area": 12} | data
    case = services.start_case(session, "small_permit", data, started_by="ani")
    session.commit()
    return case


def only_task(session, user):
    tasks = services.tasks_for_user(session, user)
    assert len(tasks) == 1, [t.name for t in tasks]
    return tasks[0]


def test_deploy_identical_content_keeps_version(office):
    again, created = services.deploy(office, TWO_LANES, source="copy.bpmn")
    assert not created and again.version == 1
    changed = TWO_LANES.replace(b'name="Decide"', b'name="Decide on it"')
    v2, created = services.deploy(office, changed, source="v2.bpmn")
    assert created and v2.version == 2
    assert services.get_definition(office, "small_permit").version == 2
    assert v2.service_standard["max_days"] == 5


def test_deploy_refuses_invalid_file_with_problems(office):
    broken = TWO_LANES.replace(
        b'<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="end_ok"/>', b""
    )
    with pytest.raises(InvalidBpmn) as err:
        services.deploy(office, broken, source="broken.bpmn")
    assert "broken.bpmn" in err.value.message
    assert any(p.element_id == "wait" for p in err.value.problems)


def test_deploy_refuses_unsafe_expression(office):
    evil = TWO_LANES.replace(
        b'decision == "approve" and area &gt; 0', b"().__class__.__base__.__subclasses__()"
    )
    with pytest.raises(InvalidBpmn) as err:
        services.deploy(office, evil, source="evil.bpmn")
    assert any(p.element_id == "f_yes" for p in err.value.problems)


def test_case_runs_to_the_end_by_lane(office):
    case = start(office)
    assert case.status == "running" and case.current_step == "Register application"
    assert services.tasks_for_user(office, "budi") == []
    task = only_task(office, "ani")
    assert task.lane_name == "Front Office" and task.role == "front_office"
    services.complete_task(office, task.id, "ani", {})
    office.commit()
    decide = only_task(office, "budi")
    services.complete_task(office, decide.id, "budi", {"decision": "reject"})
    office.commit()
    case = services.get_case(office, case.tracking_code)
    assert case.status == "completed" and case.outcome == "Rejected"
    actions = [e.action for e in services.case_history(office, case.id)]
    assert actions[0] == "case_started" and actions[-1] == "case_completed"
    assert actions.count("task_completed") == 2


def test_start_form_is_validated_per_field(office):
    with pytest.raises(InvalidFormData) as err:
        services.start_case(office, "small_permit", {"area": "zero"})
    assert set(err.value.errors) == {"applicant_name", "area"}


def test_wrong_task_form_value_keeps_task_open(office):
    start(office)
    services.complete_task(office, only_task(office, "ani").id, "ani", {})
    office.commit()
    decide = only_task(office, "budi")
    with pytest.raises(InvalidFormData) as err:
        services.complete_task(office, decide.id, "budi", {"decision": "maybe"})
    assert "decision" in err.value.errors
    office.rollback()
    assert only_task(office, "budi").id == decide.id


def test_clerk_cannot_take_another_lanes_task(office):
    start(office)
    task = only_task(office, "ani")
    with pytest.raises(NotAllowed):
        services.complete_task(office, task.id, "budi", {})
    with pytest.raises(NotAllowed):
        services.claim(office, task.id, "budi")


def test_claim_hides_task_from_colleagues(office):
    services.create_user(office, "citra", roles=["front_office"])
    start(office)
    task = only_task(office, "ani")
    services.claim(office, task.id, "ani")
    office.commit()
    assert services.tasks_for_user(office, "citra") == []
    with pytest.raises(StaleTask):
        services.claim(office, task.id, "citra")
    with pytest.raises(NotAllowed):
        services.complete_task(office, task.id, "citra", {})
    services.unclaim(office, task.id, "ani")
    assert len(services.tasks_for_user(office, "citra")) == 1


def test_completing_a_done_task_is_a_clear_stale_error(office):
    start(office)
    task = only_task(office, "ani")
    services.complete_task(office, task.id, "ani", {})
    office.commit()
    with pytest.raises(StaleTask) as err:
        services.complete_task(office, task.id, "ani", {})
    assert "no longer open" in err.value.message


def test_timer_fires_only_when_due(office):
    case = start(office)
    services.complete_task(office, only_task(office, "ani").id, "ani", {})
    services.complete_task(office, only_task(office, "budi").id, "budi", {"decision": "approve"})
    office.commit()
    assert services.tick(office) == []
    clock.advance(timedelta(days=2, minutes=1))
    fired = services.tick(office)
    office.commit()
    assert [f.element_id for f in fired] == ["wait"]
    case = services.get_case(office, case.id)
    assert case.status == "completed" and case.outcome == "Permit issued"


def test_return_to_applicant_pauses_the_clock(office):
    case = start(office)
    due_before = case.due_at
    task = only_task(office, "ani")
    services.return_to_applicant(
        office, task.id, "ani", "Please attach the land certificate", fields=["area"]
    )
    office.commit()
    assert services.get_case(office, case.id).status == "returned"
    assert services.tasks_for_user(office, "ani") == []
    with pytest.raises(InvalidState):
        services.complete_task(office, task.id, "ani", {})
    clock.advance(timedelta(days=7))
    case = services.applicant_responds(office, services.get_case(office, case.id), {"area": 15})
    office.commit()
    assert case.status == "running" and case.paused_working_days >= 4
    assert case.due_at == default_calendar().add_working_days(due_before, case.paused_working_days)
    assert services.case_data(case)["area"] == 15


def test_cancel_removes_open_tasks(office):
    case = start(office)
    services.cancel_case(office, case.tracking_code, actor="admin", reason="duplicate")
    office.commit()
    assert services.get_case(office, case.id).status == "cancelled"
    assert services.all_open_tasks(office) == []
    with pytest.raises(InvalidState):
        services.cancel_case(office, case.id, actor="admin")


def test_unknown_things_have_clear_errors(office):
    with pytest.raises(ProcessNotFound):
        services.start_case(office, "nope", {})
    with pytest.raises(CaseNotFound):
        services.get_case(office, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    with pytest.raises(StaleTask):
        services.complete_task(office, "00000000-0000-0000-0000-000000000000", "ani", {})


def test_tracking_codes_are_unguessable_and_tolerant(office):
    codes = {services.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    case = start(office)
    assert services.get_case(office, case.tracking_code.lower().replace("-", "")).id == case.id


def test_state_is_stored_without_the_spec(office):
    case = start(office)
    assert len(case.state) < 5000
    assert b"small_permit" not in case.state  # compressed, and no spec inside


def test_overdue_cases_and_tasks(office):
    case = start(office)
    assert services.overdue_cases(office) == []
    clock.advance(timedelta(days=12))
    assert [c.id for c in services.overdue_cases(office)] == [case.id]
    assert len(services.overdue_tasks(office)) == 1


def test_notifications_follow_status_changes(office):
    case = start(office)
    task = only_task(office, "ani")
    services.return_to_applicant(office, task.id, "ani", "Missing KTP")
    office.commit()
    subjects = [m.subject for m in services.messages_for_case(office, case.id)]
    assert len(subjects) == 2 and subjects[1].endswith("perlu dilengkapi")  # Indonesian, once
    assert services.send_pending(office) == 2


def test_update_user_and_task_history(office):
    user = services.update_user(office, "ani", full_name="Ani Lestari", language="en")
    assert (user.full_name, user.language) == ("Ani Lestari", "en")
    with pytest.raises(EngineError):
        services.update_user(office, "ani", language="fr")
    start(office)
    task = only_task(office, "ani")
    services.claim(office, task.id, "ani")
    services.complete_task(office, task.id, "ani", {})
    actions = [e.action for e in services.task_history(office, task.id)]
    assert actions == ["task_created", "task_claimed", "task_completed"]


@pytest.mark.parametrize("ref", ["²", "0", "9" * 30, "-1", "１２"])
def test_odd_case_references_are_not_found_not_crashes(office, ref):
    with pytest.raises(CaseNotFound):
        services.get_case(office, ref)


def test_case_filters_apply_before_the_limit(office):
    old = start(office)
    changed = TWO_LANES.replace(b'name="Decide"', b'name="Decide now"')
    services.deploy(office, changed, source="v2.bpmn")
    newer = [start(office) for _ in range(3)]
    services.complete_task(office, services.open_tasks(office, newer[0])[0].id, "ani", {})
    office.commit()
    assert [c.id for c in services.list_cases(office, version=1, limit=1)] == [old.id]
    assert [c.id for c in services.list_cases(office, lane="head_of_office", limit=5)] == [
        newer[0].id
    ]
    tasks = services.open_tasks_by_case(office, [old.id, newer[0].id])
    assert [t.name for t in tasks[old.id]] == ["Register application"]
    assert [t.name for t in tasks[newer[0].id]] == ["Decide now"]
