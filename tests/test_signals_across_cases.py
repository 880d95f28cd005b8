"""Signals are broadcast (BPMN): a signal one case throws reaches every running case that
waits for it, of the same procedure or another, once each; escalations stay in their case.
"""

from __future__ import annotations

import pytest

from engine import services
from tests.test_bpmn_coverage import complete, deploy, inbox, restored
from tests.test_event_subprocesses import staff

INTERRUPTING = "interrupting_event_subprocess"


@pytest.fixture
def office(session):
    """A verifier (vera) and a head of office (hana), and the two procedures deployed."""
    staff(session)
    deploy(session, f"{INTERRUPTING}.bpmn")
    deploy(session, "signal_listener.bpmn")
    return session


def _start(session, key: str):
    case = services.start_case(session, key, {})
    session.commit()
    return case


def _history(session, case, action: str) -> list:
    return [
        e for e in services.case_history(session, restored(session, case).id) if e.action == action
    ]


def test_a_signal_reaches_every_waiting_case_once(office):
    thrower, other = _start(office, INTERRUPTING), _start(office, INTERRUPTING)
    listener = _start(office, "signal_listener")
    assert inbox(office, listener, "vera") == []  # waits for the signal
    complete(office, thrower, "vera", "Check documents", {"finding": "closed"})
    # the thrower's own event sub-process, and the other case's, interrupt their checks
    for case in (thrower, other):
        assert inbox(office, case, "vera") == []
        assert inbox(office, case, "hana") == ["Reschedule the application"]
    # the other procedure's waiting case goes on
    assert inbox(office, listener, "vera") == ["Notify the applicants"]
    [received] = _history(office, listener, "signal_received")
    assert "office closed" in received.message and restored(office, thrower).tracking_code in (
        received.message
    )
    [sent] = _history(office, thrower, "signal_broadcast")
    assert "2 other cases" in sent.message
    complete(office, listener, "vera", "Notify the applicants")
    assert restored(office, listener).status == "completed"


def test_a_case_that_no_longer_waits_is_not_reached(office):
    listener, first = _start(office, "signal_listener"), _start(office, INTERRUPTING)
    complete(office, first, "vera", "Check documents", {"finding": "closed"})
    complete(office, listener, "vera", "Notify the applicants")
    # a second signal: the listener has ended, and the first case was interrupted already
    second = _start(office, INTERRUPTING)
    complete(office, second, "vera", "Check documents", {"finding": "closed"})
    assert restored(office, listener).status == "completed"
    assert inbox(office, first, "hana") == ["Reschedule the application"]
    assert len(_history(office, listener, "signal_received")) == 1
    assert len(_history(office, first, "signal_received")) == 0
    [sent] = _history(office, second, "signal_broadcast")
    assert "0 other cases" in sent.message


def test_an_escalation_stays_in_its_case(office):
    thrower, other = _start(office, INTERRUPTING), _start(office, INTERRUPTING)
    complete(office, thrower, "vera", "Check documents", {"finding": "escalate"})
    assert inbox(office, thrower, "hana") == ["Head review"]
    assert inbox(office, other, "vera") == ["Check documents"]
    assert inbox(office, other, "hana") == []
