"""Browser journey of an incident (headless Debian chromium, Playwright; no download).

A clerk registers a site permit whose applicant left the floor area empty; the gateway
after it reads ``floor_area`` and fails. The clerk sees that the work was saved and the
case stopped; the admin opens /admin/incidents, sees the expression and the value it
saw, fixes the value (a wrong one is refused like a form field), retries, and the case
goes on to the technical review.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import services
from tests.web.browsers import CHROMIUM, chromium, served_app
from tests.web.conftest import PASSWORD, seed_staff

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)

SITE = Path(__file__).resolve().parents[1] / "engine_bpmn" / "incident.bpmn"


def _seed(session: Session) -> None:
    seed_staff(session)
    for user in services.list_users(session):
        user.language = "en"
    services.deploy(session, SITE.read_bytes(), source="incident.bpmn", deployed_by="designer")


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    yield from served_app(tmp_path_factory.mktemp("incidents"), sqlite_template, _seed)


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def login(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not log in"
    return page


def test_condition_fails_admin_fixes_the_value_retries_and_the_case_goes_on(office, browser):
    base, engine = office
    with Session(engine, expire_on_commit=False) as session:
        case = services.start_case(session, "site_permit", {"applicant_name": "Siti"})
        session.commit()
    clerk = login(browser, base, "front")
    clerk.goto(f"{base}/inbox/")
    clerk.locator(".taskrow", has_text=case.tracking_code).locator(
        "form[action$='/claim'] button"
    ).click()
    clerk.wait_for_selector("#complete-form")
    clerk.click("#complete-form button[type=submit]")
    clerk.wait_for_url(f"{base}/inbox/")
    notice = clerk.locator(".flash-error").inner_text()
    assert "was saved" in notice and "Large building?" in notice and case.tracking_code in notice
    clerk.context.close()

    admin = login(browser, base, "admin")
    admin.goto(f"{base}/admin/incidents/")
    admin.locator("tr", has_text=case.tracking_code).locator("a").first.click()
    assert admin.locator("#incident-expression").inner_text() == "floor_area > 500"
    assert "not set" in admin.locator("#incident-values").inner_text()
    admin.fill("#var-name", "floor_area")
    admin.fill("#var-value", "lots")
    admin.click("#set-var")
    assert "whole number" in admin.locator("#incident-error").inner_text()
    admin.fill("#var-value", "650")
    admin.click("#set-var")
    admin.wait_for_selector(".flash-success")
    admin.click("#retry")
    admin.wait_for_url(f"{base}/admin/incidents/")
    assert admin.locator(".flash-success").count() == 1
    assert "No incidents." in admin.locator("table").inner_text()
    admin.context.close()

    with Session(engine) as session:
        case = services.get_case(session, case.id)
        assert case.status == "running" and case.current_step == "Technical review"
    tech = login(browser, base, "tech")
    tech.goto(f"{base}/inbox/")
    assert tech.locator(".taskrow", has_text=case.tracking_code).count() == 1
    tech.context.close()
