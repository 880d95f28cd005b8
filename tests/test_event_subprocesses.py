"""Interrupting event sub-processes: the triggering event stops the rest of the scope.

One model (``tests/bpmn_features/interrupting_event_subprocess.bpmn``) with an event
sub-process per kind of start (timer, message, error, escalation, signal); each run goes
through the engine facade, the case restored from the database before every step.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import services
from engine.calendar import clock
from engine.validation.process import validate_file
from tests.test_bpmn_coverage import complete, deploy, inbox, read, restored

MODEL = "interrupting_event_subprocess.bpmn"
KEY = "interrupting_event_subprocess"


def staff(session):
    """A verifier (vera) and a head of office (hana)."""
    services.create_user(session, "vera", roles=["verifier"])
    services.create_user(session, "hana", roles=["head"])
    session.commit()
    return session


@pytest.fixture
def office(session):
    return staff(session)


def _expire(session, case) -> None:
    clock.advance(timedelta(days=5, minutes=1))
    services.tick(session)
    session.commit()


def _withdraw(session, case) -> None:
    services.deliver_message(session, restored(session, case), "withdrawn", {})
    session.commit()


def _finding(value: str):
    def act(session, case) -> None:
        complete(session, case, "vera", "Check documents", {"finding": value})

    return act


@pytest.mark.parametrize(
    ("trigger", "head_task", "outcome"),
    [
        (_expire, "Close the expired application", "Expired"),
        (_withdraw, "Confirm the withdrawal", "Withdrawn"),
        (_finding("incomplete"), "Send the refusal", "Refused"),
        (_finding("escalate"), "Head review", "Reviewed by the head"),
        (_finding("closed"), "Reschedule the application", "Rescheduled"),
    ],
    ids=["timer", "message", "error", "escalation", "signal"],
)
def test_an_interrupting_event_sub_process_stops_the_rest_of_the_case(
    office, trigger, head_task, outcome
):
    deploy(office, MODEL)
    case = services.start_case(office, KEY, {})
    office.commit()
    assert inbox(office, case, "vera") == ["Check documents"]
    trigger(office, case)
    # the main flow is cancelled: neither the check nor the filing after a throw is open
    assert inbox(office, case, "vera") == []
    assert inbox(office, case, "hana") == [head_task]
    complete(office, case, "hana", head_task)
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", outcome)
    assert inbox(office, case, "vera") == [] and inbox(office, case, "hana") == []


def test_once_interrupted_the_other_event_sub_processes_no_longer_fire(office):
    deploy(office, MODEL)
    case = services.start_case(office, KEY, {})
    office.commit()
    _withdraw(office, case)
    _expire(office, case)  # the expiry timer was cancelled with the rest of the scope
    assert inbox(office, case, "hana") == ["Confirm the withdrawal"]
    complete(office, case, "hana", "Confirm the withdrawal")
    assert (restored(office, case).status, restored(office, case).outcome) == (
        "completed",
        "Withdrawn",
    )


def test_a_case_that_ends_its_main_flow_ends_without_its_event_sub_processes(office):
    deploy(office, MODEL)
    case = services.start_case(office, KEY, {})
    office.commit()
    complete(office, case, "vera", "Check documents", {"finding": "complete"})
    complete(office, case, "vera", "File the application")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Filed")
    _expire(office, case)
    assert restored(office, case).outcome == "Filed"


def test_an_interrupting_event_sub_process_validates_without_problems():
    _, problems = validate_file(read(MODEL), MODEL)
    assert not [p for p in problems if p.severity == "error"], problems


SCOPES = "event_subprocess_scopes.bpmn"


def test_an_interrupting_event_sub_process_of_a_sub_process_ends_only_that_sub_process(office):
    deploy(office, SCOPES)
    case = services.start_case(office, "event_subprocess_scopes", {})
    office.commit()
    clock.advance(timedelta(days=1, minutes=1))
    services.tick(office)
    office.commit()
    assert inbox(office, case, "vera") == []  # the reading was cancelled
    assert inbox(office, case, "hana") == ["Note the delay"]
    complete(office, case, "hana", "Note the delay")
    assert inbox(office, case, "hana") == ["Decide"]  # the process goes on after the review
    complete(office, case, "hana", "Decide")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Decided")


def test_a_non_interrupting_message_adds_work_and_the_case_ends_when_it_is_done(office):
    deploy(office, SCOPES)
    case = services.start_case(office, "event_subprocess_scopes", {})
    office.commit()
    services.deliver_message(office, restored(office, case), "question", {})
    office.commit()
    assert inbox(office, case, "vera") == ["Answer the question", "Read the file"]
    complete(office, case, "vera", "Read the file")
    complete(office, case, "hana", "Decide")
    assert restored(office, case).status == "running"  # the answer is still open
    complete(office, case, "vera", "Answer the question")
    case = restored(office, case)  # the outcome is the main flow's end, not the answer's
    assert (case.status, case.outcome) == ("completed", "Decided")


def test_a_message_from_another_case_naming_it_starts_its_event_sub_process(office):
    deploy(office, MODEL)
    deploy(office, "withdrawal_request.bpmn")
    case, other = services.start_case(office, KEY, {}), services.start_case(office, KEY, {})
    office.commit()
    code = restored(office, case).tracking_code
    services.start_case(office, "withdrawal_request", {"application_code": code})
    office.commit()
    assert inbox(office, case, "vera") == []
    assert inbox(office, case, "hana") == ["Confirm the withdrawal"]
    assert inbox(office, other, "vera") == ["Check documents"]  # only the case named
