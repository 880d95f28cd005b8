"""Background work scales out to a Celery worker on Redis (the machine's 127.0.0.1:6379)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import jobs

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_job_runs_on_a_celery_worker(sqlite_engine, monkeypatch, tmp_path):
    broker = "redis://127.0.0.1:6379/13"
    url = sqlite_engine.url.render_as_string(hide_password=False)
    env = dict(os.environ, PERMITFLOW_BROKER_URL=broker, PERMITFLOW_DATABASE_URL=url,
               PERMITFLOW_JOB_MODULES="demo_jobs",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent / "jobkinds"), os.getcwd()]))
    queue = f"permitflow-test-{os.getpid()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "engine.worker", "worker", "--pool=solo",
         "--concurrency=1", "-Q", queue, "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel=WARNING"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        sys.path.insert(0, str(Path(__file__).parent / "jobkinds"))
        import demo_jobs  # noqa: F401  (registers the kind here too)

        monkeypatch.setenv("PERMITFLOW_BROKER_URL", broker)
        from engine import worker as celery_worker

        celery_worker.app.conf.broker_url = broker
        celery_worker.app.conf.task_default_queue = queue
        with Session(sqlite_engine) as session:
            job = jobs.create(session, "cube", {"x": 3})
            session.commit()
            job_id = job.id
        jobs.submit(job_id)
        job = _wait(sqlite_engine, job_id, seconds=60)
        assert (job.status, job.result) == ("done", {"value": 27}), job.error
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def _wait(engine, job_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(engine) as session:
            job = jobs.get(session, job_id)
            if job.status in ("done", "failed"):
                return job
        time.sleep(0.2)
    raise AssertionError("the worker did not finish the job in time")
