"""A job whose Celery worker is killed (SIGKILL) is failed or run again, never "running" forever.

The workers are real processes on the machine's Redis (see ``celery_worker_factory``);
the lease is shortened to 2 seconds so the tests take seconds, not a minute.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.background import jobs
from engine.calendar import clock
from engine.storage.tables import Job

JOB_KINDS = Path(__file__).parent / "jobkinds"
LEASE = "2"


@pytest.fixture
def start_worker(sqlite_engine, celery_worker_factory, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_JOB_LEASE", LEASE)
    sys.path.insert(0, str(JOB_KINDS))
    import slow_jobs  # noqa: F401  (registers the kind here too)

    url = sqlite_engine.url.render_as_string(hide_password=False)

    def start(**env):
        return celery_worker_factory(
            PERMITFLOW_DATABASE_URL=url,
            PERMITFLOW_JOB_MODULES="slow_jobs",
            PERMITFLOW_JOB_LEASE=LEASE,
            PYTHONPATH=os.pathsep.join([str(JOB_KINDS), os.getcwd()]),
            **env,
        )

    return start


def _submit(engine, seconds: float) -> int:
    with Session(engine) as session:
        job = jobs.create(session, "nap", {"seconds": seconds})
        session.commit()
        job_id = job.id
    jobs.submit(job_id)
    return job_id


def _stored(engine, job_id: int) -> Job:
    """The row as stored (jobs.get would already show a dead job failed)."""
    with Session(engine) as session:
        return session.scalars(select(Job).where(Job.id == job_id)).one()


def _wait_for(engine, job_id: int, statuses: set[str], seconds: float) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _stored(engine, job_id)
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} stayed {job.status!r}, not {statuses}")


@pytest.mark.xdist_group("celery")
def test_a_killed_workers_job_is_failed_once_its_lease_runs_out(sqlite_engine, start_worker):
    worker = start_worker()
    job_id = _submit(sqlite_engine, seconds=60)
    _wait_for(sqlite_engine, job_id, {"running"}, seconds=60)
    time.sleep(float(LEASE) * 1.5)  # longer than the lease: only the heartbeat keeps it alive
    with Session(sqlite_engine) as session:
        assert jobs.get(session, job_id).status == "running"

    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(float(LEASE) + 0.5)
    with Session(sqlite_engine) as session:  # what the reformer's page shows
        job = jobs.get(session, job_id)
        assert job.status == "failed" and "worker running this job stopped" in job.error
    assert _stored(sqlite_engine, job_id).status == "running"  # not yet recorded
    with Session(sqlite_engine) as session:  # Celery beat's permitflow.reap_jobs
        assert jobs.reap_dead(session) == [job_id]
        session.commit()
    assert _stored(sqlite_engine, job_id).status == "failed"


@pytest.mark.slow
@pytest.mark.xdist_group("celery")
def test_a_killed_workers_job_is_run_again_by_another_worker(sqlite_engine, start_worker):
    first = start_worker(PERMITFLOW_VISIBILITY_TIMEOUT="3")
    job_id = _submit(sqlite_engine, seconds=4)
    _wait_for(sqlite_engine, job_id, {"running"}, seconds=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    start_worker(PERMITFLOW_VISIBILITY_TIMEOUT="3")  # takes the unacknowledged message back
    job = _wait_for(sqlite_engine, job_id, {"done", "failed"}, seconds=45)
    assert (job.status, job.result, job.attempts) == ("done", {"slept": 4}, 2), job.error


def test_a_second_delivery_of_a_live_or_finished_job_does_nothing(sqlite_engine, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_JOB_LEASE", LEASE)
    calls = []
    jobs.register("counted", lambda params, report: calls.append(1) or {"n": len(calls)})
    with Session(sqlite_engine) as session:
        job = jobs.create(session, "counted", {})
        session.commit()
        job_id = job.id
    with Session(sqlite_engine) as session:  # alive in another worker
        session.execute(
            update(Job).values(status="running", worker="elsewhere", heartbeat_at=clock.now())
        )
        session.commit()
    jobs.run(job_id, sqlite_engine)
    assert calls == [] and _stored(sqlite_engine, job_id).worker == "elsewhere"

    with Session(sqlite_engine) as session:
        session.execute(update(Job).values(status="queued"))
        session.commit()
    jobs.run(job_id, sqlite_engine)
    jobs.run(job_id, sqlite_engine)  # redelivered after it finished
    job = _stored(sqlite_engine, job_id)
    assert (calls, job.status, job.attempts, job.result) == ([1], "done", 1, {"n": 1})


@pytest.mark.slow
@pytest.mark.xdist_group("celery")
def test_a_killed_pool_childs_job_is_run_again_when_its_lease_ran_out(sqlite_engine, start_worker):
    import subprocess

    # start_worker's fixtures configured this process's Celery app and queue
    queue = f"permitflow-test-{os.getpid()}"
    env = dict(
        os.environ,
        PERMITFLOW_DATABASE_URL=sqlite_engine.url.render_as_string(hide_password=False),
        PERMITFLOW_JOB_MODULES="slow_jobs",
        # longer than a pool child's restart: the redelivered job still looks alive
        PERMITFLOW_JOB_LEASE="8",
        PYTHONPATH=os.pathsep.join([str(JOB_KINDS), os.getcwd()]),
    )
    prefork = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "engine.background.worker", "worker"]
        + ["--pool=prefork", "--concurrency=1", "-Q", queue, "--without-heartbeat"]
        + ["--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        job_id = _submit(sqlite_engine, seconds=3)
        running = _wait_for(sqlite_engine, job_id, {"running"}, seconds=60)
        child = int(running.worker.split(":")[1])  # host:pid:thread of whoever runs it
        os.kill(child, signal.SIGKILL)
        job = _wait_for(sqlite_engine, job_id, {"done", "failed"}, seconds=60)
        assert (job.status, job.result, job.attempts) == ("done", {"slept": 3}, 2), job.error
        assert job.worker != running.worker
    finally:
        prefork.terminate()
        prefork.wait(timeout=30)
