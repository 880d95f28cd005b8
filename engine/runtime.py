"""Loading a case's workflow, advancing it, and saving it with its open tasks.

After every change the case row gets the new state (optimistic lock on its version
counter) and the side tables are brought in line: one row per open human task, one
per waiting timer, one per awaited message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import audit, clock, definitions, notifications, sla, specs
from engine.errors import Conflict
from engine.model import BpmnModel, Process
from engine.tables import Case, HumanTask, MessageWait, Timer


@dataclass
class Running:
    """A case with its live workflow and the typed model of its version."""

    case: Case
    workflow: BpmnWorkflow
    model: BpmnModel
    process: Process


# Live workflows of recently saved cases, keyed by tracking code and checked against the
# stored state bytes, so a case worked on repeatedly is not deserialized every time.
# A workflow is taken out while in use and only put back after a successful save.
_live: dict[str, tuple[bytes, BpmnWorkflow]] = {}
_live_lock = threading.Lock()
_LIVE_MAX = 512


def open_case(case: Case) -> Running:
    """The live workflow of ``case`` (restored from its state, or from the cache)."""
    spec, subprocess_specs = specs.specs_for(case.definition)
    with _live_lock:
        cached = _live.pop(case.tracking_code, None)
    if cached is not None and cached[0] == case.state:
        workflow = cached[1]
    else:
        workflow = specs.load_state(case.state, spec, subprocess_specs)
    model = definitions.model_for(case.definition)
    return Running(case, workflow, model, model.processes[case.definition.key])


def all_tasks(workflow: BpmnWorkflow, state: int) -> list:
    """Tasks in ``state`` in the workflow and all its sub-processes."""
    tasks = list(workflow.get_tasks(state=state))
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.get_tasks(state=state))
    return tasks


def advance(session: Session, running: Running, actor: str) -> None:
    """Run engine steps, deliver thrown messages, and save."""
    running.workflow.do_engine_steps()
    thrown = running.workflow.get_events()
    save(session, running, actor)
    if thrown:
        from engine import messages  # messages needs runtime; imported late to avoid a cycle

        messages.route_thrown(session, running.case, thrown, actor)


def save(session: Session, running: Running, actor: str) -> None:
    """Persist the workflow state and bring tasks, timers and waits in line."""
    case = running.case
    code = case.tracking_code
    case.state = specs.dump_state(running.workflow)
    case.serializer_version = specs.SERIALIZER_VERSION
    try:
        with session.no_autoflush:
            _sync_human_tasks(session, running, actor)
            _sync_waits(session, running)
            _update_status(session, running, actor)
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            f"Case {code} was changed by someone else meanwhile; "
            "reload it and try again."
        ) from exc
    with _live_lock:
        if len(_live) >= _LIVE_MAX:
            _live.pop(next(iter(_live)))
        _live[code] = (case.state, running.workflow)


def _sync_human_tasks(session: Session, running: Running, actor: str) -> None:
    case = running.case
    ready = {
        str(t.id): t for t in all_tasks(running.workflow, TaskState.READY) if t.task_spec.manual
    }
    rows = {
        row.id: row
        for row in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id))
    }
    for task_id, row in rows.items():
        if task_id not in ready:
            session.delete(row)
    now = clock.now()
    for task_id, task in ready.items():
        if task_id in rows:
            continue
        row = _human_task_row(running, task, now)
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
    case.current_step = ", ".join(
        sorted({_node_name(running, t.task_spec.bpmn_id) for t in ready.values()})
    )[:500]


def _node_name(running: Running, element_id: str) -> str:
    node = running.process.nodes.get(element_id)
    return node.label if node else element_id


def _human_task_row(running: Running, task, now: datetime) -> HumanTask:
    element_id = task.task_spec.bpmn_id
    node = running.process.nodes.get(element_id)
    lane = running.process.lane_of(element_id) if node else None
    role = lane.role if lane else (node.properties.get("candidateGroups", "") if node else "")
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


def _sync_waits(session: Session, running: Running) -> None:
    case_id = running.case.id
    session.execute(delete(Timer).where(Timer.case_id == case_id))
    session.execute(delete(MessageWait).where(MessageWait.case_id == case_id))
    now = clock.now()
    for task in running.workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        definition = task.task_spec.event_definition
        element_id = task.task_spec.bpmn_id
        if isinstance(definition, TimerEventDefinition):
            due = timer_due(task)
            if due is not None:
                session.add(
                    Timer(
                        id=str(task.id),
                        case_id=case_id,
                        element_id=element_id,
                        name=_node_name(running, element_id),
                        due_at=due,
                        created_at=now,
                    )
                )
        elif isinstance(definition, MessageEventDefinition):
            session.add(
                MessageWait(
                    id=str(task.id),
                    case_id=case_id,
                    message_name=definition.name,
                    element_id=element_id,
                )
            )


def timer_due(task) -> datetime | None:
    """When a waiting timer task fires, from the value SpiffWorkflow computed."""
    value = task._get_internal_data("event_value")
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
    if case.status in ("completed", "cancelled") or not running.workflow.completed:
        return
    case.status = "completed"
    case.completed_at = clock.now()
    ends = [
        t
        for t in running.workflow.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.bpmn_id and t.task_spec.__class__.__name__ == "EndEvent"
    ]
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
