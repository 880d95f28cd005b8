"""Event sub-processes: started by errors and escalations, and interrupting their scope.

SpiffWorkflow 3.2's start event parser reads message, signal, timer and conditional
definitions only: an event sub-process started by an error or an escalation would get
a "none" start and run as soon as its scope starts. :class:`StartEventParser` reads
those two as well, so such an event sub-process waits for its error or escalation.

SpiffWorkflow 3.2 reads ``isInterrupting`` nowhere: every event sub-process runs beside
the flow that was going on, as if it were non-interrupting. BPMN says an interrupting
one (``isInterrupting="true"``, the default) cancels everything else in its scope (the
process, or the sub-process it is declared in) when its start event fires: the tasks
waiting in inboxes, the timers and message waits, the other event sub-processes.

Compiling marks the start events of event sub-processes with whether they interrupt
(:func:`mark_interrupting`); the mark is stored with the spec
(:mod:`engine.workflow.specs`). When one marked interrupting runs, :func:`interrupt_scope`
cancels every branch of the scope except the event sub-process's own; the scope then
ends when the event sub-process ends.

SpiffWorkflow 3.2 starts an event sub-process on a message, signal, error or escalation
only at the top of the process (``EventManager.update_collaboration`` reads the top
process's event sub-processes); one declared inside an embedded sub-process would start
on its timer only. :func:`catch_in_scopes` (installed on SpiffWorkflow's event manager
by :mod:`engine.workflow.specs`) starts those too, while their scope runs: a signal (a
broadcast) in every running sub-process whose event sub-process catches it; a message
(which BPMN gives to one recipient) in one scope only, :func:`message_scope` (none when a
waiting task of the case catches it; several scopes that could take it, e.g. the
instances of a multi-instance sub-process, are narrowed by the message's correlation
properties evaluated on each scope's data, and a message still matching several is
refused, never started in each); an error or
an escalation on its way up from where it was thrown, in the innermost scope with an
event sub-process catching it (before the scope's boundary events, as BPMN says).
Once the scope has ended, been cancelled, or been interrupted by one of its event
sub-processes, its event sub-processes no longer start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lxml import etree
from SpiffWorkflow.bpmn.parser import event_parsers
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import StartEvent as DefaultStartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import CodeEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.xml import BPMN_NS
from engine.errors import InvalidState
from engine.workflow import internals

#: the attribute set on a start event's task spec (and stored with it)
MARK = "interrupting"


class AmbiguousMessage(InvalidState):
    """A message could start the event sub-process of several scopes of a case."""

    code = "ambiguous_message"


class StartEventParser(event_parsers.StartEventParser):
    """SpiffWorkflow's start event parser, reading error and escalation starts too."""

    XPATHS = (
        event_parsers.MESSAGE_EVENT_XPATH,
        event_parsers.SIGNAL_EVENT_XPATH,
        event_parsers.TIMER_EVENT_XPATH,
        event_parsers.CONDITIONAL_EVENT_XPATH,
        event_parsers.ERROR_EVENT_XPATH,
        event_parsers.ESCALATION_EVENT_XPATH,
    )

    def create_task(self):
        task = self._create_task(self.get_event_definition(list(self.XPATHS)))
        self.spec.start.connect(task)
        return task


#: the entry for the parser's OVERRIDE_PARSER_CLASSES
PARSER_OVERRIDE = {full_tag("startEvent"): (StartEventParser, DefaultStartEvent)}


def event_subprocess_starts(root: etree._Element) -> dict[str, bool]:
    """The start events of the file's event sub-processes: id -> whether it interrupts."""
    found = {}
    for sub in root.iter(f"{{{BPMN_NS}}}subProcess"):
        if sub.get("triggeredByEvent", "").strip().lower() != "true":
            continue
        for start in sub.iterchildren(f"{{{BPMN_NS}}}startEvent"):
            interrupting = start.get("isInterrupting", "true").strip().lower() != "false"
            found[start.get("id")] = interrupting
    return found


def mark_interrupting(root: etree._Element, process_specs: Iterable) -> None:
    """Mark the task specs of the event sub-processes' start events in ``process_specs``
    with whether they interrupt (True) or not (False)."""
    starts = event_subprocess_starts(root)
    for process_spec in process_specs:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, StartEvent) and task_spec.bpmn_id in starts:
                setattr(task_spec, MARK, starts[task_spec.bpmn_id])


def connect_triggered(process_specs: Iterable) -> None:
    """Mark the start task as the input of every event sub-process started by an event.

    SpiffWorkflow 3.2's ``trigger_wf`` otherwise connects the start task to it when the
    event first comes, on the spec in memory (cached and shared by the version's cases):
    every case started after that would start the event sub-process at once. Marked
    here, it is stored with the spec and ``trigger_wf`` leaves the spec alone.
    """
    for process_spec in process_specs:
        start = process_spec.start
        for name in getattr(start, "trigger_specs", ()):
            task_spec = process_spec.task_specs[name]
            if start not in task_spec.inputs:
                task_spec.inputs = [*task_spec.inputs, start]
            if process_spec.end not in task_spec.outputs:
                task_spec.connect(process_spec.end)


def interrupt_scope(start_task) -> None:
    """Cancel every branch of the scope of ``start_task``'s event sub-process but its own.

    The event sub-process is a task of its scope's workflow, a child of the scope's start
    task (timer starts) or of its root (starts by a message, signal, error or
    escalation); every sibling along the way up to the root is cancelled, with the
    sub-processes, inbox tasks and waits below it.
    """
    sub = start_task.workflow
    parent_id = getattr(sub, "parent_task_id", None)
    holder = sub.top_workflow.get_task_from_id(parent_id) if parent_id else None
    if holder is not None and not holder.children:  # started by an event: no next step yet
        internals.predict_children(holder)
    current = holder
    while current is not None and current.parent is not None:
        for sibling in list(current.parent.children):
            if sibling is not current:
                sibling.cancel()
        current = current.parent


def interrupting_run_hook(run_hook: Callable) -> Callable:
    """StartEvent's ``_run_hook``, interrupting the scope when the start event is marked."""

    def run(self, my_task):
        result = run_hook(self, my_task)
        if getattr(self, MARK, False):
            interrupt_scope(my_task)
        return result

    return run


def event_starts(workflow, kind: type, name: str) -> list[str]:
    """Ids of the start events of ``workflow``'s event sub-processes that an event of
    ``kind`` (e.g. ``MessageEventDefinition``) named ``name`` would start now: those of
    the process and of the sub-processes running in it (:func:`running_scopes`).

    These start events wait in no task (SpiffWorkflow starts their event sub-process when
    the event comes), so no timer or message wait row stands for them. None in a scope
    once an interrupting event sub-process of it has started: it ended the rest of the
    scope.
    """
    found = []
    scopes = [] if interrupted(workflow) else [workflow]
    for scope in [*scopes, *running_scopes(workflow)]:
        for _, start in _triggered_starts(scope):
            definition = start.event_definition
            if isinstance(definition, kind) and getattr(definition, "name", None) == name:
                found.append(start.bpmn_id)
    return found


def _triggered_starts(scope) -> list[tuple[str, StartEvent]]:
    """The start events of ``scope``'s event sub-processes started by an event, each
    with the name of its event sub-process's spec."""
    specs_by_name = scope.top_workflow.subprocess_specs
    return [
        (spec_name, start)
        for spec_name in getattr(scope.spec.start, "trigger_specs", ())
        for start in getattr(specs_by_name.get(spec_name), "bpmn_start_events", ())
    ]


def running_scopes(workflow) -> list:
    """The sub-processes of ``workflow`` (at any depth) whose event sub-processes may
    start now: running (neither ended nor cancelled), not interrupted, and declaring an
    event sub-process started by an event."""
    scopes = []
    for sub in list(workflow.subprocesses.values()):
        if sub.completed or not getattr(sub.spec.start, "trigger_specs", None):
            continue
        holder = workflow.get_task_from_id(sub.parent_task_id)
        if holder is None or holder.state != TaskState.STARTED or interrupted(sub):
            continue
        scopes.append(sub)
    return scopes


def start_in_scope(scope, event):
    """Start the event sub-process of ``scope`` whose start event catches ``event``
    (or take the one already started whose start event still waits); its workflow, or
    None when no event sub-process of the scope catches the event."""
    top = scope.top_workflow
    for spec_name, start in _triggered_starts(scope):
        if start.event_definition != event.event_definition:
            continue
        for sub in top.subprocesses.values():
            if sub.parent_workflow is scope and not sub.completed:
                if sub.get_next_task(state=TaskState.WAITING, spec_name=start.name):
                    return sub
        holder_id = scope.spec.start.trigger_wf(scope.task_tree, spec_name)
        sub = top.subprocesses[holder_id]
        sub.correlations.update(event.correlations)
        return sub
    return None


def catch_in_scopes(catch: Callable) -> Callable:
    """SpiffWorkflow's ``EventManager.catch``, starting the event sub-processes of
    sub-processes too (see the module's docstring)."""

    def catch_event(self, event, internal=True):
        target = event.target
        if target is not None and target.parent_task_id is not None:  # thrown in a scope
            caught = any(
                t.workflow is target and t.task_spec.event_definition.catches(t, event)
                for t in self.tasks.values()
            )
            if not caught and not interrupted(target):
                started = start_in_scope(target, event)
                if started is not None:
                    event.target = started
        elif isinstance(event.event_definition, MessageEventDefinition) and target is None:
            waiting = any(t.task_spec.catches(t, event) for t in self.tasks.values())
            scope = None if waiting else message_scope(self.workflow, event)
            if scope is not None and scope is not self.workflow:  # the top: SpiffWorkflow's
                start_in_scope(scope, event)
        elif target is None and not isinstance(event.event_definition, CodeEventDefinition):
            for scope in running_scopes(self.workflow):
                start_in_scope(scope, event)
        return catch(self, event, internal)

    return catch_event


def message_scope(workflow, event):
    """The one scope (the process or a running sub-process) whose event sub-process the
    message ``event`` starts, or None when none does.

    A message goes to one recipient. When the event sub-processes of several scopes catch
    it (each instance of a multi-instance sub-process declares its own), the message's
    correlation properties, evaluated on the payload and on each scope's data, keep the
    scopes that correlate; when still several remain, :class:`AmbiguousMessage` names them
    (as a message matching several waiting cases is refused).
    """
    scopes = [] if interrupted(workflow) else [workflow]
    found = [
        (scope, start)
        for scope in [*scopes, *running_scopes(workflow)]
        for _, start in _triggered_starts(scope)
        if _same_message(start.event_definition, event.event_definition)
    ]
    name = event.event_definition.name
    if len(found) > 1 and any(_properties(start) for _, start in found):
        found = [(scope, start) for scope, start in found if _correlates(scope, start, event)]
        if not found:
            raise InvalidState(
                f"The message {name!r} correlates to none of the scopes of the case whose "
                "event sub-process it would start."
            )
    if len(found) > 1:
        where = ", ".join(dict.fromkeys(_scope_label(scope) for scope, _ in found))
        raise AmbiguousMessage(
            f"The message {name!r} would start an event sub-process in {len(found)} waiting "
            f"scopes of the case ({where}); a message goes to one: correlate it "
            "(bpmn:correlationProperty) to the data of the one it is for."
        )
    return found[0][0] if found else None


def _same_message(definition, message) -> bool:
    return (
        isinstance(definition, MessageEventDefinition)
        and isinstance(message, MessageEventDefinition)
        and definition.name == message.name
    )


def _correlates(scope, start, event) -> bool:
    """Whether the start event's correlation properties give the same values on the
    message's payload as on the scope's data (False without any, or unreadable)."""
    properties = _properties(start)
    evaluate = scope.top_workflow.script_engine.environment.evaluate
    payload, data = dict(event.payload or {}), _scope_data(scope)
    try:
        return bool(properties) and all(
            evaluate(p.retrieval_expression, payload) == evaluate(p.retrieval_expression, data)
            for p in properties
        )
    except Exception:  # noqa: BLE001 - a name the payload or the scope lacks: no match
        return False


def _properties(start) -> list:
    return getattr(start.event_definition, "correlation_properties", None) or []


def _scope_data(scope) -> dict:
    """The data a scope's instance runs with: its holder task's (a multi-instance
    sub-process's item is there) and the scope's own, or the case's latest task's."""
    parent_id = getattr(scope, "parent_task_id", None)
    if parent_id is None:
        last = scope.last_task
        return {**scope.data, **(last.data if last is not None else {})}
    holder = scope.top_workflow.get_task_from_id(parent_id)
    return {**(holder.data if holder is not None else {}), **scope.data}


def _scope_label(scope) -> str:
    parent_id = getattr(scope, "parent_task_id", None)
    holder = scope.top_workflow.get_task_from_id(parent_id) if parent_id else None
    if holder is None:
        return "the process"
    spec = holder.task_spec
    return f"sub-process {getattr(spec, 'bpmn_name', None) or spec.bpmn_id or spec.name!r}"


def interrupted(workflow) -> bool:
    """Whether an interrupting event sub-process of the scope ``workflow`` has started."""
    return any(
        getattr(task.task_spec, MARK, False)
        and task.state == TaskState.COMPLETED
        and getattr(task.workflow, "parent_workflow", None) is workflow
        for task in workflow.get_tasks()
    )


def beside_the_flow(task) -> bool:
    """Whether ``task`` runs in a non-interrupting event sub-process: work added beside
    the case's flow, whose end event is not the case's outcome."""
    starts = getattr(task.workflow.spec, "bpmn_start_events", ())
    return any(getattr(s, MARK, None) is False for s in starts)
