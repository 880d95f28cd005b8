"""Readiness for a load balancer: can this process reach its database and broker?"""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine.background.jobs import broker_url
from engine.storage.db import describe_failure

BROKER_TIMEOUT = 2.0  # seconds


def readiness(session: Session) -> dict[str, dict]:
    """``{"database": {"ok", "ms"[, "error"]}, "broker": {...}}``; no broker, no entry."""
    checks = {"database": _timed(lambda: _database(session))}
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


def _database(session: Session) -> str | None:
    try:
        session.execute(text("SELECT 1"))
        session.rollback()
    except SQLAlchemyError as exc:
        return describe_failure(exc)[1]
    return None


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
