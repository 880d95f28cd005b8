"""A client-side bound on every wait for PostgreSQL's answer.

A server that accepts a connection and then never answers (frozen by SIGSTOP, a
stalled disk, a proxy that stopped forwarding) is not noticed by the server's own
``statement_timeout`` (it never runs) nor by TCP keepalives or ``tcp_user_timeout``
(its kernel still acknowledges every byte). Only the client can notice: each
connection is a :class:`BoundedConnection`, whose every wait (a statement, a commit, a
rollback, the pool's pre-ping) ends after :func:`engine.storage.db.read_timeout`
seconds with an :class:`psycopg.OperationalError`; the connection is then closed, so
the pool never hands it out again. The pool's check of a connection before lending it
waits no longer than a new connection may take (``PERMITFLOW_DB_CONNECT_TIMEOUT``).
:func:`answer_within` shortens the bound for the code it wraps (``/readyz`` answers
within its own short deadline).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg
from sqlalchemy import Engine, event

log = logging.getLogger("permitflow.db")
_WaitTimeout: type[Exception] | None = getattr(psycopg.errors, "_WaitTimeout", None)
_deadline: ContextVar[float | None] = ContextVar("permitflow_db_deadline", default=None)


@contextmanager
def answer_within(seconds: float) -> Iterator[None]:
    """Wait at most ``seconds`` for each answer (and each new connection) in this block."""
    token = _deadline.set(seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _limit(default: float) -> float:
    override = _deadline.get()
    return default if override is None else min(default, override)


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits for the server at most ``read_timeout`` seconds."""

    read_timeout: float = 35.0

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        if timeout is not None or _WaitTimeout is None:  # notifies() and friends pass their own
            return super().wait(gen, interval, timeout)
        limit = _limit(self.read_timeout)
        try:
            return super().wait(gen, interval, limit)
        except _WaitTimeout:
            self.pgconn.finish()  # mid-statement: never reuse it (the pool sees it closed)
            raise psycopg.OperationalError(
                f"no answer from the database server within {limit:g} s (read timed out); "
                "the connection was closed"
            ) from None


def install(engine: Engine, read_timeout: float, ping_timeout: float) -> None:
    """Make ``engine`` (psycopg) open :class:`BoundedConnection` s; the pool's check of
    a pooled connection waits at most ``ping_timeout`` (a connection that cannot say
    "alive" within the time a new one may take is given up, and a new one is tried)."""
    if _WaitTimeout is None:  # psycopg < 3.2 cannot bound a wait
        log.warning(
            "psycopg %s has no wait timeout: no client-side read timeout", psycopg.__version__
        )
        return

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        params = dict(cparams)  # the engine's own dict: change a copy
        if _deadline.get() is not None and "connect_timeout" in params:
            params["connect_timeout"] = max(2, round(_limit(float(params["connect_timeout"]))))
        connection = BoundedConnection.connect(*cargs, **params)
        connection.read_timeout = read_timeout
        return connection

    ping = engine.dialect.do_ping

    def _bounded_ping(dbapi_connection) -> bool:
        with answer_within(ping_timeout):
            return ping(dbapi_connection)

    setattr(engine.dialect, "do_ping", _bounded_ping)  # noqa: B010 - this engine's dialect only
