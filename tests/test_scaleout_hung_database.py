"""A PostgreSQL that accepts connections and then never answers (issue 11, F1).

The server is reached through a proxy that the test freezes: it keeps every connection
open and forwards nothing, like a server stopped with SIGSTOP (TCP keepalives and the
server's own statement timeout cannot notice that). A request must then end in a 503
with Retry-After within the configured client-side timeouts, and ``/readyz`` within its
own short deadline; once the server answers again, so does the app.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from tests.scaleout_support import (
    FreezableProxy,
    app_on,
    empty_postgres,
    seed_office,
    url_through,
)

pytestmark = pytest.mark.postgres
READ, CONNECT, READY = 1.5, 2, 1.0  # seconds; connect_timeout is at least 2 in libpq


@pytest.fixture
def frozen_office(postgres_engine, tmp_path, monkeypatch):
    """``(client, bearer header, proxy)``: an app on PostgreSQL through a freezable proxy."""
    monkeypatch.setenv("PERMITFLOW_DB_STATEMENT_TIMEOUT", "1")
    monkeypatch.setenv("PERMITFLOW_DB_READ_TIMEOUT", str(READ))
    monkeypatch.setenv("PERMITFLOW_DB_CONNECT_TIMEOUT", str(CONNECT))
    monkeypatch.setenv("PERMITFLOW_READY_TIMEOUT", str(READY))
    empty_postgres(postgres_engine)
    bearer = seed_office(postgres_engine)
    url = postgres_engine.url
    proxy = FreezableProxy((url.host or "127.0.0.1", url.port or 5432))
    app = app_on(url_through(postgres_engine, proxy.port), tmp_path)
    yield app.test_client(), bearer, proxy
    proxy.thaw()
    time.sleep(0.2)
    app.extensions["permitflow.engine"].dispose()
    proxy.close()


def _timed(call, limit: float = 15.0):
    """``(response, seconds)``; fails instead of hanging when ``call`` never returns."""
    result: list = []
    started = time.monotonic()
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(limit)
    assert result, f"no answer within {limit} s: the request hangs on the frozen database"
    return result[0], time.monotonic() - started


def test_a_request_on_a_frozen_database_is_a_503_within_the_timeout(frozen_office):
    client, bearer, proxy = frozen_office
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 200  # pooled, working
    proxy.freeze()
    response, seconds = _timed(lambda: client.get("/api/v1/tasks", headers=bearer))
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert "cannot be reached" in response.get_json()["error"]["message"]
    assert seconds < READ + CONNECT + 2, seconds  # the pre-ping's wait, one reconnect
    page, seconds = _timed(lambda: client.get("/services/", headers={"Accept": "text/html"}))
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Service unavailable" in page.get_data(as_text=True)
    assert seconds < READ + CONNECT + 2, seconds
    proxy.thaw()  # the server answers again: so does the app, on fresh connections
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 200


def test_readyz_answers_503_within_its_own_deadline(frozen_office):
    client, _bearer, proxy = frozen_office
    assert client.get("/readyz").status_code == 200
    proxy.freeze()
    for _ in range(2):  # the first probe gives up; the second finds it still stuck
        ready, seconds = _timed(lambda: client.get("/readyz"))
        assert ready.status_code == 503 and ready.headers["Retry-After"]
        assert not ready.get_json()["checks"]["database"]["ok"]
        assert seconds < READY + 1, seconds
    assert client.get("/healthz").status_code == 200  # the process itself is fine
    proxy.thaw()
    deadline = time.monotonic() + READ + CONNECT + 5
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "readyz stays 503 after the database is back"
        time.sleep(0.2)


def test_readyz_checks_at_once_share_one_probe(frozen_office):
    """Several load balancers asking at the same moment all hear "ready"."""
    client = frozen_office[0]
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda: answers.append(client.get("/readyz").status_code))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [200] * 8


def _error_of(connection, statement: str) -> Exception | None:
    try:
        connection.execute(text(statement))
    except Exception as exc:  # noqa: BLE001 - the test looks at it
        return exc
    return None


def test_a_statement_waiting_when_the_server_freezes_ends_at_the_read_timeout(
    postgres_engine, monkeypatch
):
    """Frozen mid-transaction, on a connection already checked out: the read timeout."""
    from sqlalchemy.exc import OperationalError

    from engine.services import make_engine

    monkeypatch.setenv("PERMITFLOW_DB_READ_TIMEOUT", str(READ))
    url = postgres_engine.url
    proxy = FreezableProxy((url.host or "127.0.0.1", url.port or 5432))
    engine = make_engine(url_through(postgres_engine, proxy.port))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar() is not None
            proxy.freeze()
            failure, seconds = _timed(lambda: _error_of(connection, "SELECT count(*) FROM users"))
            assert isinstance(failure, OperationalError) and "read timed out" in str(failure)
            assert READ - 0.1 < seconds < READ + 1
            assert connection.invalidated  # never lent out again
    finally:
        proxy.close()
        engine.dispose()


def test_the_read_timeout_leaves_a_slow_statement_to_the_server(postgres_engine, monkeypatch):
    """The default read timeout exceeds the statement timeout: the server's own timeout
    cancels a slow statement (the connection stays usable), the client's never does."""
    from sqlalchemy.exc import OperationalError

    from engine.services import make_engine

    monkeypatch.setenv("PERMITFLOW_DB_STATEMENT_TIMEOUT", "0.5")
    monkeypatch.delenv("PERMITFLOW_DB_READ_TIMEOUT", raising=False)
    engine = make_engine(postgres_engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            with pytest.raises(OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(2)"))
            connection.rollback()
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()
