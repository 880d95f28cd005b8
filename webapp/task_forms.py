"""BPMN forms as HTML: fields with their current value and message, and the submission.

Documents (``file`` fields) are stored under ``instance/uploads`` with a random name,
a size limit and an allow-list of types; the case data keeps a small reference
``{"name", "stored", "size", "type"}``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from werkzeug.datastructures import FileStorage, MultiDict

from engine.forms import describe_field, form_initial_values
from engine.model import FormField

ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
}
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


def field_views(fields, values: dict[str, Any], errors: dict[str, str] | None = None) -> list[FieldView]:
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


class UploadRefused(ValueError):
    """An uploaded document has a type or size the office does not accept."""


def _store_upload(upload: FileStorage) -> dict[str, Any]:
    name = Path(upload.filename or "document").name[:120]
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise UploadRefused("must be a PDF, PNG, JPEG or text file")
    data = upload.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        raise UploadRefused("is larger than the allowed size")
    if not data:
        raise UploadRefused("is an empty file")
    stored = secrets.token_hex(16) + suffix
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    return {"name": name, "stored": stored, "size": len(data), "type": ALLOWED_TYPES[suffix]}


def submitted_values(
    fields: tuple[FormField, ...], form: MultiDict, files: MultiDict
) -> tuple[dict[str, Any], dict[str, str]]:
    """The raw submission per field (strings, uploads stored) and upload problems."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in fields:
        if field.readonly:
            continue
        if field.type == "file":
            upload = files.get(field.id)
            if upload is not None and upload.filename:
                try:
                    values[field.id] = _store_upload(upload)
                except UploadRefused as refused:
                    problems[field.id] = f"{field.label or field.id} {refused}"
            elif form.get(field.id):
                values[field.id] = _kept_reference(form.get(field.id, ""))
            continue
        if field.type == "boolean":
            values[field.id] = "true" if form.get(field.id) in ("on", "true", "1") else "false"
            continue
        values[field.id] = form.get(field.id, "")
    return values, problems


def _kept_reference(text: str) -> Any:
    """A document sent back by a re-rendered form: our stored reference, else plain text."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, dict) and upload_path(str(value.get("stored", ""))) is not None:
        return {k: value[k] for k in ("name", "stored", "size", "type") if k in value}
    return text


def file_fields(fields) -> set[str]:
    return {field.id for field in fields if field.type == "file"}


def upload_path(stored: str) -> Path | None:
    """The stored file for a reference, None when the name is not one we made."""
    if not stored or "/" in stored or "\\" in stored or stored.startswith("."):
        return None
    path = Path(current_app.instance_path) / "uploads" / stored
    return path if path.is_file() else None
