"""Start events that create cases: a timer start event on schedule, a message start event.

The inspection round starts on ``R/2027-01-01T08:00:00+07:00/P1M``: deploying it records
the next due start, the ticker starts one case when it is due (one, even with two
tickers racing) and records the next. A complaint procedure starts on the message
``complaint_filed`` and keeps only the payload fields its start event declares.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.errors import InvalidBpmn, ProcessNotFound
from engine.storage.tables import Case, ScheduledStart

ROUND = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://example.org">
  <bpmn:process id="inspection_round" name="Monthly inspection round" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="L" name="Inspector">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s" name="Every month"><bpmn:timerEventDefinition>
      <bpmn:TIMER>EXPRESSION</bpmn:TIMER></bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:userTask id="t" name="Inspect the markets"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""

COMPLAINT = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:pf="https://permitflow.org/schema/bpmn/1.0" id="d" targetNamespace="http://example.org">
  <bpmn:message id="M" name="complaint_filed"/>
  <bpmn:process id="complaint_intake" name="Complaint intake" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="L" name="Front Office">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s" name="Complaint filed">
      <bpmn:extensionElements><pf:messageData>
        <pf:field name="complainant" source="name"/><pf:field name="topic"/>
      </pf:messageData></bpmn:extensionElements>
      <bpmn:messageEventDefinition messageRef="M"/></bpmn:startEvent>
    <bpmn:userTask id="t" name="Answer the complaint"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""

JAKARTA = "+07:00"


def _round(timer: str = "timeCycle", expression: str = "R/2027-01-01T08:00:00+07:00/P1M"):
    return ROUND.replace("TIMER", timer).replace("EXPRESSION", expression).encode()


def _cases(session, key: str) -> list[Case]:
    session.expire_all()
    return list(session.scalars(select(Case).where(Case.process_key == key).order_by(Case.id)))


def _schedule(session) -> ScheduledStart:
    session.expire_all()
    return session.scalars(select(ScheduledStart)).one()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _move_to(moment: str) -> None:
    clock.set_offset(_at(moment) - datetime.now(UTC))


def test_deploying_records_the_next_due_start_and_the_ticker_starts_each_round(session):
    _move_to("2026-12-15T10:00:00" + JAKARTA)
    services.create_user(session, "budi", roles=["inspector"])
    services.deploy(session, _round(), source="round.bpmn")
    session.commit()
    assert _schedule(session).due_at == _at("2027-01-01T08:00:00" + JAKARTA)
    assert services.tick(session) == [] and _cases(session, "inspection_round") == []

    _move_to("2027-01-01T08:00:01" + JAKARTA)
    fired = services.tick(session)
    [case] = _cases(session, "inspection_round")
    assert [f.tracking_code for f in fired] == [case.tracking_code]
    assert case.status == "running"
    assert [t.name for t in services.open_tasks(session, case)] == ["Inspect the markets"]
    assert _schedule(session).due_at == _at("2027-02-01T08:00:00" + JAKARTA)
    assert services.tick(session) == []  # not twice for one due time

    _move_to("2027-02-01T09:00:00" + JAKARTA)
    services.tick(session)
    first, second = _cases(session, "inspection_round")
    assert second.status == "running" and _schedule(session).started == 2
    assert _schedule(session).due_at == _at("2027-03-01T08:00:00" + JAKARTA)
    task = services.open_tasks(session, first)[0]
    services.complete_task(session, task.id, "budi", {})
    session.commit()
    assert _cases(session, "inspection_round")[0].status == "completed"


def test_a_ticker_down_for_months_starts_one_case_and_does_not_make_up_the_rest(session):
    _move_to("2026-12-15T10:00:00" + JAKARTA)
    services.deploy(session, _round(), source="round.bpmn")
    session.commit()
    _move_to("2027-04-20T10:00:00" + JAKARTA)
    services.tick(session)
    assert len(_cases(session, "inspection_round")) == 1
    assert _schedule(session).due_at == _at("2027-05-01T08:00:00" + JAKARTA)


def test_a_date_starts_one_case_then_the_schedule_ends(session):
    _move_to("2026-12-15T10:00:00" + JAKARTA)
    services.deploy(session, _round("timeDate", "2027-01-10T07:00:00+07:00"), source="r.bpmn")
    session.commit()
    _move_to("2027-01-10T07:30:00" + JAKARTA)
    services.tick(session)
    services.tick(session)
    assert len(_cases(session, "inspection_round")) == 1
    assert session.scalars(select(ScheduledStart)).all() == []


def test_a_new_version_keeps_the_place_in_the_cycle_and_a_changed_timer_restarts(session):
    _move_to("2026-12-15T10:00:00" + JAKARTA)
    services.deploy(session, _round(), source="round.bpmn")
    session.commit()
    _move_to("2027-01-05T10:00:00" + JAKARTA)
    services.tick(session)
    v2 = _round().replace(b"Inspect the markets", b"Inspect the markets and shops")
    definition, _ = services.deploy(session, v2, source="round.bpmn")
    session.commit()
    row = _schedule(session)
    assert (row.definition_id, row.due_at) == (definition.id, _at("2027-02-01T08:00:00+07:00"))
    v3 = _round("timeCycle", "R/2027-01-01T08:00:00+07:00/P7D")
    services.deploy(session, v3, source="round.bpmn")
    session.commit()
    assert _schedule(session).due_at == _at("2027-01-08T08:00:00" + JAKARTA)
    _move_to("2027-01-08T08:00:01" + JAKARTA)
    services.tick(session)
    assert _cases(session, "inspection_round")[-1].definition.version == 3


def test_two_tickers_start_one_case_per_due_time(db_engine):
    _move_to("2026-12-15T10:00:00" + JAKARTA)
    with Session(db_engine) as session:
        services.deploy(session, _round(), source="round.bpmn")
        session.commit()
    _move_to("2027-01-01T08:00:01" + JAKARTA)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        with Session(db_engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                services.tick(session)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(db_engine) as session:
        assert len(_cases(session, "inspection_round")) == 1
        assert _schedule(session).started == 1
    assert not [e for e in errors if "locked" not in str(e)], errors


def test_a_start_timer_that_needs_case_data_is_refused_by_validation_and_deploy(session):
    data = _round("timeDate", "inspection_day")
    _model, problems = services.validate_file(data, "r.bpmn")
    assert [p.element_id for p in problems if p.code == "timer_start_unschedulable"] == ["s"]
    with pytest.raises(InvalidBpmn, match="cannot be scheduled"):
        services.deploy(session, data, source="r.bpmn")


def test_a_message_starts_a_case_with_only_the_declared_payload(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, COMPLAINT, source="complaint.bpmn")
    session.commit()
    payload = {"name": "Siti", "topic": "noise", "nik": "3174012345678901"}
    [case] = services.deliver_message(session, None, "complaint_filed", payload)
    session.commit()
    assert case.process_key == "complaint_intake" and case.status == "running"
    data = services.case_data(case)
    assert data["complainant"] == "Siti" and data["topic"] == "noise"
    assert "nik" not in data and "name" not in data
    task = services.open_tasks(session, case)[0]
    assert task.name == "Answer the complaint"
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    assert case.status == "completed"
    assert len(services.start_by_message(session, "complaint_filed", {"topic": "x"})) == 1


def test_a_message_no_procedure_starts_on_is_refused_by_name(session):
    services.deploy(session, COMPLAINT, source="complaint.bpmn")
    with pytest.raises(ProcessNotFound, match="'permit_revoked'"):
        services.deliver_message(session, None, "permit_revoked", {})


def test_a_start_that_fails_is_logged_and_moved_on_without_stopping_the_ticker(
    session, monkeypatch
):
    from engine.errors import EngineError
    from engine.office import cases
    from engine.storage.tables import AuditEntry

    _move_to("2026-12-15T10:00:00" + JAKARTA)
    services.deploy(session, _round(), source="round.bpmn")
    session.commit()

    def broken(*_args, **_kwargs):
        raise EngineError("the office is closed")

    monkeypatch.setattr(cases, "start_case", broken)
    _move_to("2027-01-01T08:00:01" + JAKARTA)
    assert services.tick(session) == []
    assert _schedule(session).due_at == _at("2027-02-01T08:00:00" + JAKARTA)
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "scheduled_start_failed")
    ).one()
    assert "the office is closed" in entry.message
