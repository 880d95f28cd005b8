"""One top-level signal throw is bounded in breadth, not only in depth (issue 9, red
team F6): cases that throw and catch the same signal set each other off, and each case
takes each signal at most once per throw, up to ``signals.MAX_DELIVERIES`` cases in all.
The state of a throw is per thread: concurrent throws do not stop each other."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from engine import services
from engine.storage.tables import AuditEntry
from engine.workflow import signals
from tests.test_bpmn_coverage import deploy


def _count(session, action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    return session.scalar(query)


def _start(session, key: str, data: dict):
    case = services.start_case(session, key, data)
    session.commit()
    return case


def test_a_signal_ping_pong_reaches_each_waiting_case_once(session):
    deploy(session, "signal_pingpong.bpmn")
    for waiting in range(5):  # cases already waiting for "ping" when the next one starts
        rows, received = _count(session), _count(session, "signal_received")
        _start(session, "pingpong", {"stop": False})
        # each waiting case takes the ping once (and pings back, which reaches no case
        # twice): before the bound, 4 waiting cases made 1,289 audit rows
        assert _count(session, "signal_received") - received == waiting
        assert _count(session) - rows <= 3 * (waiting + 1)
    assert _count(session, "signal_not_broadcast") == 0


def test_a_throw_reaches_at_most_max_deliveries_cases_and_says_so(session, monkeypatch):
    deploy(session, "signal_pingpong.bpmn")
    for _ in range(4):
        _start(session, "pingpong", {"stop": False})
    monkeypatch.setattr(signals, "MAX_DELIVERIES", 2)
    received = _count(session, "signal_received")
    thrower = _start(session, "pingpong", {"stop": False})
    assert _count(session, "signal_received") - received == 2
    history = services.case_history(session, thrower.id)
    [limit] = [e for e in history if e.action == "signal_not_broadcast"]
    assert "not delivered to 2 further running cases" in limit.message
    assert "at most 2 cases" in limit.message
    assert services.get_case(session, thrower.id).status == "running"  # its step went on


def test_a_throw_in_another_thread_is_not_stopped_by_one_under_way(session, monkeypatch):
    """While one throw delivers its signal, another thread throws: the second has its own
    chain (a shared counter made it "a loop" and broadcast it to no case)."""
    deploy(session, "signal_pingpong.bpmn")
    first = _start(session, "pingpong", {"stop": False})
    monkeypatch.setattr(signals, "MAX_CHAIN", 1)  # a throw set off by a delivery is refused
    deliver, other, started, data = signals._deliver, [], [], {"stop": False}

    def deliver_while_another_thread_throws(*args):
        if not started:  # the session is idle while this thread waits for the other
            started.append(True)
            thread = threading.Thread(
                target=lambda: other.append(_start(session, "pingpong", data))
            )
            thread.start()
            thread.join()
        deliver(*args)

    monkeypatch.setattr(signals, "_deliver", deliver_while_another_thread_throws)
    second = _start(session, "pingpong", {"stop": False})
    [third] = other
    sent = [e for e in services.case_history(session, third.id) if e.action.startswith("signal")]
    assert [e.action for e in sent] == ["signal_broadcast"]
    assert f"2 other cases: {first.tracking_code}, {second.tracking_code}" in sent[0].message
    history = services.case_history(session, second.id)
    [sent] = [e for e in history if e.action == "signal_broadcast"]
    assert f"1 other cases: {first.tracking_code}" in sent.message


def test_validation_warns_when_a_process_throws_and_catches_the_same_signal():
    from engine.validation.process import validate_file
    from tests.test_bpmn_coverage import read

    _, problems = validate_file(read("signal_pingpong.bpmn"), "signal_pingpong.bpmn")
    [warning] = [p for p in problems if p.code == "signal_cycle"]
    assert (warning.severity, warning.element_id) == ("warning", "throw")
    assert "'ping'" in warning.message and "'Pinged'" in warning.message
    _, problems = validate_file(read("signal_listener.bpmn"), "signal_listener.bpmn")
    assert not [p for p in problems if p.code == "signal_cycle"]  # it only catches
