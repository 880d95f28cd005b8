"""Citizens in headless Chromium (Debian's, driven by Playwright; no download).

1. A citizen applies for a building approval with documents, is asked for a missing
   document, uploads it on the private page, follows the case to the issued permit and
   rates the service; the IKM page shows the response.
2. Another citizen takes a queue number at the kiosk; a clerk calls it at the counter;
   the display (refreshing itself) shows it.
3. A complaint is sent, answered, and the complainant reads the answer.

Screenshots of the public pages are saved under docs/screenshots/public-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from engine import services
from engine.demo import add_demo_survey_responses
from tests.web.browsers import CHROMIUM, SHOTS, chromium, served_app
from tests.web.conftest import (
    BUILDING,
    BUILDING_START,
    COMPLAINT,
    HAPPY_PATH,
    PASSWORD,
    open_task,
    seed_staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

from playwright import sync_api  # noqa: E402  (a test dependency; chromium itself may be missing)

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing (apt-get install chromium)", allow_module_level=True)
PDF = b"%PDF-1.4\n% permitflow browser test\n"


@pytest.fixture(scope="module")
def office(tmp_path_factory, sqlite_template):
    """The app on 127.0.0.1 (random port): building approval and complaint deployed, past surveys."""
    yield from served_app(tmp_path_factory.mktemp("public"), sqlite_template, _seed)


def _seed(session: Session) -> None:
    seed_staff(session)
    services.create_user(session, "gita", roles=["complaint_admin"])
    services.create_user(session, "hadi", roles=["responsible_unit"])
    services.deploy(session, BUILDING.read_bytes(), source="building_approval.bpmn")
    services.deploy(session, COMPLAINT.read_bytes(), source="complaint.bpmn")
    add_demo_survey_responses(session, per_service=12)


@pytest.fixture(scope="module")
def browser():
    yield from chromium(sync_api)


def visitor(browser, width: int = 1280, height: int = 860):
    page = browser.new_context(
        viewport={"width": width, "height": height}, locale="id-ID"
    ).new_page()
    page.set_default_timeout(15_000)
    return page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"public-{name}.png"), full_page=True)


def upload(page, selector: str, name: str) -> None:
    page.set_input_files(selector, {"name": name, "mimeType": "application/pdf", "buffer": PDF})


def run_clerks(engine, code: str) -> None:
    """The office's part, with engine calls: every open task down the happy path."""
    with Session(engine, expire_on_commit=False) as session:
        case = services.get_case(session, code)
        while case.status == "running":
            task = open_task(session, case)
            username, data = HAPPY_PATH[task.element_id]
            services.complete_task(
                session,
                task.id,
                username,
                {k: ("true" if v == "on" else v) for k, v in data.items()},
            )
            session.commit()
            case = services.get_case(session, code)


def test_a_citizen_applies_answers_a_return_follows_and_rates(office, browser):
    base, engine = office
    page = visitor(browser)
    page.goto(f"{base}/")
    assert page.locator("h1").first.inner_text() == "Perizinan dan layanan publik, secara daring"
    page.click("a[href='/services/building_approval']")
    page.wait_for_selector(".bpmn-diagram.drawn, .bpmn-diagram .note")
    shoot(page, "catalogue")
    page.click("a.button.primary[href$='/apply']")
    for name, value in BUILDING_START.items():
        if name in ("land_certificate", "building_plan"):
            continue
        if name == "building_function":
            page.select_option(f"#f-{name}", value)
        else:
            page.fill(f"#f-{name}", str(value))
    upload(page, "#f-land_certificate", "sertifikat-tanah.pdf")
    upload(page, "#f-building_plan", "gambar-rencana.pdf")
    shoot(page, "apply")
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector(".private-link")
    private = page.locator(".private-link").inner_text().strip()
    code = re.search(r"/track/([0-9A-Z-]+)\?k=", private).group(1)
    with Session(engine, expire_on_commit=False) as session:
        case = services.get_case(session, code)
        services.complete_task(
            session, open_task(session, case).id, "front", {"documents_received": True}
        )
        services.return_to_applicant(
            session,
            open_task(session, case).id,
            "verifier",
            "Gambar rencana belum ditandatangani perencana. Unggah gambar yang sudah ditandatangani.",
            fields=["building_plan"],
        )
        session.commit()
    page.goto(private)
    assert "belum ditandatangani" in page.locator(".return-reason").inner_text()
    upload(page, "#respond-form #f-building_plan", "gambar-bertanda-tangan.pdf")
    page.click("#respond-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    run_clerks(engine, code)
    page.goto(private)
    assert page.locator(".outcome").inner_text() == "PBG terbit"  # the Indonesian label
    assert page.locator(".documents a", has_text="gambar-bertanda-tangan.pdf").count() == 1
    shoot(page, "track")
    page.click(".survey-invite a.button")
    for key, score in zip([f"u{i}" for i in range(1, 10)], "443434434", strict=True):
        page.check(f"input[name={key}][value='{score}']")
    page.click("#survey-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    page.goto(f"{base}/ikm?service=building_approval")
    assert page.locator(".ikm-responses").inner_text() == "13"  # 12 past surveys and this one
    shoot(page, "ikm")
    page.context.close()


def test_a_queue_number_is_taken_called_and_displayed(office, browser):
    base, _engine = office
    citizen = visitor(browser)
    citizen.goto(f"{base}/queue/")
    citizen.click("button[data-service=building_approval]")
    number = citizen.locator(".ticket-number").inner_text()
    assert number.startswith("PBG-")
    for _i in range(2):  # two more people wait behind
        citizen.goto(f"{base}/queue/")
        citizen.click("button[data-service=building_approval]")
    display = visitor(browser, 1600, 900)
    display.goto(f"{base}/queue/display")
    clerk = visitor(browser)
    clerk.goto(f"{base}/login")
    clerk.fill("#username", "front")
    clerk.fill("#password", PASSWORD)
    clerk.click("form[action='/login'] button[type=submit]")
    clerk.wait_for_url(lambda url: not url.endswith("/login"))
    clerk.goto(f"{base}/queue/counter")
    clerk.select_option("#service", "building_approval")
    clerk.fill("#counter", "3")
    clerk.click("#counter-form button[type=submit]")
    expect(clerk.locator(".called-number")).to_have_text(number)
    board = display.locator(".board[data-service=building_approval]")
    board.locator(".board-number", has_text=number).wait_for(
        timeout=12_000
    )  # the display refreshed itself
    shoot(display, "queue-display")
    for page in (citizen, display, clerk):
        page.context.close()


def test_a_complaint_is_sent_and_its_answer_read(office, browser):
    base, engine = office
    page = visitor(browser)
    page.goto(f"{base}/complaints/new")
    page.select_option("#f-channel", "lapor")
    page.select_option("#f-service_concerned", "pbg")
    page.fill("#f-contact", "0812 3456 789")
    page.fill("#f-subject", "Antrean loket PBG terlalu lama")
    page.fill(
        "#f-description",
        "Saya menunggu lebih dari dua jam di loket PBG pada hari Senin tanpa kejelasan.",
    )
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector(".private-link")
    private = page.locator(".private-link").inner_text().strip()
    code = re.search(r"/track/([0-9A-Z-]+)\?k=", private).group(1)
    with Session(engine, expire_on_commit=False) as session:
        case = services.get_case(session, code)
        services.complete_task(
            session,
            open_task(session, case).id,
            "gita",
            {"verification": "forward", "unit_name": "Bidang Pelayanan PBG"},
        )
        services.complete_task(
            session,
            open_task(session, case, "follow_up").id,
            "hadi",
            {
                "follow_up_text": "Mulai pekan ini loket PBG dibuka dua petugas dan nomor antrean "
                "dapat diambil secara daring. Mohon maaf atas ketidaknyamanannya."
            },
        )
        services.complete_task(
            session,
            open_task(session, case, "publish_follow_up").id,
            "gita",
            {"published_on": "2026-11-23"},
        )
        session.commit()
    page.goto(private)
    assert "dua petugas" in page.locator(".answer-text").inner_text()
    shoot(page, "complaint")
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    page.context.close()
