"""An API token's use is recorded outside the request, on SQLite too (issue 11).

On SQLite the ``UPDATE api_tokens SET last_used_at`` ran in the request's own
transaction: a request that only read rolled it back (the use was never recorded) and
held the database's write lock until it ended; with another writer busy, it waited the
whole busy timeout and failed.
"""

from __future__ import annotations

import time

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.accounts import api_tokens
from engine.storage.tables import ApiToken
from tests.scaleout_support import app_on, seed_office


def _last_used(engine):
    with Session(engine) as session:
        return session.scalar(select(ApiToken.last_used_at))


def test_a_reading_request_records_its_tokens_use(sqlite_engine, tmp_path):
    bearer = seed_office(sqlite_engine)
    client = app_on(sqlite_engine.url.render_as_string(hide_password=False), tmp_path)
    assert client.test_client().get("/api/v1/tasks", headers=bearer).status_code == 200
    assert _last_used(sqlite_engine) is not None


def test_a_busy_writer_does_not_hold_up_a_request(sqlite_engine, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_DB_BUSY_TIMEOUT", "2")
    token = seed_office(sqlite_engine)["Authorization"].removeprefix("Bearer ")
    with sqlite_engine.connect() as writer:  # another process writing a long while
        writer.execute(text("UPDATE users SET full_name = full_name"))
        started = time.monotonic()
        with Session(sqlite_engine) as request:
            assert api_tokens.authenticate(request, token).username == "front"
            request.rollback()
        assert time.monotonic() - started < 1
        writer.rollback()
    assert _last_used(sqlite_engine) is None  # skipped while the file was locked
    with Session(sqlite_engine) as request:  # the next request records it
        api_tokens.authenticate(request, token)
        request.rollback()
    assert _last_used(sqlite_engine) is not None
