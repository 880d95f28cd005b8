"""The access log: who viewed, unmasked or exported whose personal data, when and why.

Append-only and hash-chained: each row's ``hash`` is the SHA-256 of its content and the
previous row's hash (``prev_hash``; the first row follows ``GENESIS``), so deleting,
altering or inserting a row breaks the chain at that point and :func:`verify` names it.
Writers take a transaction-level advisory lock on PostgreSQL (SQLite serialises writers
anyway), so two requests never chain onto the same row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.calendar import clock
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
}


def _digest(entry: AccessLogEntry) -> str:
    content = [
        entry.prev_hash,
        entry.at.isoformat(),
        entry.actor,
        entry.action,
        entry.case_id,
        entry.case_code,
        entry.field_id,
        entry.reason,
    ]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    case: Case | None = None,
    field_id: str = "",
    reason: str = "",
) -> AccessLogEntry:
    """Append one row chained onto the newest one."""
    if session.get_bind().dialect.name == "postgresql":
        # one writer at a time until commit: the next one then reads this row as the newest
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(
        select(AccessLogEntry.hash).order_by(AccessLogEntry.id.desc()).limit(1)
    ).scalar()
    entry = AccessLogEntry(
        at=clock.now(),
        actor=actor or "",
        action=action,
        case_id=case.id if case is not None else None,
        case_code=case.tracking_code if case is not None else "",
        field_id=field_id[:200],
        reason=reason,
        prev_hash=last or GENESIS,
    )
    entry.hash = _digest(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    problem: str


def verify(session: Session) -> list[ChainBreak]:
    """Every place the chain is broken (empty when the log is intact)."""
    breaks: list[ChainBreak] = []
    previous = GENESIS
    for entry in session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)):
        if entry.prev_hash != previous:
            breaks.append(
                ChainBreak(
                    entry.id,
                    "the row before it was deleted, altered or inserted "
                    "(its prev_hash does not match)",
                )
            )
        if _digest(entry) != entry.hash:
            breaks.append(ChainBreak(entry.id, "the row was altered (its hash does not match)"))
        previous = entry.hash
    return breaks


def entries(
    session: Session, *, case_id: int | None = None, limit: int = 500
) -> list[AccessLogEntry]:
    """The newest rows, of one case or all."""
    query = select(AccessLogEntry).order_by(AccessLogEntry.id.desc()).limit(limit)
    if case_id is not None:
        query = query.where(AccessLogEntry.case_id == case_id)
    return list(session.scalars(query))
