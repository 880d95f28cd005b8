"""SpiffWorkflow specs and workflow state: parsed once per version, stored apart.

A process version's parsed spec is serialized once into ``process_definitions``; a
case row holds only its workflow state (tasks and data, no spec), compressed. Restored
specs are cached per definition, so loading a case costs only its own state.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask, _EndJoin
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent, EventManager
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import NSMAP as CAMUNDA_NSMAP
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState

from engine.bpmn.extensions import call_mappings_of, decision_ref_of
from engine.bpmn.xml import BPMN_NS
from engine.calendar import clock
from engine.errors import EngineError, InvalidBpmn, InvalidState, Problem
from engine.privacy import crypto
from engine.storage.cache import BoundedCache
from engine.workflow import (
    detached_subprocesses,
    event_subprocesses,
    instance_counts,
    internals,
    message_throw,
    multiple_events,
    pre_post_scripts,
    signal_throw,
    state_data,
)
from engine.workflow.script_engine import SafeScriptEngine

#: stored next to every state; a change of SpiffWorkflow's format is a data migration
SERIALIZER_VERSION = f"spiff-{SPIFF_SERIALIZER_VERSION}"
SCRIPT_ENGINE = SafeScriptEngine()


class _StateConverter(BpmnWorkflowConverter):
    """Converts a workflow without its spec, and restores it onto a given spec.

    User data is escaped where it is written (:mod:`engine.workflow.state_data`).
    """

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["data"] = state_data.workflow_data(self.registry, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str):
    from uuid import UUID

    return UUID(value)


def _build_registry():
    config = dict(DEFAULT_CONFIG)
    config.pop(BpmnWorkflow, None)
    config[BusinessRuleTask] = BaseBusinessRuleTaskConverter
    config[ServiceTask] = BpmnTaskSpecConverter  # waits STARTED (engine/workflow/service_tasks)
    # user data that looks like a serialized object round-trips (engine/workflow/state_data)
    config[Task] = state_data.TaskDataConverter
    config[BpmnSubWorkflow] = state_data.SubWorkflowDataConverter
    config[BpmnEvent] = state_data.EventDataConverter
    registry = BpmnWorkflowSerializer.configure(config)
    state_data.register_escape(registry)
    converter = _StateConverter(BpmnWorkflow, registry)
    return registry, converter


class _ClockDateTime(datetime):
    """SpiffWorkflow's timers ask ``datetime.now``; answer with the engine's clock."""

    @classmethod
    def now(cls, tz=None):
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def _skip_missed_repetitions(cycle_complete: Callable) -> Callable:
    """A timer cycle that fires skips the repetitions already missed (counted as spent).

    SpiffWorkflow fires a cycle once per engine step until it has caught up: a one-minute
    reminder after twelve hours without a ticker fired 720 times in one tick.
    """

    def skipping(self, my_task) -> bool:
        ready = cycle_complete(self, my_task)
        value = my_task._get_internal_data("event_value")
        if not ready or not value or value.get("duration", 0) <= 0:
            return ready
        every = timedelta(seconds=value["duration"])
        following = datetime.fromisoformat(value["next"])
        missed = max(0, (clock.now() - following) // every + 1)
        if value["cycles"] > 0:
            missed = min(missed, value["cycles"])
            value["cycles"] -= missed
        value["next"] = (following + missed * every).isoformat()
        return ready

    return skipping


def _merge_without_loop_items(merge_child):
    """SpiffWorkflow merges an instance's data into the multi-instance task when there is
    no output collection, the instance's input item included; the next sequential instance
    then fails with "input item already exists". The loop's own items are dropped after
    the merge (the instance's other data stay merged, as SpiffWorkflow intends)."""

    def merge(self, workflow, child):
        merge_child(self, workflow, child)
        if self.data_output is None:
            for item in (self.input_item, self.output_item):
                if item is not None:
                    child.parent.data.pop(item.bpmn_id, None)

    return merge


def _untriggered_event_subprocess(task) -> bool:
    """True for a task in (or after) an event sub-process whose start event has not fired.

    An event sub-process hangs off its scope's start task (SpiffWorkflow connects it there).
    """
    top = getattr(task.workflow, "top_workflow", task.workflow)
    current = task
    while current is not None:
        parent = current.parent
        if isinstance(current.task_spec, SubWorkflowTask) and parent is not None:
            if isinstance(parent.task_spec, BpmnStartTask):
                sub = top.get_subprocess(current)
                return sub is None or not any(
                    isinstance(t.task_spec, StartEvent) and t.state == TaskState.COMPLETED
                    for t in sub.get_tasks()
                )
        if parent is None:
            parent_id = getattr(current.workflow, "parent_task_id", None)
            parent = top.get_task_from_id(parent_id) if parent_id else None
        current = parent
    return False


def _end_when_the_flow_ends(self, my_task) -> bool:
    """A process (or sub-process) ends when all its started work is done.

    SpiffWorkflow 3.2 also waits for event sub-processes that were never triggered, so a
    case with a non-interrupting "reminder after two days" would stay open until the
    reminder fires; those are not waited for.
    """
    tasks = TaskIterator(
        my_task.workflow.task_tree, state=TaskState.NOT_FINISHED_MASK, end_at_spec=self.name
    )
    return all(t == my_task or _untriggered_event_subprocess(t) for t in tasks)


def _complete_when_its_paths_end(notify):
    """A sub-process whose every path ended ends, also when no path reached its end.

    SpiffWorkflow 3.2 marks a sub-process (embedded, called, an instance or an event
    sub-process) complete only when its ``End`` task runs; a path that ends at a boundary
    event without outgoing flow (BPMN's implicit end) never gets there, so the
    sub-process, and the case with it, waited forever with nothing to do. (A process
    checks its tasks instead, so the same path at the top level ends the case.)
    """

    def task_completed(self, task) -> None:
        notify(self, task)
        if self.completed:
            return
        pending = TaskIterator(self.task_tree, state=TaskState.NOT_FINISHED_MASK)
        if all(_in_untriggered_event_subprocess_of(self, t) for t in pending):
            self._mark_complete(task)
            self.completed_event(self)

    return task_completed


def _in_untriggered_event_subprocess_of(workflow, task) -> bool:
    """Whether ``task`` (of ``workflow``'s own tree) is, or follows, an event sub-process
    of ``workflow`` whose start event has not fired (a sub-process that is itself such
    an event sub-process is not done while it waits for its event)."""
    current = task
    while current is not None:
        parent = current.parent
        if isinstance(current.task_spec, SubWorkflowTask) and parent is not None:
            if isinstance(parent.task_spec, BpmnStartTask):
                sub = workflow.top_workflow.get_subprocess(current)
                return sub is None or not any(
                    isinstance(t.task_spec, StartEvent) and t.state == TaskState.COMPLETED
                    for t in sub.get_tasks()
                )
        current = parent
    return False


_REGISTRY, _STATE_CONVERTER = _build_registry()
_ENCODER = create_encoder(_REGISTRY)


class _BusinessRuleTaskParser(TaskParser):
    """A business rule task naming its decision with ``camunda:decisionRef`` (or
    SpiffArena's ``spiffworkflow:calledDecisionId``); its loops are SpiffWorkflow's
    standard ones (Camunda's parser would use its own classes)."""

    @staticmethod
    def get_decision_ref(node):
        return decision_ref_of(node)

    def create_task(self):
        decision_ref = self.get_decision_ref(self.node)
        return self.spec_class(
            self.spec,
            self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
            **self.bpmn_attributes,
        )


class _Parser(BpmnDmnParser):
    """SpiffWorkflow's BPMN parser with DMN business rule tasks (``camunda:decisionRef``)."""

    OVERRIDE_PARSER_CLASSES = {
        full_tag("businessRuleTask"): (_BusinessRuleTaskParser, BusinessRuleTask),
        **event_subprocesses.PARSER_OVERRIDE,
    }

    def __init__(self):
        super().__init__(namespaces=CAMUNDA_NSMAP)

    def get_engine(self, decision_ref, node):
        """The table's engine, its input cells led by a space: SpiffWorkflow writes
        ``input + cell``, which for ``in [...]`` would glue the two names together."""
        engine = super().get_engine(decision_ref, node)
        for rule in engine.decision_table.rules:
            for entry in rule.inputEntries:
                entry.lhs = [f" {cell.strip()}" if cell else cell for cell in entry.lhs]
        return engine


def compile_process(root: etree._Element, source: str, process_id: str, decisions=(), called=None):
    """Parse ``root`` (already safely parsed) into SpiffWorkflow specs for ``process_id``.

    ``decisions`` are the :class:`engine.workflow.dmn.DecisionTable` objects uploaded
    beside the file; their tables end up in the specs, so running needs no DMN file.
    ``called`` maps the keys of deployed processes that call activities name (and that
    the file does not define) to their ``(spec, subprocess_specs)``: they are copied
    into this version's specs, so the called version is pinned when this one deploys.
    Returns ``(spec, subprocess_specs)``; SpiffWorkflow's complaints become
    :class:`InvalidBpmn` naming the element.
    """
    install_corrections()
    parser = _Parser()
    try:
        for root_element in {id(d.root): d.root for d in decisions}.values():
            parser.add_dmn_xml(
                root_element, filename=next(d.source for d in decisions if d.root is root_element)
            )
        parser.add_bpmn_xml(_all_executable(root), filename=source)
        spec = parser.get_spec(process_id)
        external: dict = {}
        for key, (called_spec, called_subs) in (called or {}).items():
            external.update(called_subs)
            external[key] = called_spec
        subprocess_specs = parser.get_subprocess_specs(process_id, dict(external) or None)
        own = [s for k, s in subprocess_specs.items() if k not in external]
        _attach_call_mappings(root, [spec, *own])
        pre_post_scripts.attach(root, [spec, *own])
        event_subprocesses.mark_interrupting(root, [spec, *own])
        event_subprocesses.connect_triggered([spec, *own])
    except ValidationException as exc:
        element_id = getattr(exc, "id", None)
        element = f" at element {element_id!r}" if element_id else ""
        message = f"the engine cannot run this process{element}: {_reason(exc)}"
        problem = Problem(
            "error",
            "cannot_run",
            message,
            element_id,
            getattr(exc, "name", None) or None,
            _line_of(root, element_id),
            source,
        )
        raise InvalidBpmn(f"{source}: {message}", [problem]) from exc
    except SpiffWorkflowException as exc:
        message = f"the engine cannot run this process: {_reason(exc)}"
        problem = Problem("error", "cannot_run", message, source=source)
        raise InvalidBpmn(f"{source}: {message}", [problem]) from exc
    return spec, subprocess_specs


def _attach_call_mappings(root: etree._Element, process_specs) -> None:
    """Put each call activity's ``camunda:in``/``camunda:out`` on its task spec."""
    mappings = {
        element.get("id"): mapping
        for element in root.iter(f"{{{BPMN_NS}}}callActivity")
        if (mapping := call_mappings_of(element)) is not None
    }
    for process_spec in process_specs:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, CallActivity) and task_spec.bpmn_id in mappings:
                inputs, outputs = mappings[task_spec.bpmn_id]
                task_spec.data_mapping = {"in": list(inputs), "out": list(outputs)}


def _copy_mapped_in(copy_data):
    """Only the declared ``camunda:in`` values enter the called process (unless "all")."""

    def copy_in(self, my_task, subworkflow):
        mapping = getattr(self, "data_mapping", None)
        if mapping is None or ["*", "*"] in [list(m) for m in mapping["in"]]:
            copy_data(self, my_task, subworkflow)
        if mapping is None:
            return
        start = subworkflow.get_next_task(
            subworkflow.task_tree, skip_subprocesses=True, spec_name="Start"
        )
        engine = my_task.workflow.script_engine
        for expression, target in mapping["in"]:
            if expression != "*":
                start.data[target] = copy.deepcopy(engine.evaluate(my_task, expression))

    return copy_in


def _update_mapped_out(update_data):
    """Only the declared ``camunda:out`` values come back (unless "all"); the caller's
    own data stay as they were."""

    def update(self, my_task, subworkflow):
        mapping = getattr(self, "data_mapping", None)
        if mapping is None or ["*", "*"] in [list(m) for m in mapping["out"]]:
            update_data(self, my_task, subworkflow)
        if mapping is None:
            return
        results = subworkflow.last_task.data
        for source, target in mapping["out"]:
            if source == "*":
                continue
            if not source.isidentifier():  # a sourceExpression, on the called process's data
                my_task.data[target] = _mapped_out_value(my_task, source, results)
            elif source in results:
                my_task.data[target] = copy.deepcopy(results[source])

    return update


def _mapped_out_value(my_task, expression: str, results: dict) -> Any:
    """The value of a ``camunda:out sourceExpression`` (it was read as a name and never
    came back); a failure is the call activity's incident."""
    try:
        return copy.deepcopy(
            my_task.workflow.script_engine.environment.evaluate(expression, results)
        )
    except EngineError as err:
        raise WorkflowTaskException(
            f"Error evaluating expression '{expression}': {err}",
            task=my_task,
            exception=err,
            error_line=expression,
        ) from err


def _all_executable(root: etree._Element) -> etree._Element:
    """A copy of ``root`` whose processes are all executable.

    SpiffWorkflow skips processes marked ``isExecutable="false"`` (bpmn.io's default);
    permitflow runs the main process of a file whatever the flag says, as validation does.
    A receive task without a message waits, like a message catch event without
    ``messageRef``, for a message called by its own name (SpiffWorkflow ran it as a
    plain task: the case went on without waiting); one without a name either waits
    for a message called by its id (SpiffWorkflow waited for ``None``, which no database
    row can hold: starting the case failed). Data stores go
    (:func:`_drop_data_stores`). Messages and signals without a name (BPMN makes it
    optional) are named by their id, as validation and the engine's routing know them:
    SpiffWorkflow 3.2 fails on an unnamed one with a TypeError of its own
    (``raise_validation_exception(node=...)``).
    """
    root = copy.deepcopy(root)
    for process in root.iterchildren(f"{{{BPMN_NS}}}process"):
        process.set("isExecutable", "true")
    _drop_data_stores(root)
    _drop_drawn_io(root)
    for task in root.iter(f"{{{BPMN_NS}}}receiveTask"):
        if not task.get("messageRef") and task.find(_MESSAGE_DEFINITION) is None:
            etree.SubElement(task, _MESSAGE_DEFINITION)  # waits for its own name
    for definition in root.iter(_MESSAGE_DEFINITION):
        waiting = definition.getparent()
        if not definition.get("messageRef") and not waiting.get("name"):
            waiting.set("name", waiting.get("id", ""))  # SpiffWorkflow would wait for None
    for tag in ("message", "signal"):
        for element in root.iterchildren(f"{{{BPMN_NS}}}{tag}"):
            if not element.get("name") and element.get("id"):
                element.set("name", element.get("id"))
    return root


def _drop_drawn_io(root: etree._Element) -> None:
    """Remove the data inputs and outputs of activities that only describe a drawing.

    SpiffWorkflow reads an activity's ``ioSpecification`` as case data names that must
    all be set before it runs (and after it ends), keeping only those: Signavio,
    Trisotech and others write one for every data object arrow, with generated ids
    (``sid-...``, ``Din1373655174951``) that nothing sets, so the case stopped at an
    incident ("Missing data input"). An input or output that a data association of the
    activity wires to a data object (the association itself moves the data object's
    value) or whose id is no name case data can hold goes; one named like case data
    (SpiffArena's variables) stays.
    """
    for spec in list(root.iter(f"{{{BPMN_NS}}}ioSpecification")):
        activity = spec.getparent()
        if etree.QName(activity).localname == "process":
            continue
        wired = {
            (end.text or "").strip()
            for association in activity
            if isinstance(association.tag, str)
            and etree.QName(association).localname
            in ("dataInputAssociation", "dataOutputAssociation")
            for end in association
            if isinstance(end.tag, str) and etree.QName(end).localname in _ASSOCIATION_ENDS
        }
        for item in list(spec):
            if not isinstance(item.tag, str):
                continue
            if etree.QName(item).localname not in ("dataInput", "dataOutput"):
                continue
            key = item.get("id", "")
            if key in wired or not key.isidentifier() or key.startswith("_"):
                spec.remove(item)
                for ref in spec.iter(f"{{{BPMN_NS}}}dataInputRefs", f"{{{BPMN_NS}}}dataOutputRefs"):
                    if (ref.text or "").strip() == key:
                        ref.getparent().remove(ref)


_ASSOCIATION_ENDS = frozenset({"sourceRef", "targetRef"})
_MESSAGE_DEFINITION = f"{{{BPMN_NS}}}messageEventDefinition"


def _drop_data_stores(root: etree._Element) -> None:
    """Remove data stores and the data associations that reach them from ``root``.

    SpiffWorkflow refuses every declared ``bpmn:dataStore`` it has no implementation
    for ("Data Store with name ... has no implementation"), whichever pool draws it;
    validation refuses a store drawn in a process a case runs (``unsupported_element``),
    so what is left here is drawn in partner pools or declared unused.
    """
    stores: set[str] = set()
    for tag in ("dataStore", "dataStoreReference"):
        for element in list(root.iter(f"{{{BPMN_NS}}}{tag}")):
            stores.add(element.get("id", ""))
            element.getparent().remove(element)
    for tag in ("dataInputAssociation", "dataOutputAssociation"):
        for association in list(root.iter(f"{{{BPMN_NS}}}{tag}")):
            ends = {
                (ref.text or "").strip()
                for ref in association
                if isinstance(ref.tag, str) and etree.QName(ref).localname in _ASSOCIATION_ENDS
            }
            if ends & stores:
                association.getparent().remove(association)


def _reason(exc: Exception) -> str:
    """SpiffWorkflow's message without its trailing context lines."""
    text = str(exc.args[0] if exc.args else "").strip().rstrip(".")
    return text.splitlines()[0] if text else type(exc).__name__


def _line_of(root: etree._Element, element_id: str | None) -> int | None:
    if not element_id:
        return None
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id") == element_id:
            return element.sourceline
    return None


def dump_specs(spec, subprocess_specs, called: dict[str, int] | None = None) -> bytes:
    """Serialize a spec and its sub-process specs (stored once per version).

    ``called`` records the ids of the deployed versions whose specs were copied in
    for call activities (see :func:`compile_process`).
    """
    dct = {
        "spec": _convert(spec),
        "subprocess_specs": {k: _convert(v) for k, v in subprocess_specs.items()},
        "called": dict(called or {}),
    }
    return zlib.compress(json.dumps(dct, separators=(",", ":")).encode(), 6)


#: attributes permitflow adds to SpiffWorkflow's task specs, stored with them
_OWN_ATTRIBUTES = ("data_mapping", event_subprocesses.MARK, *pre_post_scripts.ATTRIBUTES)


def _convert(spec) -> dict:
    """SpiffWorkflow's dict of a spec, with our call activities' data mappings, the
    marks of interrupting event sub-processes and SpiffArena's pre/post scripts."""
    dct = _REGISTRY.convert(spec)
    for name, task_spec in spec.task_specs.items():
        for attribute in _OWN_ATTRIBUTES:
            value = getattr(task_spec, attribute, None)
            if value is not None:
                dct["task_specs"][name][attribute] = value
    return dct


def _restore(dct: dict):
    spec = _REGISTRY.restore(dct)
    for name, task_dct in dct["task_specs"].items():
        for attribute in _OWN_ATTRIBUTES:
            if attribute in task_dct:
                setattr(spec.task_specs[name], attribute, task_dct[attribute])
    return spec


def _load_specs(blob: bytes):
    dct = json.loads(zlib.decompress(blob))
    spec = _restore(dct["spec"])
    subprocess_specs = {k: _restore(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


_spec_cache: BoundedCache[tuple[int, str], tuple[Any, dict]] = BoundedCache(256)
_called_cache: BoundedCache[tuple[int, str], dict[str, int]] = BoundedCache(256)


def called_definition_ids(definition) -> dict[str, int]:
    """Process key -> id of the deployed version this version's call activities run."""
    return _called_cache.get_or_make(
        (definition.id, definition.sha256),
        lambda: json.loads(zlib.decompress(definition.spec_json)).get("called", {}),
    )


def specs_for(definition) -> tuple[Any, dict]:
    """The restored specs of a ``ProcessDefinition`` row, cached per version.

    The stored blob is read from the database only the first time.
    """
    return _spec_cache.get_or_make(
        (definition.id, definition.sha256), lambda: _load_specs(definition.spec_json)
    )


def new_workflow(spec, subprocess_specs) -> BpmnWorkflow:
    return BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """The workflow's state without its spec, as compressed JSON."""
    install_corrections()
    with internals.encoder_mode(_REGISTRY):
        dct = _STATE_CONVERTER.to_dict(workflow)
    text = json.dumps(dct, separators=(",", ":"), cls=_ENCODER)
    return crypto.seal_bytes(zlib.compress(text.encode(), 6))  # encrypted at rest (UU 27/2022)


#: Upgrades of stored state from an older serializer version: ``version -> (the version
#: it produces, function dict -> dict)``. Every state written so far is ``spiff-1.5``;
#: when SpiffWorkflow's format changes, the step from the old version goes here, and
#: :func:`load_state` applies the steps in turn before restoring.
STATE_MIGRATIONS: dict[str, tuple[str, Callable[[dict], dict]]] = {}


def upgrade_state(dct: dict, version: str) -> dict:
    """``dct`` (a state stored by serializer ``version``) in today's format, or
    :class:`InvalidState` naming the version when no upgrade from it is known."""
    seen = set()
    while version != SERIALIZER_VERSION:
        if version not in STATE_MIGRATIONS or version in seen:
            raise InvalidState(
                f"This case was stored by workflow serializer {version!r}, which this version "
                f"of permitflow cannot read (it reads {SERIALIZER_VERSION!r} and upgrades "
                f"{sorted(STATE_MIGRATIONS) or 'no older format'}). Restore it with the "
                "permitflow version that wrote it, or add the upgrade step."
            )
        seen.add(version)
        version, step = STATE_MIGRATIONS[version]
        dct = step(dct)
    return dct


def load_state(blob: bytes, spec, subprocess_specs, version: str | None = None) -> BpmnWorkflow:
    """Restore a workflow from :func:`dump_state` onto its (cached) spec.

    ``version`` is the serializer version stored beside the state (the case's
    ``serializer_version``); an older one is upgraded first, an unknown one refused.
    """
    install_corrections()
    dct = json.loads(zlib.decompress(crypto.open_bytes(blob)))
    if version is not None and version != SERIALIZER_VERSION:
        dct = upgrade_state(dct, version)
    workflow = _STATE_CONVERTER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


#: how deep SpiffWorkflow walks a case's task tree. Its default, 1,000 levels, hid the
#: tasks of a loop past ~500 rounds (a polling timer, a rework loop): the case counted as
#: completed with its work left. The walk is iterative; an advance runs at most
#: :data:`engine.workflow.runtime.MAX_STEPS` steps, so a tree grows slowly.
TASK_TREE_DEPTH = 10**9


def _walk_deep(init: Callable) -> Callable:
    def __init__(self, task, end_at_spec=None, max_depth=TASK_TREE_DEPTH, *args, **kwargs):
        init(self, task, end_at_spec, max(max_depth, TASK_TREE_DEPTH), *args, **kwargs)

    return __init__


# --- corrections to SpiffWorkflow 3.2, installed before the first workflow is built ---
#
# Each replaces one attribute of SpiffWorkflow (pinned to 3.2 in pyproject.toml):
# - its timers read ``datetime.now`` only in the timer module: routed through
#   engine.calendar.clock, so timers fire consistently with due dates and tests move time;
# - sequential multi-instance: the loop's own items are dropped after each merge;
# - a sub-process whose task was dropped (a cancelled multi-instance's) is not run (detached_subprocesses);
# - a completion condition reads Camunda's nrOfCompletedInstances... (engine.workflow.instance_counts);
# - a process ends when its started work is done (untriggered event sub-processes aside);
# - a sub-process whose paths all ended ends, also when none reached its end event;
# - call activities pass only the declared camunda:in/out data;
# - a signal is kept for the other cases even when the case caught it (engine.workflow.signals);
# - an interrupting event sub-process cancels the rest of its scope (engine.workflow.event_subprocesses);
# - event sub-processes of sub-processes start on messages, signals, errors, escalations (same module);
# - a task's SpiffArena pre/post scripts run when it is ready / completes (engine.workflow.pre_post_scripts).
# - an event with several definitions keeps a caught message's payload (engine.workflow.multiple_events).
# - a thrown message leaves out correlation values its thrower's data lacks (engine.workflow.message_throw).
# - the task tree is walked to any depth (TASK_TREE_DEPTH).
# - a timer cycle that fires skips the repetitions it missed (no burst after an outage).
_CORRECTIONS = [
    (_timer_module, "datetime", _ClockDateTime),
    (
        CycleTimerEventDefinition,
        "cycle_complete",
        _skip_missed_repetitions(CycleTimerEventDefinition.cycle_complete),
    ),
    (MultiInstanceTask, "merge_child", _merge_without_loop_items(MultiInstanceTask.merge_child)),
    (MultiInstanceTask, "check_completion_condition", instance_counts.check_with_counts),
    (_EndJoin, "_check_threshold_unstructured", _end_when_the_flow_ends),
    (BpmnWorkflow, "_do_engine_steps", detached_subprocesses.engine_steps),
    (
        BpmnSubWorkflow,
        "_task_completed_notify",
        _complete_when_its_paths_end(BpmnSubWorkflow._task_completed_notify),
    ),
    (CallActivity, "copy_data", _copy_mapped_in(CallActivity.copy_data)),
    (CallActivity, "update_data", _update_mapped_out(CallActivity.update_data)),
    (StartEvent, "_run_hook", event_subprocesses.interrupting_run_hook(StartEvent._run_hook)),
    (EventManager, "catch", event_subprocesses.catch_in_scopes(EventManager.catch)),
    (SignalEventDefinition, "throw", signal_throw.broadcast_throw(SignalEventDefinition.throw)),
    (BpmnSpecMixin, "_update_hook", pre_post_scripts.with_pre_script(BpmnSpecMixin._update_hook)),
    (
        BpmnSpecMixin,
        "_on_complete_hook",
        pre_post_scripts.with_post_script(BpmnSpecMixin._on_complete_hook),
    ),
    (
        MultipleEventDefinition,
        "catch",
        multiple_events.catch_with_payload(MultipleEventDefinition.catch),
    ),
    (MultipleEventDefinition, "update_task_data", multiple_events.update_task_data),
    (MessageEventDefinition, "throw", message_throw.throw_with_readable_correlations),
    (TaskIterator, "__init__", _walk_deep(TaskIterator.__init__)),
    (BpmnTaskIterator, "__init__", _walk_deep(BpmnTaskIterator.__init__)),
]
_installed = False


def install_corrections() -> None:
    """Install :data:`_CORRECTIONS` once; refuse a SpiffWorkflow they were not written for."""
    global _installed
    if _installed:
        return
    version = importlib.metadata.version("SpiffWorkflow")
    if not version.startswith("3.2."):
        raise RuntimeError(
            f"permitflow's workflow adapter is written for SpiffWorkflow 3.2, found {version}"
        )
    for owner, name, value in _CORRECTIONS:
        setattr(owner, name, value)
    _installed = True
