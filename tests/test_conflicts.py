"""Races between claims, completions and timers end in a Conflict naming the winner (issue 11).

They used to be 500s under load: the claim refreshed a task row that a completion had
deleted, and two completions of a step that creates a timer both inserted the same timer
id before the case's versioned UPDATE (an IntegrityError).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.cli import main
from engine.errors import Conflict, NotAllowed, StaleTask
from engine.storage import db
from engine.storage.tables import AuditEntry, Timer

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


def _office(engine) -> None:
    with Session(engine) as session:
        services.create_user(session, "ani", roles=["front_office"])
        services.create_user(session, "dian", roles=["front_office"])
        services.create_user(session, "budi", roles=["head_of_office"])
        services.create_user(session, "eka", roles=["head_of_office"])
        services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
        session.commit()


def _case(engine, *, registered: bool = False) -> str:
    """A new case; returns its open task (Register, or Decide when ``registered``)."""
    with Session(engine) as session:
        case = services.start_case(session, "small_permit", {"applicant_name": "Siti", "area": 3})
        task_id = services.open_tasks(session, case)[0].id
        if registered:
            services.complete_task(session, task_id, "ani", {})
            task_id = services.open_tasks(session, case)[0].id
        session.commit()
        return task_id


def test_claiming_a_task_completed_meanwhile_names_who_did_it(db_engine):
    _office(db_engine)
    task_id = _case(db_engine)
    with Session(db_engine) as dian, Session(db_engine) as ani:
        shown = services.get_task(dian, task_id)  # dian's inbox shows the task  # noqa: F841
        services.complete_task(ani, task_id, "ani", {})
        ani.commit()
        try:
            services.claim(dian, task_id, "dian")
        except StaleTask as exc:
            message = exc.message
        else:
            raise AssertionError("the claim of a completed task succeeded")
    assert message == "'Register application' was completed by ani meanwhile; reload your inbox."


def test_completing_a_task_completed_meanwhile_names_who_did_it(db_engine):
    _office(db_engine)
    task_id = _case(db_engine)
    with Session(db_engine) as ani:
        services.complete_task(ani, task_id, "ani", {})
        ani.commit()
    with Session(db_engine) as dian:
        try:
            services.complete_task(dian, task_id, "dian", {})
        except StaleTask as exc:
            assert (
                exc.message
                == f"Task {task_id} is no longer open: it was completed by ani meanwhile."
            )
        else:
            raise AssertionError("a task was completed twice")


def test_claiming_a_task_claimed_meanwhile_names_the_holder(db_engine):
    _office(db_engine)
    task_id = _case(db_engine)
    with Session(db_engine) as dian, Session(db_engine) as ani:
        shown = services.get_task(dian, task_id)  # noqa: F841 - kept in dian's session
        services.claim(ani, task_id, "ani")
        ani.commit()
        try:
            services.claim(dian, task_id, "dian")
        except StaleTask as exc:
            assert exc.message == "'Register application' was claimed by ani meanwhile."
        else:
            raise AssertionError("two clerks claimed one task")


def _race(engine, work, users: list[str]) -> list[str]:
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def run(user: str) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                work(session, user)
                session.commit()
                outcomes.append("won")
            except (Conflict, NotAllowed) as exc:  # a 409, or a 403 naming the holder
                session.rollback()
                outcomes.append(exc.message)

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_racing_completions_of_a_step_that_starts_a_timer_conflict(db_engine):
    """Both used to insert the same timer row: an IntegrityError, a 500 over HTTP."""
    _office(db_engine)
    for _ in range(4):
        task_id = _case(db_engine, registered=True)

        def decide(session, user, task_id=task_id):
            services.complete_task(session, task_id, user, {"decision": "approve"})

        outcomes = _race(db_engine, decide, ["budi", "eka"])  # any exception but Conflict fails
        assert len(outcomes) == 2 and "won" in outcomes, outcomes
        (lost,) = [o for o in outcomes if o != "won"]
        assert "meanwhile" in lost and ("budi" in lost or "eka" in lost), lost
    with Session(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(Timer)) == 4
        completed = select(func.count()).where(AuditEntry.action == "task_completed")
        assert session.scalar(completed.select_from(AuditEntry)) == 4 + 4


def test_racing_claim_and_completion_conflict(db_engine):
    _office(db_engine)
    for _ in range(4):
        task_id = _case(db_engine)

        def work(session, user, task_id=task_id):
            if user == "ani":
                services.complete_task(session, task_id, "ani", {})
            else:
                services.claim(session, task_id, "dian")

        outcomes = _race(db_engine, work, ["ani", "dian"])
        assert len(outcomes) == 2 and "won" in outcomes, outcomes


# SQLite on one office PC: writers queue for the lock instead of failing


def _hold_write_lock(engine, seconds: float) -> tuple[threading.Thread, threading.Event]:
    """Another process's writer: takes the lock and commits after ``seconds``, or when
    the returned event is set, whichever comes first."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Session(engine) as session:
            services.update_user(session, "budi", full_name="Budi (busy)")
            session.flush()  # BEGIN IMMEDIATE and the UPDATE: the write lock is taken
            locked.set()
            release.wait(seconds)
            session.commit()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(10)
    return thread, release


def test_sqlite_a_writer_that_read_first_waits_instead_of_failing(sqlite_engine):
    """A deferred transaction that read, then wrote after another writer, failed at once."""
    _office(sqlite_engine)
    with Session(sqlite_engine) as session:
        with session.begin_nested():  # the ticker used savepoints per case
            thread, _ = _hold_write_lock(sqlite_engine, 0.3)
            services.get_user(session, "ani")
            services.update_user(session, "ani", full_name="Ani Lestari")
        session.commit()
    thread.join()
    with Session(sqlite_engine) as session:
        assert services.get_user(session, "ani").full_name == "Ani Lestari"
        assert services.get_user(session, "budi").full_name == "Budi (busy)"


def test_sqlite_tick_under_load_waits_for_the_lock(sqlite_engine):
    _office(sqlite_engine)
    _case(sqlite_engine, registered=True)
    with Session(sqlite_engine) as session:
        decide = services.all_open_tasks(session)[0].id
        services.complete_task(session, decide, "budi", {"decision": "approve"})
        session.commit()
    clock.advance(timedelta(days=3))
    thread, _ = _hold_write_lock(sqlite_engine, 0.3)
    with Session(sqlite_engine) as session:
        fired = services.tick(session)
    thread.join()
    assert [f.element_id for f in fired] == ["wait"]


def test_sqlite_locked_too_long_names_the_real_cause(sqlite_engine, monkeypatch):
    _office(sqlite_engine)
    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string())
    monkeypatch.setenv("PERMITFLOW_DB_BUSY_TIMEOUT", "0.2")
    db.get_engine.cache_clear()
    thread, release = _hold_write_lock(sqlite_engine, 60)
    try:
        result = CliRunner().invoke(main, ["user", "add", "citra", "--role", "front_office"])
    finally:
        release.set()
        thread.join()
        db.get_engine.cache_clear()
    assert result.exit_code == 1, result.output
    assert "database is busy" in result.output and "db upgrade" not in result.output
