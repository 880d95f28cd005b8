"""The Celery worker: ``celery -A engine.background.worker worker`` with PERMITFLOW_BROKER_URL set.

Jobs are recorded in the database by :mod:`engine.background.jobs`; the worker only receives their
id. Job kinds register themselves when their package is imported, so the worker imports
the packages listed in ``PERMITFLOW_JOB_MODULES`` (default ``simulations.jobs,
simulations.des.parallel,engine.integration.calls``: service task calls).
"""

from __future__ import annotations

import importlib
import os

from engine.background import celery_app, jobs

app = celery_app.get_app()  # `celery -A engine.background.worker` finds it here


@app.task(name="permitflow.run_job", bind=True, max_retries=120)
def run_job_task(self, job_id: int) -> None:
    # "busy": the job's lease is held; either it is alive elsewhere (a duplicate delivery)
    # or its worker died a moment ago (a pool child killed: redelivered at once). Look
    # again when the lease could have run out; a finished job ends the retries.
    if jobs.run(job_id) == "busy":
        raise self.retry(countdown=jobs.lease_seconds() + 1)


@app.task(name="permitflow.reap_jobs")
def reap_jobs_task() -> list[int]:
    from engine.storage import db

    with db.session_scope() as session:
        return jobs.reap_dead(session)


@app.task(name="permitflow.tick")
def tick_task() -> None:
    from engine.background.ticker import tick_once

    tick_once()


def _import_job_modules() -> None:
    names = os.environ.get(
        "PERMITFLOW_JOB_MODULES",
        "simulations.jobs,simulations.des.parallel,engine.integration.calls",
    )
    for name in filter(None, (n.strip() for n in names.split(","))):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


_import_job_modules()
