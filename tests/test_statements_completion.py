"""How many SQL statements claiming, completing and listing tasks take.

Every statement is a round trip to PostgreSQL, under a lock for the writes: a completion
reads the task with its case and procedure version in one query and writes the case in
one versioned UPDATE; a task list does not read once per task. The limits are the counts
reached (issue 11); a change that adds a statement to these paths fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from engine import services

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()

# the task with its case and version; the clerk's roles (user, roles: the web app's
# token authentication has them already); the audit entries (one multi-row INSERT on
# PostgreSQL, one each on SQLite, which cannot return the ids of a multi-row INSERT in
# order); the case UPDATE; the new task row; the done task's row deleted; the bills and
# permits of the steps done (engine.office.issuing)
COMPLETE_LIMIT = {"postgresql": 9, "sqlite": 10}
# the task with its case and version, the clerk's roles, the conditional UPDATE, the audit
CLAIM_LIMIT = 5


@contextmanager
def counted(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _open_case(engine, applicant: str = "Siti") -> str:
    """A started case of the two-lane procedure; the id of its first task."""
    with Session(engine) as session:
        if services.find_user(session, "ani") is None:
            services.create_user(session, "ani", roles=["front_office"])
            services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
        case = services.start_case(
            session, "small_permit", {"applicant_name": applicant, "area": 3}
        )
        session.commit()
        return services.open_tasks(session, case)[0].id


def test_a_completion_writes_the_case_once_in_a_few_statements(db_engine):
    task_id = _open_case(db_engine)
    with Session(db_engine) as session, counted(db_engine) as statements:
        services.complete_task(session, task_id, "ani", {})
        session.commit()
    updates = [s for s in statements if s.startswith("UPDATE cases")]
    assert len(updates) == 1, statements
    assert "version" in updates[0]  # the optimistic lock: WHERE ... cases.version = ...
    assert not [s for s in statements if s.startswith("SELECT") and "FROM cases " in s]
    assert len(statements) <= COMPLETE_LIMIT[db_engine.dialect.name], "\n".join(statements)
    with Session(db_engine) as session:  # and it did complete: the next task is open
        (task,) = services.tasks_for_user(session, "ani", key="small_permit") or [None]
        assert task is None or task.id != task_id
        assert [e.action for e in services.task_history(session, task_id)][-1] == "task_completed"


def test_a_claim_takes_a_few_statements(db_engine):
    task_id = _open_case(db_engine)
    with Session(db_engine) as session, counted(db_engine) as statements:
        services.claim(session, task_id, "ani")
        session.commit()
    assert len(statements) <= CLAIM_LIMIT, "\n".join(statements)


def test_a_task_list_reads_the_same_whatever_its_length(db_engine):
    _open_case(db_engine, "Siti")
    with Session(db_engine) as session, counted(db_engine) as one:
        assert len(services.tasks_for_user(session, "ani")) == 1
    for applicant in ("Rina", "Dewi", "Budi", "Wati"):
        _open_case(db_engine, applicant)
    with Session(db_engine) as session, counted(db_engine) as five:
        tasks = services.tasks_for_user(session, "ani")
        assert len(tasks) == 5
        assert {services.task_form(t) for t in tasks}  # each task's form: no query per task
        assert {t.case.tracking_code for t in tasks}
    assert len(five) == len(one), "\n".join(five)
