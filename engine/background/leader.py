"""One ticker at a time: leader election among the processes on one database.

Timers and the outbox are safe with several tickers (each case and each message is
claimed), but one scheduler is enough and cheaper. On PostgreSQL the leader holds a
session-level advisory lock on a connection of its own for as long as it lives; when
that process dies or loses its connection, PostgreSQL releases the lock and another
process takes over at its next round. On SQLite (one office PC) the leader holds an
exclusive lock on a file beside the database.
"""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("permitflow.leader")


class Leadership:
    """Try ``acquire()`` each round; tick only while it returns True."""

    def __init__(self, engine: Engine, name: str = "ticker"):
        self.engine = engine
        self.name = name
        self._connection: Connection | None = None
        self._file: TextIO | None = None
        self.key = zlib.crc32(f"permitflow:{name}".encode())  # the advisory lock's key

    def acquire(self) -> bool:
        """Whether this process leads now (taking the lead when nobody holds it)."""
        if self.engine.dialect.name == "postgresql":
            return self._acquire_postgres()
        if self.engine.dialect.name == "sqlite":
            return self._acquire_file()
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                self._connection.commit()
                self._connection.close()
            except DBAPIError:
                self._connection.invalidate()  # a lost session holds no lock anyway
            self._connection = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def _acquire_postgres(self) -> bool:
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1"))  # still connected: still leading
                self._connection.commit()  # never left idle in a transaction
                return True
            connection = self.engine.connect()
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ).scalar()
            connection.commit()
        except DBAPIError:
            log.warning("%s: lost the database connection; leadership given up", self.name)
            self.release()
            return False
        if got:
            self._connection = connection
            log.info("%s: this process leads (PostgreSQL advisory lock)", self.name)
            return True
        connection.close()
        return False

    def _acquire_file(self) -> bool:
        if self._file is not None:
            return True
        try:
            import fcntl
        except ImportError:  # Windows: one process per office PC is the rule there
            return True
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True
        handle = open(Path(f"{database}.{self.name}.lock"), "a+")  # noqa: SIM115 - held open
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return True
