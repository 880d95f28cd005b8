"""What a case page and a task page show about a case: labelled data, documents, lanes.

View-side helpers over the engine's rows and typed model (no queries of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine import services
from engine.services import Case, Document, case_documents, model_for, read


@dataclass
class DataItem:
    id: str
    label: str
    value: Any


def process_of(case: Case):
    return model_for(case.definition).processes[case.process_key]


def _forms(case: Case):
    """The form fields of the case's process, then of the procedures it calls (a bundle's
    permits: their tasks' data shows on the case page too)."""
    for node in process_of(case).nodes.values():
        yield from node.form_fields
    for called in services.called_definitions(case.definition):
        for process in model_for(called).processes.values():
            for node in process.nodes.values():
                yield from node.form_fields


def localized(case: Case, target: str, fallback: str) -> str:
    """A form field's label (``field``) or option (``field=value``) in the reader's
    language by the ``pf:label`` of the case's version or of a procedure it calls."""
    language = reader_language()
    for definition in (case.definition, *services.called_definitions(case.definition)):
        shown = services.labels_for(definition).form_label(target, language)
        if shown:
            return shown
    return fallback


def localized_fields(case: Case, views):
    """Task form field views with their labels and options in the reader's language."""
    for view in views:
        view.label = localized(case, view.id, view.label)
        view.options = [
            {**option, "name": localized(case, f"{view.id}={option['id']}", option["name"])}
            for option in view.options
        ]
    return views


def reader_language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def field_labels(case: Case) -> tuple[dict[str, str], set[str]]:
    """Field id -> label over every form of the case's process (and the procedures it
    calls), and the document fields."""
    labels: dict[str, str] = {}
    documents: set[str] = set()
    for field in _forms(case):
        if field.id not in labels:
            labels[field.id] = localized(case, field.id, field.label or field.id)
        if field.type == "file":
            documents.add(field.id)
    return labels, documents


def option_names(case: Case) -> dict[str, dict[str, str]]:
    """Field id -> {value id: option name} of the enum fields: no raw values shown."""
    names: dict[str, dict[str, str]] = {}
    for field in _forms(case):
        for option in field.enum_values or ():
            known = names.setdefault(field.id, {})
            if option.id not in known:
                known[option.id] = localized(case, f"{field.id}={option.id}", option.name)
    return names


def data_items(case: Case, data: dict[str, Any]) -> list[DataItem]:
    """The case data with labels, in form order; a document field shows its file name."""
    labels, _documents = field_labels(case)
    options = option_names(case)
    order = {field_id: i for i, field_id in enumerate(labels)}
    items = []
    for key in sorted(data, key=lambda k: (order.get(k, len(order)), k)):
        if key.startswith("_"):
            continue
        value = data[key]
        if isinstance(value, dict) and isinstance(value.get("name"), str) and "sha256" in value:
            value = value["name"]
        elif isinstance(value, str):
            value = options.get(key, {}).get(value, value)
        items.append(DataItem(key, labels.get(key, key.replace("_", " ")), value))
    return items


@dataclass
class DocumentRow:
    document: Document
    label: str  # the form field it was uploaded for


def document_rows(session: Session, case: Case) -> list[DocumentRow]:
    """The case's stored documents (newest last) with the label of their form field."""
    labels, _documents = field_labels(case)
    issued = {  # documents the office produced (engine.office.permits, payments)
        "issued:permit": _("Permit"),
        "issued:skrd": _("Assessment letter (SKRD)"),
        "issued:receipt": _("Receipt"),
    }
    return [
        DocumentRow(d, labels.get(d.field_id) or issued.get(d.field_id) or _("Issued document"))
        if d.field_id.startswith("issued:")
        else DocumentRow(d, labels.get(d.field_id, d.field_id or ""))
        for d in case_documents(session, case)
    ]


may_see_documents = services.may_see_documents  # the case's clerks (engine.office.access)


def lane_role_of(case: Case, element_id: str | None) -> str | None:
    """The role key of the lane holding ``element_id`` in the case's process."""
    process = process_of(case)
    node = process.nodes.get(element_id or "")
    if node is None or node.lane_id is None:
        return None
    lane = process.lanes.get(node.lane_id)
    return lane.role if lane else None


def form_fields_of(case: Case, element_id: str | None):
    node = process_of(case).nodes.get(element_id or "")
    return node.form_fields if node else ()


def document_response(document: Document) -> Response:
    """A stored case document as a download (never rendered inline, never cached)."""
    safe = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in document.filename
    )
    disposition = f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(document.filename)}"
    return Response(
        read(document),
        mimetype=document.content_type,
        headers={"Cache-Control": "private, no-store", "Content-Disposition": disposition},
    )


def lane_names(definitions) -> dict[str, str]:
    """Role key -> the name of a lane it works, in the reader's language (``pf:label``)."""
    language, names = reader_language(), {}
    for definition in definitions:
        for lane_id, lane in (definition.lanes or {}).items():
            name = services.labels_for(definition).name(lane_id, language, lane.get("name") or "")
            if name and lane.get("role"):
                names.setdefault(lane["role"], name)
    return names
