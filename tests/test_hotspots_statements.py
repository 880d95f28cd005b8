"""Statements a completion no longer needs (issue 11's profile hotspots)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import services
from tests.test_statements_completion import _open_case, counted


def test_a_procedure_without_bills_or_permits_does_not_look_for_them(db_engine):
    task_id = _open_case(db_engine)
    with Session(db_engine) as session, counted(db_engine) as statements:
        services.complete_task(session, task_id, "ani", {})
        session.commit()
    looked = [s for s in statements if "FROM bills" in s or "FROM permits" in s]
    assert looked == [], "\n".join(statements)
