"""Load a BPMN 2.0 file into :class:`engine.bpmn.model.BpmnModel`, safely and tolerantly.

The XML is read by the hardened parser of :mod:`engine.bpmn.xml` (no DTD, no entities,
no network, size limit). Files from bpmn.io/Camunda Modeler, Signavio, Bizagi,
Trisotech and others load alike: elements are matched by namespace and local name,
``isExecutable`` may be missing, ``<incoming>``/``<outgoing>`` children are ignored
(they are derived from the sequence flows), unknown extension elements are skipped.

What permitflow executes:

- ``startEvent`` (none, message, timer); ``endEvent`` (none, terminate, message, error);
  ``intermediateCatchEvent`` (timer, message); ``intermediateThrowEvent`` (none,
  message); ``boundaryEvent`` (timer, message, error);
- conditional events (``conditionalEventDefinition``: intermediate catch, boundary, start
  of an event sub-process), their condition in the safe language
  (:mod:`engine.workflow.conditions` re-evaluates them after every step);
- ``transaction`` (run as a sub-process) with cancel end events inside it and a cancel
  boundary event on it; compensation is not executed (``compensateEventDefinition`` and
  ``isForCompensation`` activities are listed as unsupported);
- events with several definitions (BPMN's "multiple"): messages, signals and at most
  one timer; a catch waits for any one of them, or for all with ``parallelMultiple``,
  a throw throws each;
- ``task``, ``userTask``, ``manualTask``, ``scriptTask``, ``subProcess``,
  ``callActivity`` (of a process in the same file); ``serviceTask`` naming a registered
  connector (``pf:connector="population.nik_lookup"``, see :mod:`engine.integration`);
- exclusive, parallel, inclusive and event-based gateways;
- event sub-processes (``subProcess triggeredByEvent="true"``), interrupting or not
  (:mod:`engine.workflow.event_subprocesses` stops the rest of the scope).

Everything read but not executable is listed in ``BpmnModel.unsupported`` (the nodes
still appear in ``Process.nodes`` so the file can be drawn and analysed):

- ``serviceTask`` without ``pf:connector``, ``complexGateway``, ``adHocSubProcess``
  (``businessRuleTask`` runs a DMN table uploaded beside the file);
- event definitions outside the list above (compensate, link...), tag e.g.
  ``linkEventDefinition``; an event with several definitions that combine other kinds,
  or two timers, or that starts an event sub-process, tag ``multipleEventDefinitions``;
- ``multiInstanceLoopCharacteristics`` and ``standardLoopCharacteristics`` (the
  activity's id and name are recorded with the loop's tag);
- ``choreography`` (outside any process);
- ``dataStoreReference`` (a data store: case data live in the case, and SpiffWorkflow
  has no implementation of stores).

Data objects, text annotations, groups, associations, pools, lanes and
message flows are read or counted but never executed, and are not "unsupported".
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path
from typing import Any

from lxml import etree

from engine.bpmn import extensions as ext
from engine.bpmn.message_contracts import read_contracts
from engine.bpmn.model import (
    BpmnModel,
    Lane,
    Loop,
    MessageFlow,
    Node,
    Participant,
    Process,
    SequenceFlow,
    ServiceCall,
    TimerDefinition,
    Unsupported,
)
from engine.bpmn.normalize import FLOW_NODE_KINDS
from engine.bpmn.xml import BPMNDI_NS, bpmn, local_name, max_bpmn_bytes, parse_xml, text_of
from engine.errors import InvalidBpmn, UnsafeXml

__all__ = ["clean_name", "lane_role", "load_bpmn", "load_bpmn_file", "model_from_tree", "parse_xml"]

CONTAINER_KINDS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
UNSUPPORTED_KINDS = frozenset({"serviceTask", "complexGateway", "adHocSubProcess"})
SUPPORTED_EVENT_DEFINITIONS = {
    "startEvent": frozenset({"message", "timer", "signal", "escalation", "error", "conditional"}),
    "endEvent": frozenset({"terminate", "message", "error", "signal", "escalation", "cancel"}),
    "intermediateCatchEvent": frozenset({"timer", "message", "signal", "conditional"}),
    "intermediateThrowEvent": frozenset({"message", "signal", "escalation"}),
    "boundaryEvent": frozenset(
        {"timer", "message", "error", "signal", "escalation", "cancel", "conditional"}
    ),
}
#: the event definitions an event with several of them may combine (see _multiple_runs)
MULTIPLE_PARTS = frozenset({"message", "signal", "timer"})
#: event definitions a start event may have only in an event sub-process
EVENT_SUBPROCESS_STARTS = frozenset({"escalation", "error", "conditional"})
LOOP_TAGS = ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")
#: event definitions naming a root element (``signalRef``...): Node.event_refs
REFERRING_DEFINITIONS = ("signal", "error", "escalation")
#: root elements kept as written (:attr:`BpmnModel.kept_definitions`)
KEPT_DEFINITIONS = ("correlationProperty", "signal", "error", "escalation")
TIMER_KINDS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}
_SUFFIX = "EventDefinition"


def load_bpmn(data: bytes, source: str = "<upload>") -> BpmnModel:
    """Parse BPMN bytes into a :class:`BpmnModel`; raises InvalidBpmn or UnsafeXml."""
    root = parse_xml(data, source)
    return model_from_tree(root, source, hashlib.sha256(data).hexdigest())


def load_bpmn_file(path: str | Path) -> BpmnModel:
    """Load a BPMN file from disk; the file's name is the model's ``source``."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidBpmn(f"{path} cannot be read: {exc.strerror or exc}") from None
    if size > max_bpmn_bytes():
        raise UnsafeXml(
            f"{path.name} is too large: {size:,} bytes, the limit is {max_bpmn_bytes():,} bytes"
        )
    return load_bpmn(path.read_bytes(), path.name)


def lane_role(lane_element) -> str:
    """A lane's role key: ``pf:role``, else the slug of its name, else its id."""
    role = (lane_element.get(ext.pf("role")) or "").strip()
    if role:
        return role
    slug = re.sub(r"[\W_]+", "_", (lane_element.get("name") or "").lower()).strip("_")
    return slug or lane_element.get("id", "")


def clean_name(name: str | None) -> str:
    """A label as one line: modellers' manual line breaks and runs of spaces become one space."""
    return " ".join((name or "").split())


def model_from_tree(root, source: str, sha256: str = "") -> BpmnModel:
    """Build the model from a ``definitions`` root returned by :func:`parse_xml`."""
    model = BpmnModel(
        source=source,
        sha256=sha256,
        target_namespace=root.get("targetNamespace", ""),
        exporter=root.get("exporter", ""),
        exporter_version=root.get("exporterVersion", ""),
    )
    global_definitions = {
        child.get("id"): child
        for child in root.iterchildren()
        if local_name(child).endswith(_SUFFIX) and child.get("id")
    }
    for message in root.iterchildren(bpmn("message")):
        # BPMN makes the name optional: an unnamed message is known by its id
        model.messages[message.get("id", "")] = message.get("name") or message.get("id", "")
    for element in root.iterchildren(bpmn("process")):
        process = _read_process(element, model, global_definitions)
        model.processes[process.id] = process
    _read_collaborations(root, model)
    for element in root.iterchildren(bpmn("choreography")):
        model.unsupported.append(_unsupported("choreography", element, element, None))
    model.has_diagram = root.find(f"{{{BPMNDI_NS}}}BPMNDiagram") is not None
    for tag in (f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge"):
        model.diagram_element_ids.update(
            ref for ref in (e.get("bpmnElement") for e in root.iter(tag)) if ref
        )
    model.kept_definitions = tuple(
        etree.tostring(child, encoding="unicode", with_tail=False)
        for child in root.iterchildren(*(bpmn(tag) for tag in KEPT_DEFINITIONS))
    )
    model.annotations = sum(1 for _ in root.iter(bpmn("textAnnotation")))
    model.groups = sum(1 for _ in root.iter(bpmn("group")))
    model.message_contracts = read_contracts(root)
    return model


def _read_process(element, model: BpmnModel, global_definitions: dict) -> Process:
    process = Process(
        id=element.get("id", ""),
        name=clean_name(element.get("name")),
        is_executable=element.get("isExecutable", "false").strip().lower() == "true",
        line=element.sourceline,
        service_standard=ext.service_standard_of(element),
        kept_extensions=ext.kept_extensions_of(element),
    )
    lane_sets: list = []
    _read_scope(element, process, None, model, global_definitions, lane_sets)
    model.unsupported.extend(_listeners(element, process.id))
    for lane_set in lane_sets:
        _read_lanes(lane_set, process, None)
    _finish_lanes(process)
    _read_data_associations(element, process)
    for flow in process.flows.values():
        if flow.source in process.nodes:
            process.nodes[flow.source].outgoing.append(flow.id)
        if flow.target in process.nodes:
            process.nodes[flow.target].incoming.append(flow.id)
    return process


def _read_scope(scope, process, parent_id, model, global_definitions, lane_sets) -> None:
    """Read the flow elements of a process or sub-process, recursing into sub-processes."""
    for child in scope.iterchildren():
        kind = local_name(child)
        if kind in FLOW_NODE_KINDS:
            node = _read_node(child, kind, process.id, parent_id, global_definitions)
            process.nodes[node.id] = node
            model.unsupported.extend(_unsupported_parts(child, node))
            if kind in CONTAINER_KINDS:
                _read_scope(child, process, node.id, model, global_definitions, lane_sets)
        elif kind == "sequenceFlow":
            flow = _read_flow(child, process.id)
            process.flows[flow.id] = flow
        elif kind == "dataObject":
            process.data_objects.append(clean_name(child.get("name")) or child.get("id", ""))
        elif kind == "laneSet":
            lane_sets.append(child)
        elif kind == "dataStoreReference":  # SpiffWorkflow has no implementation of stores
            model.unsupported.append(_unsupported(kind, child, child, process.id))


def _read_node(element, kind: str, process_id: str, parent_id, global_definitions) -> Node:
    definitions = _event_definitions(element, global_definitions)
    scripts = ext.extension_script_texts_of(element)
    node = Node(
        id=element.get("id", ""),
        kind=kind,
        name=clean_name(element.get("name")),
        process_id=process_id,
        parent_id=parent_id,
        line=element.sourceline,
        event_definitions=tuple(name for name, _ in definitions),
        attached_to=element.get("attachedToRef"),
        cancel_activity=element.get("cancelActivity", "true").strip().lower() != "false",
        default_flow=element.get("default"),
        called_element=element.get("calledElement") if kind == "callActivity" else None,
        form_fields=ext.form_fields_of(element),
        form_key=ext.form_key_of(element),
        documentation=ext.documentation_of(element),
        properties=ext.properties_of(element),
        kept_extensions=ext.kept_extensions_of(element),
        message_ref=element.get("messageRef"),
        extension_scripts=tuple(scripts),
        pre_script=scripts.get("preScript"),
        post_script=scripts.get("postScript"),
        message_refs=tuple(d.get("messageRef") or "" for n, d in definitions if n == "message"),
        parallel_multiple=element.get("parallelMultiple", "").strip().lower() == "true",
        loop=_loop_of(element),
        triggered_by_event=element.get("triggeredByEvent", "").strip().lower() == "true",
        is_interrupting=element.get("isInterrupting", "true").strip().lower() != "false",
        message_data=ext.message_data_of(element),
        decision_ref=ext.decision_ref_of(element) if kind == "businessRuleTask" else None,
        call_mapping=ext.call_mappings_of(element) if kind == "callActivity" else None,
    )
    for name, definition in definitions:
        if name == "timer" and node.timer is None:
            node.timer = _timer(definition)
        if name == "message" and not node.message_ref:
            node.message_ref = definition.get("messageRef")
        if name == "conditional" and node.condition is None:
            node.condition = text_of(definition.find(bpmn("condition"))) or None
        if name in REFERRING_DEFINITIONS and definition.get(f"{name}Ref"):
            node.event_refs.setdefault(name, definition.get(f"{name}Ref"))
    if kind == "serviceTask":
        node.service = _service_call(element)
    if kind == "scriptTask":
        script = element.find(bpmn("script"))
        node.script = _script_text(script)
        node.script_format = element.get("scriptFormat")
    return node


_URL_SCHEME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_URL_END = frozenset(" \t\r\n\f\v\"'<>")


def _urls_in(text: str):
    """Each ``scheme://rest`` in ``text``, in one pass: found from each ``://`` outwards
    (a regex starting at every letter backtracks over long runs of them, seconds for a
    25 kB attribute)."""
    end = 0
    while (mark := text.find("://", end)) >= 0:
        start = mark
        while start > end and text[start - 1] in _URL_SCHEME:
            start -= 1
        while start < mark and not text[start].isalpha():  # a scheme starts with a letter
            start += 1
        stop = mark + 3
        while stop < len(text) and text[stop] not in _URL_END:
            stop += 1
        if start < mark:
            yield text[start:stop]
        end = stop


def _service_call(element) -> ServiceCall | None:
    """``pf:connector`` with its ``pf:input``/``pf:output`` mappings, or SpiffArena's
    ``serviceTaskOperator`` read as one; None without either."""
    connector = element.get(ext.pf("connector"))
    texts = [v for v in element.attrib.values()] + list(element.itertext())
    for child in element.iter():
        texts.extend(child.attrib.values() if child is not element else ())
    urls = tuple(dict.fromkeys(url for t in texts for url in _urls_in(t or "")))
    if connector is None:
        return ext.spiff_service_call_of(element, urls)

    def pairs(tag: str) -> tuple[tuple[str, str], ...]:
        return tuple(
            (child.get("name", "").strip(), (child.get("expression") or "").strip())
            for child in ext.extension_children(element, ext.pf(tag))
        )

    return ServiceCall(connector.strip(), pairs("input"), pairs("output"), urls)


def _script_text(script) -> str | None:
    if script is None:
        return None
    return textwrap.dedent("".join(script.itertext())).strip()


def _event_definitions(element, global_definitions: dict) -> list[tuple[str, Any]]:
    found = []
    for child in element.iterchildren():
        name = local_name(child)
        if name.endswith(_SUFFIX) and child.tag == bpmn(name):
            found.append((name[: -len(_SUFFIX)], child))
        elif child.tag == bpmn("eventDefinitionRef"):
            target = global_definitions.get(text_of(child))
            if target is not None:
                found.append((local_name(target)[: -len(_SUFFIX)], target))
    return found


def _timer(definition) -> TimerDefinition | None:
    for tag, kind in TIMER_KINDS.items():
        element = definition.find(bpmn(tag))
        if element is not None and text_of(element):
            return TimerDefinition(kind=kind, expression=text_of(element))
    return None


def _read_data_associations(element, process: Process) -> None:
    """Which data objects each node reads and writes (through data object references)."""
    objects = {
        o.get("id"): clean_name(o.get("name")) or o.get("id", "")
        for o in element.iter(bpmn("dataObject"))
        if o.get("id")
    }
    refs = {r.get("id"): r.get("dataObjectRef") for r in element.iter(bpmn("dataObjectReference"))}

    def target(ref_id: str) -> str | None:
        return refs.get(ref_id) or (ref_id if ref_id in objects else None)

    found: dict[str, tuple[list, list]] = {}
    for kind, ref_tag, index in (("Input", "sourceRef", 0), ("Output", "targetRef", 1)):
        for association in element.iter(bpmn(f"data{kind}Association")):
            node = process.nodes.get(association.getparent().get("id") or "")
            object_id = target(text_of(association.find(bpmn(ref_tag))))
            if node is not None and object_id:
                found.setdefault(node.id, ([], []))[index].append(object_id)
    for node_id, (ins, outs) in found.items():
        node = process.nodes[node_id]
        node.data_inputs = tuple((i, objects.get(i, i)) for i in ins)
        node.data_outputs = tuple((o, objects.get(o, o)) for o in outs)


def _read_flow(element, process_id: str) -> SequenceFlow:
    condition = element.find(bpmn("conditionExpression"))
    return SequenceFlow(
        id=element.get("id", ""),
        source=element.get("sourceRef", ""),
        target=element.get("targetRef", ""),
        name=clean_name(element.get("name")),
        condition=(text_of(condition) or None) if condition is not None else None,
        process_id=process_id,
        line=element.sourceline,
    )


def _unsupported_parts(element, node: Node) -> list[Unsupported]:
    """What in this flow node permitflow cannot execute (empty for supported nodes)."""
    found = []
    if node.kind in UNSUPPORTED_KINDS and not (node.kind == "serviceTask" and node.service):
        found.append(_unsupported(node.kind, element, element, node.process_id))
    if element.get("isForCompensation", "").strip().lower() == "true":  # never run
        found.append(_unsupported("isForCompensation", element, element, node.process_id))
    found += _listeners(element, node.process_id)
    allowed = SUPPORTED_EVENT_DEFINITIONS.get(node.kind)
    if allowed is not None:
        if node.kind == "startEvent" and not _in_event_subprocess(element):
            allowed = allowed - EVENT_SUBPROCESS_STARTS
        if len(node.event_definitions) > 1 and not _multiple_runs(element, node):
            found.append(
                _unsupported("multipleEventDefinitions", element, element, node.process_id)
            )
        for name in node.event_definitions:
            if name not in allowed:
                found.append(_unsupported(name + _SUFFIX, element, element, node.process_id))
    return found


def _listeners(element, process_id) -> list[Unsupported]:
    """Execution and task listeners (Java or expression code, never run), in Camunda's,
    Flowable's or Activiti's namespace."""
    found = {
        local_name(child)
        for extensions in element.iterchildren(bpmn("extensionElements"))
        for child in extensions.iterchildren()
    }
    return [
        _unsupported(tag, element, element, process_id)
        for tag in ("executionListener", "taskListener")
        if tag in found
    ]


def _multiple_runs(element, node: Node) -> bool:
    """Whether permitflow runs this event with several definitions (BPMN's "multiple").

    Messages, signals and one timer combine (SpiffWorkflow's MultipleEventDefinition
    waits for any one, or all with ``parallelMultiple``, and throws each); an error,
    escalation or terminate among them would lose its own behaviour, two timers share
    one due value, the start event of an event sub-process waits in no task that could
    hold several waits, and SpiffWorkflow 3.2 reads no signal on an end event.
    """
    kinds = node.event_definitions
    return (
        set(kinds) <= MULTIPLE_PARTS
        and kinds.count("timer") <= 1
        and not (node.kind == "startEvent" and _in_event_subprocess(element))
        and not (node.kind == "endEvent" and "signal" in kinds)
    )


def _in_event_subprocess(element) -> bool:
    parent = element.getparent()
    return (
        parent is not None
        and local_name(parent) == "subProcess"
        and parent.get("triggeredByEvent", "").strip().lower() == "true"
    )


def _loop_of(element) -> Loop | None:
    """The multi-instance or standard loop of an activity, with its expressions."""
    multi = element.find(bpmn("multiInstanceLoopCharacteristics"))
    if multi is not None:
        return Loop(
            kind="multiInstance",
            sequential=multi.get("isSequential", "false").strip().lower() == "true",
            cardinality=text_of(multi.find(bpmn("loopCardinality"))) or None,
            collection=text_of(multi.find(bpmn("loopDataInputRef"))) or None,
            element_variable=_item_name(multi.find(bpmn("inputDataItem"))),
            output_collection=text_of(multi.find(bpmn("loopDataOutputRef"))) or None,
            output_element=_item_name(multi.find(bpmn("outputDataItem"))),
            condition=text_of(multi.find(bpmn("completionCondition"))) or None,
            line=multi.sourceline,
            scripts_on_instances=ext.scripts_on_instances_of(multi),
        )
    standard = element.find(bpmn("standardLoopCharacteristics"))
    if standard is not None:
        maximum = standard.get("loopMaximum")
        return Loop(
            kind="standard",
            sequential=True,
            condition=text_of(standard.find(bpmn("loopCondition"))) or None,
            maximum=int(maximum) if maximum and maximum.strip().isdigit() else None,
            test_before=standard.get("testBefore", "false").strip().lower() == "true",
            line=standard.sourceline,
            scripts_on_instances=ext.scripts_on_instances_of(standard),
        )
    return None


def _item_name(item) -> str | None:
    if item is None:
        return None
    return item.get("id") or item.get("name") or None  # SpiffWorkflow names data by id


def _unsupported(tag: str, element, line_element, process_id) -> Unsupported:
    return Unsupported(
        tag=tag,
        id=element.get("id"),
        name=clean_name(element.get("name")),
        line=line_element.sourceline,
        process_id=process_id,
    )


def _read_lanes(lane_set, process: Process, parent_lane_id: str | None) -> None:
    """Read lanes depth-first, so a node ends up in the innermost lane that lists it."""
    for element in lane_set.iterchildren(bpmn("lane")):
        lane = Lane(
            id=element.get("id", ""),
            name=clean_name(element.get("name")),
            process_id=process.id,
            parent_lane_id=parent_lane_id,
            line=element.sourceline,
            role=lane_role(element),
        )
        process.lanes[lane.id] = lane
        for ref in element.iterchildren(bpmn("flowNodeRef")):
            node = process.nodes.get(text_of(ref))
            if node is not None:
                node.lane_id = lane.id
        for child_set in element.iterchildren(bpmn("childLaneSet")):
            _read_lanes(child_set, process, lane.id)


def _finish_lanes(process: Process) -> None:
    """Nodes inside a sub-process take its lane; each lane lists its own nodes."""
    for node in process.nodes.values():  # document order: parents come first
        if node.lane_id is None and node.parent_id is not None:
            node.lane_id = process.nodes[node.parent_id].lane_id
        if node.lane_id in process.lanes:
            process.lanes[node.lane_id].node_ids.append(node.id)


def _read_collaborations(root, model: BpmnModel) -> None:
    for collaboration in root.iterchildren(bpmn("collaboration")):
        for element in collaboration.iterchildren(bpmn("participant")):
            participant = Participant(
                id=element.get("id", ""),
                name=clean_name(element.get("name")),
                process_ref=element.get("processRef"),
                line=element.sourceline,
            )
            model.participants[participant.id] = participant
            process = model.processes.get(participant.process_ref or "")
            if process is not None and process.participant_id is None:
                process.participant_id = participant.id
                process.participant_name = participant.name
        for element in collaboration.iterchildren(bpmn("messageFlow")):
            model.message_flows.append(
                MessageFlow(
                    id=element.get("id", ""),
                    source=element.get("sourceRef", ""),
                    target=element.get("targetRef", ""),
                    name=clean_name(element.get("name")),
                    line=element.sourceline,
                )
            )
