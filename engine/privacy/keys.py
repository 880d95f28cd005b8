"""Key rotation: ``permitflow keys rotate`` re-encrypts everything under the newest key.

With the key file (``instance/data.key``) a new key is generated and put first; with
``PERMITFLOW_DATA_KEY`` the operator puts the new key first (``NEW,OLD``) and the command
re-encrypts. Afterwards the old key may be removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine.office import documents
from engine.privacy import access_log, crypto
from engine.storage.tables import AuditEntry, Case, DataRequest


@dataclass(frozen=True)
class Rotation:
    new_key: bool  # a new key was generated into the key file
    cases: int
    audit_entries: int
    requests: int
    files: int


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
        data = entry.data
        if isinstance(data, dict) and set(data) == {"sealed"}:
            entry.data = {"sealed": crypto.rotate_text(data["sealed"])}
            entries += 1
    requests = 0
    for row in session.scalars(select(DataRequest)):
        row.message = crypto.rotate_text(row.message)
        requests += 1
    files = documents.rotate_files(session)
    access_log.record(
        session, "keys_rotated", actor=actor or "cli", reason=f"{cases} case(s), {files} file(s)"
    )
    return Rotation(new_key, cases, entries, requests, files)
