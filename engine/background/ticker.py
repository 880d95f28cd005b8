"""Firing due timers and sending notifications on a schedule.

``permitflow tick`` does one round; ``permitflow tick --every 60`` keeps going; the web
server runs a ticker thread unless a broker is configured, where Celery beat schedules
``permitflow.tick`` instead (see :mod:`engine.background.worker`).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from engine import services
from engine.storage import db

log = logging.getLogger("permitflow.ticker")


def tick_once(engine: Engine | None = None) -> tuple[int, int]:
    """One round: fire due timers, then send pending notifications. Returns both counts."""
    with db.session_scope(engine) as session:
        fired = services.tick(session)
        sent = services.send_pending(session)
    return len(fired), sent


def start_background_ticker(every: float = 60.0, engine: Engine | None = None) -> threading.Event:
    """Tick every ``every`` seconds on a daemon thread; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                fired, sent = tick_once(engine)
                if fired or sent:
                    log.info("ticker: %s timer(s) fired, %s notification(s) handled", fired, sent)
            except Exception:  # a failed round is logged and retried next round
                log.exception("ticker round failed")

    threading.Thread(target=loop, name="permitflow-ticker", daemon=True).start()
    return stop
