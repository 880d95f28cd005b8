"""Events with several definitions (BPMN's "multiple"): a catch waits for any one of
them, or for all with ``parallelMultiple``; a throw throws each; a start event with
several messages starts a case on any of them. Every step restores the case from the
database, and the waits a case shows are the rows of ``message_waits`` and ``timers``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from engine import services
from engine.calendar import clock
from engine.errors import InvalidState
from engine.storage import migrate
from engine.storage.tables import Base, MessageWait, Timer
from tests.test_bpmn_coverage import complete, deploy, inbox, read, restored


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    return session


def waits(session, case) -> list[tuple[str, str]]:
    """(element, message) of the messages ``case`` waits for, as stored."""
    rows = session.scalars(select(MessageWait).where(MessageWait.case_id == case.id))
    return sorted((w.element_id, w.message_name) for w in rows)


def timers(session, case) -> list[str]:
    return [t.element_id for t in session.scalars(select(Timer).where(Timer.case_id == case.id))]


def deliver(session, case, name: str, payload: dict | None = None) -> None:
    services.deliver_message(session, restored(session, case), name, payload or {})
    session.commit()


def test_any_one_message_is_enough_and_the_other_waits_end(office):
    deploy(office, "multiple_catch_any.bpmn")
    case = services.start_case(office, "multiple_catch_any", {})
    office.commit()
    case = restored(office, case)
    assert waits(office, case) == [("reply", "agency_reply"), ("reply", "applicant_reply")]
    assert timers(office, case) == ["reply"]
    deliver(office, case, "agency_reply", {"answer": "agreed", "fee": 10})
    case = restored(office, case)
    assert inbox(office, case, "vera") == ["Review the file"]
    assert services.case_data(case) == {"answer": "agreed"}  # only the declared field
    assert timers(office, case) == []
    assert waits(office, case) == [("stopped", "court_order"), ("stopped", "withdrawn")]
    with pytest.raises(InvalidState, match="not waiting for the message 'applicant_reply'"):
        deliver(office, case, "applicant_reply")
    office.rollback()
    complete(office, case, "vera", "Review the file")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Reviewed")
    assert waits(office, case) == []


def test_the_timer_among_the_definitions_fires_when_no_message_came(office):
    deploy(office, "multiple_catch_any.bpmn")
    case = services.start_case(office, "multiple_catch_any", {})
    office.commit()
    clock.advance(timedelta(days=3, seconds=1))
    fired = services.tick(office)
    assert [(f.tracking_code, f.element_id) for f in fired] == [(case.tracking_code, "reply")]
    case = restored(office, case)
    assert inbox(office, case, "vera") == ["Review the file"]
    assert waits(office, case) == [("stopped", "court_order"), ("stopped", "withdrawn")]
    assert timers(office, case) == []


@pytest.mark.parametrize("message", ["withdrawn", "court_order"])
def test_either_message_of_a_boundary_event_stops_the_task(office, message):
    deploy(office, "multiple_catch_any.bpmn")
    case = services.start_case(office, "multiple_catch_any", {})
    office.commit()
    deliver(office, case, "applicant_reply", {"answer": "later"})
    deliver(office, case, message)
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Stopped")
    assert inbox(office, case, "vera") == []
    assert waits(office, case) == []


def test_parallel_multiple_continues_only_after_every_message(office):
    deploy(office, "multiple_catch_parallel.bpmn")
    case = services.start_case(office, "multiple_catch_parallel", {})
    office.commit()
    deliver(office, case, "documents_signed", {"signed_by": "Budi"})
    case = restored(office, case)
    assert inbox(office, case, "vera") == []
    assert waits(office, case) == [("both", "payment_confirmed")]
    with pytest.raises(InvalidState, match="not waiting for the message 'documents_signed'"):
        deliver(office, case, "documents_signed")
    office.rollback()
    deliver(office, case, "payment_confirmed", {"amount": 500000})
    case = restored(office, case)
    assert inbox(office, case, "vera") == ["Issue the permit"]
    assert services.case_data(case) == {"signed_by": "Budi", "amount": 500000}
    assert waits(office, case) == []


@pytest.mark.parametrize("message", ["complaint_by_letter", "complaint_by_portal"])
def test_a_start_event_with_two_messages_starts_a_case_on_either(office, message):
    deploy(office, "multiple_start.bpmn")
    [case] = services.deliver_message(office, None, message, {"text": "Noise", "nik": "1"})
    office.commit()
    case = restored(office, case)
    assert services.case_data(case) == {"complaint": "Noise"}
    assert inbox(office, case, "vera") == ["Answer the complaint"]
    assert waits(office, case) == []
    assert services.starts_by_itself(case.definition)


def test_a_throw_with_several_definitions_reaches_each_waiting_case(office):
    deploy(office, "multiple_throw_listener.bpmn")
    deploy(office, "multiple_throw.bpmn")
    listeners = {
        office_name: services.start_case(
            office, "multiple_throw_listener", {"file_no": "F-1", "office": office_name}
        )
        for office_name in ("archive", "tax", "registry", "signal")
    }
    other_file = services.start_case(
        office, "multiple_throw_listener", {"file_no": "F-2", "office": "archive"}
    )
    office.commit()
    closing = services.start_case(office, "multiple_throw", {"file_no": "F-1"})
    office.commit()
    assert restored(office, closing).status == "completed"
    for office_name, listener in listeners.items():
        assert restored(office, listener).status == "completed", office_name
    assert restored(office, other_file).status == "running"
    assert waits(office, other_file) == [("wait_archive", "to_archive")]
    undelivered = [
        e
        for e in services.case_history(office, restored(office, closing).id)
        if e.action == "message_not_delivered"
    ]
    assert undelivered == []


def _alembic(connection):
    config = migrate.alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    return config


def test_migration_0020_moves_the_waits_down_and_up(session, db_engine):
    """Down to 0019 keeps one row per task (its id the task id); up again gives each row
    its own key and the task id in ``task_id``; the schema matches the models."""
    services.create_user(session, "vera", roles=["verifier"])
    deploy(session, "multiple_catch_parallel.bpmn")
    case = services.start_case(session, "multiple_catch_parallel", {})
    session.commit()
    [task_id] = {w.task_id for w in session.scalars(select(MessageWait))}
    session.close()
    try:
        with db_engine.begin() as connection:
            command.downgrade(_alembic(connection), "0019")
        with db_engine.connect() as connection:
            old = connection.execute(text("SELECT id, case_id FROM message_waits")).all()
        assert [tuple(row) for row in old] == [(task_id, case.id)]
    finally:
        migrate.upgrade(db_engine)
    with db_engine.connect() as connection:
        new = connection.execute(text("SELECT task_id, message_name FROM message_waits")).all()
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [tuple(row) for row in new] == [(task_id, "documents_signed")]
    assert diff == []


def test_the_simulator_takes_the_first_definition_to_come():
    """Without parameters a message comes at once: an event catching any one of a message
    and a timer waits no time; one waiting for all waits for its timer."""
    from engine.bpmn.reader import load_bpmn
    from simulations.des.compiler import compile_process
    from simulations.params.model import SimParams

    data = read("multiple_catch_any.bpmn")
    compiled = compile_process(load_bpmn(data), SimParams(cases=1))
    reply = compiled.ids.index("reply")
    assert (compiled.timer[reply], compiled.duration[reply].mean) == (None, 0.0)
    both = data.replace(
        b'id="reply" name="Reply or three days"', b'id="reply" parallelMultiple="true"'
    )
    compiled = compile_process(load_bpmn(both), SimParams(cases=1))
    assert compiled.timer[reply].expression == "P3D"


_CATCH = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:message id="m1" name="one"/>
  <bpmn:message id="m2" name="two"/>
  <bpmn:signal id="s1" name="closed"/>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:{kind} id="event" name="Event">{definitions}</bpmn:{kind}>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="event"/>
    <bpmn:sequenceFlow id="f2" sourceRef="event" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
_M1, _M2 = (
    '<bpmn:messageEventDefinition messageRef="m1"/>',
    '<bpmn:messageEventDefinition messageRef="m2"/>',
)
_SIGNAL = '<bpmn:signalEventDefinition signalRef="s1"/>'
_TIMER = "<bpmn:timerEventDefinition><bpmn:timeDuration>{}</bpmn:timeDuration></bpmn:timerEventDefinition>"


@pytest.mark.parametrize(
    ("kind", "definitions", "severity", "code"),
    [
        (
            "intermediateCatchEvent",
            _M1 + '<bpmn:messageEventDefinition messageRef="m9"/>',
            "error",
            "unknown_message",
        ),
        (
            "intermediateCatchEvent",
            _M1 + "<bpmn:messageEventDefinition/>",
            "warning",
            "message_without_ref",
        ),
        ("intermediateCatchEvent", _M1 + _TIMER.format("import os"), "error", "unsafe_expression"),
        (
            "intermediateCatchEvent",
            _M1 + "<bpmn:timerEventDefinition/>",
            "error",
            "timer_without_definition",
        ),
        (
            "intermediateCatchEvent",
            _TIMER.format("P1D") + _TIMER.format("P2D"),
            "error",
            "unsupported_element",
        ),
        (
            "intermediateThrowEvent",
            _M1 + _M2 + "<bpmn:escalationEventDefinition/>",
            "error",
            "unsupported_element",
        ),
        ("intermediateThrowEvent", _M1 + _M2, "warning", "message_without_correlation"),
        ("endEvent", _M1 + "<bpmn:terminateEventDefinition/>", "error", "unsupported_element"),
        ("endEvent", _M1 + _SIGNAL, "error", "unsupported_element"),
    ],
)
def test_validation_checks_each_of_several_definitions(kind, definitions, severity, code):
    from engine.validation.process import validate_file

    data = _CATCH.format(kind=kind, definitions=definitions).encode()
    _, problems = validate_file(data, "event.bpmn")
    found = {(p.severity, p.code, p.element_id) for p in problems}
    assert (severity, code, "event") in found, problems


def test_validation_accepts_messages_signals_and_one_timer_together():
    from engine.validation.process import has_errors, validate_file

    data = _CATCH.format(
        kind="intermediateCatchEvent", definitions=_M1 + _M2 + _SIGNAL + _TIMER.format("P1D")
    )
    _, problems = validate_file(data.encode(), "event.bpmn")
    assert not has_errors(problems), problems


@pytest.mark.parametrize(
    "name", ["multiple_catch_any", "multiple_catch_parallel", "multiple_throw"]
)
def test_a_written_model_keeps_each_definition(name):
    """A revised diagram (what-if scenario) written back keeps every message, with
    distinct ids, and parallelMultiple."""
    from engine.bpmn.diff import diff_models
    from engine.bpmn.reader import load_bpmn
    from engine.bpmn.writer import write_bpmn
    from engine.validation.process import has_errors, validate_file

    model = load_bpmn(read(f"{name}.bpmn"))
    written = write_bpmn(model)
    _, problems = validate_file(written, f"{name}.bpmn")
    assert not has_errors(problems), problems
    assert diff_models(model, load_bpmn(written)).is_empty


@pytest.mark.parametrize(
    ("name", "old", "new", "element", "field"),
    [
        ("multiple_catch_parallel", b'parallelMultiple="true"', b"", "both", "parallel_multiple"),
        ("multiple_throw", b'"msg_tax"', b'"msg_archive"', "closed", "message"),
    ],
)
def test_a_version_diff_sees_a_change_of_any_definition(name, old, new, element, field):
    from engine.bpmn.diff import diff_models
    from engine.bpmn.reader import load_bpmn

    before = load_bpmn(read(f"{name}.bpmn"))
    after = load_bpmn(read(f"{name}.bpmn").replace(old, new))
    [change] = diff_models(before, after).changed
    assert (change.element_id, [c.field for c in change.changes]) == (element, [field])


def test_a_hand_start_is_refused_naming_the_start_event_once(office):
    deploy(office, "multiple_start.bpmn")
    with pytest.raises(services.StartsByItself) as refused:
        services.start_by_hand(office, "multiple_start", {}, started_by="vera")
    assert refused.value.how == ["message 'Complaint received'"]


def _deploy_bytes(session, data: bytes, name: str) -> None:
    from engine.validation.process import format_report, has_errors, validate_file

    _, problems = validate_file(data, name)
    assert not has_errors(problems), format_report(problems)
    services.deploy(session, data, source=name, deployed_by="designer")
    session.commit()


@pytest.mark.parametrize("timer_first", [True, False])
def test_parallel_multiple_with_a_timer_waits_for_the_timer_and_the_message(office, timer_first):
    timer = b"<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
    data = read("multiple_catch_parallel.bpmn").replace(
        b'<bpmn:messageEventDefinition id="both_signed" messageRef="msg_signed"/>', timer
    )
    _deploy_bytes(office, data, "multiple_catch_parallel.bpmn")
    case = services.start_case(office, "multiple_catch_parallel", {})
    office.commit()
    if timer_first:
        clock.advance(timedelta(days=1, seconds=1))
        assert [f.element_id for f in services.tick(office)] == ["both"]
        case = restored(office, case)
        assert (timers(office, case), waits(office, case)) == ([], [("both", "payment_confirmed")])
        assert inbox(office, case, "vera") == []
        deliver(office, case, "payment_confirmed")
    else:
        deliver(office, case, "payment_confirmed")
        case = restored(office, case)
        assert (timers(office, case), waits(office, case)) == (["both"], [])
        assert inbox(office, case, "vera") == []
        clock.advance(timedelta(days=1, seconds=1))
        assert [f.element_id for f in services.tick(office)] == ["both"]
    case = restored(office, case)
    assert inbox(office, case, "vera") == ["Issue the permit"]
    assert (timers(office, case), waits(office, case)) == ([], [])


def test_a_case_moves_to_a_new_version_keeping_the_timer_among_several(office):
    """A case waiting at an event with several definitions moves to a version where the
    event has the same kinds, its timer's due moment kept; not where the kinds changed."""
    from engine.workflow import migration as case_migration

    deploy(office, "multiple_catch_any.bpmn")
    case = services.start_case(office, "multiple_catch_any", {})
    office.commit()
    due = office.scalar(select(Timer.due_at).where(Timer.case_id == case.id))
    clock.advance(timedelta(hours=20))
    timer = rb"<bpmn:timerEventDefinition.*?</bpmn:timerEventDefinition>"
    without_timer = re.sub(timer, b"", read("multiple_catch_any.bpmn"), flags=re.DOTALL)
    _deploy_bytes(office, without_timer, "multiple_catch_any.bpmn")
    [check] = case_migration.plan_migration(office, "multiple_catch_any", 1, 2)
    assert "now waits for another kind of event" in check.reason
    _deploy_bytes(
        office, read("multiple_catch_any.bpmn").replace(b"Review the file", b"Review"), "x.bpmn"
    )
    [check] = case_migration.migrate_cases(office, "multiple_catch_any", 1, 3, actor="admin")
    office.commit()
    assert check.migrated, check.reason
    case = restored(office, case)
    assert office.scalar(select(Timer.due_at).where(Timer.case_id == case.id)) == due
    deliver(office, case, "applicant_reply", {"answer": "yes"})
    assert inbox(office, case, "vera") == ["Review"]


def test_a_signal_among_several_definitions_is_caught_from_another_case(office):
    signal = b'<bpmn:signalEventDefinition id="both_closed" signalRef="sig_closed"/>'
    data = (
        read("multiple_catch_parallel.bpmn")
        .replace(b'<bpmn:messageEventDefinition id="both_signed" messageRef="msg_signed"/>', signal)
        .replace(
            b"<bpmn:process ", b'<bpmn:signal id="sig_closed" name="file_closed"/><bpmn:process '
        )
    )
    _deploy_bytes(office, data, "multiple_catch_parallel.bpmn")
    deploy(office, "multiple_throw.bpmn")
    case = services.start_case(office, "multiple_catch_parallel", {})
    office.commit()
    deliver(office, case, "payment_confirmed")
    assert inbox(office, case, "vera") == []
    services.start_case(office, "multiple_throw", {"file_no": "F-9"})
    office.commit()
    assert inbox(office, case, "vera") == ["Issue the permit"]
