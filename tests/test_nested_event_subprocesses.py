"""Event sub-processes declared inside sub-processes start on messages, signals, errors
and escalations while their scope runs (not only on timers, and not only at the top).

Models in ``tests/bpmn_features/nested_event_subprocess_*.bpmn``; every step goes through
the engine facade, the case restored from the database before it.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.errors import InvalidState
from tests.test_bpmn_coverage import complete, deploy, inbox, restored

MESSAGE = "nested_event_subprocess_message"
ERROR = "nested_event_subprocess_error"
DEEP = "nested_event_subprocess_deep"


@pytest.fixture
def office(session):
    """A verifier (vera) and a head of office (hana)."""
    services.create_user(session, "vera", roles=["verifier"])
    services.create_user(session, "hana", roles=["head"])
    session.commit()
    return session


def _start(session, key: str):
    deploy(session, f"{key}.bpmn")
    case = services.start_case(session, key, {})
    session.commit()
    return case


def _deliver(session, case, name: str, payload: dict | None = None) -> None:
    services.deliver_message(session, restored(session, case), name, payload or {})
    session.commit()


def _ended(session, case, outcome: str) -> None:
    case = restored(session, case)
    assert (case.status, case.outcome) == ("completed", outcome)


# -- messages ---------------------------------------------------------------------------


def test_an_interrupting_message_ends_only_the_sub_process_that_declares_it(office):
    case = _start(office, MESSAGE)
    assert inbox(office, case, "vera") == ["Read the file"]
    _deliver(office, case, "withdrawn")
    assert inbox(office, case, "vera") == []  # the reading was cancelled
    assert inbox(office, case, "hana") == ["Confirm the withdrawal"]
    complete(office, case, "hana", "Confirm the withdrawal")
    assert inbox(office, case, "hana") == ["Decide"]  # the process goes on after the review
    complete(office, case, "hana", "Decide")
    _ended(office, case, "Decided")


def test_a_non_interrupting_message_adds_work_beside_the_sub_process_flow(office):
    case = _start(office, MESSAGE)
    _deliver(office, case, "question", {"topic": "fees", "secret": "x"})
    assert inbox(office, case, "vera") == ["Answer the question", "Read the file"]
    [answer] = [t for t in services.tasks_for_user(office, "vera") if t.name.startswith("Answer")]
    assert services.task_data(answer).get("topic") == "fees"
    assert "secret" not in services.task_data(answer)  # only the declared field is kept
    _deliver(office, case, "question", {"topic": "dates"})  # a second question: a second answer
    assert inbox(office, case, "vera") == [
        "Answer the question",
        "Answer the question",
        "Read the file",
    ]
    complete(office, case, "vera", "Read the file")
    assert inbox(office, case, "hana") == []  # the review ends when its answers are done
    complete(office, case, "vera", "Answer the question")
    complete(office, case, "vera", "Answer the question")
    assert inbox(office, case, "hana") == ["Decide"]
    complete(office, case, "hana", "Decide")
    _ended(office, case, "Decided")
    history = services.case_history(office, restored(office, case).tracking_code)
    received = [e for e in history if e.action == "message_received"]
    assert [e.data for e in received] == [{"topic": "fees"}, {"topic": "dates"}]


def test_a_message_after_the_sub_process_ended_is_refused(office):
    case = _start(office, MESSAGE)
    complete(office, case, "vera", "Read the file")
    assert inbox(office, case, "hana") == ["Decide"]
    for name in ("withdrawn", "question"):
        with pytest.raises(InvalidState, match="not waiting for the message"):
            services.deliver_message(office, restored(office, case), name, {})
    office.rollback()
    assert inbox(office, case, "hana") == ["Decide"]


def test_once_interrupted_the_sub_process_takes_no_other_message(office):
    case = _start(office, MESSAGE)
    _deliver(office, case, "withdrawn")
    with pytest.raises(InvalidState, match="not waiting for the message"):
        services.deliver_message(office, restored(office, case), "question", {})
    office.rollback()
    assert inbox(office, case, "vera") == []


def test_a_message_from_another_case_naming_it_starts_the_nested_event_sub_process(office):
    case, other = _start(office, MESSAGE), services.start_case(office, MESSAGE, {})
    office.commit()
    deploy(office, "withdrawal_request.bpmn")
    code = restored(office, case).tracking_code
    services.start_case(office, "withdrawal_request", {"application_code": code})
    office.commit()
    assert inbox(office, case, "hana") == ["Confirm the withdrawal"]
    assert inbox(office, case, "vera") == []
    assert inbox(office, other, "vera") == ["Read the file"]  # only the case named


# -- errors and escalations ------------------------------------------------------------


def test_an_error_thrown_in_the_sub_process_starts_its_own_event_sub_process(office):
    case = _start(office, ERROR)
    complete(office, case, "vera", "Check documents", {"finding": "incomplete"})
    # caught inside the review, so the review's boundary error event does not fire
    assert inbox(office, case, "hana") == ["Send the refusal"]
    assert inbox(office, case, "vera") == []
    complete(office, case, "hana", "Send the refusal")
    assert inbox(office, case, "hana") == ["Decide"]
    complete(office, case, "hana", "Decide")
    _ended(office, case, "Decided")


def test_an_escalation_in_the_sub_process_adds_the_head_review_beside_the_filing(office):
    case = _start(office, ERROR)
    complete(office, case, "vera", "Check documents", {"finding": "escalate"})
    assert inbox(office, case, "hana") == ["Head review"]
    assert inbox(office, case, "vera") == ["File the application"]
    complete(office, case, "vera", "File the application")
    assert inbox(office, case, "hana") == ["Head review"]
    complete(office, case, "hana", "Head review")
    complete(office, case, "hana", "Decide")
    _ended(office, case, "Decided")


def test_without_a_throw_no_nested_event_sub_process_starts(office):
    case = _start(office, ERROR)
    complete(office, case, "vera", "Check documents", {"finding": "complete"})
    assert inbox(office, case, "hana") == []
    complete(office, case, "vera", "File the application")
    complete(office, case, "hana", "Decide")
    _ended(office, case, "Decided")


# -- two sub-processes deep: signal, escalation up a scope, message --------------------


def test_a_signal_interrupts_the_innermost_sub_process_only(office):
    case = _start(office, DEEP)
    assert inbox(office, case, "vera") == ["Measure"]
    complete(office, case, "hana", "Announce the closing")
    assert inbox(office, case, "vera") == ["Reschedule the measurement"]
    complete(office, case, "vera", "Reschedule the measurement")
    assert inbox(office, case, "vera") == ["Write the report"]  # the outer one goes on
    complete(office, case, "vera", "Write the report")
    _ended(office, case, "Done")


def test_a_signal_after_the_inner_sub_process_ended_starts_nothing(office):
    case = _start(office, DEEP)
    complete(office, case, "vera", "Measure", {"result": "ok"})
    complete(office, case, "hana", "Announce the closing")
    assert inbox(office, case, "vera") == ["Write the report"]
    complete(office, case, "vera", "Write the report")
    _ended(office, case, "Done")


def test_an_escalation_in_the_inner_sub_process_reaches_the_outer_event_sub_process(office):
    case = _start(office, DEEP)
    complete(office, case, "vera", "Measure", {"result": "escalate"})
    assert inbox(office, case, "hana") == ["Announce the closing", "Head review"]
    assert inbox(office, case, "vera") == ["Write the report"]
    complete(office, case, "hana", "Head review")
    complete(office, case, "hana", "Announce the closing")
    complete(office, case, "vera", "Write the report")
    _ended(office, case, "Done")


def test_a_message_reaches_the_outer_sub_process_while_the_inner_one_runs(office):
    case = _start(office, DEEP)
    _deliver(office, case, "note")
    assert inbox(office, case, "vera") == ["File the note", "Measure"]
    complete(office, case, "vera", "File the note")
    complete(office, case, "vera", "Measure", {"result": "ok"})
    _deliver(office, case, "note")  # the outer sub-process still runs
    complete(office, case, "vera", "File the note")
    complete(office, case, "vera", "Write the report")
    with pytest.raises(InvalidState, match="not waiting for the message"):
        services.deliver_message(office, restored(office, case), "note", {})
    office.rollback()
    complete(office, case, "hana", "Announce the closing")
    _ended(office, case, "Announced")


def test_a_signal_thrown_by_another_case_interrupts_the_inner_sub_process(office):
    case, other = _start(office, DEEP), services.start_case(office, DEEP, {})
    office.commit()
    complete(office, other, "hana", "Announce the closing")
    for each in (case, other):  # the thrower's own inner review and the other case's
        assert inbox(office, each, "vera") == ["Reschedule the measurement"]
