"""Two clerks completing the same task at once: exactly one wins, nothing is done twice."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import services
from engine.errors import Conflict
from engine.storage.tables import AuditEntry, HumanTask

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


def _setup(engine) -> str:
    with Session(engine) as session:
        services.create_user(session, "ani", roles=["front_office"])
        services.create_user(session, "dian", roles=["front_office"])
        services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
        case = services.start_case(session, "small_permit", {"applicant_name": "Siti", "area": 3})
        session.commit()
        return services.open_tasks(session, case)[0].id


def _race(engine, task_id: str, users: list[str]) -> list[str]:
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def work(user: str) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                services.complete_task(session, task_id, user, {})
                session.commit()
                outcomes.append("won")
            except Conflict as exc:
                session.rollback()
                assert exc.message  # a clear message, not a driver error
                outcomes.append("conflict")

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_exactly_one_of_two_clerks_wins(db_engine):
    for _ in range(3):
        task_id = _setup_or_next(db_engine)
        outcomes = _race(db_engine, task_id, ["ani", "dian"])
        assert sorted(outcomes) == ["conflict", "won"]
    with Session(db_engine) as session:
        completed = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "task_completed")
        )
        assert completed == 3
        # each case moved on exactly once: one open "Decide" task per case
        assert session.scalar(select(func.count()).select_from(HumanTask)) == 3


_first: dict[int, bool] = {}


def _setup_or_next(engine) -> str:
    if id(engine) not in _first:
        _first[id(engine)] = True
        return _setup(engine)
    with Session(engine) as session:
        case = services.start_case(session, "small_permit", {"applicant_name": "Rina", "area": 3})
        session.commit()
        return services.open_tasks(session, case)[0].id
