"""A message naming its case by ``case_code`` (issue 9): from a case the applicant
started on the public portal it reaches no case, since a tracking code the applicant
typed proves no ownership of the case it names (the public apply page starts cases with
``started_by="applicant"``); from a case started in the office it is delivered."""

from __future__ import annotations

import pytest

from engine import services
from tests.test_bpmn_coverage import deploy, inbox, restored
from tests.test_event_subprocesses import KEY, MODEL, staff


@pytest.fixture
def office(session):
    staff(session)
    deploy(session, MODEL)
    deploy(session, "withdrawal_request.bpmn")
    return session


def _request(session, target, started_by: str):
    code = restored(session, target).tracking_code
    request = services.start_case(
        session, "withdrawal_request", {"application_code": code}, started_by=started_by
    )
    session.commit()
    return request


def test_a_publicly_started_case_cannot_withdraw_a_case_by_its_code(office):
    target = services.start_case(office, KEY, {})
    office.commit()
    request = _request(office, target, "applicant")
    assert inbox(office, target, "vera") == ["Check documents"]  # not withdrawn
    assert inbox(office, target, "hana") == []
    history = services.case_history(office, restored(office, target).id)
    assert not [e for e in history if e.action == "message_received"]
    [refused] = [
        e
        for e in services.case_history(office, restored(office, request).id)
        if e.action == "message_not_delivered"
    ]
    code = restored(office, target).tracking_code
    assert f"names case {code} by case_code" in refused.message
    assert "public portal" in refused.message and "proves no ownership" in refused.message
    assert refused.element_id == "withdraw"


def test_a_case_started_in_the_office_withdraws_the_case_it_names(office):
    target, other = services.start_case(office, KEY, {}), services.start_case(office, KEY, {})
    office.commit()
    request = _request(office, target, "clerk")
    assert inbox(office, target, "hana") == ["Confirm the withdrawal"]
    assert inbox(office, other, "vera") == ["Check documents"]
    history = services.case_history(office, restored(office, request).id)
    assert not [e for e in history if e.action == "message_not_delivered"]
