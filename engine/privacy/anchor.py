"""The access log's head, kept outside the database: catches deleted newest rows.

A hash chain shows a row deleted or altered *inside* it, but not the newest rows deleted:
the shortened chain is still a valid chain. So after each commit that appended to the log,
the newest row (its id, hash and position ``rows``) is written to a file outside the
database, ``PERMITFLOW_AUDIT_ANCHOR`` (default ``access_log.anchor`` beside the data key
file, ``instance/``). :func:`engine.privacy.access_log.check` compares the database with
it: a head behind the anchor means rows were deleted.

One file serves several databases: each has its entry under its URL (without password;
on PostgreSQL with its schema), which holds ``origin`` (the hash of the log's first row,
so a log started anew is told apart), ``id``, ``hash`` and ``rows``. The anchor only moves
forward: a commit never replaces a newer head or another log's entry, except by
:func:`reset` (``permitflow audit anchor --reset``, itself logged).

The file is only as safe as where it lives: someone who can write both the database and
this file can delete rows unnoticed. Point it at storage the database's users cannot
write (another host's mount, an append-only volume) where that matters.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from engine.privacy import crypto

_PENDING = "access_log_head"
_LISTENING = "access_log_anchor_listening"
MAX_LOGS = 200  # entries kept in one file (test databases come and go)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    origin: str  # the hash of the log's first row
    id: int
    hash: str
    rows: int  # the head's position: how many rows the log held


def path() -> Path:
    explicit = os.environ.get("PERMITFLOW_AUDIT_ANCHOR", "").strip()
    return Path(explicit) if explicit else crypto.key_file().parent / "access_log.anchor"


def identity(session: Session) -> str:
    """Which database's log: its URL without password (and schema on PostgreSQL)."""
    bind = session.get_bind()
    name = bind.engine.url.render_as_string(hide_password=True)
    if bind.dialect.name == "postgresql":
        name += "#" + str(session.execute(text("SELECT current_schema()")).scalar())
    return name


def remember(session: Session, head: Head, *, force: bool = False) -> None:
    """Write ``head`` to the anchor once ``session`` commits (nothing if it rolls back)."""
    pending = session.info.get(_PENDING)
    force = force or (pending is not None and pending[2])  # a forced head stays forced
    session.info[_PENDING] = (identity(session), head, force)
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
        session.info[_LISTENING] = True


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        name, head, force = pending
        try:
            write(name, head, force=force)
        except OSError as exc:  # the commit stands; `audit verify` reports a stale anchor
            log.warning("cannot write the access log anchor %s: %s", path(), exc)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def read(name: str) -> Head | None:
    entry = _load(path()).get(name)
    try:
        return Head(**entry) if isinstance(entry, dict) else None
    except TypeError:
        return None


def write(name: str, head: Head, *, force: bool = False) -> bool:
    """Anchor ``head`` unless the file holds a newer head or another log (``force``: do)."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # processes write one at a time
        entries = _load(target)
        old = entries.get(name)
        if not force and isinstance(old, dict):
            if old.get("origin") != head.origin or int(old.get("rows", 0)) >= head.rows:
                return False
        entries.pop(name, None)
        entries[name] = asdict(head)
        while len(entries) > MAX_LOGS:
            entries.pop(next(iter(entries)))
        _replace(target, json.dumps(entries, indent=1))
    return True


def _load(target: Path) -> dict:
    try:
        value = json.loads(target.read_text())
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _replace(target: Path, content: str) -> None:
    # no fsync (it would double the cost of a logged page view): after a power cut the file
    # may lag behind or be empty, which reads as fewer rows or no anchor, never as a deletion
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".anchor.")
    with os.fdopen(fd, "w") as out:
        out.write(content)
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
