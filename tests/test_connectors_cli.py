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
        assert session.query(Connector).filter_by(name="population").count() == 0
    missing = runner.invoke(main, ["connectors", "remove", "population"])
    assert missing.exit_code == 1 and "No connector 'population'" in missing.output


def test_webhook_subscribers_add_list_deliveries_remove(sqlite_engine, monkeypatch):
    from engine import services
    from engine.integration import webhooks
    from tests.test_integration_webhooks import Receiver, _started

    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    monkeypatch.setenv("MINISTRY_SECRET", "a-secret-of-twenty-chars")
    got = Receiver()
    runner = CliRunner()
    with Session(sqlite_engine) as session:
        services.connectors.add_connector(session, "ministry", got.url, ["p=GET /p out:ok"])
        session.commit()
    url = got.url + "/events"
    add = ["webhooks", "add", "ministry", "--url", url, "--event", "started"]
    added = runner.invoke(main, [*add, "--secret-env", "MINISTRY_SECRET"])
    assert added.exit_code == 0, added.output
    assert f"Subscriber ministry (#1): {url}  started" in added.output
    prompted = runner.invoke(main, [*add, "--event", "decided"], input="another-secret-16+\n")
    assert prompted.exit_code == 0 and "started, decided" in prompted.output
    assert "another-secret-16+" not in prompted.output  # asked for hidden
    with Session(sqlite_engine, expire_on_commit=False) as session:
        _started(session)
        got.status = 503
        assert webhooks.send_pending(session) == 1  # refused: retried later
    listed = runner.invoke(main, ["webhooks", "list"])
    assert f"#1 ministry  {url}  active  events: started, decided" in listed.output
    assert "deliveries: pending 1" in listed.output
    sent = runner.invoke(main, ["webhooks", "deliveries", "ministry"])
    assert "started" in sent.output and "pending" in sent.output and "HTTP 503" in sent.output
    unknown = runner.invoke(main, ["webhooks", "deliveries", "nobody"])
    assert unknown.exit_code == 1 and "No webhook subscriber 'nobody'" in unknown.output
    bad = runner.invoke(
        main,
        ["webhooks", "add", "x", "--url", "http://10.0.0.1/", "--secret-env", "MINISTRY_SECRET"],
    )
    assert bad.exit_code == 1 and "not the host of a registered connector" in bad.output
    assert "Traceback" not in bad.output
    removed = runner.invoke(main, ["webhooks", "remove", "#1"])
    assert removed.exit_code == 0
    assert "No system subscribes" in runner.invoke(main, ["webhooks", "list"]).output
    got.server.shutdown()
    got.server.server_close()
