"""State that several app processes share: login counts in Redis, token use without a lock."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

import webapp.auth
from engine.accounts import api_tokens
from engine.storage.tables import ApiToken
from tests.conftest import redis_up
from tests.web.conftest import Staff, seed_staff
from webapp import create_app
from webapp.extensions import configure_storage, limiter

REDIS = "redis://127.0.0.1:6379/13"
REDIS_14 = "redis://127.0.0.1:6379/14"
# the tests share Redis database 13 and reset its counts: one xdist worker runs them all
pytestmark = pytest.mark.xdist_group("redis-rate-limits")


@pytest.fixture
def redis_app(web_engine, tmp_path):
    yield from _redis_app(web_engine, tmp_path, REDIS)


@pytest.fixture
def redis_app_14(web_engine, tmp_path):
    """An app counting in Redis database 14, which no other test resets."""
    yield from _redis_app(web_engine, tmp_path, REDIS_14)


def _redis_app(web_engine, tmp_path, url):
    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": web_engine.url.render_as_string(hide_password=False),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "RATELIMIT_STORAGE_URL": url,
        }
    )
    limiter.reset()  # a test app clears the shared counts too
    yield app
    limiter.reset()
    app.extensions["permitflow.engine"].dispose()
    configure_storage("memory://")


def test_200_concurrent_wrong_passwords_get_five_checks_on_redis(redis_app, monkeypatch):
    checks, lock = [], threading.Lock()
    real = webapp.auth.authenticate_user

    def counted(*args, **kwargs):
        with lock:
            checks.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(webapp.auth, "authenticate_user", counted)
    clients = [Staff(redis_app.test_client()) for _ in range(200)]
    for client in clients:
        client.fresh_token("/login")
    with ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(lambda c: c.login("front", "wrong").status_code, clients))
    assert len(checks) == 5
    assert sorted(codes) == [401] * 5 + [429] * 195


def test_login_counts_are_shared_with_other_processes_and_restarts(redis_app_14):
    client = Staff(redis_app_14.test_client())
    for _ in range(3):
        assert client.login("head", "wrong").status_code == 401
    # another process on the same Redis spends the last two attempts, then is refused
    script = (
        "from webapp.extensions import LoginLimiter, configure_storage\n"
        f"configure_storage({REDIS_14!r})\n"
        "login = LoginLimiter('login')\n"
        "print([login.hit('127.0.0.1', 'head') for _ in range(3)])\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert other.stdout.strip() == "[True, True, False]"
    configure_storage("memory://")  # this process restarts: its memory is gone
    configure_storage(REDIS_14)
    assert client.login("head", "wrong").status_code == 429
    assert client.login("front", "wrong").status_code == 401  # other names are not affected


def _updates_of_tokens(engine) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_token_use_is_recorded_once_a_minute_outside_the_request(db_engine):
    with Session(db_engine) as session:
        seed_staff(session)
        token = api_tokens.issue(session, "front", "busy")
        session.commit()
    updates = _updates_of_tokens(db_engine)
    with Session(db_engine) as first:
        assert api_tokens.authenticate(first, token).username == "front"
        first.flush()
        if db_engine.dialect.name == "postgresql":
            with Session(db_engine) as second:  # a second request of the same token
                second.execute(text("SET LOCAL lock_timeout = '2s'"))
                for _ in range(20):
                    assert api_tokens.authenticate(second, token).username == "front"
                    second.flush()
                second.commit()
        first.commit()
    assert len(updates) == 1
    with Session(db_engine) as session:
        assert session.scalar(select(ApiToken.last_used_at)) is not None


@pytest.mark.postgres
def test_a_request_does_not_wait_for_a_lock_on_its_token(postgres_engine):
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_engine)
    with Session(postgres_engine) as session:
        seed_staff(session)
        token = api_tokens.issue(session, "front", "locked")
        session.commit()
    with Session(postgres_engine) as holder:  # someone holds the token's row (an admin edit)
        holder.execute(select(ApiToken).with_for_update())
        with Session(postgres_engine) as request:
            request.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert api_tokens.authenticate(request, token).username == "front"
            request.commit()
        holder.rollback()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.slow
def test_serve_with_workers_runs_that_many_processes(web_engine, tmp_path):
    import os
    import signal
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        PERMITFLOW_DATABASE_URL=web_engine.url.render_as_string(hide_password=False),
        PERMITFLOW_SECRET_KEY="serve-test",
        PERMITFLOW_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    env.pop("PERMITFLOW_BROKER_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--workers", "2", "--threads", "2"]
        + ["--port", str(port), "--tick-every", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, status = time.monotonic() + 60, None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    status = r.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        assert len(_children(server.pid)) == 2  # gunicorn's two workers
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def test_the_reformer_sees_a_job_whose_worker_died_as_failed(staff, db, monkeypatch):
    from datetime import timedelta

    import simulations.jobs  # noqa: F401  (registers the reformer's job kinds)
    from engine.background import jobs
    from engine.calendar import clock
    from engine.storage.tables import Job

    monkeypatch.setenv("PERMITFLOW_JOB_LEASE", "45")
    job = jobs.create(db, "simulation_compare", {"key": "building_approval", "version": 1})
    job.status, job.worker = "running", "worker-host:4242:1"
    job.heartbeat_at = clock.now() - timedelta(seconds=30)  # alive: within the lease
    db.commit()
    reformer = staff("reformer")
    assert reformer.get(f"/reformer/jobs/{job.id}.json").get_json()["status"] == "running"

    db.get(Job, job.id).heartbeat_at = clock.now() - timedelta(seconds=50)  # lease ran out
    db.commit()
    shown = reformer.get(f"/reformer/jobs/{job.id}.json").get_json()
    assert shown["status"] == "failed" and shown["finished"]
    assert "worker running this job stopped" in shown["error"]
