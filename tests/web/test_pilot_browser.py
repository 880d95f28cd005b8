"""A reformer's pilot in headless Chromium: a scenario from the simulator becomes a pilot,
the reformer watches its page while cases come in and finish (moved by a simulated
clock), and promotes it. Screenshots go to docs/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.office import audit
from tests.web.browsers import served_app
from tests.web.conftest import TWO_LANES, seed_staff
from tests.web.test_browser import browser, login, shoot  # noqa: F401
from tests.web.test_reformer_browser import wait_for_job

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
KEY = "small_permit"


def _seed(session: Session) -> None:
    seed_staff(session)
    for user in services.list_users(session):
        user.language = "en"
    services.deploy(session, TWO_LANES.read_bytes(), source="small.bpmn", deployed_by="designer")


@pytest.fixture(scope="module")
def small_office(tmp_path_factory, sqlite_template):
    yield from served_app(tmp_path_factory.mktemp("pilot"), sqlite_template, _seed)


def finish_cases(engine, per_arm: int) -> None:
    """Applications come in at the counter; the control group's take 6 working days, the pilot's 3."""
    with Session(engine, expire_on_commit=False) as session:
        arms: dict[int, list] = {1: [], 2: []}
        while min(len(cases) for cases in arms.values()) < per_arm:
            case = services.start_case(session, KEY, {"applicant_name": "Siti"}, started_by="front")
            arms[case.definition.version].append(case)
        session.commit()
        for version, days in ((2, 3), (1, 3)):  # 3 more working days for the control group
            clock.advance(timedelta(days=days + 2))  # weekends included
            for case in arms[version]:
                while tasks := services.open_tasks(session, case):  # the pilot skips "register"
                    user = {"front_office": "front", "head_of_office": "head"}[tasks[0].role]
                    services.complete_task(session, tasks[0].id, user, {"decision": "reject"})
            session.commit()


def test_reformer_pilots_a_scenario_and_promotes_it(small_office, browser, monkeypatch):  # noqa: F811
    base, engine = small_office
    monkeypatch.setenv("PERMITFLOW_PILOT_MIN_CASES", "5")  # a small office's pilot
    page = login(browser, base, "reformer", viewport=(1360, 900))
    page.goto(f"{base}/reformer/{KEY}/1/scenario")
    page.select_option("#op", "remove_task")
    page.select_option("#task", "register")
    page.click(".change-form button[type=submit]")
    expect(page.locator(".changes .change-text", has_text="Register application")).to_have_count(1)
    page.fill("#cases", "200")
    page.fill("#replications", "3")
    page.click(".run-form button[type=submit]")
    wait_for_job(page)

    page.click("a.start-pilot")
    page.fill("#share", "50")
    page.check("input[name=channel][value=counter]")
    page.fill("#owner", "Rudi (reformer)")
    shoot(page, "pilot-start")
    page.click(".pilot-form button[type=submit]")
    expect(page.locator(".flash-success")).to_have_count(1)
    assert page.locator(".pilot-status").inner_text().strip() == "running"
    assert page.locator(".not-enough-data").is_visible()
    assert page.locator(".predicted tr[data-kpi='cycle_time.mean']").count() == 1

    finish_cases(engine, per_arm=6)  # the reformer comes back a week later
    page.reload()
    assert page.locator(".not-enough-data").count() == 0
    assert "significantly faster" in page.locator(".verdict").inner_text()
    change = page.locator(".observed tr[data-kpi='cycle_time.mean'] td.change").inner_text()
    assert change.startswith("-"), change
    shoot(page, "pilot-result")

    page.click(".promote-form button[type=submit]")
    expect(page.locator(".flash-success", has_text="now the current version")).to_have_count(1)
    assert page.locator(".pilot-status").inner_text().strip() == "promoted"
    assert page.locator(".promote-form").count() == 0
    assert page.locator(".migration").is_visible()
    page.context.close()
    with Session(engine) as session:
        assert services.get_definition(session, KEY).version == 2
        actions = [e.action for e in audit.entries(session, limit=500)]
    assert {"pilot_started", "pilot_assigned", "pilot_promoted"} <= set(actions)
