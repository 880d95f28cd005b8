"""The privacy commands: audit verify, privacy report, keys rotate, retention run, and the
pseudonymised export-log (``--with-personal`` for admins only, logged)."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from click.testing import CliRunner

from engine import services
from engine.calendar import clock
from engine.cli import main
from engine.privacy import crypto
from tests.test_privacy import NIK, PERMIT


@pytest.fixture
def cli(sqlite_engine, monkeypatch, tmp_path):
    monkeypatch.setenv(
        "PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    monkeypatch.delenv("PERMITFLOW_DATA_KEY", raising=False)
    monkeypatch.setenv("PERMITFLOW_DATA_KEY_FILE", str(tmp_path / "data.key"))
    crypto.reset()
    runner = CliRunner()

    def run(*args: str, code: int = 0, input: str | None = None):
        result = runner.invoke(main, list(args), catch_exceptions=False, input=input)
        assert result.exit_code == code, result.output + result.stderr
        assert "Traceback" not in result.output + result.stderr
        return result

    run.database = sqlite_engine.url.database
    yield run
    crypto.reset()


@pytest.fixture
def finished(cli, tmp_path):
    """A finished family-card case, its clerks and an admin."""
    bpmn = tmp_path / "kk.bpmn"
    bpmn.write_bytes(PERMIT)
    for user, role in (("rina", "registry"), ("hadi", "head"), ("admin", "admin")):
        cli("user", "add", user, "--role", role, "--password", f"{user}-secret")
    cli("deploy", str(bpmn))
    data = {"applicant_name": "Siti Rahma", "nik": NIK, "phone": "081234567890", "members": 3}
    code = json.loads(cli("start", "kk_permit", "--data", json.dumps(data), "--json").output)
    for user, values in (("rina", '{"nik_ok": true}'), ("hadi", '{"signed": true}')):
        [task] = json.loads(cli("tasks", "--user", user, "--json").output)
        cli("complete", task["id"], "--as", user, "--data", values)
    return code["tracking_code"]


def test_export_log_is_pseudonymised_unless_an_admin_asks(cli, finished, tmp_path):
    out = tmp_path / "log.csv"
    cli("export-log", "kk_permit", "--out", str(out))
    text = out.read_text()
    assert finished not in text and "rina" not in text and NIK not in text and "staff-" in text
    personal = ("export-log", "kk_permit", "--out", str(out), "--with-personal")
    refused = cli(*personal, "--as", "rina", input="rina-secret\n", code=2)
    assert "needs an admin" in refused.output + refused.stderr
    cli(*personal, "--as", "admin", input="admin-secret\n")
    assert finished in out.read_text() and NIK not in out.read_text()
    report = cli("privacy", "report", "--case", finished).output  # an export is not per case
    assert "0 event(s)" in report


def test_audit_verify_detects_an_altered_row(cli, finished, tmp_path):
    cli(
        "export-log",
        "kk_permit",
        "--out",
        str(tmp_path / "a.csv"),
        "--with-personal",
        "--as",
        "admin",
        input="admin-secret\n",
    )
    cli(
        "export-log",
        "kk_permit",
        "--out",
        str(tmp_path / "b.csv"),
        "--with-personal",
        "--as",
        "admin",
        input="admin-secret\n",
    )
    assert "hash chain verified" in cli("audit", "verify").output
    with sqlite3.connect(cli.database) as db:
        db.execute("UPDATE access_log SET reason = 'nothing' WHERE id = 1")
    failed = cli("audit", "verify", code=1)
    assert "row 1: the row was altered" in failed.stderr


def test_audit_verify_reports_the_newest_rows_deleted(cli, finished):
    for _ in range(3):
        cli(*EXPORT, "--as", "admin", input="admin-secret\n")
    intact = cli("audit", "verify").output
    assert "3 row(s), hash chain verified" in intact and "matches the anchor" in intact
    with sqlite3.connect(cli.database) as db:
        db.execute("DELETE FROM access_log WHERE id > 1")
    assert "row 3: 2 newest row(s) were deleted" in cli("audit", "verify", code=1).stderr
    with sqlite3.connect(cli.database) as db:
        db.execute("DELETE FROM access_log")  # and a database re-created on purpose
    cli("audit", "verify", code=1)
    assert "anchored row 1" in cli("audit", "anchor", "--reset", "--as", "admin").output
    assert "1 row(s), hash chain verified" in cli("audit", "verify").output


def test_keys_rotate_and_retention_run(cli, finished):
    assert "re-encrypted 1 case(s)" in cli("keys", "rotate").output
    assert "would anonymise 0 case(s)" in cli("retention", "run", "--dry-run").output
    clock.advance(timedelta(days=3 * 365))
    assert finished in cli("retention", "run", "--dry-run").output
    assert "anonymised 1 case(s)" in cli("retention", "run").output
    report = cli("privacy", "report", "--case", finished).output
    assert "anonymised" in report and "retention" in report
    for suffix in ("", "-wal"):
        with open(cli.database + suffix, "ab+") as raw:
            raw.seek(0)
            assert NIK.encode() not in raw.read()


def test_history_shows_the_form_data_opened(cli, finished):
    history = cli("history", finished, "--json").output
    assert NIK in history and "sealed" not in history


EXPORT = ("export-log", "kk_permit", "--out", "/dev/null", "--with-personal")


def exporters() -> list[str]:
    from engine.storage import db

    with db.session_scope() as session:
        rows = services.privacy.access_entries(session)
        return [e.actor for e in rows if e.action == "exported"]


def refusal(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Password of ")]  # the prompt
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_a_name_alone_does_not_unlock_personal_data(cli, finished):
    assert "needs proof" in refusal(cli(*EXPORT, "--as", "admin", input="", code=2))
    assert "Wrong username or password" in refusal(
        cli(*EXPORT, "--as", "admin", input="guess\n", code=2)
    )
    assert "needs proof" in refusal(cli(*EXPORT, code=2))
    assert "unknown or revoked" in refusal(cli(*EXPORT, "--token", "pf_made-up", code=2))
    assert exporters() == []


def test_an_admins_token_unlocks_and_the_export_is_logged_under_the_proven_name(
    cli, finished, monkeypatch
):
    from engine.storage import db

    with db.session_scope() as session:
        admin_token = services.api_tokens.issue(session, "admin")
        clerk_token = services.api_tokens.issue(session, "rina")
    refused = refusal(cli(*EXPORT, "--token", clerk_token, code=2))
    assert "needs an admin; rina is not" in refused
    assert "not admin's" in refusal(cli(*EXPORT, "--as", "admin", "--token", clerk_token, code=2))
    monkeypatch.setenv("PERMITFLOW_API_TOKEN", admin_token)
    cli(*EXPORT, "--as", "someone-else", code=2)  # the token is admin's, not theirs
    cli(*EXPORT)
    assert exporters() == ["admin"]
    with db.session_scope() as session:
        services.update_user(session, "admin", is_active=False)
    assert "not active" in refusal(cli(*EXPORT, code=2))


def test_calibrate_with_personal_data_needs_proof_too(cli, finished, tmp_path):
    out = tmp_path / "params.yaml"
    args = ("calibrate", "kk_permit", "--out", str(out), "--with-personal", "--as", "admin")
    assert "needs proof" in refusal(cli(*args, input="", code=2))
    cli(*args, input="admin-secret\n")
    assert out.exists()
