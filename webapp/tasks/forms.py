"""BPMN forms as HTML: fields with their current value and message, and the submission.

Documents (``file`` fields) go through :mod:`engine.office.documents`: checked for size and
type on the way in, stored outside the workflow state in the ``documents`` table of
their case. The case data keeps a small reference ``{"name", "size", "type", "sha256"}``
so a clerk's upload and a citizen's upload are the same kind of thing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine.services import Case, FormField, describe_field, documents, form_initial_values

ACCEPT = ",".join(documents.EXTENSIONS)  # for <input type=file accept=...>
INPUT_TYPES = {"long": "number", "double": "number", "date": "date"}


@dataclass
class FieldView:
    """One form field ready for the template."""

    id: str
    label: str
    type: str
    input_type: str
    required: bool
    readonly: bool
    options: list[dict[str, str]]
    constraints: dict[str, Any]
    value: Any
    error: str = ""


def field_views(
    fields, values: dict[str, Any], errors: dict[str, str] | None = None
) -> list[FieldView]:
    errors = errors or {}
    views = []
    for field in fields:
        described = describe_field(field)
        views.append(
            FieldView(
                id=field.id,
                label=described["label"],
                type=field.type,
                input_type=INPUT_TYPES.get(field.type, "text"),
                required=field.required,
                readonly=field.readonly,
                options=described["options"],
                constraints=described["constraints"],
                value=values.get(field.id, ""),
                error=errors.get(field.id, ""),
            )
        )
    return views


def initial_values(fields, data: dict[str, Any]) -> dict[str, Any]:
    return form_initial_values(fields, data)


@dataclass
class Upload:
    """A checked upload, not stored yet (the case may not exist yet)."""

    field_id: str
    filename: str
    data: bytes
    content_type: str

    def reference(self) -> dict[str, Any]:
        return {
            "name": self.filename,
            "size": len(self.data),
            "type": self.content_type,
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


def _label(field: FormField) -> str:
    return field.label or field.id


def read_uploads(fields, files: MultiDict) -> tuple[dict[str, Upload], dict[str, str]]:
    """The uploads of the submission's ``file`` fields, checked; and a message per refused one."""
    uploads: dict[str, Upload] = {}
    problems: dict[str, str] = {}
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    for field in fields:
        upload = files.get(field.id) if field.type == "file" and not field.readonly else None
        if upload is None or not upload.filename:
            continue
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200] or "document"
        data = upload.stream.read(limit + 1)
        try:
            if len(data) > limit:
                raise documents.InvalidDocument(
                    f"{name} is larger than {limit // 1024 // 1024} MB."
                )
            content_type = documents.check_upload(name, data)
        except documents.InvalidDocument as refused:
            problems[field.id] = f"{_label(field)}: {refused.message}"
            continue
        uploads[field.id] = Upload(field.id, name, data, content_type)
    return uploads, problems


def store_uploads(
    session: Session, case: Case, uploads: dict[str, Upload], uploaded_by: str
) -> None:
    for upload in uploads.values():
        documents.store(
            session,
            case,
            upload.filename,
            upload.data,
            field_id=upload.field_id,
            uploaded_by=uploaded_by,
        )


def submitted_values(
    fields: tuple[FormField, ...], form: MultiDict, files: MultiDict, known: set[str] = frozenset()
) -> tuple[dict[str, Any], dict[str, str], dict[str, Upload]]:
    """The raw submission per field (strings, upload references), problems, and the uploads.

    ``known`` holds the sha256 of the case's stored documents: a reference sent back by
    a re-rendered form is kept only when it names one of them.
    """
    uploads, problems = read_uploads(fields, files)
    values: dict[str, Any] = {}
    for field in fields:
        if field.readonly:
            continue
        if field.type == "file":
            if field.id in uploads:
                values[field.id] = uploads[field.id].reference()
            elif form.get(field.id):
                kept = _kept_reference(form.get(field.id, ""), known)
                if kept is not None:
                    values[field.id] = kept
            continue
        if field.type == "boolean":
            values[field.id] = "true" if form.get(field.id) in ("on", "true", "1") else "false"
            continue
        values[field.id] = form.get(field.id, "")
    return values, problems, uploads


def _kept_reference(text: str, known: set[str]) -> Any:
    """A document sent back by a re-rendered form: a stored one's reference, or plain text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, dict) and value.get("sha256") in known:
        return {k: value[k] for k in ("name", "size", "type", "sha256") if k in value}
    return None if isinstance(value, dict) else text


def file_fields(fields) -> set[str]:
    return {field.id for field in fields if field.type == "file"}
