"""The citizen gets the permit, in headless Chromium (Debian's, driven by Playwright).

A citizen applies for a building approval; the office assesses the retribution and the
private tracking page shows the bill with its billing code and due date; the bank's
payment channel reports the payment to the signed callback; the head of office signs
and the permit is issued. The citizen downloads the signed PDF, opens the QR code's
link and sees "valid", uploads the PDF and sees it confirmed genuine, uploads an
altered copy and sees it refused; the head of office revokes the permit and the page
says "revoked". ``permitflow verify`` agrees on each file. Screenshots are saved under
docs/screenshots/permit-*.png (the first page of the PDF too, when pdftoppm exists).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import urllib.request

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from engine import cli, services
from tests.permit_ca import make_office_ca
from tests.web.browsers import CHROMIUM, SHOTS, chromium, served_app
from tests.web.conftest import BUILDING, BUILDING_START, PASSWORD, open_task, seed_staff

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)
PDF = b"%PDF-1.4\n% permitflow browser test\n"
SECRET = "bank-daerah-secret"
OFFICE_ANSWERS = {
    "register_application": ("front", {"documents_received": True}),
    "verify_documents": ("verifier", {"decision": "complete"}),
    "technical_review": ("tech", {"technical_decision": "approve"}),
    "field_inspection": (
        "inspector",
        {"inspection_date": "2026-01-12", "site_matches_plan": True, "inspection_report": "x.pdf"},
    ),
    "fee_assessment": ("cashier", {"fee_amount": 1_500_000, "fee_basis": "650 m2 x indeks x HSR"}),
    "sign_permit": ("head", {"signed": True}),
    "issue_permit": ("front", {"conditions": "Garis sempadan bangunan 5 m dari as jalan."}),
}


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    folder = tmp_path_factory.mktemp("permit")
    settings = {
        **make_office_ca(folder / "ca", signer="Ir. Bambang Sutrisno, M.T."),
        "PERMITFLOW_PAYMENT_CHANNELS": f"bankdaerah:{SECRET}",
        "PERMITFLOW_REGION": "3273",
        "PERMITFLOW_SIGNER_NAME": "Ir. Bambang Sutrisno, M.T.",
        "PERMITFLOW_SIGNER_TITLE": "Kepala Dinas Penanaman Modal dan PTSP",
        "PERMITFLOW_DOCUMENT_DIR": str(folder / "documents"),
    }
    before = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    served = served_app(folder, sqlite_template, _seed)
    base, engine = next(served)
    os.environ["PERMITFLOW_PUBLIC_URL"] = base  # the QR code points at this server
    yield base, engine
    next(served, None)
    os.environ.pop("PERMITFLOW_PUBLIC_URL", None)
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _seed(session: Session) -> None:
    seed_staff(session)
    services.deploy(session, BUILDING.read_bytes(), source="building_approval.bpmn")


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"permit-{name}.png"), full_page=True)


def work_until(engine, code: str, stop: str) -> None:
    """The office's part, with engine calls, until ``stop`` is the open task (or the end)."""
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(12):
            case = services.get_case(session, code)
            if case.status != "running":
                return
            task = open_task(session, case)
            if task.element_id == stop:
                return
            username, data = OFFICE_ANSWERS[task.element_id]
            services.complete_task(session, task.id, username, data)
            session.commit()


def pay(base: str, billing_code: str, amount: int, reference: str) -> dict:
    body = json.dumps({"billing_code": billing_code, "amount": amount, "reference": reference})
    signature = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"{base}/api/v1/payments/callback",
        data=body.encode(),
        headers={
            "Content-Type": "application/json",
            "X-Payment-Channel": "bankdaerah",
            "X-Payment-Signature": signature,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def verify_cli(path) -> str:
    result = CliRunner().invoke(cli.main, ["verify", str(path)])
    return result.output.strip()


def test_apply_pay_receive_verify_and_revoke(office, browser, tmp_path, monkeypatch):
    base, engine = office
    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", engine.url.render_as_string(False))
    page = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="id-ID", accept_downloads=True
    ).new_page()
    page.set_default_timeout(20_000)

    # 1. apply
    page.goto(f"{base}/services/building_approval/apply")
    for name, value in BUILDING_START.items():
        if name == "building_function":
            page.select_option(f"#f-{name}", value)
        elif name in ("land_certificate", "building_plan"):
            page.set_input_files(
                f"#f-{name}", {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
        else:
            page.fill(f"#f-{name}", str(value))
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector(".private-link")
    assert page.locator("#copy-code").is_visible()
    private = page.locator(".private-link").inner_text().strip()
    code = re.search(r"/track/([0-9A-Z-]+)\?k=", private).group(1)
    shoot(page, "1-applied")

    # 2. the bill, with its code and due date
    work_until(engine, code, "confirm_payment")
    page.goto(private)
    bill = page.locator("#bill")
    assert "Rp 1.500.000" in bill.inner_text() and "WIB" in bill.locator(".pay-by").inner_text()
    billing_code = bill.locator(".billing-code").inner_text().strip()
    assert re.fullmatch(r"3273\d{4}\d{6}", billing_code)
    assert "Langkah saat ini" in page.content() and "Menunggu dan memastikan" in page.content()
    shoot(page, "2-bill")

    # 3. the bank pays through the signed callback; repeated, it is the same payment
    assert pay(base, billing_code, 1_500_000, "NTPD-2026-000123")["status"] == "paid"
    assert pay(base, billing_code, 1_500_000, "NTPD-2026-000123")["status"] == "already_paid"

    # 4. the head of office signs, the permit is issued; the citizen downloads it
    work_until(engine, code, "")
    page.goto(private)
    assert page.locator(".outcome").inner_text() == "PBG terbit"
    assert re.fullmatch(
        r"PBG-3273-\d{4}-000001", page.locator("#permit .permit-number").inner_text()
    )
    shoot(page, "3-issued")
    with page.expect_download() as download:
        page.click("#permit-download")
    permit_pdf = tmp_path / "permit.pdf"
    download.value.save_as(permit_pdf)
    assert permit_pdf.read_bytes().startswith(b"%PDF-")
    assert verify_cli(permit_pdf).startswith("valid: Persetujuan Bangunan Gedung (PBG) PBG-3273-")
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-singlefile",
                str(permit_pdf),
                str(SHOTS / "permit-pdf"),
            ],
            check=True,
        )

    # 5. the QR code's link: valid
    with Session(engine) as session:
        (permit,) = services.permits.case_permits(session, services.get_case(session, code))
        qr_target = services.permits.verify_url(permit.code)
    assert page.locator("#permit a[href*='/verify/']").get_attribute("href") in qr_target
    page.goto(qr_target)
    assert page.locator("#verdict").inner_text() == "Berlaku"
    assert "S*** R***" in page.locator(".holder").inner_text()
    shoot(page, "4-verify-valid")

    # 6. the genuine PDF is confirmed, an altered copy refused
    page.set_input_files("#document", str(permit_pdf))
    page.click("#check-form button[type=submit]")
    expect(page.locator("#file-verdict")).to_have_text("Asli dan tidak diubah")
    shoot(page, "5-upload-genuine")
    altered = bytearray(permit_pdf.read_bytes())
    index = altered.find(b"/Title")
    altered[index + 8] ^= 0x01  # one letter of the title changed
    altered_pdf = tmp_path / "permit-altered.pdf"
    altered_pdf.write_bytes(bytes(altered))
    page.set_input_files("#document", str(altered_pdf))
    page.click("#check-form button[type=submit]")
    expect(page.locator("#file-verdict")).to_have_text("Tidak asli")
    shoot(page, "6-upload-altered")
    assert verify_cli(altered_pdf).startswith("invalid: ")

    # 7. the head of office revokes it; the page says so and when, but not the reason
    # (it may name a person: it stays with the office)
    head = browser.new_context(viewport={"width": 1200, "height": 900}, locale="id-ID").new_page()
    head.goto(f"{base}/login")
    head.fill("#username", "head")
    head.fill("#password", PASSWORD)
    head.click("main form.stack button[type=submit]")
    head.wait_for_url(re.compile(r"^(?!.*/login)"))
    head.goto(qr_target)
    head.fill("#reason", "Bangunan didirikan tidak sesuai rencana teknis yang disetujui.")
    head.click("#revoke-form button[type=submit]")
    head.wait_for_selector(".flash-success")
    head.context.close()
    page.goto(qr_target)
    assert page.locator("#verdict").inner_text() == "Dicabut"
    assert "Kantor mencabut izin ini pada" in page.locator(".verify").inner_text()
    assert "tidak sesuai rencana teknis" not in page.content()
    shoot(page, "7-revoked")
    assert verify_cli(permit_pdf).startswith("invalid: Persetujuan Bangunan Gedung (PBG)")
    assert "was revoked" in verify_cli(permit_pdf)
    page.context.close()
