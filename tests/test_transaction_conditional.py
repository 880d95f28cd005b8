"""Transactions with a cancel end event, and conditional events, run through the facade.

Models in ``tests/bpmn_features/``: ``transaction_cancel.bpmn`` (a cancel end event in
a transaction, caught by the cancel boundary event on it), ``conditional_catch.bpmn``
(a branch waits until a form on the other branch sets the name its condition reads),
``conditional_boundary.bpmn`` (a conditional boundary event interrupts a task; a
conditional start event begins an event sub-process). Each step restores the case from
the database (live workflows forgotten) before it acts.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.validation.process import validate_file
from tests.test_bpmn_coverage import complete, deploy, inbox, restored

TRANSACTION = "transaction_cancel.bpmn"
CATCH = "conditional_catch.bpmn"
BOUNDARY = "conditional_boundary.bpmn"


@pytest.fixture
def office(session):
    for username, roles in [("vera", ["verifier"]), ("tina", ["technical"]), ("hana", ["head"])]:
        services.create_user(session, username, roles=roles)
    session.commit()
    return session


def _start(session, name: str, key: str):
    deploy(session, name)
    case = services.start_case(session, key, {})
    session.commit()
    return case


# -- transactions ----------------------------------------------------------------------


def test_a_cancel_end_event_cancels_the_transaction_and_follows_the_cancel_boundary(office):
    case = _start(office, TRANSACTION, "transaction_cancel")
    assert inbox(office, case, "tina") == ["Inspect the site"]
    assert inbox(office, case, "vera") == ["Write the report"]
    complete(office, case, "tina", "Inspect the site", {"site_fit": False})
    # the report, still open inside the transaction, is cancelled with it
    assert inbox(office, case, "vera") == []
    assert inbox(office, case, "hana") == ["Inform the applicant"]
    assert restored(office, case).status == "running"
    complete(office, case, "hana", "Inform the applicant")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Refused")


def test_a_transaction_that_completes_leaves_by_its_outgoing_flow(office):
    case = _start(office, TRANSACTION, "transaction_cancel")
    complete(office, case, "tina", "Inspect the site", {"site_fit": True})
    assert inbox(office, case, "vera") == ["Write the report"]
    complete(office, case, "vera", "Write the report")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Approved")
    assert inbox(office, case, "hana") == []


# -- conditional events ----------------------------------------------------------------


def test_a_conditional_catch_waits_until_a_form_makes_its_condition_true(office):
    case = _start(office, CATCH, "conditional_catch")
    assert inbox(office, case, "vera") == ["Collect the documents"]
    assert inbox(office, case, "tina") == []
    complete(office, case, "vera", "Collect the documents", {"documents_complete": False})
    assert inbox(office, case, "tina") == []  # still false: the review waits
    complete(office, case, "vera", "Confirm the documents", {"documents_complete": True})
    assert inbox(office, case, "tina") == ["Technical review"]
    complete(office, case, "tina", "Technical review")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Reviewed")


def test_a_case_waiting_only_on_a_condition_says_so_by_the_event_name(office):
    case = _start(office, CATCH, "conditional_catch")
    complete(office, case, "vera", "Collect the documents", {"documents_complete": False})
    complete(office, case, "vera", "Confirm the documents", {"documents_complete": False})
    case = restored(office, case)
    assert case.status == "running"
    assert case.current_step == "Waiting: Documents complete"


def test_a_conditional_boundary_event_interrupts_its_task(office):
    case = _start(office, BOUNDARY, "conditional_boundary")
    assert inbox(office, case, "vera") == ["Await the payment"]
    complete(office, case, "hana", "Record the applicant's answer", {"withdrawn": True, "fee": 5})
    assert inbox(office, case, "vera") == []
    case = restored(office, case)
    assert case.status == "completed"
    assert case.outcome in {"Withdrawn", "Answer recorded"}


def test_a_conditional_start_begins_its_event_sub_process(office):
    case = _start(office, BOUNDARY, "conditional_boundary")
    complete(
        office,
        case,
        "hana",
        "Record the applicant's answer",
        {"withdrawn": False, "fee": 2_000_000},
    )
    assert inbox(office, case, "hana") == ["Write the audit note"]
    assert inbox(office, case, "vera") == ["Await the payment"]
    complete(office, case, "hana", "Write the audit note")
    complete(office, case, "vera", "Await the payment")
    case = restored(office, case)
    assert (case.status, case.outcome) == ("completed", "Paid")
