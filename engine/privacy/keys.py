"""Key rotation: ``permitflow keys rotate`` re-encrypts everything under the newest key.

With the key file (``instance/data.key``) a new key is generated and put first; with
``PERMITFLOW_DATA_KEY`` the operator puts the new key first (``NEW,OLD``) and the command
re-encrypts. The access log is re-signed under the chain key derived from the new key
(:func:`engine.privacy.access_log.rechain`) when its chain verifies; afterwards the old key
may be removed. A chain with breaks is left as it is (re-signing would hide them): the old
key must then stay configured so that ``permitflow audit verify`` keeps checking it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine.office import documents
from engine.privacy import access_log, crypto
from engine.storage.tables import (
    AuditEntry,
    Case,
    DataRequest,
    Incident,
    OutboxMessage,
    Permit,
    SurveyResponse,
    WebhookSubscriber,
)


@dataclass(frozen=True)
class Rotation:
    new_key: bool  # a new key was generated into the key file
    cases: int
    audit_entries: int
    requests: int
    files: int
    log_rows: int | None = None  # access log rows re-signed (None: the chain has breaks)


def rotate(session: Session, *, actor: str = "") -> Rotation:
    """Generate a new key (key file only) and re-encrypt every stored ciphertext."""
    new_key = not os.environ.get("PERMITFLOW_DATA_KEY", "").strip()
    if new_key:
        old = list(crypto.fernet_key_texts())
        crypto.write_key_file(crypto.key_file(), [crypto.generate_key(), *old])
    cases = 0
    for case in session.scalars(select(Case)):
        case.state = crypto.rotate_bytes(case.state)
        for column in ("applicant_name", "applicant_email"):  # SealedText: re-sealed on write
            flag_modified(case, column)
        cases += 1
    entries = 0
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.data.is_not(None))):
        flag_modified(entry, "data")  # SealedJSON: re-sealed under the newest key on write
        entries += 1
    requests = 0
    for row in session.scalars(select(DataRequest)):
        row.message = crypto.rotate_text(row.message)
        requests += 1
    _reseal_free_text(session)
    files = documents.rotate_files(session)
    signed = access_log.rechain(session)
    chain = (
        f"access log re-signed ({signed} row(s))"
        if signed is not None
        else "access log NOT re-signed: its chain has breaks (keep the old key)"
    )
    access_log.record(
        session,
        "keys_rotated",
        actor=actor or "cli",
        reason=f"{cases} case(s), {files} file(s); {chain}",
    )
    return Rotation(new_key, cases, entries, requests, files, signed)


# SealedText columns besides the applicant's: re-sealed under the newest key on write
_SEALED_COLUMNS = (
    (Case, ("return_reason",)),
    (AuditEntry, ("message",)),
    (OutboxMessage, ("recipient", "body")),
    (Permit, ("holder_name", "status_reason")),
    (SurveyResponse, ("comment",)),
    (Incident, ("message", "values", "detail")),
    (DataRequest, ("answer",)),
    (WebhookSubscriber, ("secret",)),
)


def _reseal_free_text(session: Session) -> None:
    for table, columns in _SEALED_COLUMNS:
        for row in session.scalars(select(table)):
            for column in columns:
                flag_modified(row, column)
