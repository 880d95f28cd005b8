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
app.conf.task_acks_late = True
# `celery -A engine.background.worker beat` fires due timers every minute
app.conf.beat_schedule = {"tick": {"task": "permitflow.tick", "schedule": 60.0}}


@app.task(name="permitflow.run_job")
def run_job_task(job_id: int) -> None:
    jobs.run(job_id)


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
