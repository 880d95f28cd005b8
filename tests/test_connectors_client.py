"""The connector client: authentication from the environment, the rate limit, the audit."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.integration import client, registry
from engine.storage.tables import AuditEntry


@pytest.fixture
def echo():
    """A system that answers with the headers it got."""

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):  # noqa: N802
            body = json.dumps({"headers": dict(self.headers)}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("auth", "header", "expected"),
    [
        ("bearer", "Authorization", "Bearer s3cret-token"),
        ("header", "X-Api-Key", "s3cret-token"),
        ("basic", "Authorization", "Basic " + base64.b64encode(b"s3cret-token").decode()),
    ],
)
def test_the_secret_comes_from_the_environment(session, echo, monkeypatch, auth, header, expected):
    connector = registry.add_connector(
        session,
        "echo",
        echo,
        ["see=GET /see out:headers"],
        auth=auth,
        auth_header="X-Api-Key" if auth == "header" else "",
        secret_env="ECHO_SECRET",
    )
    assert "s3cret" not in json.dumps(
        {c.name: getattr(connector, c.name) for c in connector.__table__.columns}, default=str
    )  # the secret is never stored
    with pytest.raises(client.CallFailed, match="ECHO_SECRET"):
        client.call(session, connector, "see", {})
    monkeypatch.setenv("ECHO_SECRET", "s3cret-token")
    answer = client.call(session, connector, "see", {})
    assert answer.fields["headers"][header] == expected


def test_the_rate_limit_waits(monkeypatch):
    now = [1000.0]
    slept = []
    monkeypatch.setattr(client.time, "monotonic", lambda: now[0])

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(client.time, "sleep", sleep)
    limit = client._RateLimit()
    for _ in range(3):
        limit.wait("population", 3)
    assert slept == []
    limit.wait("population", 3)  # the fourth call of the minute waits for the first to age
    assert sum(slept) == pytest.approx(60.0)


def test_every_call_is_audited_on_the_case_without_personal_data(session, db_engine):
    from tests.test_integration import _finished, _register, _start, stubs

    server = stubs.start()
    try:
        _register(session, stubs.base_url(server))
        case, call_id = _start(session, db_engine, "3273010101900001")
        _finished(session, call_id)
    finally:
        server.shutdown()
        server.server_close()
    [entry] = session.query(AuditEntry).filter_by(case_id=case.id, action="service_call").all()
    assert entry.data["connector"] == "population" and entry.data["operation"] == "nik_lookup"
    assert entry.data["outcome"] == "ok" and entry.data["status"] == 200
    assert isinstance(entry.data["duration_ms"], int)
    assert "SITI" not in json.dumps(entry.data) + entry.message


class _Waited(Exception):
    pass


def test_the_rate_limit_is_shared_through_redis_when_configured(monkeypatch):
    from engine.integration import rate_limits
    from tests.conftest import redis_up

    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    monkeypatch.setenv("PERMITFLOW_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/11")
    name = f"population_{uuid.uuid4().hex}"  # counts of earlier runs stay out of the way
    one, other = rate_limits.ConnectorRateLimit(), rate_limits.ConnectorRateLimit()  # 2 workers
    for worker in (one, other, one):
        worker.wait(name, 3)
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        raise _Waited

    monkeypatch.setattr(rate_limits.time, "sleep", sleep)
    with pytest.raises(_Waited):  # its first call, but the minute's fourth in the office
        other.wait(name, 3)
    assert 0 < slept[0] <= rate_limits.MAX_PAUSE
    monkeypatch.delenv("PERMITFLOW_RATELIMIT_STORAGE_URL")
    rate_limits.ConnectorRateLimit().wait(name, 3)  # without Redis: per process, no wait


def test_an_unreachable_redis_still_limits_in_the_process(monkeypatch, caplog):
    from engine.integration import rate_limits

    monkeypatch.setenv("PERMITFLOW_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:1/0")
    limit = rate_limits.ConnectorRateLimit()
    for _ in range(2):
        limit.wait("population", 2)
    assert "counting here" in caplog.text
    now = [1000.0 + time.monotonic()]
    monkeypatch.setattr(rate_limits.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(rate_limits.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    limit.local = rate_limits.LocalRateLimit()
    for _ in range(2):
        limit.wait("population", 2)
    started = now[0]
    limit.wait("population", 2)  # the third call waits for the window, in this process
    assert now[0] - started == pytest.approx(60.0)
