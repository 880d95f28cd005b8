"""Clerks: inbox, claim, complete with per-field messages, return, stale pages."""

from __future__ import annotations

import pytest

from engine import services
from tests.web.conftest import advance_to, open_task, start_building_case


def test_claim_complete_and_the_next_lane_gets_it(staff, db):
    case = start_building_case(db)
    task = open_task(db, case)
    front = staff("front")
    assert front.post(f"/tasks/{task.id}/claim").status_code == 302
    page = front.get("/inbox/").get_data(as_text=True)
    assert "diambil oleh saya" in page  # Indonesian is the default language
    response = front.post(f"/tasks/{task.id}/complete", data={"documents_received": "on"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")
    assert open_task(db, case).element_id == "verify_documents"
    assert "Verifikasi berkas" in staff("verifier").get("/inbox/").get_data(as_text=True)


def test_wrong_fields_get_a_message_each_and_keep_the_typed_values(staff, db):
    case = start_building_case(db)
    advance_to(db, case, "fee_assessment")
    task = open_task(db, case)
    cashier = staff("cashier")
    cashier.client.get("/", headers={"Accept-Language": "en"})
    response = cashier.post(
        f"/tasks/{task.id}/complete", data={"fee_amount": "lots", "fee_basis": "Perda 7/2025"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Retribution (IDR) harus berupa bilangan bulat" in page  # the office speaks Indonesian
    assert 'value="lots"' in page and "Perda 7/2025" in page
    assert 'aria-invalid="true"' in page
    assert open_task(db, case).element_id == "fee_assessment"


def test_a_stale_page_says_who_completed_it_and_keeps_what_was_typed(staff, db):
    case = start_building_case(db)
    task = open_task(db, case)
    first, second = staff("front"), staff("admin")
    assert first.get(f"/tasks/{task.id}").status_code == 200
    assert (
        second.post(f"/tasks/{task.id}/complete", data={"documents_received": "on"}).status_code
        == 302
    )
    response = first.post(
        f"/tasks/{task.id}/complete",
        data={"documents_received": "on", "registration_note": "Catatan saya yang panjang"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "admin" in page and "Catatan saya yang panjang" in page
    assert "Traceback" not in page
    assert first.get(f"/tasks/{task.id}").status_code == 409  # reopening: the same clear page


def test_claimed_by_someone_else_meanwhile(staff, db):
    case = start_building_case(db)
    task = open_task(db, case)
    services.claim(db, task.id, "admin")
    db.commit()
    response = staff("front").post(f"/tasks/{task.id}/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")


def test_return_to_the_applicant_needs_a_reason(staff, db):
    case = start_building_case(db)
    task = open_task(db, case)
    front = staff("front")
    assert front.post(f"/tasks/{task.id}/return", data={"reason": " "}).status_code == 422
    assert (
        front.post(
            f"/tasks/{task.id}/return", data={"reason": "Sertifikat tidak terbaca"}
        ).status_code
        == 302
    )
    db.expire_all()
    assert services.get_case(db, case.id).status == "returned"
    response = front.post(f"/cases/{case.tracking_code}/resume")
    assert response.status_code == 302
    db.expire_all()
    assert services.get_case(db, case.id).status == "running"


def test_unclaim_puts_it_back(staff, db):
    case = start_building_case(db)
    task = open_task(db, case)
    front = staff("front")
    front.post(f"/tasks/{task.id}/claim")
    assert front.post(f"/tasks/{task.id}/unclaim").status_code == 302
    assert open_task(db, case).assignee is None


def test_documents_are_uploaded_and_downloaded(staff, db):
    import io

    case = start_building_case(db, floor_area=900)
    advance_to(db, case, "field_inspection")
    task = open_task(db, case)
    inspector = staff("inspector")
    data = {
        "inspection_date": "2026-02-02",
        "site_matches_plan": "on",
        "inspection_report": (io.BytesIO(b"%PDF-1.4 report"), "laporan.pdf"),
    }
    response = inspector.post(
        f"/tasks/{task.id}/complete", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = inspector.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    assert "laporan.pdf" in page
    link = page.split('href="/cases/' + case.tracking_code + "/documents/")[1].split('"')[0]
    download = inspector.get(f"/cases/{case.tracking_code}/documents/{link}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 report"
    assert (
        inspector.get(f"/cases/{case.tracking_code}/documents/..%2Fsecret_key").status_code == 404
    )


def test_an_executable_upload_is_refused_with_a_field_message(staff, db):
    import io

    case = start_building_case(db)
    advance_to(db, case, "field_inspection")
    task = open_task(db, case)
    data = {
        "inspection_date": "2026-02-02",
        "inspection_report": (io.BytesIO(b"MZ..."), "virus.exe"),
    }
    response = staff("inspector").post(
        f"/tasks/{task.id}/complete", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "PDF" in response.get_data(as_text=True)


def test_field_messages_follow_the_users_language():
    from flask import session

    from engine.bpmn.model import FormField
    from engine.errors import InvalidFormData
    from engine.office.forms import validate_form
    from webapp import create_app
    from webapp.tasks.messages import field_errors

    fields = (
        FormField("floor_area", "Luas lantai", "long", constraints={"required": "", "min": "1"}),
    )
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PERMITFLOW_DATABASE_URL": "sqlite://"})
    cases = (
        ({}, "is required", "wajib diisi"),
        ({"floor_area": "0"}, "must be at least 1", "paling kecil 1"),
    )
    for submitted, english, indonesian in cases:
        with pytest.raises(InvalidFormData) as error:
            validate_form(fields, submitted)
        assert error.value.errors["floor_area"] == f"Luas lantai {english}"  # CLI and API
        for lang, expected in (("id", indonesian), ("en", english)):
            with app.test_request_context():
                session["lang"] = lang
                assert field_errors(error.value)["floor_area"] == f"Luas lantai {expected}"
