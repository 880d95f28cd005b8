"""Cases: starting, finding, listing, cancelling, and their data and history."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from engine.bpmn.model import Process
from engine.calendar import clock
from engine.errors import CaseNotFound, EngineError, InvalidState
from engine.office import audit, definitions, forms, notifications, pilots, sla
from engine.storage.tables import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    HumanTask,
    Incident,
    ProcessDefinition,
)
from engine.workflow import (
    messages,  # noqa: F401 - installs the router of thrown messages
    specs,
)
from engine.workflow.runtime import Running, advance, all_tasks, open_case, peek_workflow, save
from engine.workflow.states import TaskState

# Crockford's base32 without I, L, O, U: 16 characters = 80 random bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


TRACKING_CODE = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}")  # the canonical form


def new_tracking_code() -> str:
    """An unguessable tracking code like ``7KQ2-M9XD-4RTB-P0ZA``."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalize_tracking_code(code: str) -> str:
    cleaned = "".join(c for c in code.upper() if c.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def find_by_tracking_code(session: Session, text: str | None) -> Case | None:
    """The case of a tracking code as a person typed it (any case, O for 0...), or None.

    The one lookup by tracking code: the engine, the public pages and the API use it.
    """
    if not text or len(text) > 40:
        return None
    code = normalize_tracking_code(text)
    if not TRACKING_CODE.fullmatch(code):
        return None
    return session.scalar(select(Case).where(Case.tracking_code == code))


def start_form(process: Process):
    """The form fields of the process's (first) none start event."""
    for node in process.start_events():
        if not node.event_definitions:
            return node.form_fields
    return ()


def start_case(
    session: Session,
    key: str,
    data: dict[str, Any] | None = None,
    *,
    started_by: str = "",
    version: int | None = None,
    language: str = "id",
) -> Case:
    """Start a case of the newest (or given) version of ``key`` with applicant data.

    The data is validated against the start event's form; raises
    :class:`~engine.errors.InvalidFormData` with a message per wrong field.
    ``language`` (``id`` or ``en``) is the applicant's: their notifications use it.
    """
    definition = definitions.get_definition(session, key, version)
    route = pilots.route(session, definition, started_by, data or {})  # a pilot's share
    definition = pilots.pilot_definition(session, route) if route else definition
    model = definitions.model_for(definition)
    process = model.processes[definition.key]
    fields = start_form(process)
    cleaned = forms.validate_form(fields, data or {}) if fields else _plain_data(data or {})
    workflow = specs.new_workflow(*specs.specs_for(definition))
    start = workflow.get_next_task(state=TaskState.READY)
    start.data.update(cleaned)
    now = clock.now()
    standard = definition.service_standard or {}
    case = Case(
        tracking_code=new_tracking_code(),
        definition_id=definition.id,
        process_key=definition.key,
        status="running",
        title=definition.name,
        applicant_name=str(cleaned.get("applicant_name", ""))[:200],
        applicant_email=str(cleaned.get("email", cleaned.get("applicant_email", "")))[:200],
        started_by=started_by,
        started_at=now,
        due_at=sla.case_due(now, standard.get("max_days")),
        state=specs.dump_state(workflow),
        serializer_version=specs.SERIALIZER_VERSION,
        language="en" if language == "en" else "id",
    )
    case.definition = definition
    session.add(case)
    session.flush()
    pilots.record(session, route, case, started_by)
    audit.record(
        session,
        "case_started",
        actor=started_by,
        case_id=case.id,
        data=cleaned,
        message=f"Case {case.tracking_code} started ({definition.name} v{definition.version})",
    )
    advance(session, Running(case, workflow, model, process), started_by)
    notifications.status_changed(session, case, "received")
    return case


def _plain_data(data: dict[str, Any]) -> dict[str, Any]:
    """Data for a process without a start form: JSON values under plain names only."""
    if not isinstance(data, dict):
        raise EngineError("Case data must be a JSON object of field names and values.")
    bad = [k for k in data if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise EngineError(f"Invalid data field name(s): {', '.join(map(str, bad))}")
    return dict(data)


def get_case(session: Session, case_ref: int | str) -> Case:
    """A case by id or tracking code."""
    if isinstance(case_ref, int) or (
        isinstance(case_ref, str) and case_ref.isascii() and case_ref.isdigit()
    ):
        number = int(case_ref)
        case = session.get(Case, number) if 0 < number < 2**63 else None
    else:
        case = find_by_tracking_code(session, case_ref)
    if case is None:
        raise CaseNotFound(f"No case {case_ref!r}.")
    return case


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    key: str | None = None,
    version: int | None = None,
    lane: str | None = None,
    overdue: bool = False,
    limit: int = 500,
) -> list[Case]:
    """The newest cases matching every filter given (``lane``: a role with an open task)."""
    query = select(Case).order_by(Case.started_at.desc()).limit(limit)
    if status:
        query = query.where(Case.status == status)
    if key:
        query = query.where(Case.process_key == key)
    if version is not None:
        query = query.join(ProcessDefinition, ProcessDefinition.id == Case.definition_id).where(
            ProcessDefinition.version == version
        )
    if lane:
        query = query.where(Case.id.in_(select(HumanTask.case_id).where(HumanTask.role == lane)))
    if overdue:
        query = query.where(sla.case_is_overdue())
    return list(session.scalars(query))


def open_tasks_by_case(session: Session, case_ids: list[int]) -> dict[int, list[HumanTask]]:
    """The open tasks of the given cases, per case."""
    tasks: dict[int, list[HumanTask]] = {}
    if case_ids:
        query = (
            select(HumanTask).where(HumanTask.case_id.in_(case_ids)).order_by(HumanTask.created_at)
        )
        for task in session.scalars(query):
            tasks.setdefault(task.case_id, []).append(task)
    return tasks


def case_data(case: Case) -> dict[str, Any]:
    """The case's current data: that of its open tasks, else of its last step."""
    workflow = peek_workflow(case)
    ready = all_tasks(workflow, TaskState.READY)
    if ready:
        return dict(ready[0].data)
    if workflow.last_task is not None:
        return dict(workflow.last_task.data)
    return dict(workflow.task_tree.data)


def open_tasks(session: Session, case: Case) -> list[HumanTask]:
    """The open tasks of ``case`` (their ``case`` is the one given: not read again)."""
    query = (
        select(HumanTask)
        .where(HumanTask.case_id == case.id)
        .options(lazyload(HumanTask.case))
        .order_by(HumanTask.created_at)
    )
    tasks = list(session.scalars(query))
    for task in tasks:
        set_committed_value(task, "case", case)
    return tasks


def cancel_case(session: Session, case_ref: int | str, *, actor: str, reason: str = "") -> Case:
    """Cancel an open case: its tasks, timers and waits are removed."""
    case = get_case(session, case_ref)
    if case.status not in OPEN_STATUSES:
        raise InvalidState(f"Case {case.tracking_code} is {case.status}; it cannot be cancelled.")
    running = open_case(case)
    running.workflow.cancel()
    case.status = CaseStatus.CANCELLED
    case.completed_at = clock.now()
    case.outcome = "Cancelled"
    case.current_step = ""
    audit.record(
        session, "case_cancelled", actor=actor, case_id=case.id, message=reason or "Cancelled"
    )
    session.execute(  # a cancelled case needs no administrator any more
        update(Incident)
        .where(Incident.case_id == case.id, Incident.status == "open")
        .values(
            status="resolved", resolution="cancelled", resolved_at=clock.now(), resolved_by=actor
        )
    )
    save(session, running, actor)
    notifications.status_changed(session, case, "cancelled")
    return case


def history(session: Session, case_ref: int | str):
    """The case's audit entries, oldest first."""
    return audit.case_history(session, get_case(session, case_ref).id)
