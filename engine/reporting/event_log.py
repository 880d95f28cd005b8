"""Event log export: one row per completed human task, as CSV or XES (pm4py reads both).

Columns: case_id, process_key, process_version, activity_id, activity, lane, resource,
start, end, enabled (ISO 8601 with offset). ``enabled`` is when the task became ready,
``start`` when work on it began (its first claim; the ready time when it was completed
without a claim), ``end`` when it was completed. The simulator writes the same layout.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.storage.tables import AuditEntry, Case, ProcessDefinition

COLUMNS = (
    "case_id",
    "process_key",
    "process_version",
    "activity_id",
    "activity",
    "lane",
    "resource",
    "start",
    "end",
)
EXPORT_COLUMNS = COLUMNS + ("enabled",)


@dataclass
class EventRow:
    case_id: str
    process_key: str
    process_version: int
    activity_id: str
    activity: str
    lane: str
    resource: str
    start: datetime
    end: datetime
    enabled: datetime
    claimed: bool = False  # False: completed without a claim (start is then the ready time)


def event_rows(session: Session, key: str, version: int | None = None) -> list[EventRow]:
    """Completed tasks of the cases of ``key``, oldest first."""
    query = (
        select(AuditEntry, Case.tracking_code, ProcessDefinition.version)
        .join(Case, Case.id == AuditEntry.case_id)
        .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
        .where(
            Case.process_key == key,
            AuditEntry.action.in_(("task_created", "task_claimed", "task_completed")),
        )
        .order_by(AuditEntry.id)
    )
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    ready: dict[str, datetime] = {}
    claimed: dict[str, datetime] = {}
    rows: list[EventRow] = []
    for entry, code, def_version in session.execute(query):
        task_id = entry.task_id or ""
        if entry.action == "task_created":
            ready[task_id] = entry.at
        elif entry.action == "task_claimed":
            claimed.setdefault(task_id, entry.at)
        else:
            enabled = ready.pop(task_id, entry.at)
            claim = claimed.pop(task_id, None)
            rows.append(
                EventRow(
                    code,
                    key,
                    def_version,
                    entry.element_id or "",
                    entry.element_name,
                    entry.lane,
                    entry.actor,
                    claim or enabled,
                    entry.at,
                    enabled,
                    claim is not None,
                )
            )
    return rows


def pseudonymised(rows: list[EventRow]) -> list[EventRow]:
    """``rows`` with cases and resources replaced by keyed pseudonyms (UU 27/2022).

    The default of every export and calibration: the same clerk or case keeps one
    pseudonym, so staff counts and traces survive, but no name or tracking code leaves.
    """
    from engine.privacy.pseudonyms import pseudonym

    return [
        replace(
            row, case_id=pseudonym(row.case_id, "case"), resource=pseudonym(row.resource, "staff")
        )
        for row in rows
    ]


def to_csv(rows: list[EventRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        values = [getattr(row, name) for name in EXPORT_COLUMNS]
        writer.writerow(v.isoformat() if isinstance(v, datetime) else v for v in values)
    return out.getvalue()


def to_xes(rows: list[EventRow]) -> bytes:
    """XES 1.0 with lifecycle schedule/start/complete events per task, grouped into traces."""
    root = etree.Element("log", {"xes.version": "1.0", "xes.features": "nested-attributes"})
    for name, prefix, uri in (
        ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
        ("Time", "time", "http://www.xes-standard.org/time.xesext"),
        ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
        ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ):
        etree.SubElement(root, "extension", {"name": name, "prefix": prefix, "uri": uri})
    traces: dict[str, etree._Element] = {}
    for row in rows:
        trace = traces.get(row.case_id)
        if trace is None:
            trace = traces[row.case_id] = etree.SubElement(root, "trace")
            _attr(trace, "string", "concept:name", row.case_id)
        for moment, transition in (
            (row.enabled, "schedule"),
            (row.start, "start"),
            (row.end, "complete"),
        ):
            event = etree.SubElement(trace, "event")
            _attr(event, "string", "concept:name", row.activity)
            _attr(event, "string", "activity_id", row.activity_id)
            _attr(event, "string", "lifecycle:transition", transition)
            _attr(event, "string", "org:resource", row.resource)
            _attr(event, "string", "org:group", row.lane)
            _attr(event, "date", "time:timestamp", moment.isoformat())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _attr(parent, kind: str, key: str, value: str) -> None:
    etree.SubElement(parent, kind, {"key": key, "value": value})
