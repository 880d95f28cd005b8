"""Moving running cases from version 1 of the small permit to a newer version."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import services
from engine.calendar import clock
from engine.errors import InvalidState
from engine.storage.tables import AuditEntry, Case, HumanTask, Timer
from engine.workflow import migration as case_migration

V1 = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_text()

RENAMED_AND_ARCHIVE_ADDED = (
    ('name="Decide"', 'name="Decide on the application"'),
    (
        '<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="end_ok"/>',
        '<bpmn:userTask id="archive" name="Archive the file"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="archive"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="archive" targetRef="end_ok"/>',
    ),
    (
        "<bpmn:flowNodeRef>end_ok</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>end_ok</bpmn:flowNodeRef><bpmn:flowNodeRef>archive</bpmn:flowNodeRef>",
    ),
)
DECIDE_REMOVED = (
    (
        '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="decide"/>'
        '\n    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="gw"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="register" targetRef="gw"/>',
    ),
    ("<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>", ""),
    ('decision == "approve" and area &gt; 0', "area &gt; 1000"),
)
DECIDE_TO_FRONT_OFFICE = (
    ("<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>", ""),
    (
        "<bpmn:flowNodeRef>register</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>register</bpmn:flowNodeRef><bpmn:flowNodeRef>decide</bpmn:flowNodeRef>",
    ),
)


def variant(replacements) -> bytes:
    xml = V1
    for old, new in replacements:
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml.encode()


def without_decide() -> bytes:
    """Version 1 without the 'Decide' task: register goes straight to the gateway."""
    xml = variant(DECIDE_REMOVED).decode()
    start = xml.index('<bpmn:userTask id="decide"')
    end = xml.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    return (xml[:start] + xml[end:]).encode()


@pytest.fixture
def office(session):
    """Version 1 deployed, two clerks, and three cases at register, decide and the timer."""
    services.deploy(session, V1.encode(), source="v1.bpmn", deployed_by="admin")
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    cases = {}
    for position in ("register", "decide", "wait"):
        case = services.start_case(
            session, "small_permit", {"applicant_name": position, "area": 5}, started_by="ani"
        )
        if position != "register":
            complete(session, case, "register", "ani")
        if position == "wait":
            complete(session, case, "decide", "budi", {"decision": "approve"})
        cases[position] = case
    session.flush()
    return cases


def complete(session, case, element_id, username, data=None):
    (task,) = [t for t in services.open_tasks(session, case) if t.element_id == element_id]
    services.complete_task(session, task.id, username, data or {})


def deploy(session, xml: bytes) -> int:
    definition, created = services.deploy(session, xml, source="new.bpmn", deployed_by="admin")
    assert created
    return definition.version


def checks_by_position(checks, office):
    by_id = {c.case_id: c for c in checks}
    return {position: by_id[case.id] for position, case in office.items()}


def test_dry_run_for_a_rename_and_a_task_added_later_says_all_can_move(session, office):
    deploy(session, variant(RENAMED_AND_ARCHIVE_ADDED))
    states = {case.id: case.state for case in office.values()}
    checks = checks_by_position(case_migration.plan_migration(session, "small_permit", 1), office)
    assert all(c.can_migrate for c in checks.values()), checks
    assert checks["decide"].current_steps == ["Decide"]
    assert checks["wait"].current_steps == ["Cooling-off"]
    assert checks["register"].reason == "can move to version 2"
    assert {case.id: case.state for case in office.values()} == states
    assert all(case.definition.version == 1 for case in office.values())


def test_migrated_cases_run_to_the_end_on_the_new_version(session, office):
    deploy(session, variant(RENAMED_AND_ARCHIVE_ADDED))
    checks = case_migration.migrate_cases(session, "small_permit", 1, actor="admin")
    assert all(c.migrated for c in checks)
    case = office["decide"]
    assert case.definition.version == 2
    (row,) = services.open_tasks(session, case)
    assert row.name == "Decide on the application"
    assert case.current_step == "Decide on the application"
    complete(session, case, "decide", "budi", {"decision": "approve"})
    clock.advance(timedelta(days=3))
    services.tick(session)
    complete(session, case, "archive", "ani")
    assert case.status == "completed"
    assert case.outcome == "Permit issued"
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.case_id == case.id, AuditEntry.action == "case_migrated"
        )
    )
    assert entry.data == {"from_version": 1, "to_version": 2}
    assert entry.actor == "admin"


def test_a_waiting_timer_keeps_its_due_moment(session, office):
    case = office["wait"]
    due = session.scalar(select(Timer.due_at).where(Timer.case_id == case.id))
    clock.advance(timedelta(hours=20))
    deploy(session, variant(RENAMED_AND_ARCHIVE_ADDED))
    case_migration.migrate_cases(session, "small_permit", 1, actor="admin", case_ids=[case.id])
    (timer,) = session.scalars(select(Timer).where(Timer.case_id == case.id))
    assert timer.due_at == due
    assert timer.element_id == "wait"
    clock.advance(timedelta(days=1))
    assert services.tick(session) == []
    clock.advance(timedelta(days=2))
    assert [f.element_id for f in services.tick(session)] == ["wait"]
    assert [t.element_id for t in services.open_tasks(session, case)] == ["archive"]


def test_a_case_at_a_removed_task_stays_where_it_is(session, office):
    deploy(session, without_decide())
    checks = checks_by_position(case_migration.plan_migration(session, "small_permit", 1), office)
    assert checks["register"].can_migrate
    assert not checks["decide"].can_migrate
    assert checks["decide"].reason == "task 'Decide' was removed in version 2"
    assert not checks["wait"].can_migrate
    assert checks["wait"].reason == "step 'Decide', already done, no longer exists in version 2"

    before = office["decide"].state
    result = case_migration.migrate_cases(session, "small_permit", 1, actor="admin")
    assert {c.case_id for c in result if c.migrated} == {office["register"].id}
    assert office["decide"].definition.version == 1
    assert office["decide"].state == before
    assert [t.element_id for t in services.open_tasks(session, office["decide"])] == ["decide"]

    moved = office["register"]
    complete(session, moved, "register", "ani")
    assert moved.status == "completed"  # no 'Decide' any more: straight to the gateway
    assert moved.outcome == "Rejected"


def test_a_case_at_a_task_that_changed_lane_cannot_move(session, office):
    deploy(session, variant(DECIDE_TO_FRONT_OFFICE))
    checks = checks_by_position(case_migration.plan_migration(session, "small_permit", 1), office)
    assert checks["decide"].reason == "the case is at 'Decide', which changed its lane"
    assert checks["register"].can_migrate and checks["wait"].can_migrate


def test_a_case_at_a_task_whose_form_changed_keeps_its_data_and_claim(session, office):
    new = variant(
        (
            (
                '<camunda:value id="reject" name="Reject"/>',
                '<camunda:value id="reject" name="Reject"/><camunda:value id="defer" name="Defer"/>',
            ),
        )
    )
    deploy(session, new)
    case = office["decide"]
    (row,) = services.open_tasks(session, case)
    services.claim(session, row.id, "budi")
    (check,) = case_migration.migrate_cases(
        session, "small_permit", 1, actor="admin", case_ids=[case.id]
    )
    assert check.migrated
    (after,) = services.open_tasks(session, case)
    assert (after.id, after.assignee) == (row.id, "budi")
    assert services.case_data(case)["applicant_name"] == "decide"
    complete(session, case, "decide", "budi", {"decision": "defer"})
    assert case.status == "completed" and case.outcome == "Rejected"


def test_finished_cases_are_not_considered_and_same_version_is_refused(session, office):
    services.cancel_case(session, office["register"].id, actor="admin")
    with pytest.raises(InvalidState):
        case_migration.plan_migration(session, "small_permit", 1)
    deploy(session, variant(RENAMED_AND_ARCHIVE_ADDED))
    checks = case_migration.plan_migration(session, "small_permit", 1, 2)
    assert {c.case_id for c in checks} == {office["decide"].id, office["wait"].id}
    assert (
        session.scalar(select(Case).where(Case.id == office["register"].id)).status == "cancelled"
    )
    assert session.scalars(select(HumanTask)).all()
