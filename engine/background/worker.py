"""The Celery worker: ``celery -A engine.background.worker worker`` with PERMITFLOW_BROKER_URL set.

Jobs are recorded in the database by :mod:`engine.background.jobs`; the worker only receives their
id. Job kinds register themselves when their package is imported, so the worker imports
the packages listed in ``PERMITFLOW_JOB_MODULES`` (default ``simulations.jobs,simulations.des.parallel``).
"""

from __future__ import annotations

import importlib
import os

from celery import Celery

from engine.background import jobs

app = Celery(
    "permitflow",
    broker=jobs.broker_url() or "memory://",
    backend=os.environ.get("PERMITFLOW_RESULT_BACKEND") or jobs.broker_url(),
)
# A job's message is acknowledged when the job has finished, not when it starts: a worker
# killed mid-job leaves it unacknowledged, and Redis hands it to another worker after the
# visibility timeout (PERMITFLOW_VISIBILITY_TIMEOUT seconds, default 600); a pool child
# that dies gives its message back at once. engine.background.jobs ignores a second
# delivery of a job that is alive or finished, and records a dead one as failed.
app.conf.task_acks_late = True
# one Redis can serve several offices (or a check beside production): a queue each
app.conf.task_default_queue = os.environ.get("PERMITFLOW_CELERY_QUEUE") or "celery"
app.conf.task_reject_on_worker_lost = True
app.conf.worker_prefetch_multiplier = 1
app.conf.broker_transport_options = {
    "visibility_timeout": float(os.environ.get("PERMITFLOW_VISIBILITY_TIMEOUT") or 600),
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
# `celery -A engine.background.worker beat` fires due timers every minute and records
# jobs whose worker died as failed
app.conf.beat_schedule = {
    "tick": {"task": "permitflow.tick", "schedule": 60.0},
    "reap-jobs": {"task": "permitflow.reap_jobs", "schedule": 30.0},
}


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
    names = os.environ.get("PERMITFLOW_JOB_MODULES", "simulations.jobs,simulations.des.parallel")
    for name in filter(None, (n.strip() for n in names.split(","))):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


_import_job_modules()
