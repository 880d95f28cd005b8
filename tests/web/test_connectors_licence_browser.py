"""Browser journey of the shipped business licence, data entered once (headless Debian
chromium, Playwright).

A citizen applies for the business licence typing an NIK and an NIB; the population
registry and OSS-RBA stubs answer in the background (no request waits for them), and the
document verifier's form shows the name, address and business filled from the registries,
read-only. With the registry stopped, the case waits, becomes an incident after the
retries, and goes on after the admin retries it at /admin/incidents.

There is no live NIK check on the apply page: a public endpoint answering for any typed
NIK would tell anyone whether a number belongs to a resident; the applicant sees the
result through the office instead (the verifier returns the case when the NIK does not match).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import services
from engine.demo import register_connectors
from engine.integration import stubs
from tests.web.browsers import CHROMIUM, chromium, served_app
from tests.web.conftest import seed_staff

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)

from tests.web.test_connectors_browser import login  # noqa: E402

LICENCE = Path(__file__).resolve().parents[2] / "processes" / "business_license.bpmn"
PDF = b"%PDF-1.4\n% permitflow browser test\n"
APPLICATION = {
    "applicant_name": "Siti Rahayu",
    "phone": "081234567890",
    "company_name": "CV Maju Bersama",
    "nib": "9120001234567",
    "kbli": "47111",
    "business_address": "Jl. Asia Afrika No. 8, Bandung",
}
CHOICES = {"risk_level": "menengah_tinggi", "business_category": "perdagangan", "zone": "campuran"}
STUB: dict = {}


def _seed(session: Session) -> None:
    """Staff, the licence, and both connectors on this module's own stubs (stopped below)."""
    seed_staff(session)
    server = stubs.start()
    STUB["server"], STUB["port"] = server, server.server_address[1]
    register_connectors(
        session, stubs.base_url(server), retries=2, backoff_seconds=0.05, timeout_seconds=2
    )
    services.deploy(session, LICENCE.read_bytes(), source="business_license.bpmn")


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PERMITFLOW_CALLS_EAGER", raising=False)  # in the background, as deployed
        yield from served_app(tmp_path_factory.mktemp("licence"), sqlite_template, _seed)
    STUB["server"].shutdown()
    STUB["server"].server_close()


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def _apply(browser, base: str, nik: str) -> str:
    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/services/business_license/apply")
    page.fill("#f-nik", nik)
    for name, value in APPLICATION.items():
        page.fill(f"#f-{name}", value)
    for name, value in CHOICES.items():
        page.select_option(f"#f-{name}", value)
    for name in ("kkpr_document", "environmental_approval"):
        page.set_input_files(
            f"#f-{name}", {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector(".private-link")  # answered with the registry stopped too
    private = page.locator(".private-link").inner_text().strip()
    page.context.close()
    return re.search(r"/track/([0-9A-Z-]+)\?k=", private).group(1)


def _wait(engine, code: str, ready) -> object:
    for _ in range(300):
        with Session(engine, expire_on_commit=False) as session:
            found = ready(session, services.get_case(session, code))
            if found:
                return found
        time.sleep(0.05)
    raise AssertionError(f"case {code} never got there")


def _open_task(session, case):
    tasks = services.open_tasks(session, case)
    return tasks[0] if tasks else None


def _registered(engine, code: str) -> str:
    """The front office registers the application; the verifier's task id."""
    task = _wait(engine, code, _open_task)
    assert task.element_id == "register_application"
    with Session(engine, expire_on_commit=False) as session:
        services.complete_task(session, task.id, "front", {"oss_reference": "OSS-2026-1"})
        session.commit()
    verify = _wait(engine, code, _open_task)
    assert verify.element_id == "verify_documents"
    return verify.id


def verifier_form(browser, base: str, task_id: str):
    """The document verifier's page of the task (staff pages in English)."""
    clerk = login(browser, base, "verifier")
    clerk.goto(f"{base}/tasks/{task_id}")
    return clerk


def test_the_verifier_sees_the_applicant_and_business_from_the_registries(office, browser):
    base, engine = office
    code = _apply(browser, base, "3273010101900001")
    task_id = _registered(engine, code)
    clerk = verifier_form(browser, base, task_id)
    assert clerk.input_value("#f-registry_name") == "SITI RAHAYU"
    assert clerk.input_value("#f-registry_address") == "JL. ASIA AFRIKA NO. 8, BANDUNG"
    assert clerk.input_value("#f-oss_business_name") == "CV MAJU BERSAMA"
    assert clerk.input_value("#f-oss_kbli") == "47111, 56101"
    assert clerk.get_attribute("#f-registry_name", "readonly") is not None  # not typed over
    assert clerk.is_checked("#f-nik_match") and clerk.is_disabled("#f-nik_match")
    clerk.context.close()


def test_a_mismatch_shows_the_registry_s_reason(office, browser):
    base, engine = office
    code = _apply(browser, base, "3273019999999999")
    task_id = _registered(engine, code)
    clerk = verifier_form(browser, base, task_id)
    assert clerk.input_value("#f-registry_note") == "NIK tidak terdaftar di database kependudukan"
    assert clerk.input_value("#f-registry_name") == "" and not clerk.is_checked("#f-nik_match")
    clerk.context.close()


def test_a_stopped_registry_becomes_an_incident_the_admin_retries(office, browser):
    base, engine = office
    STUB["server"].shutdown()
    STUB["server"].server_close()
    code = _apply(browser, base, "3171022505850002")
    _wait(engine, code, lambda session, case: case.status == "incident")
    assert _wait(engine, code, lambda session, case: services.open_tasks(session, case) == [])
    STUB["server"] = stubs.start(STUB["port"])  # the registry is back
    admin = login(browser, base, "admin")
    admin.goto(f"{base}/admin/incidents/")
    admin.locator("tr", has_text=code).locator("a").first.click()
    sync_api.expect(admin.locator("#incident-message")).to_contain_text(
        "population.nik_lookup tidak menjawab setelah 3 kali percobaan"  # worded in Indonesian
    )
    admin.click("form[action$='/retry'] button[type=submit]")
    admin.wait_for_load_state()
    admin.context.close()
    task_id = _registered(engine, code)
    clerk = verifier_form(browser, base, task_id)
    assert clerk.input_value("#f-registry_name") == "BUDI SANTOSO"
    assert clerk.input_value("#f-oss_business_name") == "CV MAJU BERSAMA"
    clerk.context.close()
