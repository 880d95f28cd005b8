"""Health and readiness, and a database that is gone or hangs: 503 within the timeout.

A database that accepts connections and never answers used to hang every thread forever
(no connect or statement timeout); a lost database was a generic 500 (issue 11).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from webapp import create_app


@pytest.fixture
def silent_database():
    """A TCP server on 127.0.0.1 that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def _app_on(url: str, tmp_path):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )


def test_healthz_and_readyz(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ready" and body["checks"]["database"]["ok"] is True
    assert "broker" not in body["checks"]  # none configured


def test_readyz_reports_an_unreachable_broker(app, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    checks = ready.get_json()["checks"]
    assert checks["database"]["ok"] and not checks["broker"]["ok"]
    assert "broker cannot be reached" in checks["broker"]["error"]


def test_a_hung_database_is_a_503_within_the_connect_timeout(
    silent_database, tmp_path, monkeypatch
):
    monkeypatch.setenv("PERMITFLOW_DB_CONNECT_TIMEOUT", "1")
    app = _app_on(f"postgresql+psycopg://permitflow@127.0.0.1:{silent_database}/office", tmp_path)
    client = app.test_client()
    started = time.monotonic()
    response = client.get("/api/v1/tasks", headers={"Authorization": "Bearer pf_x"})
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "database_unavailable"
    assert "cannot be reached" in error["message"]
    assert elapsed < 4, elapsed  # the pool pre-ping and one connect attempt, each bounded
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    assert client.get("/readyz").status_code == 503
    page = client.get("/login", headers={"Accept": "text/html"})
    assert page.status_code in (200, 503)  # the login form itself needs no database
    app.extensions["permitflow.engine"].dispose()


def test_a_lost_database_is_a_503_not_a_500(tmp_path, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_DB_CONNECT_TIMEOUT", "1")
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _app_on(f"postgresql+psycopg://permitflow@127.0.0.1:{port}/office", tmp_path)
    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": "Bearer pf_x"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


def test_a_statement_running_too_long_is_cut_off(postgres_engine, monkeypatch):
    """A statement that hangs (a lock never released, a runaway query) ends at the timeout."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from engine.services import describe_database_failure, make_engine

    monkeypatch.setenv("PERMITFLOW_DB_STATEMENT_TIMEOUT", "0.3")
    engine = make_engine(postgres_engine.url.render_as_string(hide_password=False))
    started = time.monotonic()
    try:
        with engine.connect() as connection, pytest.raises(OperationalError) as failure:
            connection.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()
    assert time.monotonic() - started < 3
    kind, message = describe_database_failure(failure.value)
    assert kind == "busy" and "did not finish in time" in message


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        ("UNIQUE constraint failed: timers.id", 409, "conflict"),
        ("database is locked", 503, "database_unavailable"),
        ("no such table: cases", 500, "server_error"),
    ],
)
def test_database_errors_in_a_view_are_409_503_or_a_message(app, error, status, code):
    """Whatever a view meets (a race on a key, a busy SQLite file), no traceback, no bare 500."""
    import sqlite3

    from sqlalchemy.exc import IntegrityError, OperationalError

    kind = IntegrityError if status == 409 else OperationalError
    orig = (sqlite3.IntegrityError if status == 409 else sqlite3.OperationalError)(error)

    @app.route("/api/v1/_raise")
    def _raise():
        raise kind("UPDATE ...", {}, orig)

    response = app.test_client().get("/api/v1/_raise", headers={"Accept": "application/json"})
    assert response.status_code == status
    body = response.get_json()["error"]
    assert body["code"] == code
    if status == 503:
        assert response.headers["Retry-After"] == "5" and "busy" in body["message"]
    if status == 500:
        assert "permitflow db upgrade" in body["message"]
