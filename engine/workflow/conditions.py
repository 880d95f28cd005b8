"""Waiting conditional events: re-evaluated after every step, on the case's latest data.

SpiffWorkflow 3.2 evaluates a conditional event when it is reached and again only when
another task of the *same* (sub-)workflow completes, on the event's own copy of the
task data. A case's data, for a clerk, are one set of values: a form completed on a
parallel branch, inside a sub-process or in the main flow of an event sub-process's
scope sets "the" value. So before each re-evaluation the names the condition reads
are brought up to date from the latest completed step of the case that wrote them, and
the condition is evaluated again by the safe script engine
(:mod:`engine.workflow.script_engine`). :func:`refresh` returns the events that fired;
:func:`settle` (called by :func:`engine.workflow.runtime.advance`) runs the engine
steps again while some do.

The event is evaluated here, not through SpiffWorkflow's ``_update`` (which would copy
the parent's data over the event's again); when the condition holds, the event is made
ready and runs with the engine steps, its data passing the values it saw on. A condition
that fails (an unknown name, a type error) raises SpiffWorkflow's
``WorkflowTaskException`` naming the event's task, which stays WAITING: the runtime
opens an incident for it like for a gateway's condition, and retrying the incident
evaluates the condition again (instead of letting the event fire unchecked).

"The case's data" are those of the event's own process: a called process's own names
are not the caller's (only what its call activity hands back is), so writes count per
data domain (the top process, or one called process with its embedded and event
sub-processes). A step writes a name when its form or script set it (also to the value
it already had: the latest form wins) or when it changed the name's value. A value an
administrator sets on a waiting event (an incident's "set variable") is kept until a
later step writes the name.

Two stops keep a case from running away or waiting silently. Conditional events that
set each other off (one firing more than :data:`MAX_FIRES` times in one advance, or
:data:`MAX_ROUNDS` rounds) raise :class:`ConditionLoop`. A case whose only waits left
are conditional events whose condition is false, with nothing left in it that could
change its data (no ready task, timer, message or signal wait, service call, or event
sub-process a message, signal or timer may start), raises :class:`ConditionNeverTrue`.
Both name an event's task, so the runtime opens an incident for it; a retry evaluates
the condition again.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import CodeEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.errors import EngineError
from engine.expressions import language
from engine.workflow import event_subprocesses, internals

#: how many rounds of "an event fired, run the steps, evaluate again" one advance makes
MAX_ROUNDS = 50
#: how often one conditional event may fire in one advance before it is a loop
MAX_FIRES = 2
_MISSING = object()
_specs_with_conditions: WeakKeyDictionary = WeakKeyDictionary()


class ConditionLoop(EngineError):
    """Conditional events keep setting each other off without anyone acting."""

    code = "condition_loop"

    def __init__(self, message: str, task) -> None:
        super().__init__(message)
        self.task = task


class ConditionNeverTrue(EngineError):
    """A case waits only for conditions that nothing left in it can make true."""

    code = "condition_never_true"

    def __init__(self, message: str, task) -> None:
        super().__init__(message)
        self.task = task
        self.error_line = task.task_spec.event_definition.expression


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


def settle(workflow: BpmnWorkflow, run_steps) -> None:
    """Run ``run_steps`` (the engine steps) again while a conditional event fires on
    their data; stop a loop of events setting each other off, and a case left waiting
    for a condition nothing can change (both raise, naming the event)."""
    fired: dict[tuple[str, str], list] = {}
    for _ in range(MAX_ROUNDS):
        now = refresh(workflow)
        if not now:
            _check_not_stalled(workflow)
            return
        for task in now:
            fired.setdefault(_event_key(task), []).append(task)
        looping = [tasks for tasks in fired.values() if len(tasks) > MAX_FIRES]
        if looping:
            raise _loop(fired, looping[0][-1])
        run_steps()
    raise _loop(fired, next(reversed(fired.values()))[-1])


def _event_key(task) -> tuple[str, str]:
    return (str(getattr(task.workflow, "parent_task_id", "") or ""), task.task_spec.name)


def _loop(fired: dict, task) -> ConditionLoop:
    names = sorted(
        {
            tasks[0].task_spec.bpmn_name or tasks[0].task_spec.bpmn_id or key[1]
            for key, tasks in fired.items()
            if len(tasks) > 1 or not any(len(t) > 1 for t in fired.values())
        }
    )
    return ConditionLoop(
        "conditional events keep setting each other off: "
        + ", ".join(f"'{name}'" for name in names)
        + f" fired again and again in one step (more than {MAX_FIRES} times); each makes "
        "the other's condition true. Change the conditions or scripts of the process.",
        task,
    )


def refresh(workflow: BpmnWorkflow) -> list:
    """Re-evaluate every waiting conditional event and conditional start of an event
    sub-process; the tasks that fired (an event, or a started event sub-process)."""
    if not _has_conditions(workflow):
        return []
    events = waiting(workflow)
    scopes = [s for s in (workflow, *workflow.get_active_subprocesses()) if _conditional_starts(s)]
    if not events and not scopes:
        return []
    latest = _latest_writes(workflow)
    fired = []
    for scope in scopes:
        fired += _start_event_subprocesses(scope, latest.get(_domain(workflow, scope), {}))
    for task in events:
        _bring_up_to_date(task, latest.get(_domain(workflow, task.workflow), {}))
        if task.task_spec.event_definition.has_fired(task):
            internals.run_now(task)
            fired.append(task)
    return fired


def _bring_up_to_date(task, latest: dict[str, tuple[float, Any]]) -> None:
    """Put the latest written values of the names the condition reads into the event's
    data, except a value set on the event itself (by an administrator) after them."""
    names = _safe_names(task.task_spec.event_definition.expression)  # evaluation reports
    brought = internals.conditional_brought(task)
    for name in names:
        if name not in latest:
            continue
        when, value = latest[name]
        before = brought.get(name)
        if before is not None and task.data.get(name, _MISSING) != before[0]:
            before = [task.data.get(name), time.time()]  # set here since: newer than all so far
            brought[name] = before
        if before is None or before[1] < when:
            task.data[name] = value
            brought[name] = [value, when]
    internals.set_conditional_brought(task, brought)


def _check_not_stalled(workflow: BpmnWorkflow) -> None:
    """Raise :class:`ConditionNeverTrue` when the case waits only for conditional events
    whose condition is false (none fired just now) and nothing left in it can change its
    data: no ready task, no timer, message or signal wait, no service call, no event
    sub-process a message, signal or timer may start."""
    events = waiting(workflow)
    if not events or workflow.get_tasks(state=TaskState.READY):
        return
    for task in workflow.event_manager.tasks.values():
        if task.state == TaskState.WAITING and not all(
            isinstance(part, ConditionalEventDefinition)
            for part in internals.awaited_definitions(task)
        ):
            return
    if any(_external_wait(task) for task in workflow.get_tasks(state=TaskState.STARTED)):
        return
    if _event_subprocess_may_start(workflow):
        return
    task = events[0]
    name = task.task_spec.bpmn_name or task.task_spec.bpmn_id
    raise ConditionNeverTrue(
        f"the condition of '{name}' ({task.task_spec.event_definition.expression}) is false "
        "and nothing left in the case can change it: no task, timer, message or service "
        "call remains. Set the variable it reads and retry, or move the case on.",
        task,
    )


def _external_wait(task) -> bool:
    """A started task other than a sub-process or call activity (which is done when its
    own tasks are): something outside the case still runs it (a service call)."""
    return not isinstance(task.task_spec, SubWorkflowTask)


def _event_subprocess_may_start(workflow: BpmnWorkflow) -> bool:
    """Whether a running scope has an event sub-process a message, signal or timer may
    still start (one started by an error or escalation needs a running task)."""
    scopes = [] if event_subprocesses.interrupted(workflow) else [workflow]
    for scope in [*scopes, *event_subprocesses.running_scopes(workflow)]:
        specs = scope.top_workflow.subprocess_specs
        for name in getattr(scope.spec.start, "trigger_specs", ()):
            for start in getattr(specs.get(name), "bpmn_start_events", ()):
                definition = start.event_definition
                if not isinstance(definition, ConditionalEventDefinition | CodeEventDefinition):
                    return True
    return False


def _latest_writes(workflow: BpmnWorkflow) -> dict[int, dict[str, tuple[float, Any]]]:
    """Per data domain, per name, (when, value) of the last completed step of the case
    that wrote it (set it in a form or script, or changed its value)."""
    latest: dict[int, dict[str, tuple[float, Any]]] = {}
    domains: dict[int, int] = {}  # id of a (sub-)workflow -> its data domain
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        parent = _inherited(workflow, task)
        stated = _stated(task)
        key = id(task.workflow)
        if key not in domains:
            domains[key] = _domain(workflow, task.workflow)
        domain = latest.setdefault(domains[key], {})
        for name, value in task.data.items():
            if name not in stated and parent.get(name, _MISSING) == value:
                continue
            seen = domain.get(name)
            if seen is None or seen[0] <= task.last_state_change:
                domain[name] = (task.last_state_change, value)
    return latest


def _stated(task) -> set[str]:
    """The names a step's form or script set, whatever values they had before."""
    names = set(internals.written(task))
    script = getattr(task.task_spec, "script", None)
    if isinstance(script, str):
        try:
            names |= language.names_written(script)
        except EngineError:
            pass
    return names


def _domain(top: BpmnWorkflow, workflow) -> int:
    """The data domain of a (sub-)workflow: the top process, or the called process it
    belongs to (an embedded or event sub-process shares its parent's data)."""
    while workflow is not top:
        parent_id = getattr(workflow, "parent_task_id", None)
        starter = top.get_task_from_id(parent_id) if parent_id else None
        if starter is None or isinstance(starter.task_spec, CallActivity):
            break
        workflow = starter.workflow
    return id(workflow)


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
    condition never is; :func:`_start_event_subprocesses` starts them. The specs of
    sub-processes are kept by the top workflow only."""
    specs = getattr(scope, "top_workflow", scope).subprocess_specs
    found = []
    for name in getattr(scope.spec.start, "trigger_specs", ()):
        sub_spec = specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", ()):
            if isinstance(start.event_definition, ConditionalEventDefinition):
                found.append((name, start.event_definition))
    return found


def _start_event_subprocesses(scope, latest: dict[str, tuple[float, Any]]) -> list:
    """Start each event sub-process whose condition became true since the last look
    (BPMN: a conditional start fires when its condition changes from false to true);
    the event sub-process tasks started."""
    root = scope.task_tree
    before = internals.conditional_starts_seen(root)
    started = []
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
                child_id = scope.spec.start.trigger_wf(root, name)
            finally:
                root.data = kept
            started.append(scope.get_task_from_id(child_id))
        if holds is not None:
            before[name] = holds
    internals.set_conditional_starts_seen(root, before)
    return started


def _safe_names(expression: str) -> set[str]:
    try:
        return set(language.names_read(expression))
    except EngineError:
        return set()
