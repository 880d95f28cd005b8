"""An Indonesian reformer reads refused scenario changes in Indonesian, steps by name."""

from __future__ import annotations

import html
import json
import re

import pytest

ANALYSIS = "/reformer/building_approval/1"
SCENARIO = f"{ANALYSIS}/scenario"
REMOVE = {"op": "remove_task", "task": "register_application"}
AGAIN = {"op": "duration", "task": "register_application", "factor": 0.5}


@pytest.fixture
def reformer(staff):
    return staff("reformer")


def _visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1]))


def _flash(page: str) -> str:
    return re.search(r'class="[^"]*flash-error[^"]*"[^>]*>(.*?)</', page, re.S).group(1)


def test_a_change_naming_a_removed_step_is_refused_in_indonesian_by_name(reformer):
    assert (
        reformer.post(f"{SCENARIO}/changes", data={"change": json.dumps(REMOVE)}).status_code == 302
    )
    response = reformer.post(
        f"{SCENARIO}/changes", data={"change": json.dumps(AGAIN)}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    message = _flash(page)
    assert "“Pendaftaran permohonan” bukan langkah dalam prosedur ini" in message, message
    assert "register_application" not in message and "is not a task" not in message


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ("- {op: staff, lane: Lane_cashier, count: 0}", "jumlah petugas harus bilangan bulat"),
        ("op: [", "bukan YAML yang valid"),
        ("- {op: remove_task, task: no_such_step}", "bukan langkah dalam prosedur ini"),
        ("- {op: explode}", "jenis perubahan tidak dikenal"),
        ("- {op: merge_tasks, tasks: [register_application]}", "paling sedikit dua langkah"),
    ],
)
def test_a_bad_scenario_text_is_refused_in_indonesian(reformer, changes, words):
    form = {"name": "x", "params_yaml": "", "changes_yaml": changes}
    response = reformer.post(SCENARIO, data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="err-changes"' in page
    error = re.search(r'id="err-changes"[^>]*>(.*?)</', page, re.S).group(1)
    assert words in error, error
    for english in ("expected", "not valid", "is not a task", "changes[0]", "Lane_"):
        assert english not in error, (english, error)


def test_a_bad_staff_number_from_the_form_is_refused_in_indonesian(reformer):
    form = {"op": "staff", "lane": "Lane_cashier", "count": "0"}
    page = reformer.post(f"{SCENARIO}/changes", data=form, follow_redirects=True)
    message = _flash(page.get_data(as_text=True))
    assert "jumlah petugas harus bilangan bulat dari 1 sampai" in message, message


def test_an_english_reformer_keeps_the_english_refusal(reformer):
    reformer.post("/language", data={"lang": "en", "next": ANALYSIS})
    form = {"name": "x", "params_yaml": "", "changes_yaml": "op: ["}
    page = reformer.post(SCENARIO, data=form).get_data(as_text=True)
    assert "not valid YAML" in page


SMALL = {"cases": "60", "replications": "2", "seed": "3"}


@pytest.fixture
def queued_jobs(monkeypatch):
    """Jobs stay queued: the test says what the worker is doing."""
    from engine.background import jobs

    monkeypatch.setattr(jobs, "submit", lambda job_id, engine=None: None)


def _doing(db, url: str, message: str) -> int:
    from engine.services import jobs

    job_id = int(re.search(r"(?:jobs/|job=)(\d+)", url).group(1))
    jobs.get(db, job_id).message = message
    db.commit()
    return job_id


def test_a_running_comparison_says_what_it_does_in_indonesian(reformer, db, queued_jobs):
    from simulations.progress import progress_message

    url = reformer.post(f"{ANALYSIS}/run", data=SMALL).headers["Location"]
    job_id = _doing(db, url, progress_message("replication", label="baseline", i=1, n=2))
    visible = _visible(reformer.get(url).get_data(as_text=True))
    assert "kondisi sekarang: ulangan 1 dari 2" in visible
    assert "replication" not in visible and '"progress"' not in visible
    status = reformer.get(f"/reformer/jobs/{job_id}.json").get_json()
    assert status["message"] == "kondisi sekarang: ulangan 1 dari 2"


def test_a_running_analysis_names_the_finding_it_simulates_in_indonesian(reformer, db, queued_jobs):
    from engine.services import get_definition, model_for
    from simulations.analysis.procedure import analyze
    from simulations.progress import progress_message

    model = model_for(get_definition(db, "building_approval", 1))
    finding = analyze(model).findings[0]
    url = reformer.post(f"{ANALYSIS}/analyze", data=SMALL).headers["Location"]
    message = progress_message(
        "effect", message=finding.message, params=finding.params, title=finding.title
    )
    job_id = _doing(db, url, message)
    visible = _visible(reformer.get(url).get_data(as_text=True))
    status = reformer.get(f"/reformer/jobs/{job_id}.json").get_json()["message"]
    assert status.startswith("dampak dari: ") and status.split(": ", 1)[1] in visible
    assert finding.title not in status and "effect of" not in visible


def test_the_simulator_reports_its_progress_as_keys_the_pages_word(db):
    from engine.services import get_definition, model_for
    from simulations.jobs import parse_params, simulate
    from simulations.progress import progress_text

    said: list[str] = []
    model = model_for(get_definition(db, "building_approval", 1))
    simulate(
        model,
        parse_params(""),
        cases=20,
        replications=2,
        seed=1,
        report=lambda p, m: said.append(m),
    )
    assert [progress_text(m, "id", {}) for m in said] == [
        "kondisi sekarang: ulangan 1 dari 2",
        "kondisi sekarang: ulangan 2 dari 2",
    ]
    assert progress_text(said[0], "en", {}) == "baseline: replication 1 of 2"
