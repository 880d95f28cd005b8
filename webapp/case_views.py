"""What a case page and a task page show about a case: labelled data, documents, lanes.

View-side helpers over the engine's rows and typed model (no queries of their own
except :func:`task_trail`, which reads the audit log by task id).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.services import model_for
from engine.tables import AuditEntry, Case


@dataclass
class DataItem:
    id: str
    label: str
    value: Any
    document: dict | None = None  # a stored upload {"name", "stored", ...}


def process_of(case: Case):
    return model_for(case.definition).processes[case.process_key]


def field_labels(case: Case) -> tuple[dict[str, str], set[str]]:
    """Field id -> label over every form of the case's process, and the document fields."""
    labels: dict[str, str] = {}
    documents: set[str] = set()
    for node in process_of(case).nodes.values():
        for field in node.form_fields:
            labels.setdefault(field.id, field.label or field.id)
            if field.type == "file":
                documents.add(field.id)
    return labels, documents


def data_items(case: Case, data: dict[str, Any]) -> tuple[list[DataItem], list[DataItem]]:
    """The case data with labels, and the attached documents, in form order."""
    labels, document_ids = field_labels(case)
    order = {field_id: i for i, field_id in enumerate(labels)}
    items, documents = [], []
    for key in sorted(data, key=lambda k: (order.get(k, len(order)), k)):
        if key.startswith("_"):
            continue
        value = data[key]
        stored = value if isinstance(value, dict) and "stored" in value else None
        item = DataItem(key, labels.get(key, key.replace("_", " ")), value, stored)
        (documents if key in document_ids or stored else items).append(item)
    return items, documents


def stored_documents(data: dict[str, Any]) -> dict[str, str]:
    """Stored file name -> the name it was uploaded with, for the case's documents."""
    return {
        v["stored"]: str(v.get("name") or v["stored"])
        for v in data.values()
        if isinstance(v, dict) and isinstance(v.get("stored"), str)
    }


def lane_role_of(case: Case, element_id: str | None) -> str | None:
    """The role key of the lane holding ``element_id`` in the case's process."""
    process = process_of(case)
    node = process.nodes.get(element_id or "")
    if node is None or node.lane_id is None:
        return None
    lane = process.lanes.get(node.lane_id)
    return lane.role if lane else None


def task_trail(session: Session, task_id: str) -> list[AuditEntry]:
    """Every audit entry about one task id, oldest first (its case, who did what)."""
    query = select(AuditEntry).where(AuditEntry.task_id == task_id).order_by(AuditEntry.id)
    return list(session.scalars(query))


def form_fields_of(case: Case, element_id: str | None):
    node = process_of(case).nodes.get(element_id or "")
    return node.form_fields if node else ()
