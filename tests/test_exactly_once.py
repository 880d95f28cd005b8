"""Effects exactly once with several tickers on one database (issue 11, issue 10 finding 1).

Notifications are claimed one by one and sent outside any transaction; timers are
re-read under the case's lock. The races run on real threads with their own sessions,
on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import socketserver
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import services
from engine.background.leader import Leadership
from engine.background.ticker import tick_as_leader
from engine.calendar import clock
from engine.office import notifications
from engine.storage.tables import AuditEntry, Case, OutboxMessage
from engine.workflow import timers

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: records each message's recipient and Message-ID."""

    def handle(self) -> None:
        self._say("220 test ESMTP")
        recipient, data = "", []
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            verb = command[:4].upper()
            if data:
                if command == ".":
                    self._record(recipient, data[1:])
                    data = []
                    self._say(f"250 2.0.0 Ok: queued as Q{len(self.server.received)}")
                else:
                    data.append(command)
            elif verb in ("EHLO", "HELO"):
                self._say("250 test")
            elif verb == "RCPT":
                recipient = command.split(":", 1)[1].strip(" <>")
                self._say("250 Ok")
            elif verb == "DATA":
                data = ["DATA"]
                self._say("354 go ahead")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 Ok")

    def _record(self, recipient: str, lines: list[str]) -> None:
        message_id = next(
            line.split(":", 1)[1].strip() for line in lines if line.startswith("Message-ID:")
        )
        with self.server.lock:
            self.server.received.append((recipient, message_id))

    def _say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


@pytest.fixture
def smtp(monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.received = []
    server.lock = threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PERMITFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PERMITFLOW_SMTP_PORT", str(server.server_address[1]))
    monkeypatch.setenv("PERMITFLOW_MAIL_FROM", "kantor@dpmptsp.example.id")
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def office(db_engine):
    with Session(db_engine) as session:
        services.create_user(session, "ani", roles=["front_office"])
        services.create_user(session, "budi", roles=["head_of_office"])
        services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
        session.commit()
    return db_engine


def _start(engine, n: int, email: str = "siti{i}@example.id") -> list[int]:
    with Session(engine) as session:
        ids = []
        for i in range(n):
            data = {"applicant_name": f"Siti {i}", "area": 3}
            case = services.start_case(session, "small_permit", data, started_by="ani")
            case.applicant_email = email.format(i=i)
            services.return_to_applicant(
                session, services.open_tasks(session, case)[0].id, "ani", "Please add the KTP"
            )
            ids.append(case.id)
        session.commit()
        return ids


def _race(engine, work, threads: int = 2) -> list:
    barrier = threading.Barrier(threads)
    results: list = []
    errors: list[BaseException] = []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results.append(work(session))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def _outbox(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_two_tickers_send_each_email_once(office, smtp):
    _start(office, 12)
    handled = _race(office, lambda session: services.send_pending(session))
    assert sum(handled) == 24  # "returned" for 12 cases, nothing twice
    recipients = sorted(r for r, _ in smtp.received)
    assert len(recipients) == 12 and len(set(recipients)) == 12
    sent = [m for m in _outbox(office) if m.channel == "email"]
    assert {(m.status, m.attempts) for m in sent} == {("sent", 1)}
    assert {m.provider_id.split()[0] for m in sent} == {mid for _, mid in smtp.received}
    assert all("queued as" in m.provider_id for m in sent)


def test_an_address_with_a_newline_fails_alone(office, smtp):
    """Issue 10 finding 1: it used to raise ValueError and roll back every other send."""
    _start(office, 1, email="x@example.id\nBcc: everyone@example.id")
    _start(office, 2)
    with Session(office) as session:
        services.send_pending(session)
        services.send_pending(session)  # nothing left to do, nothing sent twice
    assert sorted(r for r, _ in smtp.received) == ["siti0@example.id", "siti1@example.id"]
    bad = next(m for m in _outbox(office) if "\n" in m.recipient)
    assert (bad.status, bad.attempts, bad.next_attempt_at) == ("failed", 1, None)
    assert "not an email address" in bad.error
    assert all(m.status == "sent" for m in _outbox(office) if m.id != bad.id)


def test_a_failed_send_waits_and_is_retried_with_the_same_message_id(office, monkeypatch, smtp):
    _start(office, 1)
    monkeypatch.setenv("PERMITFLOW_SMTP_PORT", "1")  # nothing listens: connection refused
    with Session(office) as session:
        assert services.send_pending(session) == 2
        assert services.send_pending(session) == 0  # pausing before the next attempt
    email = next(m for m in _outbox(office) if m.channel == "email")
    assert (email.status, email.attempts) == ("pending", 1)
    assert email.next_attempt_at > clock.now() and "ConnectionRefused" in email.error
    monkeypatch.setenv("PERMITFLOW_SMTP_PORT", str(smtp.server_address[1]))
    clock.advance(timedelta(minutes=2))
    with Session(office) as session:
        assert services.send_pending(session) == 1
    email = next(m for m in _outbox(office) if m.id == email.id)
    assert (email.status, email.attempts) == ("sent", 2)
    assert smtp.received[0][1] == notifications.message_id_for(email)


def test_a_ticker_killed_after_sending_is_resent_only_after_its_lease(office, smtp):
    _start(office, 1)
    with Session(office) as session:
        assert services.send_pending(session, limit=1) == 1  # "received": logged, no address
        claim = notifications.claim_next(session)
        session.commit()
        notifications.deliver(session.get(OutboxMessage, claim.id))  # then the process dies
        assert services.send_pending(session) == 0  # leased to the dead ticker
        clock.advance(notifications.LEASE + timedelta(seconds=1))
        assert services.send_pending(session) == 1
    (first, second) = smtp.received
    assert first == second  # same recipient, same Message-ID: shown once by mail programs
    email = next(m for m in _outbox(office) if m.channel == "email")
    assert (email.status, email.attempts) == ("sent", 2)


def _waiting_at_timer(engine, n: int) -> list[int]:
    with Session(engine) as session:
        ids = []
        for i in range(n):
            data = {"applicant_name": f"Rina {i}", "area": 3}
            case = services.start_case(session, "small_permit", data, started_by="ani")
            services.complete_task(session, services.open_tasks(session, case)[0].id, "ani", {})
            decide = services.open_tasks(session, case)[0].id
            services.complete_task(session, decide, "budi", {"decision": "approve"})
            ids.append(case.id)
        session.commit()
        return ids


def _fired(engine) -> int:
    with Session(engine) as session:
        query = select(func.count()).where(AuditEntry.action == "timer_fired")
        return session.scalar(query.select_from(AuditEntry))


def test_two_ticks_fire_each_timer_once(office):
    ids = _waiting_at_timer(office, 8)
    clock.advance(timedelta(days=3))
    fired = _race(office, lambda session: services.tick(session))
    assert sum(len(f) for f in fired) == 8
    assert _fired(office) == 8
    with Session(office) as session:
        statuses = session.scalars(select(Case.status).where(Case.id.in_(ids)))
        assert set(statuses) == {"completed"}
    assert _race(office, lambda session: services.tick(session)) == [[], []]


def test_a_timer_cancelled_during_the_tick_never_fires(office):
    (case_id,) = _waiting_at_timer(office, 1)
    clock.advance(timedelta(days=3))
    with Session(office) as ticker, Session(office) as clerk:
        due = [timer.case_id for timer in timers.due_timers(ticker)]  # the round begins
        ticker.commit()
        services.cancel_case(clerk, case_id, actor="ani", reason="withdrawn")
        clerk.commit()
        assert due == [case_id]
        assert timers.fire_case(ticker, case_id) == []
        ticker.commit()
    assert _fired(office) == 0
    with Session(office) as session:
        assert session.get(Case, case_id).status == "cancelled"


@pytest.mark.parametrize("db_engine", ["postgres"], indirect=True)
def test_a_case_a_clerk_holds_is_left_for_the_next_round(office):
    (case_id,) = _waiting_at_timer(office, 1)
    clock.advance(timedelta(days=3))
    with Session(office) as clerk, Session(office) as ticker:
        services.cancel_case(clerk, case_id, actor="ani")
        clerk.flush()  # the case row is locked until the clerk commits
        assert services.tick(ticker) == []
        clerk.commit()
        assert services.tick(ticker) == []
    assert _fired(office) == 0


def test_one_leader_among_tickers(db_engine, tmp_path):
    name = f"ticker-test-{tmp_path.name}"
    first, second = Leadership(db_engine, name), Leadership(db_engine, name)
    try:
        assert first.acquire() and first.acquire()
        assert not second.acquire()
        assert tick_as_leader(second) is None  # stands by: no round at all
        assert tick_as_leader(first) == (0, 0)
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_a_message_failing_every_time_is_marked_failed_after_the_last_attempt(office, monkeypatch):
    _start(office, 1)
    monkeypatch.setenv("PERMITFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PERMITFLOW_SMTP_PORT", "1")  # nothing listens: connection refused
    pauses = []
    with Session(office) as session:
        for _ in range(notifications.MAX_ATTEMPTS):
            services.send_pending(session)
            email = next(m for m in _outbox(office) if m.channel == "email")
            if email.next_attempt_at:
                pauses.append(email.next_attempt_at - clock.now())
            clock.advance(notifications.LONGEST_PAUSE)
        assert services.send_pending(session) == 0
    email = next(m for m in _outbox(office) if m.channel == "email")
    assert (email.status, email.attempts) == ("failed", notifications.MAX_ATTEMPTS)
    assert len(pauses) == notifications.MAX_ATTEMPTS - 1 and pauses == sorted(pauses)


def test_of_two_serving_processes_one_ticks_and_the_other_stands_by(sqlite_engine, caplog):
    """Each ``permitflow serve`` starts a ticker thread; only the leader runs rounds."""
    import logging
    import time

    from engine.background.ticker import start_background_ticker

    caplog.set_level(logging.INFO, logger="permitflow.ticker")
    stops = [start_background_ticker(0.05, sqlite_engine) for _ in range(2)]
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "stands by" not in caplog.text:
            time.sleep(0.05)
    finally:
        for stop in stops:
            stop.set()
    assert caplog.text.count("another process is ticking; this one stands by") == 1
