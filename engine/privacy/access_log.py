"""The access log: who viewed, unmasked or exported whose personal data, when and why.

Append-only and hash-chained: each row's ``hash`` is an HMAC-SHA256 of its content, its
position ``seq`` and the previous row's hash (``prev_hash``; the first row follows
``GENESIS``), so deleting, altering or inserting a row breaks the chain at that point and
:func:`check` names it. The HMAC key is derived from the data key
(:func:`engine.privacy.crypto.chain_keys`), which is not in the database: someone who can
write the database but does not hold the key cannot recompute the chain after changing a
row. Each row names its key (``key_id``), so rows signed before a key rotation still
verify while the old key is configured; ``permitflow keys rotate`` re-signs the whole
chain under the new key (:func:`rechain`) once it verifies. Rows written before
migration 0016 carry an unkeyed SHA-256 (``key_id`` ""), accepted only before any signed
row, until that re-signing.

The newest rows deleted leave a shorter but valid chain: the head written outside the
database after each commit (:mod:`engine.privacy.anchor`) catches that.

Writers take a transaction-level advisory lock on PostgreSQL (SQLite serialises writers
anyway), so two requests never chain onto the same row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.privacy import anchor, crypto
from engine.storage.tables import AccessLogEntry, Case

GENESIS = "0" * 64
_LOCK_KEY = 270_2022  # the advisory lock of the access log (PostgreSQL)
# what each action means, for reports
ACTIONS = {
    "viewed": "viewed personal data",
    "unmasked": "unmasked a personal field",
    "exported": "exported personal data",
    "downloaded": "downloaded a document",
    "subject_access": "the applicant downloaded their data",
    "anonymised": "retention anonymised the case",
    "keys_rotated": "re-encrypted stored data under a new key",
    "corrected": "applied an accepted correction to the case data",
    "anchor_reset": "anchored the access log's head anew",
}


def _content(entry: AccessLogEntry) -> list:
    return [
        entry.prev_hash,
        entry.at.isoformat(),
        entry.actor,
        entry.action,
        entry.case_id,
        entry.case_code,
        entry.field_id,
        entry.reason,
    ]


def _text(content: list) -> bytes:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


def _unkeyed_digest(entry: AccessLogEntry) -> str:
    """The hash of rows written before the chain was keyed (migration 0016)."""
    return hashlib.sha256(_text(_content(entry))).hexdigest()


def _digest(entry: AccessLogEntry, key: bytes) -> str:
    content = [*_content(entry), entry.seq, entry.key_id]
    return hmac.new(key, _text(content), hashlib.sha256).hexdigest()


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # one writer at a time until commit: the next one then reads this row as the newest
        # advisory locks are per database: the schema keeps offices (and test workers)
        # sharing one database from waiting on each other's access logs
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
            {"k": _LOCK_KEY},
        )


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    case: Case | None = None,
    field_id: str = "",
    reason: str = "",
) -> AccessLogEntry:
    """Append one row chained onto the newest one; its head is anchored on commit."""
    _lock(session)
    last = session.execute(
        select(AccessLogEntry.hash, AccessLogEntry.seq).order_by(AccessLogEntry.id.desc()).limit(1)
    ).first()
    key_id, key = crypto.chain_key()
    entry = AccessLogEntry(
        at=clock.now(),
        actor=actor or "",
        action=action,
        case_id=case.id if case is not None else None,
        case_code=case.tracking_code if case is not None else "",
        field_id=field_id[:200],
        reason=reason,
        prev_hash=last.hash if last is not None else GENESIS,
        seq=last.seq + 1 if last is not None else 1,
        key_id=key_id,
    )
    entry.hash = _digest(entry, key)
    session.add(entry)
    session.flush()
    _remember_head(session, entry)
    return entry


def _remember_head(session: Session, head: AccessLogEntry, *, force: bool = False) -> None:
    origin = _hash_at(session, 1) or head.hash
    anchored = anchor.read(anchor.identity(session), origin)
    follows = None
    if anchored is not None and anchored.origin == origin:
        follows = (anchored.rows, _hash_at(session, anchored.rows) or "")
    anchor.remember(
        session,
        anchor.Head(origin, head.id, head.hash, head.seq),
        follows=follows,
        force=force,
    )


def _hash_at(session: Session, position: int) -> str | None:
    """The hash of the row at ``position`` (1: the first) in the log as it stands."""
    return session.execute(
        select(AccessLogEntry.hash)
        .order_by(AccessLogEntry.id)
        .offset(max(position - 1, 0))
        .limit(1)
    ).scalar()


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


@dataclass
class Check:
    """The result of :func:`check`: the breaks, and what was (not) verifiable."""

    breaks: list[ChainBreak] = field(default_factory=list)
    rows: int = 0
    unkeyed: int = 0  # rows from before the keyed chain (only an unkeyed hash protects them)
    anchored: anchor.Head | None = None  # the head kept outside the database, if any


def _row_problem(entry: AccessLogEntry, keys: dict[str, bytes], signed_before: bool) -> str:
    if not entry.key_id:
        if signed_before:
            return "a row without a key after signed rows (altered, or inserted)"
        if _unkeyed_digest(entry) != entry.hash:
            return "the row was altered (its hash does not match)"
        return ""
    key = keys.get(entry.key_id)
    if key is None:
        return (
            f"signed with a key that is no longer configured (key id {entry.key_id}): put "
            "the old data key back after the new one to verify it"
        )
    if not hmac.compare_digest(_digest(entry, key), entry.hash):
        return "the row was altered (its hash does not match)"
    return ""


def check(session: Session) -> Check:
    """Verify the chain row by row, then the log against the heads anchored outside it."""
    result = Check()
    keys = crypto.chain_keys()
    previous, signed = GENESIS, False
    hashes: list[str] = []  # by position
    ids: list[int] = []
    for entry in session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)):
        result.rows += 1
        hashes.append(entry.hash)
        ids.append(entry.id)
        if entry.prev_hash != previous:
            result.breaks.append(
                ChainBreak(
                    entry.id,
                    "the row before it was deleted, altered or inserted "
                    "(its prev_hash does not match)",
                )
            )
        problem = _row_problem(entry, keys, signed)
        if problem:
            result.breaks.append(ChainBreak(entry.id, problem))
        result.unkeyed += not entry.key_id
        signed = signed or bool(entry.key_id)
        previous = entry.hash
    name = anchor.identity(session)
    entry_ = anchor.lookup(name, hashes[0] if hashes else None)
    result.anchored = entry_.newest if entry_ is not None else None
    result.breaks += _against_anchor(entry_, hashes, ids, chain_broken=bool(result.breaks))
    result.breaks += _stale(name, entry_, hashes)
    return result


def _against_anchor(
    entry: anchor.Entry | None, hashes: list[str], ids: list[int], *, chain_broken: bool
) -> list[ChainBreak]:
    if entry is None:
        if hashes and anchor.has_entries():
            return [
                ChainBreak(
                    ids[0],
                    f"no anchor matches this access log ({anchor.path()} holds other logs): "
                    "it may have been replaced (a database re-created on purpose: "
                    "`permitflow audit anchor --reset`)",
                )
            ]
        return []
    if not hashes:
        return [
            ChainBreak(
                entry.newest.id,
                f"the log is empty, but the anchor recorded {entry.newest.rows} row(s)",
            )
        ]
    if not entry.by_origin:
        return [
            ChainBreak(
                ids[0],
                "the log does not begin with the anchored log's first row: it was replaced or "
                "started anew (a database re-created on purpose: `permitflow audit anchor "
                "--reset`)",
            )
        ]
    if chain_broken and entry.newest.id in ids:  # a row inside was deleted: positions moved
        at = ids.index(entry.newest.id)
        if hashes[at] == entry.newest.hash:
            return []
    for head in reversed(entry.heads):  # newest first: one break names what happened
        problem = _head_problem(head, hashes, ids)
        if problem:
            return [ChainBreak(head.id, problem)]
    return []


def _head_problem(head: anchor.Head, hashes: list[str], ids: list[int]) -> str:
    """How the row at an anchored head's position differs from it (empty: it does not)."""
    if head.rows > len(hashes):
        return (
            f"{head.rows - len(hashes)} newest row(s) were deleted: the anchor outside the "
            f"database records row {head.id} as the newest, the database ends at row {ids[-1]}"
        )
    if hashes[head.rows - 1] != head.hash:
        return (
            f"the row anchored at position {head.rows} is gone or differs (the log now has "
            f"row {ids[head.rows - 1]} there): rows were deleted and the log grew again, "
            "or a row was altered"
        )
    return ""


def _stale(name: str, entry: anchor.Entry | None, hashes: list[str]) -> list[ChainBreak]:
    origin = hashes[0] if hashes else ""
    failed = anchor.failure(name, origin)
    if not failed:
        return []
    row = entry.newest.id if entry is not None else 0
    return [
        ChainBreak(
            row,
            f"the anchor may be stale: writing it failed at {failed}, so rows written since "
            "are not protected against deletion; once the log is checked, `permitflow audit "
            "anchor --reset`",
        )
    ]


def verify(session: Session) -> list[ChainBreak]:
    """Every place the chain is broken (empty when the log is intact)."""
    return check(session).breaks


def rechain(session: Session) -> int | None:
    """Re-sign every row under the newest key, once the chain verifies.

    Returns the rows re-signed, or None when the chain has breaks: then nothing changes
    (re-signing would hide them) and the old key must stay configured to verify old rows.
    """
    _lock(session)
    if check(session).breaks:
        return None
    key_id, key = crypto.chain_key()
    previous, rows = (
        GENESIS,
        list(session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id))),
    )
    for position, entry in enumerate(rows, start=1):
        entry.prev_hash, entry.seq, entry.key_id = previous, position, key_id
        entry.hash = previous = _digest(entry, key)
    session.flush()
    if rows:
        _remember_head(session, rows[-1], force=True)  # its first row's hash changed too
    return len(rows)


def reset_anchor(session: Session, *, actor: str) -> AccessLogEntry:
    """Anchor this database's head anew (a log re-created on purpose), logged."""
    entry = record(session, "anchor_reset", actor=actor, reason=f"anchor {anchor.path()}")
    _remember_head(session, entry, force=True)
    return entry


def entries(
    session: Session, *, case_id: int | None = None, limit: int = 500
) -> list[AccessLogEntry]:
    """The newest rows, of one case or all."""
    query = select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(limit)
    if case_id is not None:
        query = query.where(AccessLogEntry.case_id == case_id)
    return list(session.scalars(query))
