"""``Idempotency-Key``: an API write sent again with the same key gets the first answer.

A client whose connection broke after a completion cannot tell whether it happened; it
sends the request again with the same key and gets the original answer instead of an
ambiguous 409. The key is reserved (a row, unique per user) before the request runs, in
a transaction of its own, so two copies sent at once do not both run: the second is told
the first is still in progress. Answers are kept for :data:`KEEP` (then :func:`purge`,
run by the ticker, deletes them).

The answer is written in the same transaction as the request's effects (:func:`record`;
the web app defers the view's commit until the answer is known), so a process that dies
at any moment leaves either both or neither: a retry replays the answer, or finds the
reservation of a request that died before committing anything and, after
:data:`ABANDONED`, runs again. A request still running when a retry took its key over
saves nothing (:class:`Conflict`), so two cases are never made for one key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import Conflict, EngineError
from engine.storage.tables import IdempotentRequest

KEEP = timedelta(hours=24)
ABANDONED = timedelta(minutes=2)
IN_PROGRESS = 0  # the status of a reserved key whose request has not answered yet
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces, like a UUID
_CLAIMS = "permitflow.idempotency_claims"  # session.info: (user, key) -> reserved row id


class InvalidIdempotencyKey(EngineError):
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(EngineError):
    """The key was used before for a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Replay:
    """The answer given the first time."""

    status: int
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def reserve(session: Session, user_id: int, key: str, print_: str) -> Replay | None:
    """Reserve ``key`` for this request and commit; or the first answer to replay.

    Raises :class:`Conflict` while the first request with the key still runs, and
    :class:`IdempotencyKeyReused` when the key came with another request before.
    """
    if not _KEY.match(key or ""):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 1 to 200 printable characters without spaces "
            "(a UUID is a good choice)."
        )
    found = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
        )
    )
    if found is not None and _spent(found):
        session.delete(found)
        session.flush()
        found = None
    if found is None and _claim(session, user_id, key, print_):
        return None
    session.commit()
    if found is not None and found.fingerprint != print_:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used for a different request; use a new key for a "
            "new request."
        )
    if found is None or found.status == IN_PROGRESS:
        raise Conflict(
            "A request with this Idempotency-Key is still running; retry it in a moment."
        )
    return Replay(found.status, found.body)


def _spent(row: IdempotentRequest) -> bool:
    """An answer kept longer than KEEP, or a reservation whose request died."""
    age = clock.now() - row.created_at
    return age > KEEP or (row.status == IN_PROGRESS and age > ABANDONED)


def purge(session: Session) -> int:
    """Delete the answers older than :data:`KEEP` (the ticker does, once a round: a
    delete in every request would have concurrent requests wait on each other's locks)."""
    gone: CursorResult = session.execute(  # type: ignore[assignment]
        delete(IdempotentRequest).where(IdempotentRequest.created_at < clock.now() - KEEP)
    )
    return gone.rowcount


def _claim(session: Session, user_id: int, key: str, print_: str) -> bool:
    """Insert and commit the reservation; False when a copy of the request got it first."""
    row = IdempotentRequest(
        user_id=user_id,
        key=key,
        fingerprint=print_,
        status=IN_PROGRESS,
        body=b"",
        created_at=clock.now(),
    )
    session.add(row)
    try:
        session.flush()
        claim = row.id
        session.commit()
    except IntegrityError:  # the same key arrived twice at once: the other one runs
        session.rollback()
        return False
    session.info.setdefault(_CLAIMS, {})[user_id, key] = claim
    return True


def record(session: Session, user_id: int, key: str, status: int, body: bytes) -> None:
    """Keep the answer for retries and commit it with the request's pending effects.

    A 5xx, 409 or 429 frees the key instead (the caller rolled its effects back first).
    Raises :class:`Conflict` when a retry took the key over meanwhile: then the caller
    rolls back, and nothing of this request is saved.
    """
    claim = session.info.get(_CLAIMS, {}).pop((user_id, key), None)
    mine = (
        IdempotentRequest.id == claim
        if claim is not None
        else (IdempotentRequest.user_id == user_id) & (IdempotentRequest.key == key)
    )
    reserved = mine & (IdempotentRequest.status == IN_PROGRESS)
    if status >= 500 or status in (409, 429):  # worth retrying for real
        session.execute(delete(IdempotentRequest).where(reserved))
        session.commit()
        return
    answered: CursorResult = session.execute(  # type: ignore[assignment]
        update(IdempotentRequest).where(reserved).values(status=status, body=body)
    )
    if not answered.rowcount:
        raise Conflict(
            f"A retry with this Idempotency-Key took it over while this request still ran "
            f"(after {ABANDONED.total_seconds() / 60:g} minutes); this request saved nothing."
        )
    session.commit()
