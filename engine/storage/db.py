"""Database engines and sessions. The caller owns the transaction.

``PERMITFLOW_DATABASE_URL`` picks the database; the default is an SQLite file under
``instance/`` in WAL mode. PostgreSQL (``postgresql+psycopg://...``) works the same.

Nothing waits forever. On PostgreSQL a connection must be made within
``PERMITFLOW_DB_CONNECT_TIMEOUT`` seconds (default 5, at least 2), a statement may run
``PERMITFLOW_DB_STATEMENT_TIMEOUT`` seconds (default 30) and a request waits at most
``PERMITFLOW_DB_POOL_TIMEOUT`` seconds (default 10) for a pooled connection; TCP
keepalives notice a database host that went away. A server that accepts connections
and then never answers (frozen, or a proxy that stopped forwarding) is noticed by the
client alone: it waits for any answer at most ``PERMITFLOW_DB_READ_TIMEOUT`` seconds
(default: the statement timeout + 5 s, so a slow statement is cut by the server first;
:mod:`engine.storage.read_timeout`), then closes the connection. On SQLite every
writing transaction begins with ``BEGIN IMMEDIATE`` (also one that starts with a
savepoint), so a writer queues for the lock (up to ``PERMITFLOW_DB_BUSY_TIMEOUT``
seconds, default 30) instead of failing at once when another process wrote between
its read and its write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "permitflow.sqlite3"


def database_url() -> str:
    """The configured database URL (``PERMITFLOW_DATABASE_URL``) or the SQLite default."""
    url = os.environ.get("PERMITFLOW_DATABASE_URL")
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {os.environ[name]!r}") from None
    return value if value > 0 else default


def statement_timeout() -> float:
    return _seconds("PERMITFLOW_DB_STATEMENT_TIMEOUT", 30)


def read_timeout() -> float:
    """Seconds a PostgreSQL client waits for any answer on an open connection."""
    return _seconds("PERMITFLOW_DB_READ_TIMEOUT", statement_timeout() + 5)


def busy_timeout() -> float:
    return _seconds("PERMITFLOW_DB_BUSY_TIMEOUT", 30)


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout() * 1000)}")
    cursor.close()


def _savepoint_sqlite(connection, _name) -> None:
    """A SAVEPOINT outside a transaction would begin a deferred one: begin it immediate."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an engine with timeouts; SQLite gets WAL, foreign keys and immediate writes."""
    url = url or database_url()
    connect_args = dict(kwargs.pop("connect_args", {}))
    if url.startswith("sqlite"):
        connect_args.setdefault("timeout", busy_timeout())
        connect_args.setdefault("check_same_thread", False)
        # the driver begins a transaction before the first INSERT, UPDATE or DELETE (reads
        # before it see the latest data): make that BEGIN IMMEDIATE, so a writer queues
        # for the lock instead of failing at once when another process wrote meanwhile
        connect_args.setdefault("isolation_level", "IMMEDIATE")
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "savepoint", _savepoint_sqlite)
        return engine
    if url.startswith("postgresql"):
        _postgres_timeouts(url, connect_args, kwargs)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        if make_url(url).get_driver_name() == "psycopg":
            from engine.storage import read_timeout as bounded

            bounded.install(engine, read_timeout(), float(connect_args["connect_timeout"]))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, connect_args=connect_args, **kwargs)


def _postgres_timeouts(url: str, connect_args: dict, kwargs: dict) -> None:
    connect_args.setdefault(
        "connect_timeout", max(2, round(_seconds("PERMITFLOW_DB_CONNECT_TIMEOUT", 5)))
    )
    statement_ms = int(statement_timeout() * 1000)
    options = connect_args.get("options") or make_url(url).query.get("options") or ""
    if not isinstance(options, str):  # given twice in the URL
        options = " ".join(options)
    connect_args["options"] = f"{options} -c statement_timeout={statement_ms}".strip()
    connect_args.setdefault("keepalives", 1)
    connect_args.setdefault("keepalives_idle", 30)
    connect_args.setdefault("keepalives_interval", 10)
    connect_args.setdefault("keepalives_count", 3)
    connect_args.setdefault("tcp_user_timeout", 30_000)  # ms unacknowledged: host gone
    kwargs.setdefault("pool_timeout", _seconds("PERMITFLOW_DB_POOL_TIMEOUT", 10))
    kwargs.setdefault("pool_pre_ping", True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """A process-wide engine per URL."""
    return make_engine(url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(database_url()), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (CLI, jobs, scripts)."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """What went wrong with the database, for a person: ``(kind, message)``.

    ``kind`` is "busy" (locked, or a statement timed out: try again), "conflict" (two
    transactions collided, a deadlock or a serialization failure: the database undid
    one; reload and try again), "unreachable" (cannot connect, or the connection broke),
    "schema" (tables missing: run ``permitflow db upgrade``) or "other".
    """
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
    lowered = text.lower()
    if "database is locked" in lowered or "database table is locked" in lowered:
        return "busy", (
            f"The database is busy: another process held its write lock for over "
            f"{busy_timeout():g} s ({text}). Try again; if it lasts, look for a long job "
            "or a second office PC writing to the same SQLite file."
        )
    if "deadlock detected" in lowered or "could not serialize access" in lowered:
        return "conflict", (
            f"This change collided with another one made at the same moment ({text}); "
            "the database undid it. Reload and try again."
        )
    if "statement timeout" in lowered or "canceling statement" in lowered:
        return "busy", f"The database did not finish in time ({text}). Try again."
    if "no such table" in lowered or "no such column" in lowered or "does not exist" in lowered:
        return (
            "schema",
            f"The database lacks tables or columns ({text}). Run `permitflow db upgrade`.",
        )
    unreachable = (
        "timeout",
        "timed out",
        "connection",
        "could not connect",
        "server closed",
        "terminating",
        "unable to open database",
    )
    if any(word in lowered for word in unreachable):
        return "unreachable", f"The database cannot be reached ({text})."
    return "other", f"Database error: {text}."


def lock_row(session: Session, row) -> None:
    """Lock ``row`` for the rest of the transaction and read it again: of two requests
    changing it at once, the second sees the first's change (PostgreSQL: ``SELECT ...
    FOR UPDATE``; SQLite: an empty first write begins the transaction ``IMMEDIATE``, so the
    database is locked for writing before the row is read again)."""
    if session.get_bind().dialect.name == "sqlite":
        table = row.__table__.name  # a table name from the models, never from input
        session.execute(text(f"UPDATE {table} SET id = id WHERE 1 = 0"))
        session.refresh(row)
    else:
        session.refresh(row, with_for_update=True)
