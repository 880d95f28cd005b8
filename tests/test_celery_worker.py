"""Background work scales out to a Celery worker on Redis (the machine's 127.0.0.1:6379)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine.background import jobs

JOB_KINDS = Path(__file__).parent / "jobkinds"


@pytest.mark.xdist_group("celery")
def test_job_runs_on_a_celery_worker(sqlite_engine, celery_worker_factory):
    url = sqlite_engine.url.render_as_string(hide_password=False)
    celery_worker_factory(
        PERMITFLOW_DATABASE_URL=url,
        PERMITFLOW_JOB_MODULES="demo_jobs",
        PYTHONPATH=os.pathsep.join([str(JOB_KINDS), os.getcwd()]),
    )
    sys.path.insert(0, str(JOB_KINDS))
    import demo_jobs  # noqa: F401  (registers the kind here too)

    with Session(sqlite_engine) as session:
        job = jobs.create(session, "cube", {"x": 3})
        session.commit()
        job_id = job.id
    jobs.submit(job_id)
    job = _wait(sqlite_engine, job_id, seconds=60)
    assert (job.status, job.result) == ("done", {"value": 27}), job.error


def _wait(engine, job_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Session(engine) as session:
            job = jobs.get(session, job_id)
            if job.status in ("done", "failed"):
                return job
        time.sleep(0.2)
    raise AssertionError("the worker did not finish the job in time")
