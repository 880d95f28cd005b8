"""The data subject's rights (UU 27/2022 art. 5-8, 32-33): access and correction.

On the private tracking link the applicant downloads everything the office holds about
the case (:func:`access_package`: a ZIP of ``data.json`` and the documents, logged) and
asks for a correction (:func:`request`); the office answers each request (:func:`answer`,
which applies an accepted correction to the case's data) before its deadline (``3 x 24``
hours for access and correction, art. 32-33).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import InvalidFormData, InvalidState, NotFound
from engine.office import audit, documents
from engine.office.cases import case_data
from engine.privacy import access_log, crypto
from engine.privacy import corrections as corrections_module
from engine.storage.tables import Case, DataRequest

DEADLINE = timedelta(hours=3 * 24)
KINDS = ("access", "correction")


def access_package(session: Session, case: Case) -> bytes:
    """A ZIP with ``data.json`` (case, form data, history) and the case's documents."""
    history = [
        {
            "at": e.at.isoformat(),
            "action": e.action,
            "step": e.element_name,
            "data": audit.data_of(e),
        }
        for e in audit.case_history(session, case.id)
    ]
    content: dict[str, Any] = {
        "case": {
            "tracking_code": case.tracking_code,
            "procedure": case.definition.name,
            "status": str(case.status),
            "started_at": case.started_at.isoformat(),
            "completed_at": case.completed_at.isoformat() if case.completed_at else None,
            "applicant_name": case.applicant_name,
            "applicant_email": case.applicant_email,
            "outcome": case.outcome,
        },
        "data": {k: v for k, v in case_data(case).items() if not k.startswith("_")},
        "history": history,
        "documents": [],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents.case_documents(session, case):
            name = f"documents/{document.id}-{Path(document.filename).name}"
            try:
                archive.writestr(name, documents.read(document))
            except NotFound:
                continue  # removed by retention
            content["documents"].append({"file": name, "field": document.field_id})
        archive.writestr(
            "data.json", json.dumps(content, ensure_ascii=False, indent=2, default=str)
        )
    access_log.record(session, "subject_access", actor="applicant", case=case, reason="access ZIP")
    return out.getvalue()


def request(session: Session, case: Case, kind: str, message: str) -> DataRequest:
    """File the applicant's request; due in 3 x 24 hours."""
    message = (message or "").strip()
    if kind not in KINDS:
        raise InvalidFormData({"kind": f"choose one of {', '.join(KINDS)}"})
    if kind == "correction" and len(message) < 5:
        raise InvalidFormData({"message": "say which data is wrong and what is right"})
    now = clock.now()
    row = DataRequest(
        case_id=case.id,
        kind=kind,
        message=crypto.seal_text(message[:4000]),
        status="open",
        created_at=now,
        due_at=now + DEADLINE,
    )
    session.add(row)
    session.flush()
    audit.record(session, "data_request", actor="applicant", case_id=case.id, message=kind)
    return row


def requests_of(session: Session, *, case: Case | None = None, open_only: bool = False):
    query = select(DataRequest).order_by(DataRequest.due_at)
    if case is not None:
        query = query.where(DataRequest.case_id == case.id)
    if open_only:
        query = query.where(DataRequest.status == "open")
    return list(session.scalars(query))


def message_of(row: DataRequest) -> str:
    return crypto.open_text(row.message)


def answer(
    session: Session,
    request_id: int,
    *,
    actor: str,
    text: str,
    corrections: Mapping[str, Any] | None = None,
) -> DataRequest:
    """Answer a request; for an accepted correction, ``corrections`` (field id -> the
    right value) are applied to the case's data (:func:`engine.privacy.corrections.apply`)."""
    row = session.get(DataRequest, request_id)
    if row is None:
        raise NotFound(f"No data request {request_id}.")
    if not (text or "").strip():
        raise InvalidFormData({"answer": "write the answer to the applicant"})
    if row.status != "open":
        raise InvalidState(f"Data request {request_id} was answered already.")
    if corrections:
        if row.kind != "correction":
            raise InvalidFormData({"corrections": "only a correction request changes data"})
        corrections_module.apply(
            session, session.get_one(Case, row.case_id), corrections, actor=actor, request_id=row.id
        )
    row.status = "answered"
    row.answer = text.strip()[:4000]
    row.answered_at = clock.now()
    row.answered_by = actor
    audit.record(session, "data_request_answered", actor=actor, case_id=row.case_id)
    return row


def is_overdue(row: DataRequest) -> bool:
    return row.status == "open" and row.due_at < clock.now()


def correctable_fields(session: Session, row: DataRequest) -> list[tuple[str, str]]:
    """``(field id, label)`` the answer to correction request ``row`` may correct."""
    case = session.get(Case, row.case_id)
    if row.kind != "correction" or case is None or case.anonymised_at is not None:
        return []
    return [(f.id, f.label or f.id) for f in corrections_module.correctable_fields(case)]
