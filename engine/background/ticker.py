"""Firing due timers and sending notifications on a schedule.

``permitflow tick`` does one round; ``permitflow tick --every 60`` keeps going; the web
server runs a ticker thread unless a broker is configured, where Celery beat schedules
``permitflow.tick`` instead (see :mod:`engine.background.worker`).

A round is safe beside other rounds (timers and messages are claimed one by one), and
the repeating tickers are leader-elected (:mod:`engine.background.leader`): of several
``serve`` processes and ``tick --every`` loops on one database, one ticks and the
others stand by until it goes away.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from engine.accounts import idempotency
from engine.background import jobs
from engine.background.leader import Leadership
from engine.integration import calls, webhooks
from engine.office.notifications import send_pending
from engine.privacy import retention
from engine.storage import db
from engine.workflow.timers import tick

log = logging.getLogger("permitflow.ticker")


def tick_once(engine: Engine | None = None) -> tuple[int, int]:
    """One round: fire due timers, then send pending notifications. Returns both counts.

    It also records as failed the background jobs whose worker died (lease expired):
    without a broker nobody else would (an in-process job dies with its process), and
    with one it is harmless beside Celery beat's own ``reap_jobs``; without a broker it
    runs the jobs left queued by a process that died before starting them.
    """
    with db.session_scope(engine) as session:
        fired = tick(session)
        sent = send_pending(session)
        webhooks.send_pending(session)
    with db.session_scope(engine) as session:
        jobs.reap_dead(session)
        jobs.adopt_orphans(session, engine)  # no broker: jobs queued in a process that died
        idempotency.purge(session)  # Idempotency-Key answers past their day
    calls.run_pending(engine)  # service task calls whose background job was lost
    with db.session_scope(engine) as session:
        retention.run_daily(session)  # UU 27/2022: anonymise cases past their retention
    return len(fired), sent


def tick_as_leader(leadership: Leadership) -> tuple[int, int] | None:
    """One round if this process leads, else None (another process is ticking)."""
    if not leadership.acquire():
        return None
    return tick_once(leadership.engine)


def start_background_ticker(every: float = 60.0, engine: Engine | None = None) -> threading.Event:
    """Tick every ``every`` seconds on a daemon thread while this process leads.

    Set the returned event to stop the thread (and give up the lead).
    """
    stop = threading.Event()
    leadership = Leadership(engine or db.get_engine(db.database_url()))

    def loop() -> None:
        standing_by = False
        while not stop.wait(every):
            try:
                counts = tick_as_leader(leadership)
            except Exception:  # a failed round is logged and retried next round
                log.exception("ticker round failed")
                continue
            if counts is None:
                if not standing_by:
                    log.info("ticker: another process is ticking; this one stands by")
                standing_by = True
                continue
            standing_by = False
            if any(counts):
                log.info("ticker: %s timer(s) fired, %s notification(s) handled", *counts)
        leadership.release()

    threading.Thread(target=loop, name="permitflow-ticker", daemon=True).start()
    return stop
