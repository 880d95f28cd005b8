"""An ``Idempotency-Key`` retry after a crash never makes a second case (issue 11, F4).

The first request runs in a forked process that dies (``os._exit``, like kill -9: no
error handler, no teardown) right after the database commit that saved its case, or
right before it. The retry, sent again with the same key, then gets the first answer,
or is told the first request is still in flight and later runs once: there is always
exactly one case.
"""

from __future__ import annotations

import multiprocessing
import os
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.errors import Conflict
from engine.storage.tables import Case
from tests.scaleout_support import (
    app_on,
    empty_postgres,
    search_path,
    seed_office,
    url_through,
)

CRASHED = 17
START = {"process": "small_permit", "data": {"applicant_name": "Siti", "area": 40}}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def office(request, tmp_path):
    """``(engine, url, bearer header)`` of a seeded office on each backend."""
    if request.param == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        empty_postgres(engine)
        url = url_through(engine, engine.url.port or 5432)  # the test schema, directly
    else:
        engine = request.getfixturevalue("sqlite_engine")
        url = engine.url.render_as_string(hide_password=False)
    return engine, url, seed_office(engine)


def _die_at(moment: str, url: str, tmp_path, headers: dict) -> None:
    """In a forked child: send the start, and die at ``moment`` ("after_commit" or
    "before_commit") of the transaction that saves the new case."""

    @event.listens_for(Session, "after_flush")
    def _made_case(session, _context):
        if any(isinstance(row, Case) for row in session.new):
            session.info["made_case"] = True

    @event.listens_for(Session, moment)
    def _crash(session):
        if session.info.get("made_case"):
            os._exit(CRASHED)

    app = app_on(url, tmp_path / "child")
    app.test_client().post("/api/v1/cases", headers=headers, json=START)
    os._exit(0)  # the request ended without saving a case: not the crash asked for


def _first_request_dies(moment: str, url: str, tmp_path, headers: dict) -> None:
    child = multiprocessing.get_context("fork").Process(
        target=_die_at, args=(moment, url, tmp_path, headers)
    )
    child.start()
    child.join(60)
    assert child.exitcode == CRASHED


def _cases(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def _retry_after_crash(office, tmp_path, moment: str):
    """``(engine, client, headers)`` once a first start with the key died at ``moment``."""
    engine, url, bearer = office
    headers = bearer | {"Idempotency-Key": f"start-{moment}"}
    _first_request_dies(moment, url, tmp_path, headers)
    return engine, app_on(url, tmp_path).test_client(), headers


def test_a_crash_after_the_commit_is_replayed_not_run_again(office, tmp_path):
    engine, client, headers = _retry_after_crash(office, tmp_path, "after_commit")
    assert _cases(engine) == 1
    retry = client.post("/api/v1/cases", headers=headers, json=START)
    assert retry.status_code == 201, retry.get_data(as_text=True)
    assert retry.headers["Idempotent-Replayed"] == "true"
    with Session(engine) as session:
        code = session.scalars(select(Case.tracking_code)).one()
    assert retry.json["tracking_code"] == code
    clock.advance(timedelta(minutes=5))  # long after a reservation counts as abandoned
    later = client.post("/api/v1/cases", headers=headers, json=START)
    assert (later.status_code, later.json) == (201, retry.json)
    assert _cases(engine) == 1


def test_a_crash_before_the_commit_runs_once_on_a_later_retry(office, tmp_path):
    engine, client, headers = _retry_after_crash(office, tmp_path, "before_commit")
    assert _cases(engine) == 0
    soon = client.post("/api/v1/cases", headers=headers, json=START)
    assert soon.status_code == 409 and "still running" in soon.json["error"]["message"]
    clock.advance(timedelta(minutes=5))  # the first request's reservation was abandoned
    retry = client.post("/api/v1/cases", headers=headers, json=START)
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert _cases(engine) == 1
    replay = client.post("/api/v1/cases", headers=headers, json=START)
    assert replay.json == retry.json and _cases(engine) == 1


def test_a_request_whose_key_was_taken_over_saves_nothing(office):
    """A first request still running when a retry took its key over (after ABANDONED)
    may not save its answer over the retry's: it is refused and rolls back."""
    engine = office[0]
    print_ = services.idempotency_fingerprint("POST", "/api/v1/cases", b"{}")
    with Session(engine) as slow, Session(engine) as retry:
        user = services.find_user(slow, "front").id
        assert services.reserve_idempotency_key(slow, user, "k", print_) is None
        clock.advance(timedelta(minutes=5))
        assert services.reserve_idempotency_key(retry, user, "k", print_) is None
        services.record_idempotent_answer(retry, user, "k", 201, b'{"case": "retry"}')
        with pytest.raises(Conflict, match="took it over"):
            services.record_idempotent_answer(slow, user, "k", 201, b'{"case": "slow"}')
        slow.rollback()
        replay = services.reserve_idempotency_key(slow, user, "k", print_)
    assert replay is not None and replay.body == b'{"case": "retry"}'


def _answered(engine, username: str, key: str) -> None:
    with Session(engine) as session:
        user = services.find_user(session, username).id
        print_ = services.idempotency_fingerprint("POST", "/api/v1/cases", key.encode())
        assert services.reserve_idempotency_key(session, user, key, print_) is None
        services.record_idempotent_answer(session, user, key, 201, b"{}")


@pytest.mark.postgres
def test_a_reservation_never_waits_on_anothers_expired_answer(postgres_engine, monkeypatch):
    """Expired answers are purged by the ticker, not by every request: a request no
    longer waits for (or deadlocks with) another one deleting the same old rows."""
    from sqlalchemy import text

    from engine.background.ticker import tick_once
    from engine.services import make_engine
    from engine.storage.tables import IdempotentRequest

    empty_postgres(postgres_engine)
    seed_office(postgres_engine)
    _answered(postgres_engine, "front", "yesterday")
    clock.advance(timedelta(hours=25))
    monkeypatch.setenv("PERMITFLOW_DB_STATEMENT_TIMEOUT", "1")
    quick = make_engine(
        postgres_engine.url.render_as_string(hide_password=False),
        connect_args={"options": f"-csearch_path={search_path(postgres_engine)}"},
    )
    try:
        with Session(postgres_engine) as other:  # another request's purge, in flight
            other.execute(text("SELECT id FROM idempotent_requests FOR UPDATE"))
            _answered(quick, "front", "today")  # old code: canceled by the timeout
            other.rollback()
    finally:
        quick.dispose()
    tick_once(postgres_engine)
    with Session(postgres_engine) as session:
        keys = session.scalars(select(IdempotentRequest.key)).all()
    assert keys == ["today"]
