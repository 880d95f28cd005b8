"""Moving the running cases of one procedure version onto a newer version, in bulk.

A dry run (:func:`plan_migration`) says for each open case whether it can move and
why not; :func:`migrate_cases` then moves those that can. Both use SpiffWorkflow's own
diff utilities (:mod:`SpiffWorkflow.bpmn.util.diff`): the old spec is aligned with the
new one task by task, and :func:`~SpiffWorkflow.bpmn.util.diff.migrate_workflow`
rebinds the case's tasks to the new spec and re-predicts what comes next.

A case cannot move when the step it is at was removed, changed its type or moved to
another lane, or when a step it already did no longer exists (its history could not
be restored). A changed form, name or a task added later on is fine: the case's data
stays. SpiffWorkflow resets the timers a case is waiting on; their due moments are put
back, so moving a case never delays or advances it. Open task rows keep their ids and
claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, filter_tasks, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn.model import BpmnModel, Process
from engine.errors import Conflict, InvalidState
from engine.office import audit, definitions
from engine.storage.tables import OPEN_STATUSES, Case, HumanTask, ProcessDefinition, Timer
from engine.validation.roles import system_roles_in
from engine.workflow import internals, runtime, specs

#: where a case "is": tasks waiting for a person, a timer or a message, or stopped by an incident
CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
#: the engine's own converters (service tasks wait STARTED, DMN tasks), so a procedure
#: with a service task can be compared with its next version
_REGISTRY = specs._REGISTRY


#: why a case can or cannot move, by key (the web app words each in the reader's language)
REASONS = {
    "can_move": "can move to version {target}",
    "not_comparable": "its state cannot be compared with version {target}; it stays on its version",
    "not_comparable_in_event_subprocess": "its state cannot be compared with version "
    "{target}: event sub-process '{step}' is running; it stays on its version",
    "sub_process_removed": "its sub-process '{step}' was removed in version {target}",
    "step_removed": "task '{step}' was removed in version {target}",
    "done_step_removed": "step '{step}', already done, no longer exists in version {target}",
    "changed_type": "the case is at '{step}', which changed its type",
    "changed_event": "the case is at '{step}', which now waits for another kind of event",
    "changed_lane": "the case is at '{step}', which changed its lane",
    "engine_refused": "the engine could not move its state: {detail}",
    "changed_meanwhile": "{detail}",
}


@dataclass
class MigrationCheck:
    """Whether one case can move to the target version, and why not (``reason``, in
    English; ``reason_key`` and ``reason_params`` name it for translation)."""

    case_id: int
    tracking_code: str
    can_migrate: bool
    reason: str
    current_steps: list[str] = field(default_factory=list)
    migrated: bool = False  # set by migrate_cases when the case was moved
    reason_key: str = ""
    reason_params: dict[str, str] = field(default_factory=dict)

    def say(self, key: str, **params) -> None:
        """Set the reason ``key`` with its values."""
        self.reason_key, self.reason_params = key, {k: str(v) for k, v in params.items()}
        self.reason = REASONS[key].format(**self.reason_params)


@dataclass
class _Versions:
    source: ProcessDefinition
    target: ProcessDefinition
    old_model: BpmnModel
    new_model: BpmnModel


def plan_migration(
    session: Session, key: str, from_version: int, to_version: int | None = None
) -> list[MigrationCheck]:
    """A dry run: for each open case of ``from_version``, can it move, and why not.

    ``to_version`` defaults to the newest version. Nothing is written.
    """
    versions = _versions(session, key, from_version, to_version)
    return [_attempt(case, versions)[0] for case in _open_cases(session, versions.source)]


def migrate_cases(
    session: Session,
    key: str,
    from_version: int,
    to_version: int | None = None,
    *,
    actor: str,
    case_ids: list[int] | None = None,
) -> list[MigrationCheck]:
    """Move every open case of ``from_version`` that can move (only ``case_ids`` if given).

    Returns the checks of all cases considered; ``migrated`` tells which moved. Cases
    that cannot move, or that someone changed meanwhile, stay untouched.
    """
    versions = _versions(session, key, from_version, to_version)
    checks = []
    for case in _open_cases(session, versions.source, case_ids):
        running = runtime.open_case(case)  # the loaded state the side tables mirror
        check, workflow = _attempt(case, versions, running.workflow)
        if workflow is not None:
            try:
                with session.begin_nested():
                    _move(session, running, workflow, versions, actor)
                check.migrated = True
            except Conflict as exc:
                check.can_migrate = False
                check.say("changed_meanwhile", detail=exc)
        checks.append(check)
    return checks


def _versions(session: Session, key: str, from_version: int, to_version: int | None) -> _Versions:
    source = definitions.get_definition(session, key, from_version)
    target = definitions.get_definition(session, key, to_version)
    if target.id == source.id:
        raise InvalidState(
            f"Cases of {key} version {from_version} are already at that version; "
            "deploy a new version or choose another one."
        )
    new_model = definitions.model_for(target)
    system_roles = system_roles_in(new_model)
    if system_roles:  # deployed before deployment refused them (security review, finding 3)
        raise InvalidState(
            f"Cases cannot move to {key} version {target.version}: {system_roles[0]}."
        )
    return _Versions(source, target, definitions.model_for(source), new_model)


def _open_cases(
    session: Session, definition: ProcessDefinition, case_ids: list[int] | None = None
) -> list[Case]:
    query = (
        select(Case)
        .where(Case.definition_id == definition.id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.id)
    )
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    return list(session.scalars(query))


def _attempt(
    case: Case, versions: _Versions, workflow: BpmnWorkflow | None = None
) -> tuple[MigrationCheck, BpmnWorkflow | None]:
    """Check a case and migrate its workflow in memory; the new workflow if it can move.

    ``workflow`` (default: freshly restored from the case's state) may be changed.
    """
    if workflow is None:
        workflow = specs.load_state(
            case.state, *specs.specs_for(versions.source), case.serializer_version
        )
    current = runtime.all_tasks(workflow, CURRENT)
    steps = sorted({_label(versions.old_model, t) for t in current if t.task_spec.bpmn_id})
    check = MigrationCheck(case.id, case.tracking_code, False, "", steps)
    new_spec, new_subprocess_specs = specs.specs_for(versions.target)
    try:
        top_diff, sub_diffs = diff_workflow(_REGISTRY, workflow, new_spec, new_subprocess_specs)
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        # SpiffWorkflow 3.2's diff aligns only the specs it reaches from the start event:
        # the task of a running event sub-process has none (KeyError on its spec)
        inside = _inside_event_subprocess(workflow, versions)
        key = "not_comparable_in_event_subprocess" if inside else "not_comparable"
        check.say(key, target=versions.target.version, step=inside, error=type(exc).__name__)
        return check, None
    obstacle = _obstacle(workflow, top_diff, sub_diffs, versions)
    if obstacle is not None:
        check.say(obstacle[0], target=versions.target.version, **obstacle[1])
        return check, None
    try:
        migrated = _migrate(workflow, top_diff, sub_diffs, versions)
    except Exception as exc:  # a dry run reports whatever SpiffWorkflow refuses
        check.say("engine_refused", detail=exc)
        return check, None
    check.can_migrate = True
    check.say("can_move", target=versions.target.version)
    return check, migrated


def _inside_event_subprocess(workflow, versions: _Versions) -> str:
    """The name of the event sub-process a current task is in, else ""."""
    for task in runtime.all_tasks(workflow, CURRENT):
        found = versions.old_model.find_node(task.task_spec.bpmn_id or "")
        process, node = found if found else (None, None)
        while process is not None and node is not None:
            if node.triggered_by_event:
                return node.label
            node = process.nodes.get(node.parent_id or "")
    return ""


def _obstacle(workflow, top_diff, sub_diffs, versions: _Versions) -> tuple[str, dict] | None:
    """Why the case cannot move (a key of :data:`REASONS` and its values); None when
    it can."""
    for sub_id, diff in sub_diffs.items():
        if diff is None:
            return "sub_process_removed", {"step": workflow.subprocesses[sub_id].spec.name}
    diffs = [top_diff, *sub_diffs.values()]
    for diff in diffs:
        for task in filter_tasks(diff.removed, state=CURRENT):
            return "step_removed", {"step": _label(versions.old_model, task)}
    for diff in diffs:
        for task in filter_tasks(diff.changed, state=CURRENT):
            reason = _changed_here(task, diff.alignment[task], versions)
            if reason:
                return reason
    for diff in diffs:
        for task in filter_tasks(diff.removed, state=TaskState.COMPLETED):
            return "done_step_removed", {"step": _label(versions.old_model, task)}
    return None


def _changed_here(task, new_task_spec, versions: _Versions) -> tuple[str, dict] | None:
    """A reason when the step the case is at changed its type, lane or event."""
    label = {"step": _label(versions.old_model, task)}
    old_spec = task.task_spec
    if type(old_spec) is not type(new_task_spec):
        return "changed_type", label
    old_definition = getattr(old_spec, "event_definition", None)
    new_definition = getattr(new_task_spec, "event_definition", None)
    if _kinds(old_definition) != _kinds(new_definition):
        return "changed_event", label
    if old_spec.manual and _role(versions.old_model, old_spec.bpmn_id) != _role(
        versions.new_model, new_task_spec.bpmn_id
    ):
        return "changed_lane", label
    return None


def _kinds(definition) -> list[str]:
    """The kind of an event definition, or of each of several (BPMN's "multiple")."""
    parts = getattr(definition, "event_definitions", None) or []
    return [type(definition).__name__, *sorted(type(part).__name__ for part in parts)]


def _has_timer(task) -> bool:
    definition = getattr(task.task_spec, "event_definition", None)
    parts = [definition, *(getattr(definition, "event_definitions", None) or ())]
    return any(isinstance(part, TimerEventDefinition) for part in parts)


def _migrate(workflow: BpmnWorkflow, top_diff, sub_diffs, versions: _Versions) -> BpmnWorkflow:
    """The workflow on the new spec, with the data of open tasks and timers' due kept."""
    data = {t.id: t.data for t in runtime.all_tasks(workflow, CURRENT)}
    timers = _timer_values(workflow)
    new_spec, new_subprocess_specs = specs.specs_for(versions.target)
    migrate_workflow(top_diff, workflow, new_spec)
    for sub_id, diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(diff, sub, new_subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = new_subprocess_specs
    for task in runtime.all_tasks(workflow, CURRENT):
        if task.id in data:
            task.data = data[task.id]
    _restore_timer_values(workflow, timers)
    # a round trip through the stored form proves the state fits the new spec
    return specs.load_state(specs.dump_state(workflow), new_spec, new_subprocess_specs)


def _timer_values(workflow: BpmnWorkflow) -> dict[str, object]:
    """The computed due value of each waiting timer, by BPMN id."""
    return {
        task.task_spec.bpmn_id: internals.event_value(task)
        for task in runtime.all_tasks(workflow, TaskState.WAITING)
        if _has_timer(task) and internals.event_value(task) is not None
    }


def _restore_timer_values(workflow: BpmnWorkflow, values: dict[str, object]) -> None:
    for task in runtime.all_tasks(workflow, TaskState.WAITING):
        value = values.get(task.task_spec.bpmn_id)
        if value is not None and _has_timer(task):
            internals.set_event_value(task, value)


def _move(
    session: Session,
    running: runtime.Running,
    workflow: BpmnWorkflow,
    versions: _Versions,
    actor: str,
) -> None:
    """Rebind the case to the target version and save the migrated workflow.

    Open task rows and timers keep their ids (and claims); their names follow the new
    version.
    """
    case, source, target = running.case, versions.source, versions.target
    case.definition = target
    running.workflow, running.model = workflow, versions.new_model
    running.process = versions.new_model.processes[target.key]
    runtime.save(session, running, actor)
    _rename_rows(session, case.id, running.process)
    audit.record(
        session,
        "case_migrated",
        actor=actor,
        case_id=case.id,
        message=f"Case moved from version {source.version} to version {target.version}",
        data={"from_version": source.version, "to_version": target.version},
    )
    session.flush()


def _rename_rows(session: Session, case_id: int, process: Process) -> None:
    """Give the case's open task and timer rows the names of the new version."""
    for row in session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)):
        node = process.nodes.get(row.element_id)
        lane = process.lane_of(row.element_id) if node else None
        row.name = node.label if node else row.name
        row.lane_name = lane.name if lane else row.lane_name
    for timer in session.scalars(select(Timer).where(Timer.case_id == case_id)):
        node = process.nodes.get(timer.element_id)
        timer.name = node.label if node else timer.name


def _label(model: BpmnModel, task) -> str:
    """The name of a task's element as the modeller wrote it."""
    element_id = task.task_spec.bpmn_id
    found = model.find_node(element_id) if element_id else None
    return found[1].label if found else (element_id or task.task_spec.name)


def _role(model: BpmnModel, element_id: str | None) -> str | None:
    found = model.find_node(element_id) if element_id else None
    if found is None:
        return None
    process, node = found
    lane = process.lane_of(node.id)
    return lane.role if lane else node.properties.get("candidateGroups")
