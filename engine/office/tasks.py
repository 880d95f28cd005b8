"""Human tasks: the inbox of a user's lanes, claim, complete, return to the applicant."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from engine.accounts.users import roles_of
from engine.bpmn.model import FormField
from engine.calendar import clock
from engine.errors import InvalidState, NotAllowed, StaleTask
from engine.office import (
    audit,
    definitions,
    forms,
    issuing,  # noqa: F401 - installs the after-steps hook (bills, permits)
    notifications,
    sla,
)
from engine.office.cases import start_form
from engine.storage.tables import OPEN_STATUSES, Case, CaseStatus, HumanTask
from engine.workflow import (
    internals,
    messages,  # noqa: F401 - installs the router of thrown messages
)
from engine.workflow.runtime import Running, advance, open_case, save
from engine.workflow.states import TaskState

ADMIN_ROLE = "admin"
# a task is worked on with its case and the case's procedure version: one query for all
_WITH_DEFINITION = (joinedload(HumanTask.case).joinedload(Case.definition),)
# a list of tasks shows no workflow: the cases come without their state (kilobytes each),
# their procedure versions in one more query instead of one lookup per task
_LISTED = (joinedload(HumanTask.case).options(defer(Case.state), selectinload(Case.definition)),)


def _audit(session: Session, action: str, task: HumanTask, actor: str, **extra) -> None:
    """Record an action on ``task`` with its element and lane."""
    audit.record(
        session,
        action,
        actor=actor,
        case_id=task.case_id,
        task_id=task.id,
        element_id=task.element_id,
        element_name=task.name,
        lane=task.lane_name,
        **extra,
    )


def get_task(session: Session, task_id: str) -> HumanTask:
    """The open task ``task_id`` with its case and procedure version, read in one query."""
    task = session.get(HumanTask, task_id, options=_WITH_DEFINITION)
    if task is None:
        done = audit.who_changed(session, task_id=task_id)
        if done:
            raise StaleTask(f"Task {task_id} is no longer open: it was {done} meanwhile.")
        raise StaleTask(
            f"Task {task_id} is no longer open: it was completed, returned or cancelled "
            "meanwhile, or never existed."
        )
    return task


def tasks_for_user(
    session: Session, username: str, *, key: str | None = None, include_returned: bool = False
) -> list[HumanTask]:
    """Open tasks of the user's lanes that nobody else claimed, overdue first."""
    roles = roles_of(session, username)
    statuses = OPEN_STATUSES if include_returned else ("running",)
    query = (
        select(HumanTask)
        .join(Case)
        .options(*_LISTED)
        .where(Case.status.in_(statuses))
        .where(or_(HumanTask.assignee.is_(None), HumanTask.assignee == username))
        .order_by(HumanTask.due_at, HumanTask.created_at)
    )
    if ADMIN_ROLE not in roles:
        query = query.where(HumanTask.role.in_(roles))
    if key:
        query = query.where(Case.process_key == key)
    return list(session.scalars(query))


def all_open_tasks(session: Session, *, key: str | None = None) -> list[HumanTask]:
    query = (
        select(HumanTask)
        .join(Case)
        .options(*_LISTED)
        .order_by(HumanTask.due_at, HumanTask.created_at)
    )
    if key:
        query = query.where(Case.process_key == key)
    return list(session.scalars(query))


def may_work_on(session: Session, username: str, task: HumanTask) -> bool:
    roles = roles_of(session, username)
    return task.role in roles or ADMIN_ROLE in roles


def _check_role(session: Session, username: str, task: HumanTask) -> None:
    if not may_work_on(session, username, task):
        raise NotAllowed(
            f"{username} may not work on '{task.name}': it belongs to the lane "
            f"'{task.lane_name or task.role}' (role {task.role!r})."
        )


def claim(session: Session, task_id: str, username: str) -> HumanTask:
    """Take a task; exactly one of two clerks claiming at once gets it."""
    task = get_task(session, task_id)
    _check_role(session, username, task)
    if task.assignee == username:
        return task
    now = clock.now()
    result: CursorResult = session.execute(  # type: ignore[assignment]
        update(HumanTask)
        .where(HumanTask.id == task_id, HumanTask.assignee.is_(None))
        .values(assignee=username, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleTask(_taken_meanwhile(session, task))
    # the row holds what the UPDATE wrote: set that in memory instead of reading it back
    set_committed_value(task, "assignee", username)
    set_committed_value(task, "claimed_at", now)
    _audit(session, "task_claimed", task, username)
    return task


def _taken_meanwhile(session: Session, task: HumanTask) -> str:
    """Who won a race for ``task``: another claim, a completion, a return, a cancel."""
    holder = session.scalar(select(HumanTask.assignee).where(HumanTask.id == task.id))
    if holder:
        return f"'{task.name}' was claimed by {holder} meanwhile."
    done = audit.who_changed(session, task_id=task.id) or audit.who_changed(
        session, case_id=task.case_id
    )
    return f"'{task.name}' was {done or 'changed by someone else'} meanwhile; reload your inbox."


def unclaim(session: Session, task_id: str, username: str) -> HumanTask:
    task = get_task(session, task_id)
    roles = roles_of(session, username)
    if task.assignee != username and ADMIN_ROLE not in roles:
        raise NotAllowed(
            f"'{task.name}' is claimed by {task.assignee or 'nobody'}, not by {username}."
        )
    task.assignee = None
    task.claimed_at = None
    _audit(session, "task_unclaimed", task, username)
    return task


def task_form(task: HumanTask) -> tuple[FormField, ...]:
    """The form fields the BPMN gives this task."""
    found = definitions.locate(task.case.definition, task.element_id)
    return found[1].form_fields if found else ()


def _ready_spiff_task(running: Running, task: HumanTask):
    spiff_task = running.workflow.get_task_from_id(UUID(task.id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise StaleTask(f"'{task.name}' was already done by someone else; reload the case.")
    return spiff_task


def complete_task(
    session: Session,
    task_id: str,
    username: str,
    data: dict[str, Any] | None = None,
    *,
    as_system: bool = False,
) -> HumanTask:
    """Complete a task with form data (validated against its BPMN form).

    ``as_system``: the office's own systems complete it (a payment channel's callback),
    so no clerk's role or claim is asked for.
    """
    task = get_task(session, task_id)
    if not as_system:
        _check_role(session, username, task)
    if task.assignee not in (None, username) and not as_system:
        raise NotAllowed(f"'{task.name}' is claimed by {task.assignee}; ask them or an admin.")
    if task.case.status != CaseStatus.RUNNING:
        raise InvalidState(
            f"Case {task.case.tracking_code} is {task.case.status}; '{task.name}' cannot be completed now."
        )
    running = open_case(task.case)
    spiff_task = _ready_spiff_task(running, task)
    found = definitions.locate(task.case.definition, task.element_id)  # also called ones
    cleaned = forms.validate_form(found[1].form_fields, data or {}) if found else {}
    spiff_task.data.update(cleaned)
    internals.note_written(spiff_task, cleaned)  # conditional events: the latest form wins
    _audit(session, "task_completed", task, username, data=cleaned)
    # errors become incidents there; bills and permits are issued by its after-steps hook
    advance(session, running, username, spiff_task.run)
    return task


def return_to_applicant(session: Session, task_id: str, username: str, reason: str) -> Case:
    """Send the case back to the applicant with a reason; its clock pauses."""
    if not reason or not reason.strip():
        raise InvalidState("Say what the applicant must provide: a reason is required.")
    task = get_task(session, task_id)
    _check_role(session, username, task)
    case = task.case
    if case.status != CaseStatus.RUNNING:
        raise InvalidState(f"Case {case.tracking_code} is {case.status}; it cannot be returned.")
    case.status = CaseStatus.RETURNED
    case.return_reason = reason.strip()
    sla.pause(case)
    _audit(session, "case_returned", task, username, message=reason.strip())
    notifications.status_changed(session, case, "returned", reason.strip())
    session.flush()
    return case


def applicant_responds(
    session: Session, case: Case, data: dict[str, Any] | None = None, *, actor: str = "applicant"
) -> Case:
    """The applicant answers a return: data merges into the case and the clock resumes."""
    if case.status != CaseStatus.RETURNED:
        raise InvalidState(f"Case {case.tracking_code} is not waiting for the applicant.")
    running = open_case(case)
    fields = start_form(running.process)
    cleaned = forms.validate_form(fields, data or {}, partial=True) if fields else {}
    for spiff_task in running.workflow.get_tasks(state=TaskState.READY):
        spiff_task.data.update(cleaned)
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)))
    paused = sla.resume(case, tasks)
    case.status = CaseStatus.RUNNING
    case.return_reason = None
    audit.record(
        session,
        "case_resumed",
        actor=actor,
        case_id=case.id,
        data=cleaned,
        message=f"The applicant responded; the clock resumes ({paused} working day(s) paused)",
    )
    save(session, running, actor)
    notifications.status_changed(session, case, "resumed")
    return case
