"""The reformers' pages: analysis, scenario editor, background comparison, and the
revised diagram reaching the designers. Jobs run synchronously here (small runs)."""

from __future__ import annotations

import json
import re

import pytest

from engine import services
from engine.background import jobs
from tests.web.conftest import BUILDING, start_building_case

ANALYSIS = "/reformer/building_approval/1"
SCENARIO = f"{ANALYSIS}/scenario"
REMOVE_REGISTRATION = {"op": "remove_task", "task": "register_application"}
SMALL = {"cases": "120", "replications": "2", "seed": "3"}


@pytest.fixture
def synchronous_jobs(app, monkeypatch):
    """Run submitted jobs at once, on the app's database."""
    monkeypatch.setattr(jobs, "submit", lambda job_id, engine=None: jobs.run(job_id, engine))


@pytest.fixture
def reformer(staff):
    return staff("reformer")


@pytest.fixture
def english_reformer(reformer):
    """The reformer reading in English: the refusals keep their detailed English words
    (tests/web/test_reformer_language.py reads them in Indonesian)."""
    reformer.post("/language", data={"lang": "en", "next": ANALYSIS})
    return reformer


def test_the_procedures_and_versions_to_pick(reformer):
    page = reformer.get("/reformer/").get_data(as_text=True)
    assert "Persetujuan Bangunan Gedung" in page and 'href="/reformer/building_approval/1"' in page


def test_analysis_shows_metrics_findings_and_marks_them(reformer):
    response = reformer.get(ANALYSIS)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Handoffs between lanes" in page or "Perpindahan" in page
    assert "verify_documents" in page  # the rework loop of missing documents
    markers = re.search(r'data-markers="([^"]+)"', page).group(1)
    assert "verify_documents" in markers.replace("&#34;", '"')
    assert "register_application" not in markers.replace("&#34;", '"')  # needed downstream
    assert 'data-elements="' in page and "js/reformer.js" in page


def test_unknown_version_is_not_found(reformer):
    assert reformer.get("/reformer/building_approval/9").status_code == 404
    assert reformer.get("/reformer/nothing/1/scenario").status_code == 404


def test_analysis_with_simulation_and_history_finds_bottlenecks(reformer, db, synchronous_jobs):
    from datetime import timedelta

    from engine.calendar import clock

    cases = [start_building_case(db) for _ in range(3)]
    clock.advance(timedelta(days=1))  # registrations wait a day in the front office queue
    for case in cases:
        task = services.open_tasks(db, case)[0]
        services.claim(db, task.id, "front")
        clock.advance(timedelta(minutes=20))
        services.complete_task(db, task.id, "front", {"documents_received": True})
    db.commit()
    response = reformer.post(f"{ANALYSIS}/analyze", data=SMALL)
    assert response.status_code == 302
    page = reformer.get(response.headers["Location"]).get_data(as_text=True)
    assert "hambatan" in page and "riwayat" in page and "simulasi" in page
    assert "mean cycle time" in page.lower() or "waktu" in page.lower()
    assert "heat-" in page  # the simulated waiting over the diagram


def test_a_suggested_change_is_added_with_one_click(reformer):
    response = reformer.post(
        f"{SCENARIO}/changes", data={"change": json.dumps(REMOVE_REGISTRATION)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(SCENARIO)
    page = reformer.get(SCENARIO).get_data(as_text=True)
    added = '<span class="change-text">Hapus langkah “Pendaftaran permohonan”</span>'
    assert added in page
    reformer.post(f"{SCENARIO}/changes/0/delete")
    assert added not in reformer.get(SCENARIO).get_data(as_text=True)


def test_the_change_form_adds_a_staffing_change(reformer):
    reformer.post(f"{SCENARIO}/changes", data={"op": "staff", "lane": "Lane_cashier", "count": "2"})
    assert "2 petugas di “Kasir”" in reformer.get(SCENARIO).get_data(as_text=True)


def test_the_change_form_sets_a_new_duration_in_minutes_without_yaml(reformer):
    form = {"op": "duration", "task": "verify_documents", "minutes": "45", "factor": ""}
    reformer.post(f"{SCENARIO}/changes", data=form)
    page = reformer.get(SCENARIO).get_data(as_text=True)
    assert "“Verifikasi berkas” rata-rata memakan waktu 45.0 menit" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"op": "remove_task", "task": "no_such_task"}, "no_such_task"),
        ({"op": "staff", "lane": "Lane_cashier", "count": "two"}, "count: expected a whole number"),
        ({"op": "explode"}, "op: choose one of"),
        ({"change": "{not json"}, "Expecting property name"),
    ],
)
def test_a_bad_change_is_refused_with_a_message(english_reformer, form, message):
    response = english_reformer.post(f"{SCENARIO}/changes", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "flash-error" in page


def test_bad_parameters_are_shown_next_to_the_field(reformer):
    form = {"name": "x", "changes_yaml": "", "params_yaml": "lanes:\n  Lane_cashier: {count: 0}\n"}
    response = reformer.post(SCENARIO, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="err-params"' in page and "lanes.Lane_cashier.count" in page
    response = reformer.post(SCENARIO, data={**form, "params_yaml": "cases: [1,"})
    assert response.status_code == 400 and "not valid YAML" in response.get_data(as_text=True)


def test_a_bad_scenario_is_shown_next_to_the_field(english_reformer):
    page = english_reformer.get(SCENARIO).get_data(as_text=True)
    params = re.search(r'<textarea id="params_yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    form = {"name": "x", "params_yaml": params.replace("&#39;", "'").replace("&#34;", '"')}
    for changes, message in [
        ("- {op: merge_tasks, tasks: [register_application]}", "at least two tasks"),
        ("op: [", "not valid YAML"),
        ("- just text", "a list of changes"),
    ]:
        response = english_reformer.post(SCENARIO, data={**form, "changes_yaml": changes})
        assert response.status_code == 400, changes
        assert 'id="err-changes"' in response.get_data(as_text=True)
        assert message in response.get_data(as_text=True)


def test_the_scenario_runs_and_the_revised_diagram_reaches_the_designers(
    app, reformer, staff, synchronous_jobs
):
    reformer.post(f"{SCENARIO}/changes", data={"change": json.dumps(REMOVE_REGISTRATION)})
    response = reformer.post(f"{ANALYSIS}/run", data=SMALL)
    assert response.status_code == 302
    job_url = response.headers["Location"]
    status = reformer.get(f"{job_url}.json").get_json()
    assert status["status"] == "done" and status["progress"] == 1.0 and status["finished"]
    page = reformer.get(job_url).get_data(as_text=True)
    assert 'data-kpi="cycle_time.mean"' in page and "<svg" in page and "heat-" in page
    revised = reformer.get(f"{job_url}/revised.bpmn").get_data(as_text=True)
    assert 'id="register_application"' not in revised and 'id="verify_documents"' in revised

    response = reformer.post(f"{job_url}/send", follow_redirects=True)
    assert "sent to the designers" in response.get_data(
        as_text=True
    ) or "dikirim" in response.get_data(as_text=True)
    designer = staff("designer")
    listing = designer.get("/designer/").get_data(as_text=True)
    token = re.search(
        r'href="/designer/drafts/([^"]+)">building_approval_scenario_', listing
    ).group(1)
    report = designer.get(f"/designer/drafts/{token}").get_data(as_text=True)
    assert "deploy" in report.lower() or "pasang" in report.lower()
    assert designer.get(f"/designer/drafts/{token}/diff").status_code == 200


def test_a_failed_job_shows_its_error(reformer, db, app, synchronous_jobs):
    params = {
        "key": "building_approval",
        "version": 1,
        "bpmn_xml": BUILDING.read_text(),
        "params_yaml": "x: 1",
    }
    job = jobs.create(db, "simulation_compare", params)
    db.commit()
    jobs.run(job.id, app.extensions["permitflow.engine"])
    page = reformer.get(f"/reformer/jobs/{job.id}").get_data(as_text=True)
    assert "flash-error" in page and "x: unknown section" in page
    assert reformer.get("/reformer/jobs/999.json").status_code == 404


@pytest.mark.parametrize("username", [None, "front", "designer", "nobody"])
def test_only_reformers_and_admins_run_simulations(staff, db, app, username):
    params = {"key": "building_approval", "version": 1, "bpmn_xml": "", "params_yaml": ""}
    job = jobs.create(db, "simulation_compare", params)
    db.commit()
    user = staff(username)
    routes = [
        ("get", f"/reformer/jobs/{job.id}"),
        ("get", f"/reformer/jobs/{job.id}.json"),
        ("get", f"/reformer/jobs/{job.id}/revised.bpmn"),
        ("post", f"/reformer/jobs/{job.id}/send"),
        ("post", f"{ANALYSIS}/analyze"),
        ("post", f"{ANALYSIS}/run"),
        ("post", SCENARIO),
        ("post", f"{SCENARIO}/changes"),
        ("post", f"{SCENARIO}/changes/0/delete"),
        ("post", f"{ANALYSIS}/findings"),
    ]
    for method, route in routes:
        response = getattr(user, method)(route)
        if username is None:
            assert response.status_code in (302, 400) and "/login" in response.headers.get(
                "Location", "/login"
            )
        else:
            assert response.status_code == 403, (username, route)
    assert jobs.get(db, job.id).status == "queued"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"op": "remove_task", "task": ["x"]},
            "change.task: expected a task id (text), got a list",
        ),
        ({"op": ["x"]}, "change.op: unknown operation a list"),
        (
            {"op": "duration", "task": "verify_documents", "factor": "x"},
            "change.factor: expected a positive number",
        ),
        ({"op": "arrival_rate", "rate_per_day": 0}, "change.rate_per_day: must be greater than 0"),
        ({"op": "staff", "lane": ["Lane_cashier"], "count": 2}, "change.lane: expected a lane id"),
        (
            {"op": "probability", "flow": {"a": 1}, "p": 0.5},
            "change.flow: expected a sequence flow id",
        ),
    ],
)
def test_a_change_of_a_wrong_type_is_refused_not_a_server_error(english_reformer, change, message):
    response = english_reformer.post(f"{SCENARIO}/changes", data={"change": json.dumps(change)})
    assert response.status_code == 302
    page = english_reformer.get(SCENARIO).get_data(as_text=True)
    assert "flash-error" in page and message in page
    assert '<span class="change-text">' not in page  # nothing was saved

    form = {"name": "x", "params_yaml": "", "changes_yaml": json.dumps([change])}
    response = english_reformer.post(SCENARIO, data=form)
    assert response.status_code == 400 and 'id="err-changes"' in response.get_data(as_text=True)
    assert message.replace("change.", "changes[0].", 1) in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("params_yaml", "process: 5", "process: expected a process id (text), got 5"),
        ("params_yaml", "process: nowhere", "is not a process of the model"),
        ("params_yaml", "[" * 5000, "too deeply nested"),
        ("changes_yaml", "[" * 5000, "too deeply nested"),
        ("changes_yaml", "- {op: staff, lane: Lane_cashier, count: 2025-13-45}", "not valid YAML"),
    ],
)
def test_bad_scenario_texts_are_refused_not_a_server_error(english_reformer, field, text, message):
    form = {"name": "x", "params_yaml": "", "changes_yaml": "", field: text}
    response = english_reformer.post(SCENARIO, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'id="err-params"' in page or 'id="err-changes"' in page


def test_a_deeply_nested_change_is_a_message_not_an_error(english_reformer):
    response = english_reformer.post(f"{SCENARIO}/changes", data={"change": "[" * 5000})
    assert response.status_code == 302
    assert "too deeply nested" in english_reformer.get(SCENARIO).get_data(as_text=True)


def _finding_keys(page: str) -> list[str]:
    return re.findall(r'data-finding="([^"]+)"', page)


def _headline(page: str) -> int:
    return int(re.search(r'<span class="count">(\d+)</span>', page).group(1))


def test_a_dismissed_finding_leaves_the_headline_and_the_next_reformer_reads_why(
    reformer, staff, db
):
    page = reformer.get(ANALYSIS).get_data(as_text=True)
    keys, count = _finding_keys(page), _headline(page)
    assert keys and count == len(keys)
    reason = "Pendaftaran adalah register resmi kantor"
    response = reformer.post(
        f"{ANALYSIS}/findings", data={"finding": keys[0], "decision": "dismiss", "reason": reason}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(ANALYSIS)
    page = staff("admin").get(ANALYSIS).get_data(as_text=True)  # the next reformer
    assert _headline(page) == count - 1
    dismissed = page[page.index('<details class="dismissed-findings">') :]
    assert f'data-finding="{keys[0]}"' in dismissed and reason in dismissed
    assert "Diabaikan oleh reformer" in dismissed and "1 temuan diabaikan" in dismissed

    reformer.post(
        f"{ANALYSIS}/findings", data={"finding": keys[1], "decision": "accept", "reason": "Benar"}
    )
    page = reformer.get(ANALYSIS).get_data(as_text=True)
    assert _headline(page) == count - 1  # accepted findings stay in the headline
    assert "Diterima oleh reformer" in page


def test_a_new_version_starts_fresh_with_the_earlier_decision_as_a_hint(reformer, db):
    from tests.web.conftest import revised_building

    key = _finding_keys(reformer.get(ANALYSIS).get_data(as_text=True))[0]
    reformer.post(
        f"{ANALYSIS}/findings",
        data={"finding": key, "decision": "dismiss", "reason": "Sudah dibahas"},
    )
    services.deploy(db, revised_building(), source="building_approval.bpmn", deployed_by="d")
    db.commit()
    page = reformer.get("/reformer/building_approval/2").get_data(as_text=True)
    assert '<details class="dismissed-findings">' not in page
    if key in _finding_keys(page):
        assert "Diabaikan pada versi 1 oleh reformer" in page and "Sudah dibahas" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"decision": "dismiss", "reason": "   "}, "Tuliskan alasan Anda"),
        ({"decision": "ignore", "reason": "x"}, "Pilih Terima atau Abaikan"),
        ({"decision": "dismiss", "reason": "x" * 1001}, "Alasan terlalu panjang"),
    ],
)
def test_a_decision_without_a_reason_is_refused_with_a_message(reformer, form, message):
    page = reformer.get(ANALYSIS).get_data(as_text=True)
    key, count = _finding_keys(page)[0], _headline(page)
    response = reformer.post(
        f"{ANALYSIS}/findings", data={"finding": key, **form}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "flash-error" in page and message in page
    assert _headline(page) == count and '<details class="dismissed-findings">' not in page


def test_the_analysis_page_names_steps_and_lanes_not_ids(reformer):
    page = reformer.get(ANALYSIS).get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])
    for raw in ("register_application", "Lane_", "remove_task", "cycle_time", "op:"):
        assert raw not in visible, raw


def test_an_english_reformer_reads_the_findings_in_english_with_names(reformer):
    reformer.post("/language", data={"lang": "en", "next": ANALYSIS})
    page = reformer.get(ANALYSIS).get_data(as_text=True)
    title = (
        "Rework loop: &#34;Documents complete?&#34; sends cases back to &#34;Verify documents&#34;"
    )
    assert title in page and "1 dismissed" not in page
    scenario = reformer.get(SCENARIO).get_data(as_text=True)
    assert "Building Approval" in scenario or ", simplified" in scenario
    assert "Remove a step" in scenario and "For advanced users" in scenario


def test_the_comparison_reads_in_indonesian_with_names_and_working_time(reformer, synchronous_jobs):
    form = {"op": "staff", "lane": "Lane_cashier", "count": "3"}
    reformer.post(f"{SCENARIO}/changes", data=form)
    job_url = reformer.post(f"{ANALYSIS}/run", data=SMALL).headers["Location"]
    page = reformer.get(job_url).get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])
    assert "Waktu penyelesaian, rata-rata" in visible and "3 petugas di “Kasir”" in visible
    assert "Waktu tunggu per langkah (jam)" in visible and "Saat ini" in visible
    assert re.search(r"\d+(,\d)? (jam|hari kerja)", visible)
    for raw in ("cycle_time", "Lane_cashier", "staff", "task.", "lane."):
        assert raw not in visible, raw
