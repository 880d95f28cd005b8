"""Without a broker, the ticker records the jobs whose runner died (issue 11).

An in-process job (no ``PERMITFLOW_BROKER_URL``) dies with its process; no Celery beat
runs ``reap_jobs`` then, so the leader's tick must: one ``tick_once`` marks a job whose
lease ran out failed, with the reason the reformer's job page shows.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.background import jobs
from engine.background.ticker import tick_once
from engine.calendar import clock
from engine.storage.tables import Job
from tests.scaleout_support import empty_postgres

KIND = "scaleout_test_nap"
jobs.register(KIND, lambda params, report: {})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, monkeypatch):
    monkeypatch.delenv("PERMITFLOW_BROKER_URL", raising=False)
    monkeypatch.setenv("PERMITFLOW_JOB_LEASE", "45")
    if request.param == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        empty_postgres(engine)
        return engine
    return request.getfixturevalue("sqlite_engine")


def _job(engine, status: str, heartbeat_ago: float | None) -> int:
    with Session(engine) as session:
        job = jobs.create(session, KIND, {}, created_by="reformer")
        if status == "running":
            job.status, job.worker, job.attempts = "running", "office-pc:4242:1", 1
            job.started_at = clock.now() - timedelta(minutes=5)
        if heartbeat_ago is not None:
            job.heartbeat_at = clock.now() - timedelta(seconds=heartbeat_ago)
        session.commit()
        return job.id


def _stored(engine, job_id: int) -> Job:
    with Session(engine) as session:
        return session.scalars(select(Job).where(Job.id == job_id)).one()


def test_one_tick_fails_a_job_whose_runner_died(engine):
    dead = _job(engine, "running", heartbeat_ago=120)  # lease 45 s: its runner is gone
    alive = _job(engine, "running", heartbeat_ago=5)
    queued = _job(engine, "queued", heartbeat_ago=None)
    tick_once(engine)
    stored = _stored(engine, dead)
    assert stored.status == "failed" and stored.finished_at is not None
    assert stored.error == jobs.WORKER_LOST and "stopped" in stored.error
    assert _stored(engine, alive).status == "running"
    assert _stored(engine, queued).status == "queued"
    with Session(engine) as session:  # what the reformer's job page reads
        shown = jobs.get(session, dead)
        assert (shown.status, shown.error) == ("failed", jobs.WORKER_LOST)
    tick_once(engine)  # a second round changes nothing
    assert _stored(engine, dead).finished_at == stored.finished_at


RUNS: list[int] = []
ORPHAN_KIND = "scaleout_test_count"
jobs.register(ORPHAN_KIND, lambda params, report: RUNS.append(params["n"]) or {"n": params["n"]})


def test_a_job_queued_in_a_process_that_died_is_run_by_the_tick(engine):
    """Without a broker a job waits in its process's memory; that process died."""
    with Session(engine) as session:
        job = jobs.create(session, ORPHAN_KIND, {"n": 7}, created_by="reformer")
        job.created_at = clock.now() - timedelta(minutes=2)  # longer than a lease
        session.commit()
        orphan = job.id
        fresh = jobs.create(session, ORPHAN_KIND, {"n": 8}, created_by="reformer").id
        session.commit()  # just submitted: its own process will start it
    RUNS.clear()
    tick_once(engine)
    tick_once(engine)  # the second round finds it running or done: never twice
    deadline = time.monotonic() + 10
    while _stored(engine, orphan).status != "done":
        assert time.monotonic() < deadline, _stored(engine, orphan).status
        time.sleep(0.05)
    assert _stored(engine, orphan).result == {"n": 7} and RUNS == [7]
    assert _stored(engine, fresh).status == "queued"
