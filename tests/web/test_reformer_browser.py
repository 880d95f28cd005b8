"""A reformer's journey in headless Chromium: analysis with simulation, a scenario from
a finding's suggestion, the comparison running in the background, and the revised
diagram sent to the designers, who open it. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.web.conftest import start_building_case
from tests.web.test_browser import browser, login, office, shoot, wait_for_diagrams  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait_for_job(page) -> None:
    """The progress bar is polled until the page reloads with the result."""
    page.wait_for_selector(".job-progress", state="detached", timeout=60_000)
    page.wait_for_load_state()
    assert page.locator(".job-progress, .flash-error").count() == 0


def test_reformer_simplifies_the_building_approval(office, browser):  # noqa: F811
    base, engine = office
    with Session(engine, expire_on_commit=False) as session:
        for name in ("Andi", "Maya", "Yusuf"):
            start_building_case(session, applicant_name=f"{name} Santoso")
    page = login(browser, base, "reformer", viewport=(1360, 900))
    page.click("nav a[href='/reformer/']")
    page.click("a[href='/reformer/building_approval/1']")
    page.click("form[action$='/analyze'] button[type=submit]")
    wait_for_job(page)
    wait_for_diagrams(page)
    assert page.locator(".finding", has_text="bottleneck").count() >= 1
    finding = page.locator(".finding", has_text="bottleneck").first
    finding.locator(".finding-head").click()
    shoot(page, "reformer-analysis")

    finding.locator("form.suggestion button").click()  # more clerks where cases wait
    page.wait_for_url(f"{base}/reformer/building_approval/1/scenario")
    assert page.locator(".changes code", has_text="Lane_cashier").count() == 1
    page.select_option("#op", "remove_task")  # a change no finding suggested
    assert page.locator("#lane").is_hidden()
    page.select_option("#task", "register_application")
    page.click(".change-form button[type=submit]")
    assert page.locator(".changes code", has_text="register_application").count() == 1
    page.fill("#cases", "300")
    page.fill("#replications", "4")
    shoot(page, "reformer-scenario")

    page.click(".run-form button[type=submit]")
    wait_for_job(page)
    wait_for_diagrams(page)
    change = page.locator("tr[data-kpi='cycle_time.mean'] td.change").inner_text()
    assert change.startswith("-"), change
    assert page.locator(".charts svg").count() >= 2
    assert page.locator(".djs-element[class*='heat-']").count() >= 2
    shoot(page, "reformer-result")
    page.click("form[action$='/send'] button[type=submit]")
    assert page.locator(".flash-success").count() == 1
    page.context.close()

    page = login(browser, base, "designer")
    page.goto(f"{base}/designer/")
    page.click(".drafts a", timeout=5_000)
    wait_for_diagrams(page)
    assert page.locator("form[action$='/deploy']").count() == 1  # valid: ready to deploy
    page.click("a[href$='/diff']")
    wait_for_diagrams(page)
    assert page.locator(".djs-element.diff-removed").count() >= 1  # register_application
    page.context.close()
