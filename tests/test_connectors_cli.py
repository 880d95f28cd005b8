"""``permitflow connectors add|list|remove``."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy.orm import Session

from engine.cli import main
from engine.integration import stubs
from engine.storage.tables import Connector


def test_add_list_remove(sqlite_engine, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    runner = CliRunner()
    op = stubs.CONNECTOR_OPERATIONS["population"][0]
    added = runner.invoke(
        main,
        [
            "connectors",
            "add",
            "population",
            "--base-url",
            "http://127.0.0.1:8701",
            "--operation",
            op,
            "--auth",
            "bearer",
            "--secret-env",
            "DUKCAPIL_TOKEN",
            "--retries",
            "2",
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["connectors", "list"])
    assert "population  http://127.0.0.1:8701  auth=bearer (DUKCAPIL_TOKEN)" in listed.output
    assert op in listed.output
    bad = runner.invoke(
        main, ["connectors", "add", "x", "--base-url", "file:///etc/passwd", "--operation", op]
    )
    assert bad.exit_code == 1 and "must be http:// or https://" in bad.output
    assert "Traceback" not in bad.output
    no_secret = runner.invoke(
        main,
        [
            "connectors",
            "add",
            "y",
            "--base-url",
            "http://127.0.0.1:1",
            "--operation",
            op,
            "--auth",
            "bearer",
        ],
    )
    assert no_secret.exit_code == 1 and "environment variable" in no_secret.output
    removed = runner.invoke(main, ["connectors", "remove", "population"])
    assert removed.exit_code == 0
    with Session(sqlite_engine) as session:
        assert session.query(Connector).count() == 0
    missing = runner.invoke(main, ["connectors", "remove", "population"])
    assert missing.exit_code == 1 and "No connector 'population'" in missing.output
