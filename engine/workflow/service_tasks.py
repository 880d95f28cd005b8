"""A case waiting at a service task, and its answer coming back.

SpiffWorkflow runs a service task by putting it in the STARTED state (its ``_run_hook``
returns None): the case waits there like at a timer. :func:`sync` records one
``service_calls`` row per waiting task when the case is saved (the call itself runs in
the background, :mod:`engine.integration.calls`); :func:`answer` maps the connector's
answer into the task and completes it, :func:`fail` puts the task in ERROR so that an
incident names it and an admin's retry (:func:`engine.workflow.repair.make_ready`)
starts the call again. :func:`mapped_answer` reads the answer through the task's
output mappings (``*``, SpiffArena's ``resultVariable``, takes all of it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.model import WHOLE_ANSWER, ServiceCall
from engine.calendar import clock
from engine.errors import InvalidState
from engine.expressions import language
from engine.storage.tables import Case, ServiceCallRow

#: called with (session, new call ids) when a save recorded new calls to make
on_new_calls: list[Callable[[Session, list[str]], None]] = []


def waiting(workflow: BpmnWorkflow) -> dict[str, Any]:
    """Service tasks the case waits at: task id -> task."""
    return {
        str(t.id): t
        for t in workflow.get_tasks(state=TaskState.STARTED)
        if isinstance(t.task_spec, ServiceTask)
    }


def sync(session: Session, case: Case, workflow: BpmnWorkflow, locate) -> list[str]:
    """Record a pending call for each service task newly waiting; returns their ids.

    ``locate(element_id)`` gives the BPMN node (its ``service`` names the connector).
    A row left from an earlier round (an incident retried) is made pending again.
    """
    tasks = waiting(workflow)
    existing = {
        row.id: row
        for row in session.scalars(select(ServiceCallRow).where(ServiceCallRow.case_id == case.id))
    }
    new: list[str] = []
    for task_id, task in tasks.items():
        row = existing.get(task_id)
        if row is not None and row.status in ("pending", "running"):
            continue
        node = locate(task.task_spec.bpmn_id)
        service = getattr(node, "service", None)
        connector, _, operation = (service.connector if service else "").partition(".")
        if row is None:
            row = ServiceCallRow(id=task_id, case_id=case.id, created_at=clock.now())
            session.add(row)
        row.element_id, row.connector, row.operation = task.task_spec.bpmn_id, connector, operation
        row.status, row.attempts, row.claimed_until, row.error = "pending", 0, None, None
        new.append(task_id)
    for task_id, row in existing.items():
        if task_id not in tasks and row.status in ("pending", "running"):
            row.status, row.finished_at = "abandoned", clock.now()  # the case moved on
    if new:
        for hook in on_new_calls:
            hook(session, new)
    return new


def _task(workflow: BpmnWorkflow, task_id: str):
    task = workflow.get_task_from_id(UUID(task_id))
    if (
        task is None
        or task.state != TaskState.STARTED
        or not isinstance(task.task_spec, ServiceTask)
    ):
        raise InvalidState("The case no longer waits at this service task.")
    return task


def mapped_answer(service: ServiceCall, fields: dict[str, Any]) -> dict[str, Any]:
    """The case variables the answer's declared ``fields`` give, by the task's outputs.

    An output ``*`` takes the whole answer (a copy of ``fields``), the others evaluate
    their expression over the fields.
    """
    return {
        name: dict(fields) if expression == WHOLE_ANSWER else language.evaluate(expression, fields)
        for name, expression in service.outputs
    }


def answer(workflow: BpmnWorkflow, task_id: str, values: dict[str, Any]) -> None:
    """Put ``values`` (already mapped) into the task's data and complete it."""
    task = _task(workflow, task_id)
    task.data.update(values)
    task.complete()


def fail(workflow: BpmnWorkflow, task_id: str) -> Any:
    """Put the waiting task in ERROR (an incident names it); returns the task."""
    task = _task(workflow, task_id)
    task.error()
    return task


def data_of(workflow: BpmnWorkflow, task_id: str) -> dict[str, Any]:
    """The case data the waiting task sees (its input mappings read them)."""
    return dict(_task(workflow, task_id).data)
