"""Browser journey of data entered once (headless Debian chromium, Playwright).

A citizen types only an NIK on the apply page; the case waits at the service task
while the population registry stub answers in the background; the front office opens
the next task with the name and address filled from the registry. With the stub
stopped, the case waits, becomes an incident after the retries, and goes on after the
admin retries it at /admin/incidents.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import services
from engine.integration import stubs
from tests.web.browsers import CHROMIUM, chromium, served_app
from tests.web.conftest import PASSWORD, seed_staff

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)

PROCEDURE = (
    Path(__file__).resolve().parents[2] / "processes" / "integration" / "identity_check.bpmn"
)
STUB: dict = {}


def _seed(session: Session) -> None:
    seed_staff(session)
    server = stubs.start()
    STUB["server"], STUB["port"] = server, server.server_address[1]
    services.connectors.add_connector(
        session,
        "population",
        stubs.base_url(server),
        stubs.CONNECTOR_OPERATIONS["population"],
        retries=2,
        backoff_seconds=0.05,
        timeout_seconds=2,
    )
    services.deploy(session, PROCEDURE.read_bytes(), source="identity_check.bpmn")


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PERMITFLOW_CALLS_EAGER", raising=False)  # in the background, as deployed
        yield from served_app(tmp_path_factory.mktemp("connectors"), sqlite_template, _seed)
    STUB["server"].shutdown()
    STUB["server"].server_close()


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def _apply(browser, base: str, nik: str) -> str:
    page = browser.new_context(locale="id-ID").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/services/identity_check/apply")
    page.fill("#f-nik", nik)
    page.fill("#f-phone", "081234567890")
    started = time.monotonic()
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector(".private-link")
    assert time.monotonic() - started < 5  # the registry is not awaited in the request
    private = page.locator(".private-link").inner_text().strip()
    page.context.close()
    return re.search(r"/track/([0-9A-Z-]+)\?k=", private).group(1)


def _status(engine, code: str, want: str) -> None:
    for _ in range(200):
        with Session(engine) as session:
            if services.get_case(session, code).status == want:
                return
        time.sleep(0.05)
    raise AssertionError(f"case {code} never became {want}")


def _task_page(engine, code: str) -> str:
    for _ in range(200):
        with Session(engine) as session:
            tasks = services.open_tasks(session, services.get_case(session, code))
            if tasks:
                return tasks[0].id
        time.sleep(0.05)
    raise AssertionError(f"case {code} has no open task")


def login(browser, base: str, username: str):
    page = browser.new_context(locale="en-US").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url
    return page


def test_the_name_and_address_come_from_the_registry(office, browser):
    base, engine = office
    code = _apply(browser, base, "3273010101900001")
    task_id = _task_page(engine, code)
    clerk = login(browser, base, "front")
    clerk.goto(f"{base}/tasks/{task_id}")
    assert clerk.input_value("#f-applicant_name") == "SITI RAHAYU"
    assert clerk.input_value("#f-applicant_address") == "JL. ASIA AFRIKA NO. 8, BANDUNG"
    clerk.context.close()


def test_a_stopped_registry_becomes_an_incident_the_admin_retries(office, browser):
    base, engine = office
    STUB["server"].shutdown()
    STUB["server"].server_close()
    code = _apply(browser, base, "3171022505850002")
    _status(engine, code, "incident")
    STUB["server"] = stubs.start(STUB["port"])  # the registry is back
    admin = login(browser, base, "admin")
    admin.goto(f"{base}/admin/incidents/")
    admin.locator("tr", has_text=code).locator("a").first.click()
    sync_api.expect(admin.locator("#incident-message")).to_contain_text(
        "population.nik_lookup tidak menjawab setelah 3 kali percobaan"  # worded in Indonesian
    )
    assert "Sistem pemerintah lain tidak menjawab" in admin.content()  # Indonesian by default
    admin.click("form[action$='/retry'] button[type=submit]")
    admin.wait_for_load_state()
    task_id = _task_page(engine, code)
    admin.context.close()
    clerk = login(browser, base, "front")
    clerk.goto(f"{base}/tasks/{task_id}")
    assert clerk.input_value("#f-applicant_name") == "BUDI SANTOSO"
    clerk.context.close()


def test_a_mismatch_tells_the_clerk_why(office, browser):
    base, engine = office
    code = _apply(browser, base, "3273019999999999")
    task_id = _task_page(engine, code)
    clerk = login(browser, base, "front")
    clerk.goto(f"{base}/tasks/{task_id}")
    assert clerk.input_value("#f-registry_note") == "NIK tidak terdaftar di database kependudukan"
    assert clerk.input_value("#f-applicant_name") == ""
    clerk.context.close()
