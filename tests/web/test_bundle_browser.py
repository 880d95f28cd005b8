"""The one-stop bundle in headless Chromium (Debian's, driven by Playwright).

A small business owner applies once for the business licence, the building approval and
the signage permit (identity, business, site and sign data and four documents, once).
The clerks of each lane log in and claim and complete every task in their inbox: the
registration, the three agency reviews, then the tasks of the three called procedures.
The tracking page shows each permit's progress while they run and the three permits
issued at the end. Screenshots: docs/screenshots/bundle-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from engine import services
from engine.demo import fill
from tests.conftest import PROCESSES
from tests.test_bundle import BUNDLE
from tests.web.browsers import CHROMIUM, SHOTS, chromium, served_app
from tests.web.conftest import PASSWORD, STAFF, seed_staff

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)

PDF = b"%PDF-1.4\n% permitflow bundle browser test\n"
DOCUMENTS = ("identity_document", "land_certificate", "building_plan", "sign_design")
CLERK = {role: name for name, roles in STAFF.items() for role in roles}
ANSWERS = {
    "agency_review": {"agency_opinion": "agree"},
    "verify_documents": {"decision": "complete"},
    "sector_review": {"technical_decision": "approve"},
    "sign_license": {"signed": True},
    "technical_review": {"technical_decision": "approve"},
    "confirm_payment": {"payment_received": True, "payment_reference": "NTPD-PBG-0001"},
    "sign_permit": {"signed": True},
    "review_signage": {"sign_decision": "approve"},
    "confirm_signage_payment": {"signage_paid": True, "payment_reference": "NTPD-REK-0001"},
}


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    yield from served_app(tmp_path_factory.mktemp("bundle"), sqlite_template, _seed)


def _seed(session: Session) -> None:
    seed_staff(session)
    for key in ("building_approval", "business_license", "signage_permit", "small_business_bundle"):
        path = PROCESSES / f"{key}.bpmn"
        data = path.read_bytes()
        dmn = services.decisions_beside(path, data) or None
        services.deploy(session, data, source=path.name, dmn_files=dmn)


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def _page(browser, locale: str = "id-ID"):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale).new_page()
    page.set_default_timeout(15_000)
    return page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"bundle-{name}.png"), full_page=True)


def _apply(page, base: str) -> str:
    page.goto(f"{base}/services/")
    page.click("a.button.primary[href='/services/small_business_bundle/apply']")
    for name, value in BUNDLE.items():
        field = page.locator(f"#f-{name}")
        if field.evaluate("el => el.tagName.toLowerCase()") == "select":
            field.select_option(str(value))
        else:
            field.fill(str(value))
    for name in DOCUMENTS:
        page.set_input_files(
            f"#f-{name}", {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    shoot(page, "apply")
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector(".private-link")
    return page.locator(".private-link").inner_text().strip()


def _next_task(engine, code: str):
    with Session(engine, expire_on_commit=False) as session:
        case = services.get_case(session, code)
        tasks = services.open_tasks(session, case)
        if not tasks:
            return None
        task = tasks[0]
        form = services.task_form(task)
        shown = services.task_data(task)  # what the page shows filled in (the fee table's)
        kept = {f.id: shown[f.id] for f in form if shown.get(f.id) is not None}
        return task.id, task.role, task.element_id, form, fill(form) | kept


def _complete_in_browser(browser, base: str, task) -> None:
    task_id, role, element_id, form, data = task
    data = data | ANSWERS.get(element_id, {})
    page = _page(browser, "en-US")
    page.goto(f"{base}/login")
    page.fill("#username", CLERK[role])
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.goto(f"{base}/inbox/")
    page.locator(f"form[action$='/{task_id}/claim'] button").click()
    page.wait_for_selector("#complete-form")
    for field in form:
        if field.id not in data or field.readonly:
            continue
        value, control = data[field.id], page.locator(f"#complete-form [name='{field.id}']").first
        if field.type == "boolean":
            if value:
                control.check()
        elif field.type == "enum":
            control.select_option(str(value))
        elif field.type == "file":
            control.set_input_files(
                {"name": f"{field.id}.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
        else:
            control.fill(str(value))
    page.click("#complete-form button[type=submit]")
    page.wait_for_url(f"{base}/inbox/")
    assert page.locator(".flash-success").count() == 1, f"{element_id} was not completed"
    page.context.close()


def test_one_application_three_permits_issued_and_tracked(office, browser):
    base, engine = office
    applicant = _page(browser)
    private = _apply(applicant, base)
    code = re.search(r"/track/([0-9A-Z-]+)\?k=", private).group(1)
    done: list[str] = []
    for _step in range(40):
        task = _next_task(engine, code)
        if task is None:
            break
        _complete_in_browser(browser, base, task)
        done.append(task[2])
        if done.count("agency_review") == 3 and len(done) == 4:  # the three permits begin
            applicant.goto(private)
            rows = applicant.locator("#called-procedures .called-running")
            assert rows.count() == 3
            shoot(applicant, "track-running")
    assert done.count("agency_review") == 3
    assert {"sign_license", "sign_permit", "sign_signage_permit"} <= set(done)
    applicant.goto(private)
    assert applicant.locator(".outcome").inner_text() == "Semua izin diputuskan"
    outcomes = applicant.locator("#called-procedures .called-completed .called-step")
    assert sorted(outcomes.all_inner_texts()) == [
        "Izin reklame terbit",
        "Izin terbit",
        "PBG terbit",
    ]
    _three_permits_issued(applicant, base, engine, code)
    shoot(applicant, "track-issued")
    applicant.context.close()


def _three_permits_issued(applicant, base: str, engine, code: str) -> None:
    """Each called procedure's permit: its own number, its PDF and a valid verification."""
    with Session(engine, expire_on_commit=False) as session:
        case = services.get_case(session, code)
        permits = {p.process_key: p for p in services.permits.case_permits(session, case)}
        bills = services.payments.case_bills(session, case)
    assert set(permits) == {"business_license", "building_approval", "signage_permit"}
    assert sorted((b.process_key, b.amount, b.status) for b in bills) == [
        ("building_approval", 800_000, "paid"),  # the fee table's amounts, paid
        ("signage_permit", 50_000, "paid"),
    ]
    for key, permit in permits.items():
        row = applicant.locator(f"#called-procedures tr[data-procedure='{key}']")
        assert row.locator(".permit-number").inner_text() == permit.number
        pdf = applicant.request.get(base + row.locator("a.called-permit-pdf").get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
    verify = applicant.locator("#called-procedures a.called-permit-verify").first
    verify.click()
    expect(applicant.locator("#verdict")).to_have_text("Berlaku")
    applicant.go_back()
