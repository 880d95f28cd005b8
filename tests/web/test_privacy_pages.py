"""Personal data on the web pages: need to know, masking, logged unmasking, the admin's
privacy page and the applicant's own data on the private tracking link."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from engine import services
from engine.privacy import crypto
from tests.web.conftest import BUILDING_START, apply_for_building, start_building_case

NIK = BUILDING_START["nik"]  # 3174012345678901
MASKED_NIK = "3174********8901"


@pytest.fixture(autouse=True)
def _data_key(tmp_path, monkeypatch):
    monkeypatch.delenv("PERMITFLOW_DATA_KEY", raising=False)
    monkeypatch.setenv("PERMITFLOW_DATA_KEY_FILE", str(tmp_path / "data.key"))
    crypto.reset()
    yield
    crypto.reset()


@pytest.mark.parametrize("username", ["designer", "reformer"])
def test_a_designer_or_reformer_cannot_read_a_cases_personal_data(db, staff, username):
    case = start_building_case(db)
    page = staff(username).get(f"/cases/{case.tracking_code}")
    html = page.get_data(as_text=True)
    if page.status_code == 200:
        assert 'id="need-to-know"' in html
    assert NIK not in html and MASKED_NIK not in html and "Siti Rahayu" not in html
    assert "S*** R***" not in html
    listing = staff(username).get("/cases/").get_data(as_text=True)
    assert "Siti Rahayu" not in listing and "S*** R***" not in listing
    response = staff(username).post(
        f"/cases/{case.tracking_code}/unmask", {"field": "nik", "reason": "just curious"}
    )
    assert response.status_code == 403
    assert services.privacy.access_entries(db) == []


def test_a_clerk_sees_masked_values_outside_the_fields_of_their_task(db, staff):
    case = start_building_case(db)
    front = staff("front")
    html = front.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    assert MASKED_NIK in html and NIK not in html and "S*** R***" in html
    assert "Siti Rahayu" not in html and "siti@example.id" not in html
    [task] = services.open_tasks(db, case)  # "register application" asks for no NIK
    task_page = front.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert MASKED_NIK in task_page and NIK not in task_page
    assert services.privacy.access_entries(db) == []  # nothing personal was shown in clear
    cases_list = front.get("/cases/").get_data(as_text=True)
    assert "Siti Rahayu" not in cases_list and "S*** R***" in cases_list
    inbox = front.get("/inbox/").get_data(as_text=True)
    assert "Siti Rahayu" not in inbox and "S*** R***" in inbox


def test_each_unmasking_is_an_explicit_logged_action(db, staff):
    case = start_building_case(db)
    assert 'id="chain-unanchored"' in staff("admin").get("/admin/privacy").get_data(as_text=True)
    front = staff("front")
    url = f"/cases/{case.tracking_code}/unmask"
    refused = front.post(url, {"field": "nik", "reason": ""}, follow_redirects=True)
    assert NIK not in refused.get_data(as_text=True)
    assert services.privacy.access_entries(db) == []
    shown = front.post(url, {"field": "nik", "reason": "checking against the KTP"})
    assert shown.status_code == 200 and NIK in shown.get_data(as_text=True)
    [entry] = services.privacy.access_entries(db, case_id=case.id)
    assert (entry.actor, entry.action, entry.field_id) == ("front", "unmasked", "nik")
    assert entry.reason == "checking against the KTP"
    admin_page = staff("admin").get("/admin/privacy").get_data(as_text=True)
    assert 'id="chain-ok"' in admin_page and "checking against the KTP" in admin_page
    assert 'id="chain-unanchored"' not in admin_page  # the unmasking's commit anchored it


def test_the_applicant_downloads_their_data_and_asks_for_a_correction(db, citizen, staff):
    code, private = apply_for_building(citizen)
    key = private.split("k=")[1].split("&")[0]
    page = citizen.get(private).get_data(as_text=True)
    assert "/my-data" in page
    assert citizen.get(f"/track/{code}/my-data.zip").status_code == 404  # the key is needed
    own = citizen.get(f"/track/{code}/my-data?k={key}").get_data(as_text=True)
    assert "Unduh data saya (ZIP)" in own  # Indonesian by default
    response = citizen.get(f"/track/{code}/my-data.zip?k={key}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["data"]["nik"] == NIK
    documents = [n for n in archive.namelist() if n.startswith("documents/")]
    assert len(documents) == 2 and all(archive.read(n).startswith(b"%PDF") for n in documents)
    db.expire_all()
    case = services.get_case(db, code)
    [document, _plan] = services.case_documents(db, case)
    front = staff("front")
    assert front.get(f"/cases/{code}/documents/{document.id}").data.startswith(b"%PDF")
    downloaded = services.privacy.access_entries(db, case_id=case.id)[0]
    assert (downloaded.action, downloaded.actor) == ("downloaded", "front")
    sent = citizen.post(
        f"/track/{code}/my-data/correction?k={key}",
        {"message": "Alamat: Jl. Melati No. 21"},
        form_page=f"/track/{code}/my-data?k={key}",
    )
    assert sent.status_code == 302
    admin_page = staff("admin").get("/admin/privacy").get_data(as_text=True)
    assert "Jl. Melati No. 21" in admin_page and "correction" in admin_page


def test_the_admin_applies_an_accepted_correction_from_the_answer_form(db, citizen, staff):
    code, private = apply_for_building(citizen)
    key = private.split("k=")[1].split("&")[0]
    citizen.post(
        f"/track/{code}/my-data/correction?k={key}",
        {"message": "Alamat: Jl. Melati No. 21, bukan No. 12"},
        form_page=f"/track/{code}/my-data?k={key}",
    )
    admin = staff("admin")
    page = admin.get("/admin/privacy").get_data(as_text=True)
    assert 'name="correct-building_address"' in page
    [row] = services.privacy.requests_of(db, open_only=True)
    url = f"/admin/privacy/requests/{row.id}"
    refused = admin.post(url, {"answer": "Ok", "correct-floor_area": "besar"})
    assert refused.status_code == 302
    shown = admin.get("/admin/privacy").get_data(as_text=True)
    assert (
        "Tidak disimpan: Luas total lantai bangunan (m2) harus" in shown
    )  # the field's label, in Indonesian
    assert services.privacy.requests_of(db, open_only=True) == [row]
    new = "Jl. Melati No. 21, Kebayoran Baru"
    assert (
        admin.post(url, {"answer": "Diperbaiki", "correct-building_address": new}).status_code
        == 302
    )
    db.expire_all()
    case = services.get_case(db, code)
    assert services.case_data(case)["building_address"] == new
    assert "data_corrected" in [e.action for e in services.case_history(db, case.id)]


def test_monitoring_and_the_reformers_pages_hold_no_personal_data(db, staff):
    from tests.web.conftest import advance_to

    case = start_building_case(db)
    advance_to(db, case, "technical_review")  # two tasks done: the lane history has rows
    reformer = staff("reformer")
    for url in ("/monitoring/", "/monitoring/building_approval", "/reformer/"):
        response = reformer.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert NIK not in html and MASKED_NIK not in html and "Siti Rahayu" not in html, url
