"""Statements a completion no longer needs (issue 11's profile hotspots)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine import services
from engine.errors import UserNotFound
from tests.test_statements_completion import _open_case, counted


def test_a_procedure_without_bills_or_permits_does_not_look_for_them(db_engine):
    task_id = _open_case(db_engine)
    with Session(db_engine) as session, counted(db_engine) as statements:
        services.complete_task(session, task_id, "ani", {})
        session.commit()
    looked = [s for s in statements if "FROM bills" in s or "FROM permits" in s]
    assert looked == [], "\n".join(statements)


def test_the_clerks_roles_take_one_query_per_session(db_engine):
    task_id = _open_case(db_engine)
    with Session(db_engine) as session, counted(db_engine) as statements:
        assert services.roles_of(session, "ani") == {"front_office"}
        services.complete_task(session, task_id, "ani", {})
        session.commit()
    looked = [s for s in statements if "FROM users" in s or "FROM user_roles" in s]
    assert len(looked) == 1, "\n".join(statements)


def test_roles_of_a_user_without_roles_and_of_no_user(db_engine):
    _open_case(db_engine)
    with Session(db_engine) as session:
        services.create_user(session, "budi", roles=[])
        assert services.roles_of(session, "budi") == frozenset()
        services.set_roles(session, "budi", ["back_office"])
        assert services.roles_of(session, "budi") == {"back_office"}
        with pytest.raises(UserNotFound, match="nobody"):
            services.roles_of(session, "nobody")
