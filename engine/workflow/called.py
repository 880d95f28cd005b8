"""The progress of the procedures a case calls (call activities), for the case pages.

A call activity runs the called procedure inside the calling case (the called version
is pinned in the caller's version, see ``docs/bpmn-conventions.md``): the one-stop
bundle's business licence, building approval and signage permit each run as such a
called process. :func:`called_progress` says for each call activity of the case's
process where its called procedure stands: not started yet, at which steps, or ended
with which outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session, object_session

from engine.office import definitions
from engine.storage.tables import Case, ProcessDefinition
from engine.workflow import specs
from engine.workflow.runtime import peek_workflow

__all__ = ["CalledProgress", "called_definitions", "called_progress"]

NOT_STARTED, RUNNING, COMPLETED, CANCELLED = "not_started", "running", "completed", "cancelled"


@dataclass
class CalledProgress:
    element_id: str  # the call activity
    name: str  # its name in the calling procedure
    process_key: str  # the called procedure
    definition: ProcessDefinition | None  # the called version (None: a process of the file)
    status: str  # not_started | running | completed | cancelled
    steps: list[str] = field(default_factory=list)  # names of its open steps
    outcome: str = ""  # the name of the end it reached


def called_progress(session: Session, case: Case) -> list[CalledProgress]:
    """Each call activity of ``case``'s process with the progress of what it calls."""
    process = definitions.model_for(case.definition).processes[case.process_key]
    calls = [n for n in process.nodes.values() if n.kind == "callActivity" and n.called_element]
    if not calls:
        return []
    workflow = peek_workflow(case)
    pinned = specs.called_definition_ids(case.definition)
    found = []
    for node in calls:
        key = node.called_element or ""
        definition_id = pinned.get(key)
        called = session.get(ProcessDefinition, definition_id) if definition_id else None
        progress = CalledProgress(node.id, node.label, key, called, NOT_STARTED)
        tasks = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == node.id]
        task = tasks[-1] if tasks else None
        sub = workflow.subprocesses.get(task.id) if task is not None else None
        if task is not None and task.state == TaskState.CANCELLED:
            progress.status = CANCELLED
        elif sub is not None and task is not None:
            progress.status = COMPLETED if task.state == TaskState.COMPLETED else RUNNING
            progress.steps = _open_steps(sub) if progress.status == RUNNING else []
            progress.outcome = _outcome(sub) if progress.status == COMPLETED else ""
        found.append(progress)
    return found


def _open_steps(sub) -> list[str]:
    steps = []
    for task in sub.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        spec = task.task_spec
        if spec.bpmn_name and (spec.manual or task.state != TaskState.READY):
            if spec.bpmn_name not in steps:
                steps.append(spec.bpmn_name)
    return steps


def _outcome(sub) -> str:
    ends = [
        t
        for t in sub.get_tasks(state=TaskState.COMPLETED)
        if isinstance(t.task_spec, EndEvent) and t.task_spec.bpmn_name
    ]
    return ends[-1].task_spec.bpmn_name if ends else ""


def called_definitions(definition: ProcessDefinition) -> list[ProcessDefinition]:
    """The deployed versions ``definition``'s call activities run (pinned), for their labels."""
    session = object_session(definition)
    if session is None:
        return []
    ids = specs.called_definition_ids(definition).values()
    return [d for d in (session.get(ProcessDefinition, i) for i in ids) if d is not None]
