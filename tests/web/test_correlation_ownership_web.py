"""On the public apply page an applicant amends their own permit by its number, and a
number typed of another applicant's permit changes nothing of it
(tests/test_correlation_ownership.py has the rules through engine.services)."""

from __future__ import annotations

from engine import services
from tests.test_bpmn_coverage import deploy, inbox, restored
from tests.test_event_subprocesses import staff


def _apply(citizen, key: str, data: dict) -> str:
    page = f"/services/{key}/apply"
    response = citizen.post(page, data, form_page=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("/track/")[1].split("?")[0]


def test_an_applicant_amends_only_their_own_permit_on_the_portal(citizen, db):
    staff(db)
    deploy(db, "owned_permit.bpmn")
    deploy(db, "permit_amendment.bpmn")
    siti = {"applicant_name": "Siti Rahayu", "email": "siti@example.id"}
    own = _apply(citizen, "owned_permit", {**siti, "permit_no": "IMB-001"})
    budi = services.start_case(
        db,
        "owned_permit",
        {"applicant_name": "Budi", "email": "budi@example.id", "permit_no": "IMB-002"},
        started_by="front",
    )
    db.commit()

    refused = _apply(citizen, "permit_amendment", {**siti, "permit_no": "IMB-002", "change": "x"})
    assert inbox(db, budi, "vera") == []
    assert "amendment" not in services.case_data(restored(db, budi))
    case = services.get_case(db, refused)
    [entry] = [e for e in services.case_history(db, case.id) if e.action == "message_not_delivered"]
    assert "belongs to another applicant" in entry.message

    _apply(citizen, "permit_amendment", {**siti, "permit_no": "IMB-001", "change": "roof"})
    permit = services.get_case(db, own)
    assert inbox(db, permit, "vera") == ["Review the amendment"]
    assert services.case_data(restored(db, permit))["amendment"] == "roof"
