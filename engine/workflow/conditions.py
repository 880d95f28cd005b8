"""Waiting conditional events: re-evaluated after every step, on the case's latest data.

SpiffWorkflow 3.2 evaluates a conditional event when it is reached and again only when
another task of the *same* (sub-)workflow completes, on the event's own copy of the
task data. A case's data, for a clerk, are one set of values: a form completed on a
parallel branch, inside a sub-process or in the main flow of an event sub-process's
scope sets "the" value. So before each re-evaluation the names the condition reads
are brought up to date from the latest completed step of the case that changed them
(a step changes a name when its value differs from the one it inherited), and the
condition is evaluated again by the safe script engine
(:mod:`engine.workflow.script_engine`). :func:`refresh` reports whether an event fired,
so :func:`engine.workflow.runtime.advance` runs the engine steps again.

The event is evaluated here, not through SpiffWorkflow's ``_update`` (which would copy
the parent's data over the event's again); when the condition holds, the event is made
ready and runs with the engine steps, its data passing the values it saw on. A condition
that fails (an unknown name, a type error) raises SpiffWorkflow's
``WorkflowTaskException`` naming the event's task, which stays WAITING: the runtime
opens an incident for it like for a gateway's condition, and retrying the incident
evaluates the condition again (instead of letting the event fire unchecked).
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError
from engine.expressions import language
from engine.workflow import internals

#: how many rounds of "an event fired, run the steps, evaluate again" one advance makes
MAX_ROUNDS = 50
_MISSING = object()
_specs_with_conditions: WeakKeyDictionary = WeakKeyDictionary()


def _has_conditions(workflow: BpmnWorkflow) -> bool:
    """Whether the case's specs have a conditional event at all (known per spec, so a case
    without one pays nothing after its steps)."""
    spec = workflow.spec
    found = _specs_with_conditions.get(spec)
    if found is None:
        found = any(
            isinstance(getattr(task_spec, "event_definition", None), ConditionalEventDefinition)
            for process_spec in (spec, *workflow.subprocess_specs.values())
            for task_spec in process_spec.task_specs.values()
        )
        _specs_with_conditions[spec] = found
    return found


def waiting(workflow: BpmnWorkflow) -> list:
    """The waiting conditional events of the workflow and all its sub-processes."""
    if not _has_conditions(workflow):
        return []
    return [
        task
        for task in workflow.get_tasks(state=TaskState.WAITING)
        if isinstance(getattr(task.task_spec, "event_definition", None), ConditionalEventDefinition)
    ]


def refresh(workflow: BpmnWorkflow) -> bool:
    """Re-evaluate every waiting conditional event and conditional start of an event
    sub-process; True when one of them fired."""
    if not _has_conditions(workflow):
        return False
    events = waiting(workflow)
    scopes = [s for s in (workflow, *workflow.get_active_subprocesses()) if _conditional_starts(s)]
    if not events and not scopes:
        return False
    latest = _latest_writes(workflow)
    fired = False
    for scope in scopes:
        fired = _start_event_subprocesses(scope, latest) or fired
    for task in events:
        _bring_up_to_date(task, latest)
        if task.task_spec.event_definition.has_fired(task):
            internals.run_now(task)
            fired = True
    return fired


def _bring_up_to_date(task, latest: dict[str, tuple[float, Any]]) -> None:
    expression = task.task_spec.event_definition.expression
    try:
        names = language.names_read(expression)
    except EngineError:
        return  # the evaluation reports it
    for name in names:
        if name in latest:
            task.data[name] = latest[name][1]


def _latest_writes(workflow: BpmnWorkflow) -> dict[str, tuple[float, Any]]:
    """Per name, (when, value) of the last completed step of the case that changed it."""
    latest: dict[str, tuple[float, Any]] = {}
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        parent = _inherited(workflow, task)
        for name, value in task.data.items():
            if parent.get(name, _MISSING) == value:
                continue
            seen = latest.get(name)
            if seen is None or seen[0] < task.last_state_change:
                latest[name] = (task.last_state_change, value)
    return latest


def _inherited(top: BpmnWorkflow, task) -> dict:
    """The data ``task`` started from: its parent's, or for the first task of a
    sub-process, the sub-process activity's."""
    if task.parent is not None:
        return task.parent.data
    parent_id = getattr(task.workflow, "parent_task_id", None)
    starter = top.get_task_from_id(parent_id) if parent_id else None
    return starter.data if starter is not None else {}


def _conditional_starts(scope) -> list[tuple[str, Any]]:
    """(event sub-process spec name, its conditional start) of ``scope``'s own event
    sub-processes. SpiffWorkflow 3.2 starts these only when an event is thrown, which a
    condition never is; :func:`_start_event_subprocesses` starts them."""
    found = []
    for name in getattr(scope.spec.start, "trigger_specs", ()):
        sub_spec = scope.subprocess_specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", ()):
            if isinstance(start.event_definition, ConditionalEventDefinition):
                found.append((name, start.event_definition))
    return found


def _start_event_subprocesses(scope, latest: dict[str, tuple[float, Any]]) -> bool:
    """Start each event sub-process whose condition became true since the last look
    (BPMN: a conditional start fires when its condition changes from false to true)."""
    root = scope.task_tree
    before = internals.conditional_starts_seen(root)
    started = False
    engine = getattr(scope, "top_workflow", scope).script_engine
    for name, definition in _conditional_starts(scope):
        data = dict(root.data)
        data.update({n: latest[n][1] for n in _safe_names(definition.expression) & latest.keys()})
        try:
            holds = bool(engine.environment.evaluate(definition.expression, data))
        except Exception:  # noqa: BLE001 - a name not set yet: not decidable, not an error
            holds = None
        if holds and not before.get(name):
            kept, root.data = root.data, data  # the event sub-process starts from these data
            try:
                scope.spec.start.trigger_wf(root, name)
            finally:
                root.data = kept
            started = True
        if holds is not None:
            before[name] = holds
    internals.set_conditional_starts_seen(root, before)
    return started


def _safe_names(expression: str) -> set[str]:
    try:
        return set(language.names_read(expression))
    except EngineError:
        return set()
