"""Public verification, the payment callback and the bill and permit on the tracking page."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re

import pytest

from engine import services
from tests.permit_ca import make_office_ca
from tests.web.conftest import advance_to, apply_for_building, open_task

CHANNEL_SECRET = b"bank-secret"


@pytest.fixture(autouse=True)
def _office(tmp_path, monkeypatch):
    for key, value in make_office_ca(tmp_path / "ca").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PERMITFLOW_PAYMENT_CHANNELS", "bankdaerah:bank-secret")
    monkeypatch.setenv("PERMITFLOW_REGION", "3273")


def signed_post(client, body: dict, secret: bytes = CHANNEL_SECRET, channel="bankdaerah"):
    raw = json.dumps(body).encode()
    signature = hmac.new(secret, raw, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/payments/callback",
        data=raw,
        content_type="application/json",
        headers={"X-Payment-Channel": channel, "X-Payment-Signature": signature},
    )


def to_payment(db, citizen):
    code, private = apply_for_building(citizen)
    case = services.get_case(db, code)
    advance_to(db, case, "confirm_payment")
    (bill,) = services.payments.case_bills(db, case)
    return case, private, bill


def issue(db, case):
    for element, user, data in (
        ("sign_permit", "head", {"signed": "true"}),
        ("issue_permit", "front", {"conditions": "GSB 5 m"}),
    ):
        task = open_task(db, case, element)
        services.complete_task(db, task.id, user, data)
        db.commit()
    (permit,) = services.permits.case_permits(db, case)
    return permit


def test_the_bill_and_then_the_permit_show_on_the_private_tracking_page(db, citizen, app):
    case, private, bill = to_payment(db, citizen)
    page = citizen.get(private).get_data(as_text=True)
    assert "Retribusi yang harus dibayar" in page and "Rp 1.500.000" in page
    assert bill.billing_code in page and "WIB" in page
    assert citizen.get(private.replace("?k=", "?x=")).get_data(as_text=True).count("Rp 1.") == 0
    response = signed_post(
        app.test_client(),
        {"billing_code": bill.billing_code, "amount": 1_500_000, "reference": "NTPD-77"},
    )
    assert response.status_code == 200 and response.json["status"] == "paid"
    permit = issue(db, case)
    page = citizen.get(private).get_data(as_text=True)
    assert permit.number in page and "Unduh izin bertanda tangan (PDF)" in page
    download = citizen.get(
        private.split("?")[0] + f"/documents/{permit.document_id}?" + private.split("?")[1]
    )
    assert hashlib.sha256(download.data).hexdigest() == permit.sha256


def test_the_callback_refuses_bad_signatures_and_amounts_and_is_idempotent(db, citizen, app):
    _, _, bill = to_payment(db, citizen)
    client = app.test_client()
    body = {"billing_code": bill.billing_code, "amount": 1_500_000, "reference": "R-1"}
    assert signed_post(client, body, secret=b"wrong").status_code == 401
    assert signed_post(client, body, channel="other").status_code == 401
    wrong = signed_post(client, {**body, "amount": 1_000_000})
    assert wrong.status_code == 422 and "Rp 1.500.000" in wrong.json["error"]["message"]
    unknown = signed_post(client, {**body, "billing_code": "999"})
    assert unknown.status_code == 404
    assert signed_post(client, body).json["status"] == "paid"
    assert signed_post(client, body).json["status"] == "already_paid"
    other = signed_post(client, {**body, "reference": "R-2"})
    assert other.status_code == 422 and "already paid" in other.json["error"]["message"]


def test_verification_page_valid_upload_altered_and_revoked(db, citizen, app, staff):
    case, _, bill = to_payment(db, citizen)
    signed_post(
        app.test_client(),
        {"billing_code": bill.billing_code, "amount": 1_500_000, "reference": "N1"},
    )
    permit = issue(db, case)
    page = citizen.get(f"/verify/{permit.code}").get_data(as_text=True)
    assert "Berlaku" in page and permit.number in page and "S*** R***" in page
    assert permit.sha256 in page and "Siti Rahayu" not in page
    _, data = services.permits.permit_pdf(db, permit)
    good = citizen.post(
        f"/verify/{permit.code}", {"document": (io.BytesIO(data), "izin.pdf")}, form_page="/verify"
    ).get_data(as_text=True)
    assert "Asli dan tidak diubah" in good
    altered = bytearray(data)
    altered[len(data) // 2] ^= 0x01
    bad = citizen.post(
        f"/verify/{permit.code}",
        {"document": (io.BytesIO(bytes(altered)), "izin.pdf")},
        form_page="/verify",
    ).get_data(as_text=True)
    assert "Tidak asli" in bad
    assert staff("front").post(f"/verify/{permit.code}/revoke", {"reason": "x"}).status_code == 302
    assert services.permits.verify_code(db, permit.code).status == "valid"
    head = staff("head")
    form = head.get(f"/verify/{permit.code}").get_data(as_text=True)
    assert "Cabut izin ini" in form and "tidak ditampilkan kepada publik" in form
    head.post(f"/verify/{permit.code}/revoke", {"reason": "Bangunan tidak sesuai izin"})
    db.expire_all()
    page = citizen.get(f"/verify/{permit.code}").get_data(as_text=True)
    assert "Dicabut" in page and "Kantor mencabut izin ini pada" in page
    assert "Bangunan tidak sesuai izin" not in page  # the reason stays with the office


def test_unknown_codes_are_a_public_page_and_lookups_are_rate_limited(app, citizen):
    response = citizen.get("/verify/ABCDEFGHJKMNPQRSTUVW")
    assert response.status_code == 404 and "Tidak dikenal" in response.get_data(as_text=True)
    app.config["VERIFY_RATE_LIMIT"] = (3, 60)
    from webapp.public.verify import verify_limiter

    verify_limiter.limit, verify_limiter.window = 3, 60
    codes = [citizen.get(f"/verify/X{i}").status_code for i in range(6)]
    assert codes[-1] == 429


def test_uploading_nothing_or_a_stranger_pdf(citizen):
    empty = citizen.post("/verify", {}, form_page="/verify")
    assert empty.status_code == 422 and "Pilih berkas PDF" in empty.get_data(as_text=True)
    stranger = citizen.post(
        "/verify", {"document": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "x.pdf")}, form_page="/verify"
    )
    assert stranger.status_code == 200 and "Tidak asli" in stranger.get_data(as_text=True)


def test_an_unknown_tracking_code_gets_a_public_page(citizen):
    response = citizen.get("/track/ABCD-EFGH-JKMN-PQRS")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Kode lacak tidak dikenal" in page
    assert 'id="unknown-code"' in page and "ABCD-EFGH" not in page.split("<main")[1]


def test_the_confirmation_page_offers_to_copy_and_print_the_code(citizen):
    code, private = apply_for_building(citizen)
    page = citizen.get(private + "&new=1").get_data(as_text=True)
    assert 'id="copy-code"' in page and "Salin kode lacak" in page and "Cetak halaman ini" in page
    assert "js/tracking.js" in page and code in page
    assert 'id="copy-code"' not in citizen.get(private).get_data(as_text=True)


def test_monitoring_shows_billed_paid_and_overdue_per_procedure_and_period(db, citizen, app, staff):
    _, _, paid = to_payment(db, citizen)
    to_payment(db, citizen)
    signed_post(
        app.test_client(),
        {"billing_code": paid.billing_code, "amount": 1_500_000, "reference": "M1"},
    )
    page = staff("admin").get("/monitoring/").get_data(as_text=True)
    table = page.split('id="retribution"')[1]
    assert "Rp 3.000.000" in table and "Rp 1.500.000" in table and "Rp 0" in table
    year = paid.assessed_at.year
    assert "Rp 3.000.000" in staff("admin").get(f"/monitoring/?period={year}").get_data(
        as_text=True
    )
    empty = staff("admin").get(f"/monitoring/?period={year - 3}-01").get_data(as_text=True)
    assert "Tidak ada retribusi yang ditetapkan" in empty
    wrong = staff("admin").get("/monitoring/?period=next-year").get_data(as_text=True)
    assert "is not a year" in wrong


def test_uploads_survive_a_form_error_on_the_apply_page(citizen, db):
    from tests.web.conftest import BUILDING_START, pdf

    form = "/services/building_approval/apply"
    data = {**BUILDING_START, "floors": "many"}
    data["land_certificate"], data["building_plan"] = pdf("sertifikat.pdf"), pdf("gambar.pdf")
    refused = citizen.post(form, data, form_page=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Sudah diunggah: sertifikat.pdf" in page and "Sudah diunggah: gambar.pdf" in page
    token = re.search(r'name="kept_uploads" value="([0-9a-f]{32})"', page).group(1)
    stranger = citizen.client.application.test_client()
    again = {**BUILDING_START, "kept_uploads": token}
    again.pop("land_certificate"), again.pop("building_plan")
    match = re.search(
        r'name="csrf_token" value="([^"]+)"', stranger.get(form).get_data(as_text=True)
    )
    theirs = stranger.post(form, data={**again, "csrf_token": match.group(1)})
    assert theirs.status_code == 422  # another visitor cannot use the token
    accepted = citizen.post(form, again, form_page=form)
    assert accepted.status_code == 302
    code = accepted.headers["Location"].split("/track/")[1].split("?")[0]
    case = services.get_case(db, code)
    names = sorted(d.filename for d in services.documents.case_documents(db, case))
    assert names == ["gambar.pdf", "sertifikat.pdf"]


def test_the_head_of_office_corrects_a_permit(db, citizen, app, staff):
    case, _, bill = to_payment(db, citizen)
    signed_post(
        app.test_client(),
        {"billing_code": bill.billing_code, "amount": 1_500_000, "reference": "C1"},
    )
    old = issue(db, case)
    head = staff("head")
    page = head.get(f"/verify/{old.code}").get_data(as_text=True)
    assert 'name="change-building_address"' in page and 'name="change-conditions"' in page
    unchanged = head.post(f"/verify/{old.code}/correct", {"reason": "x"}, follow_redirects=True)
    assert "Ubah minimal satu nilai" in unchanged.get_data(as_text=True)
    response = head.post(
        f"/verify/{old.code}/correct",
        {"change-conditions": "GSB 6 m", "reason": "Salah ketik pada ketentuan"},
    )
    assert response.status_code == 302
    db.expire_all()
    new = services.permits.verify_code(db, response.headers["Location"].rsplit("/", 1)[1]).permit
    assert new.replaces_id == old.id and new.number != old.number
    page = citizen.get(f"/verify/{old.code}").get_data(as_text=True)
    assert "Diganti" in page and new.number in page and "Kantor mengoreksi izin ini pada" in page
    assert "Salah ketik" not in page  # the reason stays with the office
