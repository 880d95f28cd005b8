"""The completed steps of a case, each with the procedure whose element it is.

A call activity runs the called procedure inside the calling case (the one-stop bundle
runs the business licence, the building approval and the signage permit this way).
A step of a called procedure is an element of *that* procedure's deployed version
(pinned in the caller's version): its ``pf:issues``/``pf:bill`` properties, its
document templates, its service standard and its number sequence are the called
procedure's, so a called procedure issues and bills exactly as when it runs alone.
Element ids may repeat across procedures (both the business licence and the building
approval have ``verify_documents``), so a step is always named with its process key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.orm import object_session

from engine.bpmn.model import Node, Process
from engine.office import definitions
from engine.storage.tables import HumanTask, ProcessDefinition
from engine.workflow import specs
from engine.workflow.runtime import peek_workflow
from engine.workflow.states import completed_tasks


@dataclass(frozen=True)
class Step:
    """One completed step: the element, the data it completed with, where it belongs."""

    definition: ProcessDefinition  # the deployed version holding the element
    process: Process  # the process of that version the element is in
    node: Node
    data: dict[str, Any]

    @property
    def process_key(self) -> str:
        return self.process.id

    @property
    def element_id(self) -> str:
        return self.node.id


Sources = dict[str, tuple[ProcessDefinition, Process]]


def sources(definition: ProcessDefinition) -> Sources:
    """Process key -> (deployed version, process) of ``definition``'s processes and of the
    versions its call activities run (pinned), and theirs in turn."""
    found: Sources = {}
    pending = [definition]
    session = object_session(definition)
    while pending:
        current = pending.pop(0)
        for key, process in definitions.model_for(current).processes.items():
            found.setdefault(key, (current, process))
        for called_id in specs.called_definition_ids(current).values():
            called = session.get(ProcessDefinition, called_id) if session is not None else None
            if called is not None and all(d.id != called.id for d, _p in found.values()):
                pending.append(called)
    return found


def _process_key(task, known: Sources) -> str | None:
    """The key of the (called) process ``task`` runs in: its workflow's, or an enclosing
    one's (an embedded sub-process is a node of the process around it)."""
    workflow = getattr(task, "workflow", None)
    while workflow is not None:
        name = getattr(getattr(workflow, "spec", None), "name", None)
        if name in known:
            return name
        workflow = getattr(workflow, "parent_workflow", None)
    return None


def completed_steps(workflow, definition: ProcessDefinition) -> list[Step]:
    """Every completed step of ``workflow`` (a case of ``definition``), in order."""
    known = sources(definition)
    steps = []
    for task in completed_tasks(workflow):
        element_id = getattr(task.task_spec, "bpmn_id", None) or ""
        key = _process_key(task, known) if element_id else None
        if key is None:
            continue
        version, process = known[key]
        node = process.nodes.get(element_id)
        if node is not None:
            steps.append(Step(version, process, node, task.data))
    return steps


def task_data(task: HumanTask) -> dict[str, Any]:
    """The data an open task sees: a called procedure's task sees what was passed to it
    (the bundle's fee table amount as the building approval's assessed fee)."""
    spiff_task = peek_workflow(task.case).get_task_from_id(UUID(task.id))
    return dict(spiff_task.data) if spiff_task is not None else {}
