"""Incidents: cases stopped by an error while running, and how an administrator resolves them.

:func:`engine.workflow.runtime.advance` opens an incident whenever SpiffWorkflow or an
expression fails; the case's status becomes "incident" and nothing moves until an
administrator acts here. Every action is audited on the case:

- :func:`set_variable` fixes a value the failed step reads, checked like the form
  field of that name when the procedure has one;
- :func:`retry` runs the failed step again (a new incident if it fails again);
- :func:`skip` moves the case to the element right after the failed step, or back
  to an earlier user task;
- :func:`cancel` cancels the case.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError, InvalidState, NotFound
from engine.office import audit, forms
from engine.office.cases import cancel_case
from engine.storage.tables import Case, CaseStatus, Incident
from engine.workflow import (
    messages,  # noqa: F401 - installs the router of thrown messages
    repair,
)
from engine.workflow.runtime import Running, advance, open_case, save

OPEN, RESOLVED = "open", "resolved"


class IncidentNotFound(NotFound):
    code = "incident_not_found"


def list_incidents(
    session: Session, *, status: str | None = OPEN, key: str | None = None, limit: int = 500
) -> list[Incident]:
    """Incidents, newest first (``status=None``: open and resolved)."""
    query = select(Incident).join(Case).order_by(Incident.id.desc()).limit(limit)
    if status:
        query = query.where(Incident.status == status)
    if key:
        query = query.where(Case.process_key == key)
    return list(session.scalars(query))


def get_incident(session: Session, incident_id: int | str) -> Incident:
    number = int(incident_id) if str(incident_id).isdigit() else 0
    incident = session.get(Incident, number) if 0 < number < 2**63 else None
    if incident is None:
        raise IncidentNotFound(f"No incident {incident_id!r}; `permitflow incidents` lists them.")
    return incident


def counts_by_procedure(session: Session) -> dict[str, int]:
    """Open incidents per procedure key (for monitoring)."""
    query = (
        select(Case.process_key, func.count(Incident.id))
        .join(Case, Case.id == Incident.case_id)
        .where(Incident.status == OPEN)
        .group_by(Case.process_key)
    )
    return {key: count for key, count in session.execute(query)}


def open_incident_of(session: Session, case: Case) -> Incident | None:
    query = select(Incident).where(Incident.case_id == case.id, Incident.status == OPEN)
    return session.scalars(query.order_by(Incident.id.desc())).first()


def _open(session: Session, incident_id: int | str) -> tuple[Incident, Running]:
    incident = get_incident(session, incident_id)
    if incident.status != OPEN or incident.case.status != CaseStatus.INCIDENT:
        raise InvalidState(
            f"Incident {incident.id} is {incident.resolution or incident.status}; "
            f"case {incident.case.tracking_code} is {incident.case.status}."
        )
    return incident, open_case(incident.case)


def _audit(session: Session, action: str, incident: Incident, actor: str, message: str, **data):
    audit.record(
        session,
        action,
        actor=actor,
        case_id=incident.case_id,
        task_id=incident.task_id,
        element_id=incident.element_id,
        element_name=incident.element_name,
        message=message,
        data={"incident": incident.id, **data},
    )


def _resolve(incident: Incident, actor: str, resolution: str) -> None:
    incident.status = RESOLVED
    incident.resolved_at = clock.now()
    incident.resolved_by = actor
    incident.resolution = resolution


def clean_value(running: Running, name: str, value: Any) -> Any:
    """``value`` for the case variable ``name``, checked like its form field if it has one.

    Without a form field a string is read as JSON when it is JSON (``650``, ``true``,
    ``"text"``), else kept as text.
    """
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise EngineError(f"{name!r} is not a variable name (letters, digits and _).")
    field = next(
        (f for node in running.process.nodes.values() for f in node.form_fields if f.id == name),
        None,
    )
    if field is not None:
        kept = {k: v for k, v in field.constraints.items() if k != "readonly"}
        field = replace(field, constraints={**kept, "required": ""})
        return forms.validate_form([field], {name: value})[name]
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def set_variable(
    session: Session, incident_id: int | str, name: str, value: Any, *, actor: str
) -> Incident:
    """Set variable ``name`` of the failed step; the case stays stopped until a retry."""
    incident, running = _open(session, incident_id)
    cleaned = clean_value(running, name, value)
    previous = repair.set_variable(running.workflow, incident.task_id, name, cleaned)
    save(session, running, actor)
    _audit(
        session,
        "incident_variable_set",
        incident,
        actor,
        f"{name} set to {json.dumps(cleaned, ensure_ascii=False, default=str)}",
        name=name,
        value=cleaned,
        previous=previous,
    )
    values = dict(incident.values or {})
    if name in values:
        values[name] = cleaned
        incident.values = values
    return incident


def retry(session: Session, incident_id: int | str, *, actor: str) -> Incident | None:
    """Run the failed step again; returns the new incident if it fails again."""
    incident, running = _open(session, incident_id)
    _resolve(incident, actor, "retried")
    _audit(session, "incident_retried", incident, actor, "Retried the failed step")
    running.case.status = CaseStatus.RUNNING
    return advance(
        session, running, actor, lambda: repair.make_ready(running.workflow, incident.task_id)
    )


def skip(
    session: Session, incident_id: int | str, element_id: str, *, actor: str
) -> Incident | None:
    """Move the case past the failed step to ``element_id`` (after it, or an earlier user task)."""
    incident, running = _open(session, incident_id)
    element_id = (element_id or "").strip()
    ahead, behind = repair.move_targets(running.workflow, incident.task_id)
    if element_id not in ahead + behind:  # refused before anything changes
        choices = ", ".join(ahead + behind) or "none"
        raise InvalidState(
            f"The case cannot move from {incident.element_id} to {element_id!r}; choose an "
            f"element right after it or an earlier user task: {choices}."
        )
    _resolve(incident, actor, "moved")
    _audit(session, "incident_skipped", incident, actor, f"Moved to {element_id}", to=element_id)
    running.case.status = CaseStatus.RUNNING
    return advance(
        session, running, actor, lambda: repair.move(running.workflow, incident.task_id, element_id)
    )


def cancel(session: Session, incident_id: int | str, *, actor: str, reason: str = "") -> Case:
    """Cancel the case of an incident."""
    incident, _running = _open(session, incident_id)
    _resolve(incident, actor, "cancelled")
    _audit(session, "incident_cancelled", incident, actor, reason or "Case cancelled")
    return cancel_case(session, incident.case_id, actor=actor, reason=reason or "Incident")


def move_choices(session: Session, incident: Incident) -> list[tuple[str, str]]:
    """``(element id, label)`` of the elements :func:`skip` may move the case to."""
    if incident.status != OPEN:
        return []
    running = open_case(incident.case)
    ahead, behind = repair.move_targets(running.workflow, incident.task_id)
    label = {n.id: n.label for n in running.process.nodes.values()}
    return [(element, label.get(element, element)) for element in ahead + behind]
