"""A message thrown by a case an applicant started on the public portal reaches only a
case of the same applicant, whatever value it correlates by: a permit number the
applicant typed proves no ownership of the permit it names.

The applicant's identity is the email address the case records (where its private link
and notices go). ``permit_amendment.bpmn`` throws ``amendment_requested`` with the
permit number typed on its start form; ``owned_permit.bpmn`` waits for it, correlated
by that number; ``amendment_intake.bpmn`` starts on an amendment no permit waits for.
"""

from __future__ import annotations

import pytest

from engine import services
from tests.test_bpmn_coverage import deploy, inbox, restored
from tests.test_event_subprocesses import staff

SITI = {"applicant_name": "Siti Rahayu", "email": "siti@example.id"}
BUDI = {"applicant_name": "Budi Santoso", "email": "budi@example.id"}


@pytest.fixture
def office(session):
    staff(session)
    deploy(session, "owned_permit.bpmn")
    deploy(session, "permit_amendment.bpmn")
    return session


def _permit(session, person: dict, permit_no: str, started_by: str = "applicant"):
    permit = services.start_case(
        session, "owned_permit", {**person, "permit_no": permit_no}, started_by=started_by
    )
    session.commit()
    return permit


def _amend(session, person: dict, permit_no: str, started_by: str = "applicant"):
    data = {**person, "permit_no": permit_no, "change": "second floor"}
    amendment = services.start_case(session, "permit_amendment", data, started_by=started_by)
    session.commit()
    return restored(session, amendment)


def _history(session, case, action: str) -> list:
    case = restored(session, case)
    return [e for e in services.case_history(session, case.id) if e.action == action]


def _untouched(session, permit) -> bool:
    """The permit still waits for an amendment and received none."""
    case = restored(session, permit)
    return (
        case.current_step == "Waiting: Amendment requested"
        and "amendment" not in services.case_data(case)
        and not _history(session, permit, "message_received")
    )


def test_an_applicants_amendment_reaches_their_own_permit(office):
    permit = _permit(office, SITI, "IMB-001")
    other = _permit(office, BUDI, "IMB-002")
    amendment = _amend(office, {**SITI, "email": " Siti@Example.ID "}, "IMB-001")
    assert inbox(office, permit, "vera") == ["Review the amendment"]
    assert services.case_data(restored(office, permit))["amendment"] == "second floor"
    assert _untouched(office, other)
    assert amendment.status == "completed"
    assert not _history(office, amendment, "message_not_delivered")


def test_a_typed_number_of_another_applicants_permit_reaches_no_case(office):
    """On the old code the amendment withdrew or changed Budi's permit."""
    permit = _permit(office, BUDI, "IMB-002")
    code = restored(office, permit).tracking_code
    amendment = _amend(office, SITI, "IMB-002")
    assert _untouched(office, permit)
    assert inbox(office, permit, "vera") == []
    assert amendment.status == "completed"  # the applicant's case goes on
    [refused] = _history(office, amendment, "message_not_delivered")
    assert refused.element_id == "send_amendment"
    assert f"case {code} correlates to permit number = 'IMB-002'" in refused.message
    assert "belongs to another applicant" in refused.message
    assert "proves no ownership" in refused.message


def test_a_permit_started_by_staff_for_the_applicant_is_theirs(office):
    permit = _permit(office, SITI, "IMB-003", started_by="front")
    _amend(office, SITI, "IMB-003")
    assert inbox(office, permit, "vera") == ["Review the amendment"]


def test_an_amendment_started_by_staff_reaches_any_permit(office):
    """A clerk checked who asks: a case started in the office keeps today's behaviour."""
    permit = _permit(office, BUDI, "IMB-004")
    amendment = _amend(office, {"applicant_name": "Clerk", "email": ""}, "IMB-004", "front")
    assert inbox(office, permit, "vera") == ["Review the amendment"]
    assert not _history(office, amendment, "message_not_delivered")


def test_without_an_email_no_case_is_shown_to_be_the_applicants(office):
    nobody = {"applicant_name": "Anonim", "email": ""}
    permit = _permit(office, nobody, "IMB-005")
    amendment = _amend(office, nobody, "IMB-005")
    assert _untouched(office, permit)
    [refused] = _history(office, amendment, "message_not_delivered")
    assert "records no applicant email" in refused.message


def test_a_refused_amendment_starts_no_case_either(office):
    deploy(office, "amendment_intake.bpmn")
    permit = _permit(office, BUDI, "IMB-006")
    _amend(office, SITI, "IMB-006")
    assert _untouched(office, permit)
    assert not [c for c in services.list_cases(office) if c.process_key == "amendment_intake"]


def test_a_case_an_applicants_message_starts_is_the_applicants(office):
    """The started case is the applicant's own, so its messages are checked as theirs."""
    deploy(office, "amendment_intake.bpmn")
    amendment = _amend(office, SITI, "IMB-404")
    [started] = [c for c in services.list_cases(office) if c.process_key == "amendment_intake"]
    assert started.started_by == "applicant"
    assert (started.applicant_name, started.applicant_email) == (
        SITI["applicant_name"],
        SITI["email"],
    )
    assert services.case_data(started)["amendment"] == "second floor"
    assert _history(office, amendment, "message_started_case")


def test_a_case_a_clerks_message_starts_keeps_todays_owner(office):
    deploy(office, "amendment_intake.bpmn")
    _amend(office, SITI, "IMB-404", started_by="front")
    [started] = [c for c in services.list_cases(office) if c.process_key == "amendment_intake"]
    assert started.started_by == "front" and started.applicant_email == ""
