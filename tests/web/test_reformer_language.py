"""An Indonesian reformer reads refused scenario changes in Indonesian, steps by name."""

from __future__ import annotations

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
    return re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])


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
