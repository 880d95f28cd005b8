"""The public apply page reaches a message naming a case by ``case_code`` (issue 9): an
applicant types another case's tracking code, and that case is not withdrawn."""

from __future__ import annotations

from engine import services
from tests.test_bpmn_coverage import deploy, inbox, restored
from tests.test_event_subprocesses import KEY, MODEL, staff


def test_a_code_typed_on_the_public_apply_page_withdraws_no_case(citizen, db):
    staff(db)
    deploy(db, MODEL)
    deploy(db, "public_withdrawal.bpmn")
    target = services.start_case(db, KEY, {})
    db.commit()
    code = restored(db, target).tracking_code
    page = "/services/public_withdrawal/apply"
    response = citizen.post(page, {"application_code": code}, form_page=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert inbox(db, target, "vera") == ["Check documents"]  # not withdrawn
    assert inbox(db, target, "hana") == []
    [request] = [c for c in services.list_cases(db) if c.process_key == "public_withdrawal"]
    [refused] = [
        e for e in services.case_history(db, request.id) if e.action == "message_not_delivered"
    ]
    assert f"names case {code} by case_code" in refused.message
