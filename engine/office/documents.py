"""Case documents: stored as files outside the workflow state, checked on the way in.

Files go under ``PERMITFLOW_DOCUMENT_DIR`` (default ``instance/documents``) by a random
storage key, encrypted (:mod:`engine.privacy.crypto`); the case data only holds the
document id. Only the clerks of the case and its applicant may read them (the web layer
checks who asks, :func:`engine.office.access.may_see_case`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError, NotFound
from engine.office import audit
from engine.privacy import crypto
from engine.storage.tables import Case, Document

MAX_BYTES = 10 * 1024 * 1024
# content type -> the magic bytes the file must start with
ALLOWED = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


class InvalidDocument(EngineError):
    code = "invalid_document"


def storage_dir() -> Path:
    path = Path(os.environ.get("PERMITFLOW_DOCUMENT_DIR", "instance/documents"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_upload(filename: str, data: bytes) -> str:
    """The content type of an acceptable upload, or :class:`InvalidDocument` saying why."""
    name = Path(filename or "").name
    if not name:
        raise InvalidDocument("The file has no name.")
    if not data:
        raise InvalidDocument(f"{name} is empty.")
    if len(data) > MAX_BYTES:
        raise InvalidDocument(
            f"{name} is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024 // 1024} MB."
        )
    content_type = EXTENSIONS.get(Path(name).suffix.lower())
    if content_type is None:
        raise InvalidDocument(f"{name}: only PDF, JPEG and PNG files are accepted.")
    if not data.startswith(ALLOWED[content_type]):
        raise InvalidDocument(
            f"{name} is not really a {Path(name).suffix.lower()[1:].upper()} file."
        )
    return content_type


def store(
    session: Session,
    case: Case,
    filename: str,
    data: bytes,
    *,
    field_id: str = "",
    uploaded_by: str = "",
) -> Document:
    """Check and store an upload for ``case``; returns the document row."""
    content_type = check_upload(filename, data)
    key = secrets.token_hex(16)
    (storage_dir() / key).write_bytes(crypto.seal_bytes(data))  # encrypted at rest
    document = Document(
        case_id=case.id,
        field_id=field_id,
        filename=Path(filename).name[:300],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by=uploaded_by,
        uploaded_at=clock.now(),
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        "document_uploaded",
        actor=uploaded_by,
        case_id=case.id,
        message=f"{document.filename} ({document.size} bytes)",
        data={"document_id": document.id, "field": field_id},
    )
    return document


def get_document(session: Session, document_id: int, case: Case | None = None) -> Document:
    document = session.get(Document, document_id)
    if document is None or (case is not None and document.case_id != case.id):
        raise NotFound(f"No document {document_id} for this case.")
    return document


def read(document: Document) -> bytes:
    """The stored file; :class:`NotFound` naming it when storage lost it."""
    try:
        stored = (storage_dir() / document.storage_key).read_bytes()
    except OSError:
        raise NotFound(
            f"The file of document {document.filename!r} is missing from storage; "
            "ask the office to upload it again."
        ) from None
    return crypto.open_bytes(stored)


def case_documents(session: Session, case: Case) -> list[Document]:
    query = select(Document).where(Document.case_id == case.id).order_by(Document.id)
    return list(session.scalars(query))


def remove_files(session: Session, case: Case) -> int:
    """Delete the stored files of ``case`` (retention); the rows stay, marked removed."""
    removed = 0
    for document in case_documents(session, case):
        path = storage_dir() / document.storage_key
        if path.exists():
            path.unlink()
            removed += 1
        document.filename = "(removed)"
    return removed


def rotate_files(session: Session) -> int:
    """Re-encrypt every stored file under the newest key (``permitflow keys rotate``)."""
    count = 0
    for document in session.scalars(select(Document)):
        path = storage_dir() / document.storage_key
        if path.exists():
            path.write_bytes(crypto.rotate_bytes(path.read_bytes()))
            count += 1
    return count
