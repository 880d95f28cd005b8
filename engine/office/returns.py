"""Returning a case to the applicant: which fields the answer may change.

When a clerk returns a case, they name the application-form fields the applicant must
correct or provide (``fields``); the answer may change those and nothing else. Other
fields, including ones a gateway reads (a building's ``floor_area`` decides whether a
field inspection is needed), keep the values the office checked: an answer that tries
to change them is refused naming each (the security review's finding 9).

The fields asked for are recorded in the audit log (``fields_requested``) next to the
return itself, so the case history shows them too. The steps of returning and resuming
are :func:`engine.office.tasks.return_to_applicant` and
:func:`~engine.office.tasks.applicant_responds`; this module wraps them with the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.model import FormField
from engine.errors import InvalidFormData, InvalidState
from engine.office import audit, definitions, tasks
from engine.office.cases import start_form
from engine.storage.tables import AuditEntry, Case, CaseStatus

REQUESTED = "fields_requested"
NOT_ASKED = "was not asked for: the office asked for %(names)s"


def answerable_fields(case: Case) -> tuple[FormField, ...]:
    """The application-form fields a clerk may ask the applicant to change."""
    process = definitions.model_for(case.definition).processes[case.process_key]
    return tuple(f for f in start_form(process) if not f.readonly)


def return_to_applicant(
    session: Session,
    task_id: str,
    username: str,
    reason: str,
    *,
    fields: Iterable[str] | None = None,
) -> Case:
    """Send the case back with a reason, naming the ``fields`` the applicant may change.

    No ``fields``: the applicant may answer (the case resumes) but change no data.
    Raises :class:`InvalidState` naming a field that is not on the application form.
    """
    task = tasks.get_task(session, task_id)
    offered = {f.id: f for f in answerable_fields(task.case)}
    asked = list(dict.fromkeys(fields or ()))
    unknown = [name for name in asked if name not in offered]
    if unknown:
        raise InvalidState(
            f"{unknown[0][:80]!r} is not a field of the application form the applicant "
            f"can change; choose among: {', '.join(offered) or 'none'}."
        )
    case = tasks.return_to_applicant(session, task_id, username, reason)
    labels = [offered[name].label or name for name in asked]
    audit.record(
        session,
        REQUESTED,
        actor=username,
        case_id=case.id,
        task_id=task_id,
        message="; ".join(labels),
        data={"fields": asked},
    )
    return case


def asked_fields(session: Session, case: Case) -> list[str]:
    """The field ids the applicant may change while ``case`` is returned (else none)."""
    if case.status != CaseStatus.RETURNED:
        return []
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.case_id == case.id, AuditEntry.action == REQUESTED)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return list((entry.data or {}).get("fields", [])) if entry is not None else []


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def applicant_responds(
    session: Session,
    case: Case,
    data: Mapping[str, Any] | None = None,
    *,
    actor: str = "applicant",
) -> Case:
    """The applicant's answer: only the fields asked for change; the clock resumes.

    Raises :class:`InvalidFormData` naming each other form field the answer gives a
    value to (keys that are no form field are ignored, as in every form).
    """
    asked = set(asked_fields(session, case))
    data = dict(data or {})
    others = [
        f for f in answerable_fields(case) if f.id not in asked and not _empty(data.get(f.id))
    ]
    if others and case.status == CaseStatus.RETURNED:
        fields = {f.id: f for f in answerable_fields(case)}
        names = ", ".join(fields[a].label or a for a in fields if a in asked) or "nothing"
        errors, details = {}, {}
        for field in others:
            label = field.label or field.id
            errors[field.id] = f"{label} {NOT_ASKED % {'names': names}}"
            details[field.id] = (label, NOT_ASKED, {"names": names})
        raise InvalidFormData(errors, details)
    answer = {k: v for k, v in data.items() if k in asked}
    return tasks.applicant_responds(session, case, answer, actor=actor)
