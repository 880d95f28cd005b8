"""The access log's head, kept outside the database: catches deleted newest rows.

A hash chain shows a row deleted or altered *inside* it, but not the newest rows deleted:
the shortened chain is still a valid chain. So after each commit that appended to the log,
the newest row (its id, hash and position ``rows``) is written to a file outside the
database, ``PERMITFLOW_AUDIT_ANCHOR`` (default ``access_log.anchor`` beside the data key
file, ``instance/``). :func:`engine.privacy.access_log.check` compares the database with
it: a head behind the anchor means rows were deleted.

One file serves several databases. Each log's entry is keyed by its ``origin``, the hash
of its first row (signed with the data key, so someone without the key cannot forge it),
not by where the database says it is: switching PostgreSQL's ``search_path`` does not hide
the entry. The entry also names the database (URL without password, schema on
PostgreSQL), so a log started anew in the same database is told apart. It keeps the last
:data:`MAX_HEADS` anchored heads, append-only: a head is added only when the row at the
newest anchored head's position still carries the anchored hash (the log continued from
it); otherwise the anchor stays and ``check`` reports the break, comparing each kept head
with the row at its position. Only :func:`reset` (``permitflow audit anchor --reset``,
itself logged) replaces an entry.

A failed write (full disk, read-only mount) leaves a marker beside the anchor
(``<anchor>.failed``); ``check`` reports the anchor as possibly stale until the reset.

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

from engine.calendar import clock
from engine.privacy import crypto

_PENDING = "access_log_head"
_LISTENING = "access_log_anchor_listening"
MAX_LOGS = 200  # entries kept in one file (test databases come and go)
MAX_HEADS = 64  # anchored heads kept per log
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    origin: str  # the hash of the log's first row
    id: int
    hash: str
    rows: int  # the head's position: how many rows the log held


@dataclass(frozen=True)
class Entry:
    """One log's anchored heads (oldest first); ``by_origin``: found by its first row."""

    name: str
    heads: list[Head]
    by_origin: bool

    @property
    def newest(self) -> Head:
        return self.heads[-1]


def path() -> Path:
    explicit = os.environ.get("PERMITFLOW_AUDIT_ANCHOR", "").strip()
    return Path(explicit) if explicit else crypto.key_file().parent / "access_log.anchor"


def _failed_path() -> Path:
    target = path()
    return target.with_name(target.name + ".failed")


def identity(session: Session) -> str:
    """Which database's log: its URL without password (and schema on PostgreSQL)."""
    bind = session.get_bind()
    name = bind.engine.url.render_as_string(hide_password=True)
    if bind.dialect.name == "postgresql":
        name += "#" + str(session.execute(text("SELECT current_schema()")).scalar())
    return name


def remember(
    session: Session, head: Head, *, follows: tuple[int, str] | None = None, force: bool = False
) -> None:
    """Write ``head`` to the anchor once ``session`` commits (nothing if it rolls back).

    ``follows``: the position of the newest anchored head and the hash the database holds
    there, read in this transaction; the head is added only if that hash is the anchored one.
    """
    pending = session.info.get(_PENDING)
    force = force or (pending is not None and pending[3])  # a forced head stays forced
    session.info[_PENDING] = (identity(session), head, follows, force)
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)
        session.info[_LISTENING] = True


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        name, head, follows, force = pending
        try:
            write(name, head, follows=follows, force=force)
        except OSError as exc:  # the commit stands; the marker makes `check` report it
            log.warning("cannot write the access log anchor %s: %s", path(), exc)
            _mark_failed(name, head, exc)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _mark_failed(name: str, head: Head, exc: OSError) -> None:
    line = {"name": name, "origin": head.origin, "at": clock.now().isoformat(), "error": str(exc)}
    try:
        with open(_failed_path(), "a") as out:
            out.write(json.dumps(line) + "\n")
    except OSError as again:  # nowhere to note it: the log's warning is all that is left
        log.error("cannot mark the access log anchor as stale: %s", again)


def failure(name: str, origin: str) -> str:
    """When and why writing this log's anchor failed (empty: it never did since a reset)."""
    for line in reversed(_failed_lines()):
        if line.get("origin") == origin or line.get("name") == name:
            return f"{line.get('at', '?')} ({line.get('error', '?')})"
    return ""


def _failed_lines() -> list[dict]:
    try:
        lines = _failed_path().read_text().splitlines()
    except OSError:
        return []
    parsed = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            value = {"at": "?", "error": "an unreadable line"}
        parsed.append(value if isinstance(value, dict) else {})
    return parsed


def _clear_failed(name: str, origin: str) -> None:
    kept = [
        line
        for line in _failed_lines()
        if line.get("origin") != origin and line.get("name") != name
    ]
    target = _failed_path()
    if not kept:
        target.unlink(missing_ok=True)
    elif target.exists():
        _replace(target, "".join(json.dumps(line) + "\n" for line in kept))


def lookup(name: str, origin: str | None = None) -> Entry | None:
    """This log's entry: by its first row's hash, else (a log replaced) by the database."""
    entries = _load(path())
    if origin is not None and origin in entries:
        return _entry(entries[origin], by_origin=True)
    for value in reversed(entries.values()):
        if value.get("name") == name:
            return _entry(value, by_origin=origin is None)
    return None


def has_entries() -> bool:
    return bool(_load(path()))


def read(name: str, origin: str | None = None) -> Head | None:
    """The newest anchored head of this log (see :func:`lookup`)."""
    entry = lookup(name, origin)
    return entry.newest if entry is not None else None


def _entry(value: dict, *, by_origin: bool) -> Entry | None:
    try:
        heads = [Head(**head) for head in value.get("heads", [])]
    except TypeError:
        return None
    return Entry(str(value.get("name", "")), heads, by_origin) if heads else None


def write(
    name: str, head: Head, *, follows: tuple[int, str] | None = None, force: bool = False
) -> bool:
    """Add ``head`` to its log's entry if the log continued from the newest anchored head
    (``follows``); a new log only if its database has no entry yet (``force``: replace)."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # processes write one at a time
        entries = _load(target)
        if force:
            for origin in [o for o, v in entries.items() if v.get("name") == name]:
                entries.pop(origin)
            entries.pop(head.origin, None)
        elif not _may_add(entries, name, head, follows):
            return False
        value = entries.pop(head.origin, {"name": name, "heads": []})
        value["heads"] = [*value["heads"], asdict(head)][-MAX_HEADS:]
        entries[head.origin] = value
        while len(entries) > MAX_LOGS:
            entries.pop(next(iter(entries)))
        _replace(target, json.dumps(entries, indent=1))
    if force:
        _clear_failed(name, head.origin)
    return True


def _may_add(entries: dict, name: str, head: Head, follows: tuple[int, str] | None) -> bool:
    value = entries.get(head.origin)
    if value is None:  # a new log: not over another log of the same database
        return not any(v.get("name") == name for v in entries.values())
    newest = value["heads"][-1] if value.get("heads") else None
    if newest is None:
        return True
    if int(newest.get("rows", 0)) >= head.rows:
        return False
    # the row at the anchored position must still be the anchored one (else rows were
    # deleted and the log grew again: the anchor stays, and `check` reports it); another
    # process may have moved the anchor since `follows` was read: wait for the next commit
    return follows is not None and follows == (newest.get("rows"), newest.get("hash"))


def _load(target: Path) -> dict:
    try:
        value = json.loads(target.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(value, dict):
        return {}
    return dict(_upgraded(key, entry) for key, entry in value.items() if isinstance(entry, dict))


def _upgraded(key: str, entry: dict) -> tuple[str, dict]:
    """A file written before the entries were keyed by origin: ``{name: head}``."""
    if "heads" in entry:
        return key, entry
    return str(entry.get("origin", key)), {"name": key, "heads": [entry]}


def _replace(target: Path, content: str) -> None:
    # no fsync (it would double the cost of a logged page view): after a power cut the file
    # may lag behind or be empty, which reads as fewer rows or no anchor, never as a deletion
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".anchor.")
    with os.fdopen(fd, "w") as out:
        out.write(content)
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
