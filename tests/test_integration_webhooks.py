"""Case events reach subscribers as HMAC-signed webhooks, once each, retried on failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.integration import stubs, webhooks
from engine.storage.tables import WebhookDelivery
from tests.test_integration import GOOD, _register

SECRET = "a-secret-of-twenty-chars"


class Receiver:
    """A receiving system on 127.0.0.1 that records what it gets (and may fail)."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def receiver(session):
    got = Receiver()
    services.connectors.add_connector(session, "ministry", got.url, ["ping=GET /ping out:ok"])
    yield got
    got.server.shutdown()
    got.server.server_close()


def _started(session):
    stub = stubs.start()
    _register(session, stubs.base_url(stub))
    services.deploy(session, GOOD, source="nik.bpmn")
    case = services.start_case(session, "nik_check", {"applicant_nik": "3273010101900001"})
    session.commit()
    stub.shutdown()
    stub.server_close()
    return case


def test_an_event_is_signed_and_delivered_once(session, receiver):
    webhooks.add_subscriber(session, "ministry", receiver.url + "/events", SECRET, ["started"])
    case = _started(session)
    assert webhooks.send_pending(session) == 1
    assert webhooks.send_pending(session) == 0  # once
    [(headers, body)] = receiver.received
    assert json.loads(body) == {
        "event": "started",
        "case": case.tracking_code,
        "procedure": "nik_check",
        "at": json.loads(body)["at"],
    }
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Permitflow-Signature"] == expected
    assert headers["X-Permitflow-Event"] == "started"
    assert b"3273010101900001" not in body  # no personal data
    [delivery] = webhooks.deliveries(session, webhooks.list_subscribers(session)[0].id)
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("sent", 1, 200)


def test_a_failed_delivery_is_retried_with_backoff(session, receiver):
    webhooks.add_subscriber(session, "ministry", receiver.url + "/events", SECRET)
    receiver.status = 503
    _started(session)
    assert webhooks.send_pending(session) == 1
    [delivery] = session.query(WebhookDelivery).all()
    assert delivery.status == "pending" and "503" in delivery.error
    assert delivery.next_attempt_at > clock.now()
    assert webhooks.send_pending(session) == 0  # not before its time
    delivery.next_attempt_at = clock.now()
    session.commit()
    receiver.status = 200
    assert webhooks.send_pending(session) == 1
    session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(receiver.received) == 2


def test_a_subscriber_must_be_on_a_registered_host(session, receiver):
    with pytest.raises(webhooks.InvalidSubscriber, match="not the host of a registered"):
        webhooks.add_subscriber(session, "x", "http://127.0.0.1:1/hook", SECRET)
    with pytest.raises(webhooks.InvalidSubscriber, match="16 characters"):
        webhooks.add_subscriber(session, "x", receiver.url, "short")
    with pytest.raises(webhooks.InvalidSubscriber, match="Unknown event"):
        webhooks.add_subscriber(session, "x", receiver.url, SECRET, ["deleted"])


def test_a_decision_is_an_event_with_its_outcome(session, receiver, db_engine):
    from tests.test_integration import _finished

    webhooks.add_subscriber(session, "ministry", receiver.url + "/events", SECRET, ["decided"])
    stub = stubs.start()
    try:
        _register(session, stubs.base_url(stub))
        services.deploy(session, GOOD, source="nik.bpmn")
        case = services.start_case(session, "nik_check", {"applicant_nik": "3273010101900001"})
        session.commit()
        assert session.query(WebhookDelivery).count() == 0  # "started" is not subscribed
        from engine.storage.tables import ServiceCallRow

        [service_call] = session.query(ServiceCallRow).filter_by(case_id=case.id).all()
        _finished(session, service_call.id)
    finally:
        stub.shutdown()
        stub.server_close()
    services.create_user(session, "ani", roles=["front_office"])
    [task] = services.open_tasks(session, case)
    services.complete_task(session, task.id, "ani", {})
    session.commit()
    assert webhooks.send_pending(session) == 1
    [(_headers, body)] = receiver.received
    assert json.loads(body)["event"] == "decided" and json.loads(body)["case"] == case.tracking_code
    assert "outcome" in json.loads(body)


def _file_bytes(engine) -> bytes:
    """The SQLite database file and its write-ahead log, as stored on disk."""
    database = Path(engine.url.database)
    files = (database, database.with_name(database.name + "-wal"))
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_the_secret_is_encrypted_at_rest_and_still_signs(sqlite_engine):
    planted = f"planted-{uuid.uuid4().hex}"
    got = Receiver()
    try:
        with Session(sqlite_engine, expire_on_commit=False) as session:
            services.connectors.add_connector(session, "ministry", got.url, ["p=GET /p out:ok"])
            webhooks.add_subscriber(session, "ministry", got.url + "/events", planted, ["started"])
            session.commit()
            stored = session.scalar(text("SELECT secret FROM webhook_subscribers"))
            assert stored.startswith("enc1:") and planted not in stored
            assert webhooks.list_subscribers(session)[0].secret == planted  # read back clear
            _started(session)
            assert planted.encode() not in _file_bytes(sqlite_engine)
            assert webhooks.send_pending(session) == 1
        [(headers, body)] = got.received
        expected = "sha256=" + hmac.new(planted.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Permitflow-Signature"] == expected
    finally:
        got.server.shutdown()
        got.server.server_close()
    sqlite_engine.dispose()
    assert planted.encode() not in _file_bytes(sqlite_engine)
