"""The public side in the test client: catalogue, applying, tracking, answering a return,
documents, complaints, the survey and the IKM page, the queue."""

from __future__ import annotations

import re

import pytest

from engine import services
from engine.storage.tables import Case, Document
from tests.web.conftest import BUILDING_START, PDF, apply_for_building, open_task, pdf


def test_landing_and_catalogue_are_indonesian_by_default(citizen):
    page = citizen.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Layanan" in page and "Persetujuan Bangunan Gedung" in page and "Masuk petugas" in page
    service = citizen.get("/services/building_approval").get_data(as_text=True)
    assert "Persyaratan" in service and "28 hari kerja" in service and "SP4N-LAPOR!" in service
    assert 'data-xml-url="/services/building_approval/diagram.bpmn"' in service
    diagram = citizen.get("/services/building_approval/diagram.bpmn")
    assert diagram.status_code == 200 and b"bpmn:definitions" in diagram.data
    assert citizen.get("/services/nope").status_code == 404
    citizen.post("/language", {"lang": "en", "next": "/services/"}, form_page="/")
    assert "Apply online" in citizen.get("/services/").get_data(as_text=True)
    for url in (
        "/",
        "/services/building_approval/apply",
        "/track",
        "/queue/",
        "/queue/display",
        "/ikm",
    ):
        response = citizen.get(url)
        assert response.status_code == 200 and 'lang="en"' in response.get_data(as_text=True), url


def test_apply_with_documents_and_follow_the_case(citizen, db, staff):
    code, private = apply_for_building(citizen)
    page = citizen.get(private + "&new=1").get_data(as_text=True)
    assert code in page and "sertifikat.pdf" in page and "Permohonan " + code + " diterima" in page
    case = services.get_case(db, code)
    assert case.status == "running" and case.applicant_email == "siti@example.id"
    docs = db.query(Document).filter_by(case_id=case.id).all()
    assert {d.field_id for d in docs} == {"land_certificate", "building_plan"}
    assert services.case_data(case)["land_certificate"]["name"] == "sertifikat.pdf"
    bare = citizen.get(f"/track/{code}").get_data(as_text=True)  # the code alone: status only
    assert "sedang diproses" in bare and "sertifikat.pdf" not in bare
    link = f"/track/{code}/documents/{docs[0].id}"
    assert (
        citizen.get(link).status_code == 404 and citizen.get(link + "?k=wrong").status_code == 404
    )
    download = citizen.get(link + "?k=" + private.split("k=")[1])
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    task_page = staff("front").get(f"/tasks/{open_task(db, case).id}").get_data(as_text=True)
    assert "sertifikat.pdf" in task_page  # the clerk sees the citizen's upload
    assert staff("front").get(f"/cases/{code}/documents/{docs[0].id}").data == PDF
    assert staff("designer").get(f"/cases/{code}/documents/{docs[0].id}").status_code == 403


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("virus.exe", b"MZ\x90\x00", "PDF, JPEG"),
        ("palsu.pdf", b"<html>", "bukan|not really"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_starts(citizen, db, name, data, message):
    import io

    form = {
        **BUILDING_START,
        "land_certificate": (io.BytesIO(data), name),
        "building_plan": pdf("gambar.pdf"),
    }
    response = citizen.post(
        "/services/building_approval/apply", form, form_page="/services/building_approval/apply"
    )
    assert response.status_code == 422 and re.search(message, response.get_data(as_text=True))
    assert db.query(Case).count() == 0


def test_a_large_upload_is_refused(app, citizen, db):
    import io

    app.config["UPLOAD_MAX_BYTES"] = 1024
    form = {
        **BUILDING_START,
        "land_certificate": (io.BytesIO(PDF + b"0" * 2048), "besar.pdf"),
        "building_plan": pdf("gambar.pdf"),
    }
    response = citizen.post(
        "/services/building_approval/apply", form, form_page="/services/building_approval/apply"
    )
    assert response.status_code == 422 and db.query(Case).count() == 0


def test_a_returned_case_is_answered_on_the_private_page(citizen, db):
    code, private = apply_for_building(citizen)
    case = services.get_case(db, code)
    services.complete_task(db, open_task(db, case).id, "front", {"documents_received": True})
    services.return_to_applicant(
        db,
        open_task(db, case).id,
        "verifier",
        "Lampirkan KKPR yang masih berlaku",
        fields=["building_plan", "floors"],
    )
    db.commit()
    page = citizen.get(private).get_data(as_text=True)
    assert "Lampirkan KKPR yang masih berlaku" in page and 'id="respond-form"' in page
    response = citizen.post(
        f"/track/{code}/respond?k={private.split('k=')[1]}",
        {"building_plan": pdf("gambar-revisi.pdf"), "floors": "3"},
        form_page=private,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    case = services.get_case(db, code)
    assert case.status == "running" and services.case_data(case)["floors"] == 3
    assert "gambar-revisi.pdf" in citizen.get(private).get_data(as_text=True)
    subjects = [m.subject for m in services.messages_for_case(db, case.id)]
    assert any("perlu dilengkapi" in s for s in subjects) and any(
        "diproses kembali" in s for s in subjects
    )
    assert (
        citizen.post(f"/track/{code}/respond", {"floors": "4"}).status_code == 404
    )  # no key, no answer


def test_tracking_codes_cannot_be_enumerated_and_lookups_are_limited(citizen, db, app):
    code, _private = apply_for_building(citizen)
    assert citizen.get(f"/track?code={code.lower()}").status_code == 302
    assert citizen.get(f"/track/{code.lower()}").status_code == 200
    wrong = [citizen.get(f"/track/{ref}") for ref in ("1", "AAAA-BBBB-CCCC-DDDD", "x" * 30)]
    assert {r.status_code for r in wrong} == {404}
    answers = {r.get_data(as_text=True).split("<main")[1].split("</main>")[0] for r in wrong}
    assert len(answers) == 1  # the same answer whatever the reason
    codes = [citizen.get("/track/AAAA-BBBB-CCCC-DDDD").status_code for _ in range(10)]
    assert codes[-1] == 429 and citizen.get(f"/track/{code}").status_code == 429


def test_public_forms_need_the_csrf_token(citizen):
    assert citizen.client.post("/complaints/new", data={"subject": "x"}).status_code == 400
    assert (
        citizen.client.post("/queue/take", data={"service": "building_approval"}).status_code == 400
    )


def test_applications_are_rate_limited_per_connection(citizen, app):
    app.config["SUBMIT_RATE_LIMIT"] = (2, 600)
    from webapp.public.links import submission_limiter

    submission_limiter.limit, submission_limiter.window = app.config["SUBMIT_RATE_LIMIT"]
    apply_for_building(citizen)
    apply_for_building(citizen)
    data = {**BUILDING_START, "land_certificate": pdf("a.pdf"), "building_plan": pdf("b.pdf")}
    third = citizen.post(
        "/services/building_approval/apply", data, form_page="/services/building_approval/apply"
    )
    page = third.get_data(as_text=True)
    assert (
        third.status_code == 429 and BUILDING_START["applicant_name"] in page
    )  # typed values kept
