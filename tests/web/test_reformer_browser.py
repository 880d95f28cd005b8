"""A reformer's journey in headless Chromium: analysis with simulation, a scenario from
a finding's suggestion, the comparison running in the background, and the revised
diagram sent to the designers, who open it. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from tests.web.conftest import start_building_case
from tests.web.test_browser import browser, login, office, shoot, wait_for_diagrams  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def wait_for_job(page) -> None:
    """The progress bar is polled until the page reloads with the result."""
    page.wait_for_selector(".job-progress", state="detached", timeout=60_000)
    page.wait_for_load_state()
    assert page.locator(".job-progress, .flash-error").count() == 0


RAW = ("cycle_time", "remove_task", "Lane_", "op:")


def raw_ids() -> set[str]:
    """The building approval's element, flow and lane ids that could not pass for words."""
    from engine.bpmn.reader import load_bpmn
    from tests.web.conftest import BUILDING

    process = load_bpmn(BUILDING.read_bytes(), BUILDING.name).main_process()
    ids = {*process.nodes, *process.flows, *process.lanes}
    return {i for i in ids if re.search(r"[_\d]", i)}


def assert_no_raw_ids(page) -> None:
    """The visible text names steps and lanes: no id as a word, no engineer's key."""
    text = page.inner_text("main")
    words = set(re.findall(r"[\w.]+", text))
    found = sorted(words & raw_ids())
    assert not found, [text[max(0, text.index(f) - 300) : text.index(f) + 100] for f in found]
    for raw in RAW:
        assert raw not in text, raw


def test_reformer_simplifies_the_building_approval(office, browser):  # noqa: F811
    """In Indonesian: findings with step names, one dismissed with a reason, a suggested
    change and one from the form (no YAML typed), the comparison in Indonesian."""
    base, engine = office
    with Session(engine, expire_on_commit=False) as session:
        for name in ("Andi", "Maya", "Yusuf"):
            start_building_case(session, applicant_name=f"{name} Santoso")
    page = login(browser, base, "reformer", viewport=(1360, 900))
    page.click(".langswitch button[value=id]")  # the reformer reads Bahasa Indonesia
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.click("nav a[href='/reformer/']")
    page.click("a[href='/reformer/building_approval/1']")
    expect(page.locator(".finding", has_text="pengerjaan ulang").first).to_be_attached()
    expect(page.locator(".finding", has_text="Verifikasi berkas").first).to_be_attached()
    assert_no_raw_ids(page)
    count = int(page.inner_text("h2 .count"))
    finding = page.locator(".finding").first
    finding.locator("input[name=reason]").fill("Sudah dibahas dengan kepala dinas")
    finding.locator("button[value=dismiss]").click()
    expect(page.locator(".flash-success", has_text="Temuan diabaikan")).to_have_count(1)
    expect(page.locator("h2 .count")).to_have_text(str(count - 1))
    page.click(".dismissed-findings summary")
    assert page.locator(".dismissed-findings", has_text="Sudah dibahas").count() == 1

    page.click("form[action$='/analyze'] button[type=submit]")
    wait_for_job(page)
    wait_for_diagrams(page)
    assert page.locator(".finding", has_text="hambatan").count() >= 1
    finding = page.locator(".finding", has_text="hambatan").first
    finding.locator(".finding-head").click()
    assert_no_raw_ids(page)
    shoot(page, "reformer-analysis")

    finding.locator("form.suggestion button").click()  # more clerks where cases wait
    page.wait_for_url(f"{base}/reformer/building_approval/1/scenario")
    assert page.locator(".changes .change-text", has_text="petugas di").count() == 1
    assert page.locator("#changes_yaml").is_hidden()  # YAML only for advanced users
    page.select_option("#op", "remove_task")  # a change no finding suggested, from the form
    assert page.locator("#lane").is_hidden()
    page.select_option("#task", label="Pendaftaran permohonan")
    page.click(".change-form button[type=submit]")
    expect(page.locator(".changes .change-text", has_text="Pendaftaran permohonan")).to_have_count(
        1
    )
    assert_no_raw_ids(page)
    page.fill("#cases", "300")
    page.fill("#replications", "4")
    shoot(page, "reformer-scenario")

    page.click(".run-form button[type=submit]")
    wait_for_job(page)
    wait_for_diagrams(page)
    change = page.locator("tr[data-kpi='cycle_time.mean'] td.change").inner_text()
    assert change.startswith("-"), change
    assert page.locator(".charts svg").count() >= 2
    assert page.locator("h2", has_text="Angka utama").count() == 1
    assert page.locator(".charts", has_text="Waktu penyelesaian").count() == 1
    assert_no_raw_ids(page)
    assert page.locator(".djs-element[class*='heat-']").count() >= 2
    shoot(page, "reformer-result")
    page.click("form[action$='/send'] button[type=submit]")
    expect(page.locator(".flash-success")).to_have_count(1)
    page.context.close()

    page = login(browser, base, "designer")
    page.goto(f"{base}/designer/")
    page.click(".drafts a", timeout=5_000)
    wait_for_diagrams(page)
    expect(page.locator("form[action$='/deploy']")).to_have_count(1)  # valid: ready to deploy
    page.click("a[href$='/diff']")
    wait_for_diagrams(page)
    assert page.locator(".djs-element.diff-removed").count() >= 1  # register_application
    page.context.close()
