"""Races between claims, completions and timers end in a Conflict naming the winner (issue 11).

They used to be 500s under load: the claim refreshed a task row that a completion had
deleted, and two completions of a step that creates a timer both inserted the same timer
id before the case's versioned UPDATE (an IntegrityError).
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import services
from engine.errors import Conflict, NotAllowed, StaleTask
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
