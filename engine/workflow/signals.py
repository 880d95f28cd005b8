"""Signals between cases: BPMN broadcasts a signal to everyone waiting for it.

SpiffWorkflow 3.2 delivers a signal only inside the workflow that throws it. BPMN's
signal is a broadcast: a "office closed" thrown by one case reaches every running case
that waits for that signal, of the same procedure or another (an intermediate catch
event, a boundary event, an event sub-process started by it). :func:`engine.workflow.signal_throw.broadcast_throw`
(installed on SpiffWorkflow's signal definition by :mod:`engine.workflow.specs`) hands
every signal a case throws to the engine, caught inside the case or not;
:func:`broadcast` then delivers it, once, to each other running case waiting for it
when it is thrown, each delivery in the receiving case's history and the count in the
thrower's. A signal carries no data to other cases (the thrower's data stay its own).

One top-level throw is bounded in breadth as well as depth: the deliveries it sets off
(a delivered signal may make the receiving case throw again) reach each case at most once
per signal name, the throwing case included, and at most :data:`MAX_DELIVERIES` cases in
all; the cases beyond are not reached, and the broadcasting case's history says how many
(its step still succeeds). The state of a throw is per thread and per request (a
:class:`contextvars.ContextVar`), never shared between concurrent throws.

Escalations and errors are not broadcast: BPMN keeps them inside the case that throws
them (to the enclosing scopes).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.office import audit
from engine.storage.cache import BoundedCache
from engine.storage.tables import Case, CaseStatus, ProcessDefinition
from engine.workflow import specs
from engine.workflow.event_subprocesses import event_starts
from engine.workflow.runtime import Running, advance, open_case, peek_workflow

#: how deep signals may set off signals in other cases before the chain is stopped
MAX_CHAIN = 8
#: how many cases one top-level throw may reach in all, its chain of signals included
MAX_DELIVERIES = 100


@dataclass
class _Throw:
    """What one top-level throw has set off so far."""

    depth: int = 0
    deliveries: int = 0
    reached: set[tuple[int, str]] = field(default_factory=set)


_current: ContextVar[_Throw | None] = ContextVar("permitflow_signal_throw", default=None)
_caught: BoundedCache[tuple[int, str], frozenset[str]] = BoundedCache(256)


def signals_caught(definition: ProcessDefinition) -> frozenset[str]:
    """Names of the signals some element of a deployed version catches."""

    def read() -> frozenset[str]:
        spec, subprocess_specs = specs.specs_for(definition)
        names = set()
        for process_spec in [spec, *subprocess_specs.values()]:
            for task_spec in process_spec.task_specs.values():
                if isinstance(task_spec, CatchingEvent):
                    names.update(_signal_names(task_spec.event_definition))
        return frozenset(names)

    return _caught.get_or_make((definition.id, definition.sha256), read)


def _signal_names(definition) -> list[str]:
    parts = [definition, *(getattr(definition, "event_definitions", None) or ())]
    return [p.name for p in parts if isinstance(p, SignalEventDefinition)]


def broadcast(session: Session, source: Running, name: str, actor: str) -> int:
    """Deliver signal ``name`` thrown by ``source`` to every other running case waiting
    for it (within the bounds of one throw); returns how many it reached."""
    throw = _current.get()
    if throw is not None:  # set off by a signal of the same top-level throw
        return _broadcast(session, throw, source, name, actor)
    throw = _Throw()
    token = _current.set(throw)
    try:
        return _broadcast(session, throw, source, name, actor)
    finally:
        _current.reset(token)


def _broadcast(session: Session, throw: _Throw, source: Running, name: str, actor: str) -> int:
    if throw.depth >= MAX_CHAIN:
        _record(
            session,
            source,
            "signal_not_broadcast",
            f"Signal '{name}' was broadcast to no "
            f"case: {MAX_CHAIN} signals in a row set each other off (a loop?)",
            actor,
        )
        return 0
    throw.reached.add((source.case.id, name))
    reached: list[str] = []
    left = 0
    throw.depth += 1
    try:
        for case in _candidates(session, name, source.case.id):
            if (case.id, name) in throw.reached:
                continue
            if throw.deliveries >= MAX_DELIVERIES:
                left += 1
            elif case.status == CaseStatus.RUNNING and _waits_for(peek_workflow(case), name):
                throw.reached.add((case.id, name))
                throw.deliveries += 1
                _deliver(session, case, name, source.case.tracking_code, actor)
                reached.append(case.tracking_code)
    finally:
        throw.depth -= 1
    listed = f": {', '.join(reached)}" if reached else ""
    message = f"Signal '{name}' broadcast to {len(reached)} other cases{listed}"
    _record(session, source, "signal_broadcast", message, actor)
    if left:
        _record(session, source, "signal_not_broadcast", _over_limit(name, left), actor)
    return len(reached)


def _over_limit(name: str, left: int) -> str:
    return (
        f"Signal '{name}' was not delivered to {left} further running cases of procedures "
        f"that catch it: one signal and the signals it sets off reach at most "
        f"{MAX_DELIVERIES} cases"
    )


def _candidates(session: Session, name: str, exclude: int) -> list[Case]:
    """Running cases (but ``exclude``) of the versions that catch signal ``name``."""
    versions = session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.id.in_(
                select(Case.definition_id).where(Case.status == CaseStatus.RUNNING).distinct()
            )
        )
    )
    ids = [d.id for d in versions if name in signals_caught(d)]
    if not ids:
        return []
    query = (
        select(Case)
        .where(Case.definition_id.in_(ids), Case.status == CaseStatus.RUNNING, Case.id != exclude)
        .order_by(Case.id)
    )
    return list(session.scalars(query))


def _event(name: str) -> BpmnEvent:
    return BpmnEvent(SignalEventDefinition(name))


def _waits_for(workflow, name: str) -> bool:
    event = _event(name)
    waiting = [
        t
        for t in workflow.event_manager.tasks.values()
        if t.state == TaskState.WAITING and t.task_spec.catches(t, event)
    ]
    return bool(waiting or event_starts(workflow, SignalEventDefinition, name))


def _deliver(session: Session, case: Case, name: str, thrower: str, actor: str) -> None:
    running = open_case(case)
    _record(
        session, running, "signal_received", f"Signal '{name}' received from case {thrower}", actor
    )
    advance(
        session,
        running,
        actor,
        lambda: running.workflow.event_manager.catch(_event(name), internal=False),
    )


def _record(session: Session, running: Running, action: str, message: str, actor: str) -> None:
    audit.record(session, action, actor=actor, case_id=running.case.id, message=message)
