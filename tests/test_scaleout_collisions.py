"""Two transactions that collide inside PostgreSQL (a deadlock, a serialization failure)
are a 409 with a message, never a 500 (issue 11: "conflicts are 409s, never 500s")."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine import services
from engine.services import describe_database_failure
from tests.scaleout_support import app_on, empty_postgres, seed_office

pytestmark = pytest.mark.postgres


def _real_deadlock(engine) -> OperationalError:
    """Two sessions lock two users in opposite orders; PostgreSQL undoes one of them."""
    with engine.begin() as connection:
        ids = connection.execute(text("SELECT id FROM users ORDER BY id LIMIT 2")).scalars().all()
    both_locked_one = threading.Barrier(2)
    failures: list[OperationalError] = []

    def lock(first: int, second: int) -> None:
        with Session(engine) as session:
            try:
                session.execute(text("SELECT id FROM users WHERE id = :i FOR UPDATE"), {"i": first})
                both_locked_one.wait(5)
                session.execute(
                    text("SELECT id FROM users WHERE id = :i FOR UPDATE"), {"i": second}
                )
                session.commit()
            except OperationalError as exc:
                failures.append(exc)
                session.rollback()

    threads = [
        threading.Thread(target=lock, args=ids),
        threading.Thread(target=lock, args=ids[::-1]),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(failures) == 1
    return failures[0]


def test_a_deadlock_is_a_409_with_a_message(postgres_engine, tmp_path):
    empty_postgres(postgres_engine)
    seed_office(postgres_engine)
    with Session(postgres_engine) as session:
        services.create_user(session, "second", full_name="Second", roles=["front_office"])
        session.commit()
    deadlock = _real_deadlock(postgres_engine)
    kind, message = describe_database_failure(deadlock)
    assert kind == "conflict" and "Reload and try again" in message
    app = app_on("sqlite://", tmp_path)

    @app.route("/api/v1/_collide")
    def _collide():
        raise deadlock

    response = app.test_client().get("/api/v1/_collide", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert "collided" in response.get_json()["error"]["message"]
