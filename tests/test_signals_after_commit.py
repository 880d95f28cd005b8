"""A broadcast signal is delivered after the thrower's step commits, by a background job,
once to each receiving case (:mod:`engine.workflow.signals`).

It used to be delivered inside the thrower's transaction: a receiving case changed
meanwhile rolled the thrower's step back (its clerk got a conflict although their own
step was fine), and each reached case was loaded twice.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine import services
from engine.background import jobs
from engine.calendar import clock
from engine.storage.tables import AuditEntry, Case, Job
from engine.workflow import signals, specs
from tests.test_bpmn_coverage import complete, deploy, inbox, restored
from tests.test_event_subprocesses import staff

INTERRUPTING = "interrupting_event_subprocess"  # "Check documents" may throw "office closed"
LISTENER = "signal_listener"  # waits for "office closed", then "Notify the applicants"


@pytest.fixture
def office(session):
    staff(session)
    deploy(session, f"{INTERRUPTING}.bpmn")
    deploy(session, f"{LISTENER}.bpmn")
    return session


def _start(session, key: str, data: dict | None = None):
    case = services.start_case(session, key, data or {})
    session.commit()
    return case


def _received(session, case) -> int:
    query = select(func.count()).where(
        AuditEntry.case_id == case.id, AuditEntry.action == "signal_received"
    )
    return session.scalar(query)


def _history(session, case, action: str) -> list[str]:
    entries = services.case_history(session, restored(session, case).id)
    return [e.message for e in entries if e.action == action]


def _signal_jobs(session) -> list[Job]:
    session.expire_all()
    query = select(Job).where(Job.kind == signals.JOB_KIND).order_by(Job.id)
    return list(session.scalars(query))


def _close_office(session, thrower) -> None:
    complete(session, thrower, "vera", "Check documents", {"finding": "closed"})


def test_a_receiving_case_changed_meanwhile_does_not_undo_the_throwers_step(office, monkeypatch):
    """An officer changes the receiving case while the signal is on its way: the clerk who
    threw it keeps their step, and the receiving case gets the signal on the next try."""
    thrower, listener = _start(office, INTERRUPTING), _start(office, LISTENER)
    open_case, changed = signals.open_case, []

    def changed_meanwhile(case):
        if case.id == listener.id and not changed:
            changed.append(True)
            with Session(office.get_bind()) as other:
                other.get(Case, case.id).title = "Edited by an officer"
                other.commit()
        return open_case(case)

    monkeypatch.setattr(signals, "open_case", changed_meanwhile)
    _close_office(office, thrower)  # used to raise Conflict: the whole step was undone
    assert changed
    assert inbox(office, thrower, "hana") == ["Reschedule the application"]
    assert inbox(office, listener, "vera") == ["Notify the applicants"]
    assert restored(office, listener).title == "Edited by an officer"
    assert _received(office, listener) == 1
    [sent] = _history(office, thrower, "signal_broadcast")
    assert f"1 other cases: {listener.tracking_code}" in sent


def test_a_locked_receiving_case_is_tried_again_not_dropped(office, monkeypatch):
    thrower, listener = _start(office, INTERRUPTING), _start(office, LISTENER)
    advance, locked = signals.advance, []

    def locked_once(session, running, *args):
        if not locked:
            locked.append(True)
            raise OperationalError("UPDATE cases", {}, Exception("database is locked"))
        return advance(session, running, *args)

    monkeypatch.setattr(signals, "advance", locked_once)
    _close_office(office, thrower)
    assert locked
    assert inbox(office, listener, "vera") == ["Notify the applicants"]
    assert _received(office, listener) == 1


class _Killed(BaseException):
    """The worker running the job dies (not an error the job could record)."""


def test_a_job_run_again_after_its_worker_died_delivers_once_to_each_case(
    office, monkeypatch, db_engine
):
    thrower = _start(office, INTERRUPTING)
    first, second = _start(office, LISTENER), _start(office, LISTENER)
    deliver = signals._deliver

    def die_before_the_second(session, running, *args):
        if running.case.id == second.id:
            raise _Killed
        deliver(session, running, *args)

    monkeypatch.setattr(signals, "_deliver", die_before_the_second)
    with pytest.raises(_Killed):
        _close_office(office, thrower)
    assert inbox(office, thrower, "hana") == ["Reschedule the application"]  # committed
    [job] = _signal_jobs(office)
    assert job.status == "running"  # its worker died: the broker delivers it again
    assert (_received(office, first), _received(office, second)) == (1, 0)

    monkeypatch.setattr(signals, "_deliver", deliver)
    lease_ran_out = clock.now() - timedelta(seconds=jobs.lease_seconds() + 1)
    office.execute(update(Job).where(Job.id == job.id).values(heartbeat_at=lease_ran_out))
    office.commit()
    assert jobs.run(job.id, db_engine) == "ran"  # taken over: a second attempt
    assert jobs.run(job.id, db_engine) == "finished"  # a duplicate delivery does nothing
    assert (_received(office, first), _received(office, second)) == (1, 1)
    assert inbox(office, first, "vera") == ["Notify the applicants"]  # moved on once
    assert inbox(office, second, "vera") == ["Notify the applicants"]


def test_a_rolled_back_step_throws_nothing(office):
    thrower, listener = _start(office, INTERRUPTING), _start(office, LISTENER)
    [task] = [t for t in services.open_tasks(office, thrower) if t.name == "Check documents"]
    services.complete_task(office, task.id, "vera", {"finding": "closed"})
    office.rollback()
    assert _signal_jobs(office) == []
    assert inbox(office, listener, "vera") == []  # still waits for the signal
    assert _received(office, listener) == 0
    assert inbox(office, thrower, "vera") == ["Check documents"]


def test_a_chain_of_signals_through_jobs_stays_bounded(session, monkeypatch):
    """Cases that catch and throw "ping" set each other off, one job per throw: no job
    is queued beyond ``MAX_CHAIN`` throws in a row, and each case takes each signal of
    one chain once."""
    deploy(session, "signal_pingpong.bpmn")
    waiting = [_start(session, "pingpong", {"stop": False}) for _ in range(4)]
    before = len(_signal_jobs(session))
    refused = select(func.count()).where(AuditEntry.action == "signal_not_broadcast")
    refused_before = session.scalar(refused)
    monkeypatch.setattr(signals, "MAX_CHAIN", 2)
    _start(session, "pingpong", {"stop": False})
    chain = _signal_jobs(session)[before:]
    assert {job.params["root"] for job in chain} == {chain[0].id}
    assert max(job.params["depth"] for job in chain) == 1  # 0 and 1: two throws in a row
    assert all(job.status == "done" for job in chain)
    assert (
        session.scalar(refused) - refused_before == 3
    )  # the cases reached at depth 1 threw no further
    for case in waiting:  # each reached once by the chain
        receipts = select(func.count()).where(
            AuditEntry.case_id == case.id,
            AuditEntry.action == "signal_received",
            AuditEntry.task_id == f"signal-throw:{chain[0].id}",
        )
        assert session.scalar(receipts) == 1


def test_one_throw_loads_each_waiting_case_once_and_no_other(office, monkeypatch):
    deploy(office, "signal_pingpong.bpmn")
    thrower = _start(office, INTERRUPTING)
    listeners = [_start(office, LISTENER) for _ in range(3)]
    elsewhere = _start(office, "pingpong", {"stop": True})  # waits for another signal
    states = {restored(office, c).state: c.id for c in [thrower, *listeners, elsewhere]}
    load_state, loaded = specs.load_state, []

    def counted(state, *args):
        loaded.append(states.get(state))
        return load_state(state, *args)

    monkeypatch.setattr(specs, "load_state", counted)
    _close_office(office, thrower)
    for listener in listeners:
        assert loaded.count(listener.id) == 1  # it was 2: looked at, then opened again
        assert inbox(office, listener, "vera") == ["Notify the applicants"]
    assert elsewhere.id not in loaded


def test_without_eager_mode_a_worker_thread_delivers_after_the_commit(office, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_CALLS_EAGER", "0")
    thrower, listener = _start(office, INTERRUPTING), _start(office, LISTENER)
    _close_office(office, thrower)
    [job] = _signal_jobs(office)
    deadline = time.monotonic() + 30
    while job.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = jobs.get(office, job.id)
        office.expire_all()
    assert job.status == "done", job.error
    assert job.result == {"reached": 1, "over": 0, "busy": 0}
    assert inbox(office, listener, "vera") == ["Notify the applicants"]
