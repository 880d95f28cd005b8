"""Browser journeys in headless Chromium (Debian's, driven by Playwright; no download).

1. Clerks of each lane log in, claim and complete every task of a building approval
   until the permit is issued.
2. A designer uploads a revised diagram, sees the diff, deploys it and migrates a
   running case.

Screenshots of the main pages are saved under docs/screenshots/ for the README.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine import services
from tests.web.browsers import CHROMIUM, SHOTS, chromium, served_app
from tests.web.conftest import (
    BUILDING,
    HAPPY_PATH,
    PASSWORD,
    open_task,
    revised_building,
    seed_staff,
    start_building_case,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    """The app served on 127.0.0.1 (random port) over a fresh SQLite database."""
    yield from served_app(tmp_path_factory.mktemp("office"), sqlite_template, _seed)


def _seed(session: Session) -> None:
    seed_staff(session)
    for user in services.list_users(session):
        user.language = "en"
    services.deploy(
        session, BUILDING.read_bytes(), source="building_approval.bpmn", deployed_by="designer"
    )


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def login(browser, base: str, username: str, viewport=(1280, 860)):
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not log in"
    return page


def shoot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def wait_for_diagrams(page) -> None:
    page.wait_for_selector(".bpmn-diagram.drawn, .bpmn-diagram .note", timeout=15_000)


def fill_form(page, data: dict[str, str]) -> None:
    for name, value in data.items():
        field = page.locator(f"#complete-form [name='{name}']").first
        kind = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if kind == "input:checkbox":
            field.check()
        elif kind.startswith("select"):
            field.select_option(value)
        elif kind == "input:file":
            field.set_input_files(
                {"name": value, "mimeType": "application/pdf", "buffer": b"%PDF-1.4 demo"}
            )
        else:
            field.fill(value)


def test_clerks_of_each_lane_issue_a_building_permit(office, browser):
    base, engine = office
    with Session(engine, expire_on_commit=False) as session:
        case = start_building_case(session)
        start_building_case(session, applicant_name="Budi Santoso", floor_area=120, floors=1)
    for step, (username, data) in HAPPY_PATH.items():
        page = login(browser, base, username)
        page.goto(f"{base}/inbox/")
        row = page.locator(".taskrow", has_text=case.tracking_code).filter(
            has_text=page_task_name(engine, case)
        )
        if step == "register_application":
            shoot(page, "inbox")
        row.locator("form[action$='/claim'] button").click()
        page.wait_for_selector("#complete-form")
        fill_form(page, data)
        if step == "technical_review":
            shoot(page, "task")
        page.click("#complete-form button[type=submit]")
        page.wait_for_url(f"{base}/inbox/")
        assert page.locator(".flash-success").count() == 1, f"{step} was not completed"
        page.context.close()
    with Session(engine) as session:
        finished = services.get_case(session, case.id)
        assert finished.status == "completed" and finished.outcome
    page = login(browser, base, "front")
    page.goto(f"{base}/cases/{case.tracking_code}")
    wait_for_diagrams(page)
    assert page.locator(".status-completed").count() >= 1
    page.context.close()
    page = login(browser, base, "front", viewport=(390, 844))
    page.goto(f"{base}/inbox/")
    shoot(page, "inbox-phone")
    page.context.close()


def page_task_name(engine, case) -> str:
    with Session(engine, expire_on_commit=False) as session:
        return open_task(session, case).name


def test_designer_deploys_a_revision_and_migrates_a_running_case(office, browser, tmp_path):
    base, engine = office
    with Session(engine, expire_on_commit=False) as session:
        case = start_building_case(session, applicant_name="Rina Wati")
        services.complete_task(
            session, open_task(session, case).id, "front", {"documents_received": True}
        )
        session.commit()
    revised = tmp_path / "building_approval.bpmn"
    revised.write_bytes(revised_building())
    page = login(browser, base, "designer")
    page.goto(f"{base}/designer/")
    page.set_input_files("#bpmn", str(revised))
    page.click("form[action$='/designer/upload'] button[type=submit]")
    page.wait_for_selector("h1")
    wait_for_diagrams(page)
    shoot(page, "designer-report")
    page.click("a[href$='/diff']")
    wait_for_diagrams(page)
    assert page.locator(".diff-changed li", has_text="sign_permit").count() == 1
    assert page.locator(".djs-element.diff-changed").count() >= 1  # highlighted on the diagram
    shoot(page, "diff")
    page.click("form[action$='/deploy'] button[type=submit]")
    page.wait_for_url(f"{base}/designer/procedures/building_approval")
    page.click("a[href$='/1/migrate']")
    page.wait_for_selector("input[name=case_id]")
    shoot(page, "migration")
    page.click("form button.primary")
    page.wait_for_url(f"{base}/designer/procedures/building_approval")
    shoot(page, "versions")
    with Session(engine) as session:
        assert services.get_case(session, case.id).definition.version == 2
    page.context.close()


def test_monitoring_admin_and_case_pages(office, browser):
    base, engine = office
    with Session(engine, expire_on_commit=False) as session:
        for name in ("Andi", "Maya", "Yusuf"):
            start_building_case(session, applicant_name=f"{name} Pratama")
        case = start_building_case(session, applicant_name="Dewi Kartika")
        services.complete_task(
            session, open_task(session, case).id, "front", {"documents_received": True}
        )
        session.commit()
    page = login(browser, base, "reformer")
    page.goto(f"{base}/monitoring/building_approval")
    wait_for_diagrams(page)
    assert page.locator(".diagram-badge").count() >= 1
    shoot(page, "monitoring")
    page.context.close()
    page = login(browser, base, "admin")
    page.goto(f"{base}/cases/{case.tracking_code}")
    wait_for_diagrams(page)
    assert page.locator(".djs-element.current").count() == 1
    shoot(page, "case")
    page.goto(f"{base}/admin/lanes")
    shoot(page, "admin")
    page.context.close()
