"""What stopped a case's workflow, and the repairs an administrator may make.

When SpiffWorkflow or the expression language fails while a case runs,
:func:`describe` names the element, the expression and the values it saw, and gives
the reason as data (a code and its parameters) for a user interface to word in its
reader's language, next to the English message; the task
that failed stays in SpiffWorkflow's ERROR state inside the saved workflow. The
repairs act on that state: :func:`set_variable` changes a value the failed task
reads, :func:`make_ready` lets it run again, :func:`move` skips it to a following
element or rewinds the case to an earlier one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowDataException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError, ExpressionFailed, InvalidState, UnsafeExpression
from engine.expressions import language
from engine.workflow import internals, pre_post_scripts

#: how deep call activities may nest at run time (a call cycle would never end)
MAX_CALL_DEPTH = 8
_MAX_VALUE_CHARS = 500
NOT_SET = "(not set)"


class CallDepthExceeded(EngineError):
    """A call activity would nest deeper than :data:`MAX_CALL_DEPTH`."""

    code = "call_depth"


@dataclass
class Failure:
    """Why and where a case stopped."""

    kind: str  # expression | no_branch | call_depth | engine | connector
    message: str
    element_id: str
    task_id: str | None
    expression: str | None
    values: dict[str, Any] | None
    #: ``{"code": ..., "params": {...}}`` and, for a script, ``"line"`` (its number) and
    #: ``"part"`` (``pre-script``/``post-script``); None when only the message says why
    detail: dict[str, Any] | None = None


def check_call_depth(task) -> None:
    """Refuse to start a call activity nested :data:`MAX_CALL_DEPTH` levels deep."""
    if isinstance(task.task_spec, SubWorkflowTask):
        depth = getattr(task.workflow, "depth", 0)
        if depth + 1 > MAX_CALL_DEPTH:
            raise CallDepthExceeded(
                f"call activities nest more than {MAX_CALL_DEPTH} levels deep here; the "
                "called processes probably call each other in a cycle",
                reason="call_depth",
                params={"limit": MAX_CALL_DEPTH},
            )


def error_tasks(workflow: BpmnWorkflow) -> list:
    return list(workflow.get_tasks(state=TaskState.ERROR))


def describe(workflow: BpmnWorkflow, exc: BaseException, current=None) -> Failure:
    """The failure of ``exc``, raised while ``current`` (if known) ran."""
    task = getattr(exc, "task", None) or next(iter(error_tasks(workflow)), None) or current
    cause = exc.__cause__ or getattr(exc, "exception", None) or exc
    expression = _expression_of(exc, task)
    message = str(exc) or exc.__class__.__name__
    if isinstance(exc, CallDepthExceeded):
        kind = "call_depth"
    elif isinstance(cause, ExpressionFailed | UnsafeExpression):
        kind = "expression"
        message = str(cause)
    elif "No conditions satisfied" in message:
        kind = "no_branch"
        message = "no outgoing flow's condition is true and the gateway has no default flow"
    else:
        kind = "engine"
    detail = _detail(exc, cause, kind)
    if isinstance(exc, RecursionError):
        message = "the process nests too deeply (a call activity calling itself?)"
        detail = {"code": "nests_too_deeply", "params": {}}
    return Failure(
        kind=kind,
        message=message[:2000],
        element_id=task.task_spec.bpmn_id or task.task_spec.name if task else "",
        task_id=str(task.id) if task is not None else None,
        expression=expression,
        values=_values_seen(expression, task.data) if task is not None and expression else None,
        detail=detail,
    )


def _data_detail(error: WorkflowDataException) -> dict[str, Any]:
    """A data object, input or output the step could not read or set, by its id and name."""
    spec = error.data_input or error.data_output
    writing = error.data_output is not None
    params = {
        "name": str(getattr(spec, "bpmn_name", "") or getattr(spec, "bpmn_id", "") or ""),
        "id": str(getattr(spec, "bpmn_id", "") or ""),
    }
    return {"code": "data_not_set" if writing else "data_not_read", "params": params}


def _detail(exc: BaseException, cause: BaseException, kind: str) -> dict[str, Any] | None:
    """The reason of the failure as data: the engine error's reason (an expression's,
    with the script line and part), else the code of a named engine error."""
    if kind == "no_branch":
        return {"code": "no_branch", "params": {}}
    data_error = next((e for e in (exc, cause) if isinstance(e, WorkflowDataException)), None)
    if data_error is not None:  # SpiffWorkflow's data objects, inputs and outputs
        return _data_detail(data_error)
    error = next((e for e in (cause, exc) if isinstance(e, EngineError)), None)
    if error is None:
        return None
    if error.reason is None:
        # a named engine error (e.g. a condition loop) says no more than its class
        return {"code": error.code, "params": {}} if kind == "engine" else None
    params = {str(key): _json_safe(value) for key, value in error.params.items()}
    detail: dict[str, Any] = {"code": error.reason, "params": params}
    line = getattr(error, "line_number", None)
    if isinstance(line, int):
        detail["line"] = line
    part = getattr(error, "script_part", None)
    if isinstance(part, str):
        detail["part"] = part
    return detail


def _expression_of(exc: BaseException, task) -> str | None:
    line = getattr(exc, "error_line", None)
    if isinstance(line, str) and line.strip():
        return line.strip()
    script = getattr(getattr(task, "task_spec", None), "script", None)
    return script if isinstance(script, str) else None


def _values_seen(expression: str, data: dict) -> dict[str, Any]:
    try:
        names = language.names_read(expression)
    except EngineError:
        try:
            names = language.names_read_by_script(expression)
        except EngineError:
            return {}
    return {name: _json_safe(data[name]) if name in data else NOT_SET for name in sorted(names)}


def _json_safe(value: Any) -> Any:
    text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > _MAX_VALUE_CHARS:
        return text[:_MAX_VALUE_CHARS] + "…"
    return json.loads(text)


def failed_task(workflow: BpmnWorkflow, task_id: str | None):
    """The task an incident names, if it is still in the workflow."""
    if not task_id:
        return None
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return None


def set_variable(workflow: BpmnWorkflow, task_id: str | None, name: str, value: Any) -> Any:
    """Set ``name`` in the data the failed task reads; returns the previous value."""
    task = failed_task(workflow, task_id)
    if task is None:
        raise InvalidState("The failed step is no longer in the case; retry or cancel instead.")
    previous = task.data.get(name, NOT_SET)
    task.data[name] = value
    return previous


def make_ready(workflow: BpmnWorkflow, task_id: str | None = None) -> int:
    """Let the failed tasks run again; returns how many.

    A task in SpiffWorkflow's ERROR state becomes READY. The task an incident names
    may also have failed while it was being made ready (a timer whose expression
    failed when its predecessor completed): it is brought up to date again.
    """
    tasks = error_tasks(workflow)
    for task in tasks:
        internals.make_ready(task)
    named = failed_task(workflow, task_id)
    if named is not None and named not in tasks and not named.has_state(TaskState.FINISHED_MASK):
        internals.refresh(named)
        tasks.append(named)
    return len(tasks)


def move_targets(workflow: BpmnWorkflow, task_id: str | None) -> tuple[list[str], list[str]]:
    """(elements right after the failed task, earlier elements the case may rewind to)."""
    task = failed_task(workflow, task_id)
    if task is None:
        return [], []
    ahead = [spec.bpmn_id for spec in task.task_spec.outputs if spec.bpmn_id]
    behind = []
    ancestor = task.parent
    while ancestor is not None:
        spec = ancestor.task_spec
        if spec.bpmn_id and spec.manual and spec.bpmn_id not in behind:
            behind.append(spec.bpmn_id)
        ancestor = ancestor.parent
    return ahead, behind


def move(workflow: BpmnWorkflow, task_id: str | None, element_id: str) -> str:
    """Skip the failed task to the element after it, or rewind to an earlier user task.

    A skipped task is completed without its post-script (which may be what failed).

    Returns ``"skipped"`` or ``"rewound"``.
    """
    task = failed_task(workflow, task_id)
    if task is None:
        raise InvalidState("The failed step is no longer in the case; retry or cancel instead.")
    ahead, behind = move_targets(workflow, task_id)
    if element_id in ahead:
        target = next(s for s in task.task_spec.outputs if s.bpmn_id == element_id)
        internals.redirect(task, target)
        with pre_post_scripts.skipped(task):
            task.complete()
        return "skipped"
    if element_id in behind:
        ancestor = task.parent
        while ancestor.task_spec.bpmn_id != element_id:
            ancestor = ancestor.parent
        workflow.reset_from_task_id(ancestor.id)
        return "rewound"
    choices = ", ".join(ahead + behind) or "none"
    raise InvalidState(
        f"The case cannot move from {task.task_spec.bpmn_id} to {element_id!r}; "
        f"choose an element right after it or an earlier user task: {choices}."
    )
