"""Applying an accepted correction (UU 27/2022 art. 6, 30): the right value in the case.

When the office accepts an applicant's correction request it gives the corrected values
of application-form fields; :func:`apply` checks them as the form does
(:func:`engine.office.forms.validate_form`), writes them wherever the case's data holds
the field (the workflow state, encrypted at rest as a whole) and the applicant's name
column when that is corrected, and records the change: the audit log (the old and new
values, sealed like every form step's data) and the access log (who, which fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from engine.bpmn.model import FormField
from engine.errors import InvalidFormData, InvalidState
from engine.office import audit, definitions, forms
from engine.office.cases import start_form
from engine.privacy import access_log
from engine.storage.tables import Case
from engine.workflow.runtime import all_tasks, open_case, save
from engine.workflow.states import TaskState

ACTION = "data_corrected"


def correctable_fields(case: Case) -> tuple[FormField, ...]:
    """The application-form fields a correction may change (readonly ones never)."""
    process = definitions.model_for(case.definition).processes[case.process_key]
    return tuple(f for f in start_form(process) if not f.readonly)


def apply(
    session: Session, case: Case, values: Mapping[str, Any], *, actor: str, request_id: int
) -> dict[str, Any]:
    """Write the corrected ``values`` into ``case``; returns them cleaned.

    Raises :class:`InvalidFormData` naming a field that is no application-form field or a
    value the form would refuse, :class:`InvalidState` for an anonymised case.
    """
    if case.anonymised_at is not None:
        raise InvalidState(f"Case {case.tracking_code} was anonymised: it holds no data.")
    fields = {f.id: f for f in correctable_fields(case)}
    unknown = [name for name in values if name not in fields]
    if unknown or not values:
        choose = ", ".join(f.label or f.id for f in fields.values()) or "none"
        raise InvalidFormData(
            {(unknown or ["correction"])[0][:80]: f"choose fields of the form: {choose}"}
        )
    chosen = [fields[name] for name in values]
    cleaned = forms.validate_form(chosen, values, partial=True)
    previous = _write(session, case, cleaned, actor)
    audit.record(
        session,
        ACTION,
        actor=actor,
        case_id=case.id,
        message=f"Correction request {request_id}: "
        + ", ".join(fields[name].label or name for name in cleaned),
        data={"request": request_id, "corrected": cleaned, "previous": previous},
    )
    access_log.record(
        session,
        "corrected",
        actor=actor,
        case=case,
        field_id=",".join(cleaned),
        reason=f"correction request {request_id} accepted",
    )
    return cleaned


def _write(session: Session, case: Case, cleaned: dict[str, Any], actor: str) -> dict[str, Any]:
    """Set each value in every step holding the field; the values it replaces."""
    running = open_case(case)
    workflow = running.workflow
    previous: dict[str, Any] = {}
    current = all_tasks(workflow, TaskState.READY) or [workflow.last_task or workflow.task_tree]
    for name, value in cleaned.items():
        holders = [t for t in [*workflow.get_tasks(), workflow] if name in t.data]
        for holder in holders or current:  # a field never given goes to the current data
            previous.setdefault(name, holder.data.get(name))
            holder.data[name] = value
    save(session, running, actor)
    if "applicant_name" in cleaned:
        case.applicant_name = str(cleaned["applicant_name"] or "")[:200]
    return previous
