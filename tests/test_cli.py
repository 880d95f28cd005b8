"""The permitflow command line, as a person would use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

REPO = Path(__file__).resolve().parents[1]
TWO_LANES = REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn"


@pytest.fixture
def cli(sqlite_engine, monkeypatch):
    monkeypatch.setenv(
        "PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        assert "Traceback" not in result.output + result.stderr
        return result

    return run


def test_whole_case_from_the_command_line(cli, tmp_path):
    cli("user", "add", "ani", "--role", "front_office")
    cli("user", "add", "budi", "--role", "head_of_office")
    assert "deployed" in cli("deploy", str(TWO_LANES)).output
    assert "unchanged" in cli("deploy", str(TWO_LANES)).output
    started = json.loads(
        cli(
            "start", "small_permit", "--data", '{"applicant_name": "Siti", "area": 5}', "--json"
        ).output
    )
    code = started["tracking_code"]
    tasks = json.loads(cli("tasks", "--user", "ani", "--json").output)
    assert [t["name"] for t in tasks] == ["Register application"]
    cli("claim", tasks[0]["id"], "--as", "ani")
    cli("complete", tasks[0]["id"], "--as", "ani")
    decide = json.loads(cli("tasks", "--user", "budi", "--json").output)[0]
    out = cli("complete", decide["id"], "--as", "budi", "--data", '{"decision": "reject"}').output
    assert "completed" in out
    cases = json.loads(cli("cases", "--status", "completed", "--json").output)
    assert cases[0]["tracking_code"] == code and cases[0]["outcome"] == "Rejected"
    history = cli("history", code).output
    assert "task_completed" in history and "budi" in history
    out_file = tmp_path / "log.csv"
    assert "2 task(s)" in cli("export-log", "small_permit", "--out", str(out_file)).output
    assert out_file.read_text().splitlines()[0].startswith("case_id,process_key")


def test_errors_are_messages_not_tracebacks(cli, tmp_path):
    assert "not valid JSON" in cli("start", "small_permit", "--data", "{oops", code=2).stderr
    assert "No deployed procedure 'small_permit'" in cli("start", "small_permit", code=1).stderr
    cli("deploy", str(TWO_LANES))
    bad = cli("start", "small_permit", "--data", '{"area": "x"}', code=1).stderr
    assert "applicant_name" in bad and "area" in bad
    assert "no longer open" in cli("complete", "nope", "--as", "ani", code=1).stderr
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<not-bpmn/>")
    assert "broken.bpmn" in cli("deploy", str(broken), code=1).stderr


def test_validate_exit_status(cli, tmp_path):
    assert "0 error(s)" in cli("validate", str(TWO_LANES)).output
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(TWO_LANES.read_bytes().replace(b'default="f_no"', b""))
    out = cli("validate", str(bad), code=1).output
    assert "f_no" in out or "gw" in out
    report = json.loads(cli("validate", "--json", str(bad), code=1).output)
    assert report[str(bad)][0]["severity"] == "error"


def test_xxe_is_refused_by_validate(cli, tmp_path):
    evil = tmp_path / "xxe.bpmn"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>'
    )
    out = cli("validate", str(evil), code=1).output
    assert "passwd" not in out.split("xxe.bpmn")[-1] or "DOCTYPE" in out
    assert "root:" not in out


def test_tick_fires_due_timers_and_background_ticker_runs(cli, sqlite_engine):
    import time as _time
    from datetime import timedelta

    from engine.background.ticker import start_background_ticker
    from engine.calendar import clock

    cli("user", "add", "ani", "--role", "front_office")
    cli("user", "add", "budi", "--role", "head_of_office")
    cli("deploy", str(TWO_LANES))
    cli("start", "small_permit", "--data", '{"applicant_name": "Siti", "area": 5}')
    first = json.loads(cli("tasks", "--user", "ani", "--json").output)[0]
    cli("complete", first["id"], "--as", "ani")
    decide = json.loads(cli("tasks", "--user", "budi", "--json").output)[0]
    cli("complete", decide["id"], "--as", "budi", "--data", '{"decision": "approve"}')
    assert "0 timer(s) fired" in cli("tick").output
    clock.advance(timedelta(days=3))
    stop = start_background_ticker(0.05, sqlite_engine)
    try:
        for _ in range(100):
            cases = json.loads(cli("cases", "--status", "completed", "--json").output)
            if cases:
                break
            _time.sleep(0.05)
    finally:
        stop.set()
    assert cases and cases[0]["outcome"] == "Permit issued"


def test_unreadable_data_file_and_unwritable_log_are_messages(cli, tmp_path):
    cli("deploy", str(TWO_LANES))
    assert (
        "cannot read"
        in cli("start", "small_permit", "--data", f"@{tmp_path}/none.json", code=2).stderr
    )
    out = cli(
        "export-log", "small_permit", "--out", str(tmp_path / "no" / "dir" / "log.csv"), code=1
    )
    assert "Cannot write" in out.stderr


def test_a_return_names_the_fields_the_applicant_may_change(cli):
    cli("user", "add", "ani", "--role", "front_office")
    cli("deploy", str(TWO_LANES))
    data = '{"applicant_name": "Siti", "area": 5}'
    code = json.loads(cli("start", "small_permit", "--data", data, "--json").output)[
        "tracking_code"
    ]
    task = json.loads(cli("tasks", "--user", "ani", "--json").output)[0]
    cli("return", task["id"], "--as", "ani", "--reason", "Luas?", "--field", "area")
    refused = cli("respond", code, "--data", '{"applicant_name": "X"}', code=1)
    assert "was not asked for" in refused.output + refused.stderr
    assert "running" in cli("respond", code, "--data", '{"area": 7}').output


def test_a_race_lost_to_another_process_is_a_message(cli, monkeypatch):
    """An IntegrityError (two processes wrote the same row at once) ends as one line."""
    from sqlalchemy.exc import IntegrityError

    from engine import services

    def collide(*args, **kwargs):
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(services, "list_cases", collide)
    result = cli("cases", code=1)
    assert "changed the same record at the same moment" in result.output + result.stderr
