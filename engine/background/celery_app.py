"""The Celery application: broker, queue and acknowledgement settings, beat's schedule.

:mod:`engine.background.jobs` sends job ids through it by task name and
:mod:`engine.background.worker` defines the tasks on it, so neither imports the other.
Celery itself is imported only when the app is first needed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any


def broker_url() -> str | None:
    """``PERMITFLOW_BROKER_URL`` (e.g. ``redis://127.0.0.1:6379/0``), or None: work runs in-process."""
    return os.environ.get("PERMITFLOW_BROKER_URL") or None


@lru_cache(maxsize=1)
def get_app() -> Any:
    """The one Celery app of this process, configured from the environment."""
    from celery import Celery

    app = Celery(
        "permitflow",
        broker=broker_url() or "memory://",
        backend=os.environ.get("PERMITFLOW_RESULT_BACKEND") or broker_url(),
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
    return app
