"""Readiness for a load balancer: can this process reach its database and broker?

Each check answers within its own short deadline, whatever the database does: the
database probe runs on a thread of its own on a connection that waits at most
:func:`ready_timeout` seconds for each answer, and the probe is given up (not ready)
when it takes longer. One probe per database at a time: checks that come while one
runs (several load balancers, or a probe stuck on a frozen server) wait for that one
instead of piling up threads.
"""

from __future__ import annotations

import os
import threading
import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.background.jobs import broker_url
from engine.storage.db import describe_failure
from engine.storage.read_timeout import answer_within

BROKER_TIMEOUT = 2.0  # seconds
_probes: dict[Engine, tuple[threading.Thread, list[str | None]]] = {}  # the latest per engine
_probes_lock = threading.Lock()


def ready_timeout() -> float:
    """Seconds ``/readyz`` waits for the database (``PERMITFLOW_READY_TIMEOUT``, default 2)."""
    try:
        value = float(os.environ.get("PERMITFLOW_READY_TIMEOUT") or 2)
    except ValueError:
        return 2.0
    return value if value > 0 else 2.0


def readiness(session: Session) -> dict[str, dict]:
    """``{"database": {"ok", "ms"[, "error"]}, "broker": {...}}``; no broker, no entry."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    checks = {"database": _timed(lambda: _database(engine, ready_timeout()))}
    url = broker_url()
    if url:
        checks["broker"] = _timed(lambda: _broker(url))
    return checks


def _timed(check) -> dict:
    started = time.perf_counter()
    error = check()
    result: dict = {"ok": error is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if error:
        result["error"] = error
    return result


def _database(engine: Engine, timeout: float) -> str | None:
    with _probes_lock:
        thread, outcome = _probes.get(engine) or (None, [])
        if thread is None or not thread.is_alive():
            outcome = []
            thread = threading.Thread(
                target=_probe, args=(engine, timeout, outcome), name="permitflow-readyz"
            )
            thread.daemon = True
            thread.start()
            _probes[engine] = thread, outcome
    thread.join(timeout)
    if not outcome:
        return f"The database did not answer within {timeout:g} s."
    return outcome[0]


def _probe(engine: Engine, timeout: float, outcome: list[str | None]) -> None:
    try:
        with answer_within(timeout), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        outcome.append(None)
    except SQLAlchemyError as exc:
        outcome.append(describe_failure(exc)[1])
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        outcome.append(f"The database check failed ({type(exc).__name__}: {exc})."[:300])


def _broker(url: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(
            url,
            connect_timeout=BROKER_TIMEOUT,
            transport_options={"socket_timeout": BROKER_TIMEOUT, "max_retries": 0},
        ) as connection:
            connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
        return f"The broker cannot be reached ({type(exc).__name__}: {exc})."[:300]
    return None
