"""Loading a case's workflow, advancing it, and saving it with its open tasks.

After every change the case row gets the new state (optimistic lock on its version
counter) and the side tables are brought in line: one row per open human task, one
per waiting timer, one per awaited message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from engine.bpmn.model import BpmnModel, Process
from engine.calendar import clock
from engine.errors import Conflict, EngineError
from engine.office import audit, definitions, notifications, sla
from engine.storage.cache import BoundedCache
from engine.storage.tables import (
    FINISHED_STATUSES,
    Case,
    CaseStatus,
    HumanTask,
    Incident,
    MessageWait,
    Timer,
)
from engine.workflow import (
    conditions,
    event_subprocesses,
    internals,
    repair,
    service_tasks,
    specs,
)


@dataclass
class Running:
    """A case with its live workflow and the typed model of its version.

    ``open_before``, ``waits_before`` and ``calls_before`` (waiting service tasks)
    describe the workflow as loaded, which the side tables mirror; saving writes only
    what changed since.
    """

    case: Case
    workflow: BpmnWorkflow
    model: BpmnModel
    process: Process
    open_before: frozenset[str] = frozenset()
    waits_before: dict[tuple[str, str], tuple] = field(default_factory=dict)
    calls_before: frozenset[str] = frozenset()


# Live workflows of recently saved cases, keyed by tracking code and checked against the
# stored state bytes, so a case worked on repeatedly is not deserialized every time.
# A workflow is taken out while in use and only put back after a successful save.
_live: BoundedCache[str, tuple[bytes, BpmnWorkflow, frozenset[str], dict, frozenset[str]]] = (
    BoundedCache(512)
)


def open_case(case: Case) -> Running:
    """The live workflow of ``case`` (restored from its state, or from the cache)."""
    cached = _live.pop(case.tracking_code)
    model = definitions.model_for(case.definition)
    process = model.processes[case.definition.key]
    if cached is not None and cached[0] == case.state:
        return Running(case, cached[1], model, process, cached[2], cached[3], cached[4])
    workflow = specs.load_state(
        case.state, *specs.specs_for(case.definition), case.serializer_version
    )
    calls = frozenset(service_tasks.waiting(workflow))
    ready = frozenset(_open_human_tasks(workflow))
    return Running(case, workflow, model, process, ready, _waits(workflow), calls)


def peek_workflow(case: Case) -> BpmnWorkflow:
    """The workflow of ``case`` for reading only (the cached one is left in place)."""
    cached = _live.get(case.tracking_code)
    if cached is not None and cached[0] == case.state:
        return cached[1]
    return specs.load_state(case.state, *specs.specs_for(case.definition), case.serializer_version)


def _open_human_tasks(workflow: BpmnWorkflow) -> dict[str, object]:
    return {str(t.id): t for t in all_tasks(workflow, TaskState.READY) if t.task_spec.manual}


def _waits(workflow: BpmnWorkflow) -> dict[tuple[str, str], tuple]:
    """Waiting timers and messages: (task id, ``timer`` or ``message:<name>``) ->
    (element, due or message name).

    An event with several definitions (SpiffWorkflow's MultipleEventDefinition) waits
    for each of them still to come, so one task may wait for a timer and messages.
    """
    waits: dict[tuple[str, str], tuple] = {}
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        for part in internals.awaited_definitions(task):
            if isinstance(part, TimerEventDefinition):
                due = timer_due(task)
                if due is not None:
                    waits[(str(task.id), "timer")] = (task.task_spec.bpmn_id, due)
            elif isinstance(part, MessageEventDefinition) and part.name:
                # a catch naming no message and itself unnamed (validation warns) can be
                # sent nothing: no row, so the case still starts and its other ways run
                key = (str(task.id), f"message:{part.name}")
                waits[key] = (task.task_spec.bpmn_id, part.name)
    return waits


def all_tasks(workflow: BpmnWorkflow, state: int) -> list:
    """Tasks in ``state`` in the workflow and all its sub-processes.

    SpiffWorkflow's task iterator already walks into sub-processes and call activities.
    """
    return list(workflow.get_tasks(state=state))


def advance(
    session: Session, running: Running, actor: str, action: Callable[[], object] | None = None
) -> Incident | None:
    """Run ``action`` (complete a task, catch a message...), the engine steps, and save.

    This is the one place where an error of SpiffWorkflow or of an expression while a
    case runs is caught: the workflow is saved as it stands (the failed task in its
    ERROR state, the work done before it kept), the case gets an :class:`Incident` and
    the status "incident", and the incident is returned. Database errors propagate.
    """
    running_task: list = []
    try:
        if action is not None:
            action()
        _run_engine_steps(running.workflow, _watch(running_task))
    except SQLAlchemyError:
        raise
    except Exception as exc:  # noqa: BLE001 - every workflow or expression failure
        failure = repair.describe(running.workflow, exc, running_task[-1] if running_task else None)
        save(session, running, actor)
        return _open_incident(session, running, failure, actor)
    thrown = running.workflow.get_events()
    save(session, running, actor)
    for hook in _after_steps:  # what the completed steps produce: bills, permits
        hook(session, running, actor)
    if thrown:
        if not _message_router:
            raise RuntimeError("engine.workflow.messages is not loaded; thrown messages are lost")
        _message_router[0](session, running, thrown, actor)
    return None


def _run_engine_steps(workflow: BpmnWorkflow, before: Callable) -> None:
    """The engine steps, then again while a waiting conditional event fires on their data
    (a loop of conditions, or a case left waiting on a dead one, raises: an incident)."""
    workflow.do_engine_steps(will_complete_task=before)
    conditions.settle(workflow, lambda: workflow.do_engine_steps(will_complete_task=before))


#: Delivers the messages a case threw to the cases waiting for them. Delivering advances
#: the receiving case, so :mod:`engine.workflow.messages` needs this module: it installs
#: its router here when imported, instead of this module importing it back.
_message_router: list[Callable] = []


#: Called after every successful advance with (session, running, actor):
#: :mod:`engine.office.issuing` installs itself here (bills and permits of the steps done,
#: however the case moved: a task, a timer, a message).
_after_steps: list[Callable] = []


def run_after_steps(hook: Callable) -> None:
    """Install a hook run after each successful advance (once per hook)."""
    if hook not in _after_steps:
        _after_steps.append(hook)


def route_messages_with(router: Callable) -> None:
    """Install the function that delivers thrown messages (``messages.route_thrown``)."""
    _message_router[:] = [router]


#: how many times one advance may run a task again (a task of a sub-process it already
#: ran there): a loop of scripts and gateways that never waits, a timer cycle of no
#: interval, would otherwise run for ever (each round deepens the task tree, so each
#: costs more: 2,000 rounds take about five seconds, 10,000 over two minutes)
MAX_STEPS = 2000
#: how many tasks one advance may run in all: the widest multi-instance (1,000
#: sub-processes of a few steps each) runs its steps once each, cheaply, and passes
MAX_TASKS_PER_MOVE = 20_000


class TooManySteps(EngineError):
    """The engine ran :data:`MAX_STEPS` tasks again (or :data:`MAX_TASKS_PER_MOVE` in
    all) without the case waiting for anything."""

    code = "case_spins"  # not the expression language's too_many_steps


def _watch(running_task: list) -> Callable:
    """Remember the task about to run, and bound the steps and the nesting of call
    activities. Only a task run again in the same (sub-)process counts towards
    :data:`MAX_STEPS`: the instances of a multi-instance sub-process each run their
    steps once (600 instances of three steps were stopped as a spin)."""
    ran: set[tuple[int, str]] = set()
    again = [0]

    def before(task) -> None:
        running_task.append(task)
        key = (id(task.workflow), task.task_spec.name)
        if key in ran:
            again[0] += 1
        ran.add(key)
        if again[0] > MAX_STEPS or len(running_task) > MAX_TASKS_PER_MOVE:
            limit = MAX_STEPS if again[0] > MAX_STEPS else MAX_TASKS_PER_MOVE
            raise TooManySteps(
                f"the case ran {limit} steps without waiting for a person, a message or "
                "a timer: a loop whose way out is never taken, or a timer cycle that repeats "
                "at once? Correct the model, migrate the case, then retry",
                reason="case_spins",
                params={"limit": limit},
            )
        repair.check_call_depth(task)
        _take_first_event_only(task)

    return before


def _take_first_event_only(task) -> None:
    """An event-based gateway follows only the event that reached it first.

    SpiffWorkflow 3.2 runs every branch whose event it has "seen": when a message is
    caught after the gateway's timer is due but before it was fired, checking the
    caught task also marks the timer as fired, and both branches run (a paid case
    also expired). Keeping only the first seen event cancels the other branches.
    To report upstream: ``EventBasedGateway._run_hook`` should take one event.
    """
    if isinstance(task.task_spec, EventBasedGateway):
        seen = task.internal_data.get("seen_events") or []
        if len(seen) > 1:
            task.internal_data["seen_events"] = seen[:1]


def _open_incident(session: Session, running: Running, failure, actor: str) -> Incident:
    case = running.case
    name = _node_name(running, failure.element_id)
    incident = Incident(
        case_id=case.id,
        task_id=failure.task_id,
        element_id=failure.element_id[:200],
        element_name=name[:300],
        kind=failure.kind,
        message=failure.message,
        expression=failure.expression,
        values=failure.values,
        detail=failure.detail,
        status="open",
        created_at=clock.now(),
        created_by=actor,
    )
    session.add(incident)
    case.status = CaseStatus.INCIDENT
    case.current_step = f"Incident: {name}"[:500]
    audit.record(
        session,
        "incident_opened",
        actor=actor,
        case_id=case.id,
        task_id=failure.task_id,
        element_id=failure.element_id[:200],
        element_name=name[:300],
        message=failure.message,
        data={
            "kind": failure.kind,
            "expression": failure.expression,
            "values": failure.values,
            "detail": failure.detail,
        },
    )
    session.flush()
    return incident


def save(session: Session, running: Running, actor: str) -> None:
    """Persist the workflow state and bring tasks, timers, waits and calls in line.

    Everything the case row carries (state, current step, status) is set first, so one
    flush writes it in one versioned UPDATE with the new audit entries (which cannot
    collide) and, after the UPDATE, the new task rows; gone task rows and changed timer
    and message rows follow. Of two racing transactions the second thus waits at the
    UPDATE for the first and then loses cleanly, before it writes a task or timer row
    with an id the first also wrote (an IntegrityError, formerly a 500).
    """
    case = running.case
    code, case_id = case.tracking_code, case.id
    case.state = specs.dump_state(running.workflow)
    case.serializer_version = specs.SERIALIZER_VERSION
    waits = _waits(running.workflow)
    calls = service_tasks.waiting(running.workflow)
    try:
        with session.no_autoflush:
            gone = _stage_human_tasks(session, running, actor, waits, calls)
            _update_status(session, running, actor)
        session.flush()
        _delete_human_tasks(session, gone)
        _sync_waits(session, running, waits)
        if calls or running.calls_before:
            with session.no_autoflush:
                service_tasks.sync(session, case, running.workflow, lambda e: _node(running, e))
            running.calls_before = frozenset(calls)
        session.flush()
    except StaleDataError as exc:
        who = _who_changed(session, case_id)
        raise Conflict(
            f"Case {code} was changed meanwhile{' (' + who + ')' if who else ''}; "
            "reload it and try again."
        ) from exc
    except IntegrityError as exc:
        raise Conflict(
            f"Case {code} was changed by someone else at the same moment; reload it and try again."
        ) from exc
    _live.put(
        code,
        (
            case.state,
            running.workflow,
            running.open_before,
            running.waits_before,
            running.calls_before,
        ),
    )


def _who_changed(session: Session, case_id: int) -> str:
    """The winner of a race for the case, read outside the failed transaction."""
    try:
        with Session(session.get_bind()) as fresh:
            return audit.who_changed(fresh, case_id=case_id)
    except SQLAlchemyError:
        return ""


def _stage_human_tasks(
    session: Session, running: Running, actor: str, waits: dict, calls: dict
) -> list[str]:
    """Add the rows (and audit entries) of newly ready tasks, drop those of tasks no
    longer ready, set the current step; return the ids of rows left to delete."""
    case = running.case
    ready = _open_human_tasks(running.workflow)
    now = clock.now()
    for task_id in ready.keys() - running.open_before:
        row = _human_task_row(running, ready[task_id], now)
        session.add(row)
        audit.record(
            session,
            "task_created",
            actor=actor,
            case_id=case.id,
            task_id=task_id,
            element_id=row.element_id,
            element_name=row.name,
            lane=row.lane_name,
            message=f"{row.name} is ready for {row.lane_name or 'the office'}",
        )
    gone = _drop_human_tasks(session, sorted(running.open_before - ready.keys()))
    running.open_before = frozenset(ready)
    case.current_step = _current_step(running, ready.values(), waits, calls)
    return gone


def _drop_human_tasks(session: Session, task_ids: list[str]) -> list[str]:
    """Mark the loaded rows of tasks no longer ready for deletion in the coming flush;
    return the ids of the others (not in the session), to delete after it."""
    others = []
    for task_id in task_ids:
        row = session.identity_map.get(identity_key(HumanTask, task_id))
        if row is None:
            others.append(task_id)
        else:
            session.delete(row)
    return others


def _delete_human_tasks(session: Session, task_ids: list[str]) -> None:
    """One DELETE for the rows of tasks no longer ready that were not loaded."""
    if task_ids:
        statement = delete(HumanTask).where(HumanTask.id.in_(task_ids))
        session.execute(statement.execution_options(synchronize_session=False))


def _current_step(running: Running, ready, waits: dict, calls: dict) -> str:
    names = sorted({_node_name(running, t.task_spec.bpmn_id) for t in ready})
    if not names:
        waiting = sorted({_node_name(running, w[0]) for w in waits.values()})
        waiting += sorted(_node_name(running, t.task_spec.bpmn_id) for t in calls.values())
        waiting += sorted(
            _node_name(running, t.task_spec.bpmn_id) for t in conditions.waiting(running.workflow)
        )
        names = [f"Waiting: {name}" for name in waiting]
    return ", ".join(names)[:500]


def _node(running: Running, element_id: str):
    found = definitions.locate(running.case.definition, element_id)
    return found[1] if found else None


def fail_service_task(
    session: Session,
    running: Running,
    task_id: str,
    message: str,
    actor: str,
    detail: dict | None = None,
) -> Incident:
    """The call of a waiting service task failed after its retries: an incident
    (``detail``: its reason as data, see :class:`engine.workflow.repair.Failure`)."""
    task = service_tasks.fail(running.workflow, task_id)
    failure = repair.Failure(
        "connector", message, task.task_spec.bpmn_id, task_id, None, None, detail
    )
    save(session, running, actor)
    return _open_incident(session, running, failure, actor)


def _node_name(running: Running, element_id: str) -> str:
    found = definitions.locate(running.case.definition, element_id)
    return found[1].label if found else element_id


def _human_task_row(running: Running, task, now: datetime) -> HumanTask:
    element_id = task.task_spec.bpmn_id
    found = definitions.locate(running.case.definition, element_id)  # also called processes
    process, node = found if found else (running.process, None)
    lane = process.lane_of(element_id) if node else None
    role = lane.role if lane else (node.assigned_role if node else "")
    return HumanTask(
        id=str(task.id),
        case_id=running.case.id,
        element_id=element_id,
        name=node.label if node else element_id,
        lane_id=lane.id if lane else None,
        lane_name=lane.name if lane else "",
        role=role.split(",")[0].strip(),
        created_at=now,
        due_at=sla.task_due(now, node, running.case),
    )


def _sync_waits(session: Session, running: Running, waits: dict) -> None:
    """Delete the rows of waits that ended, add those of new ones (timers, messages)."""
    before = running.waits_before
    if waits == before:
        return
    gone = [key for key, value in before.items() if waits.get(key) != value]
    timers = [task_id for task_id, kind in gone if kind == "timer"]
    if timers:
        session.execute(delete(Timer).where(Timer.id.in_(timers)))
    for task_id, name in {(key[0], before[key][1]) for key in gone if key[1] != "timer"}:
        session.execute(
            delete(MessageWait).where(
                MessageWait.task_id == task_id, MessageWait.message_name == name
            )
        )
    case_id, now = running.case.id, clock.now()
    for (task_id, kind), (element_id, value) in waits.items():
        if before.get((task_id, kind)) == (element_id, value):
            continue
        if kind == "timer":
            session.add(
                Timer(
                    id=task_id,
                    case_id=case_id,
                    element_id=element_id,
                    name=_node_name(running, element_id),
                    due_at=value,
                    created_at=now,
                )
            )
        else:
            session.add(
                MessageWait(
                    task_id=task_id, case_id=case_id, message_name=value, element_id=element_id
                )
            )
    running.waits_before = waits


def timer_due(task) -> datetime | None:
    """When a waiting timer task fires, from the value SpiffWorkflow computed."""
    value = internals.event_value(task)
    if isinstance(value, dict):
        value = value.get("next")
    if not value:
        return None
    try:
        return TimerEventDefinition.get_datetime(value)
    except (TypeError, ValueError):
        return TimerEventDefinition.parse_time_or_duration(value)


def _update_status(session: Session, running: Running, actor: str) -> None:
    case = running.case
    if case.status in FINISHED_STATUSES or not running.workflow.is_completed():
        return
    case.status = CaseStatus.COMPLETED
    case.completed_at = clock.now()
    ends = [
        t
        for t in running.workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id and t.task_spec.__class__.__name__ == "EndEvent"
    ]
    ends = [t for t in ends if not event_subprocesses.beside_the_flow(t)] or ends
    ends = ends or _implicit_ends(running)
    if ends:
        last = max(ends, key=lambda t: t.last_state_change)
        case.outcome = _node_name(running, last.task_spec.bpmn_id)
    case.current_step = ""
    audit.record(
        session,
        "case_completed",
        actor=actor,
        case_id=case.id,
        message=f"Case finished: {case.outcome or 'completed'}",
    )
    notifications.status_changed(session, case, "completed", case.outcome)


def _implicit_ends(running: Running) -> list:
    """Completed activities and events without outgoing flow (BPMN's implicit end), for
    the outcome of a case whose paths all ended so. SpiffWorkflow leads a boundary event
    without outgoing flow (and its activity) into its activity's ``BoundaryEventJoin``,
    which leads nowhere."""
    return [
        t
        for t in running.workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id
        and all(isinstance(o, BoundaryEventJoin) and not o.outputs for o in t.task_spec.outputs)
    ]


def forget_live_workflows() -> None:
    """Drop the cache of live workflows, so the next load restores from the stored state."""
    _live.clear()
