"""Write the in-memory model back out as a BPMN 2.0 file that bpmn.io / Camunda Modeler open.

The inverse of :func:`engine.bpmn.reader.load_bpmn`: processes with their lanes (``pf:role``),
Camunda forms, timers, messages, scripts, conditions and the ``pf:serviceStandard``
(see ``docs/bpmn-conventions.md``), and what the engine executes besides: loops
(multi-instance and standard), decision references, call mappings, message data,
event sub-processes (interrupting or not), SpiffArena's pre- and post-scripts, data
objects and their associations, pools and message flows; plus a diagram from
:func:`engine.bpmn.layout.layout`. The procedure simulator uses it to export a revised
"what-if" procedure that designers then deploy, so what it writes must read back into
the same model (``tests/test_bpmn_round_trip.py`` checks every shipped model).

>>> from engine.bpmn.model import Node, Process, SequenceFlow
>>> p = Process("demo", is_executable=True)
>>> p.nodes["start"] = Node("start", "startEvent", outgoing=["f1"])
>>> p.nodes["end"] = Node("end", "endEvent", incoming=["f1"])
>>> p.flows["f1"] = SequenceFlow("f1", "start", "end")
>>> process_to_bpmn(p).startswith(b"<?xml")
True
"""

from __future__ import annotations

import re

from lxml import etree

from engine.bpmn.extension_writer import (
    BPMN,
    CAMUNDA,
    CAMUNDA_ATTRIBUTES,
    PF,
    SPIFF,
    XSI,
    parse_kept,
    service_standard_element,
    write_extensions,
    write_kept,
)
from engine.bpmn.extension_writer import q as _q
from engine.bpmn.extension_writer import sub as _sub
from engine.bpmn.layout import Bounds, Point, layout, participant_id
from engine.bpmn.model import (
    BpmnModel,
    Lane,
    Loop,
    MessageFlow,
    Node,
    Participant,
    Process,
    SequenceFlow,
)

__all__ = ["layout", "process_to_bpmn", "write_bpmn"]

BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NSMAP = {
    "bpmn": BPMN,
    "bpmndi": BPMNDI,
    "dc": DC,
    "di": DI,
    "camunda": CAMUNDA,
    "pf": PF,
    "xsi": XSI,
}
EXPORTER, EXPORTER_VERSION = "permitflow", "0.1.0"
DEFAULT_NAMESPACE = "https://permitflow.org/processes"
TIMER_TAGS = {"duration": "timeDuration", "date": "timeDate", "cycle": "timeCycle"}
POOL_GAP = 40  # vertical space between the pools of several processes
_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*")  # an id a data object's name may serve as
CONTAINER_KINDS = {"subProcess", "transaction", "adHocSubProcess"}


def write_bpmn(model: BpmnModel) -> bytes:
    """The whole model as a BPMN 2.0 document (UTF-8 bytes with an XML declaration)."""
    processes = list(model.processes.values())
    messages = dict(model.messages)
    return _document(processes, messages, model.target_namespace or DEFAULT_NAMESPACE, model)


def process_to_bpmn(
    process: Process,
    *,
    target_namespace: str = DEFAULT_NAMESPACE,
    messages: dict[str, str] | None = None,
) -> bytes:
    """One process as a BPMN 2.0 document, with its own pool when it has lanes.

    ``messages`` maps message ids (the events' ``message_ref``) to message names, as
    :attr:`BpmnModel.messages` does; a message it does not name is named after its id.
    """
    return _document([process], dict(messages or {}), target_namespace)


def _document(
    processes: list[Process],
    messages: dict[str, str],
    target_namespace: str,
    model: BpmnModel | None = None,
) -> bytes:
    """The ``definitions``: collaboration, processes, messages, then the diagrams.

    From the whole ``model``, when there is one: its pools (those without a process
    too) and message flows, the data store references it read (listed as unsupported,
    written back so validation still refuses them) and the root elements it kept as
    read (:attr:`BpmnModel.kept_definitions`: correlation properties, signals...).
    """
    root = etree.Element(_q(BPMN, "definitions"), nsmap=NSMAP)
    root.set("id", "Definitions_" + (processes[0].id if processes else "empty"))
    root.set("targetNamespace", target_namespace)
    root.set("exporter", EXPORTER)
    root.set("exporterVersion", EXPORTER_VERSION)
    participants = list(model.participants.values()) if model else []
    ends = {p.id for p in participants} | {n for p in processes for n in p.nodes}
    message_flows = [  # a what-if change may have removed the task a flow ended on
        f for f in (model.message_flows if model else []) if {f.source, f.target} <= ends
    ]
    pooled = (
        len(processes) > 1
        or any(p.lanes or p.participant_id for p in processes)
        or bool(participants or message_flows)
    )
    if pooled:
        _write_collaboration(root, processes, participants, message_flows)
    stores = [u for u in (model.unsupported if model else []) if u.tag == "dataStoreReference"]
    for process in processes:
        element = _process_element(process)
        for store in stores:
            if store.process_id == process.id and store.id:
                _sub(element, BPMN, "dataStoreReference", id=store.id, name=store.name or None)
        root.append(element)
    for message_id, name in _messages(processes, messages).items():
        _sub(root, BPMN, "message", id=message_id, name=name)
    for text in model.kept_definitions if model else ():
        root.append(parse_kept(text))
    if model is not None and model.message_contracts is not None:
        _write_spiff_message_conventions(root, model.message_contracts)
    _write_diagrams(root, processes, pooled)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write_spiff_message_conventions(root: etree._Element, contracts) -> None:
    """SpiffArena's ``messagePayload`` (thrown) and ``messageVariable`` (caught) in the
    extension elements of the events' message definitions and of send and receive tasks,
    where SpiffArena puts them.

    ``contracts`` is the model's :class:`engine.bpmn.message_contracts.MessageContracts`.
    """
    conventions = [
        ("messagePayload", contracts.payload_expressions),
        ("messageVariable", contracts.receipt_variables),
    ]
    holders = [(d.getparent(), d) for d in root.iter(_q(BPMN, "messageEventDefinition"))]
    for kind in ("sendTask", "receiveTask"):
        holders += [(task, task) for task in root.iter(_q(BPMN, kind))]
    for element, definition in holders:
        element_id = element.get("id")
        for tag, by_element in conventions:
            if element_id not in by_element:
                continue
            holder = definition.find(_q(BPMN, "extensionElements"))
            if holder is None:
                holder = etree.Element(_q(BPMN, "extensionElements"))
                documented = definition.find(_q(BPMN, "documentation")) is not None
                definition.insert(1 if documented else 0, holder)
            spiff = etree.SubElement(holder, _q(SPIFF, tag), nsmap={"spiffworkflow": SPIFF})
            spiff.text = by_element[element_id]


def _write_collaboration(
    root: etree._Element,
    processes: list[Process],
    participants: list[Participant],
    message_flows: list[MessageFlow],
) -> None:
    """The pools (the model's own, then one for each process it has none for) and the
    message flows between them."""
    collaboration = _sub(root, BPMN, "collaboration", id=_collaboration_id(processes))
    written = set()
    for participant in participants:
        _sub(
            collaboration,
            BPMN,
            "participant",
            id=participant.id,
            name=participant.name or None,
            processRef=participant.process_ref or None,
        )
        written.add(participant.id)
    for process in processes:
        if participant_id(process) in written:
            continue
        name = process.participant_name or process.name or None
        _sub(
            collaboration,
            BPMN,
            "participant",
            id=participant_id(process),
            name=name,
            processRef=process.id,
        )
    for flow in message_flows:
        _sub(
            collaboration,
            BPMN,
            "messageFlow",
            id=flow.id,
            name=flow.name or None,
            sourceRef=flow.source,
            targetRef=flow.target,
        )


def _collaboration_id(processes: list[Process]) -> str:
    return "Collaboration_" + (processes[0].id if len(processes) == 1 else "1")


def _messages(processes: list[Process], known: dict[str, str]) -> dict[str, str]:
    """Every message referenced by an event, named from ``known`` else after its id."""
    result = dict(known)
    for process in processes:
        for node in process.nodes.values():
            for ref in (node.message_ref, *node.message_refs):
                if ref and ref not in result:
                    result[ref] = ref
    return result


# --- the process -------------------------------------------------------------------------


def _process_element(process: Process) -> etree._Element:
    element = etree.Element(_q(BPMN, "process"))
    element.set("id", process.id)
    if process.name:
        element.set("name", process.name)
    element.set("isExecutable", "true" if process.is_executable else "false")
    if process.service_standard is not None:
        extensions = _sub(element, BPMN, "extensionElements")
        extensions.append(service_standard_element(process.service_standard))
    write_kept(element, process.kept_extensions)
    if process.lanes:
        _write_lanes(element, process)
    _write_scope(element, process, None)
    _write_data_objects(element, process)
    return element


def _data_object_ids(process: Process) -> dict[str, str]:
    """Each data object's name (as :attr:`Process.data_objects` lists it) -> its id.

    The nodes' associations name the ids; an object no node uses is known by its name
    only, which becomes its id when it is one (else a derived id)."""
    ids: dict[str, str] = {}
    for node in process.nodes.values():
        for object_id, name in (*node.data_inputs, *node.data_outputs):
            ids.setdefault(name, object_id)
    for index, name in enumerate(process.data_objects, 1):
        if name not in ids:
            ids[name] = name if _XML_NAME.fullmatch(name) else f"DataObject_{index}"
    return ids


def _write_data_objects(element: etree._Element, process: Process) -> None:
    """``dataObject`` elements, each with the ``dataObjectReference`` its associations name
    (SpiffWorkflow resolves associations through references)."""
    ids = _data_object_ids(process)
    names = list(process.data_objects)
    for name in ids:
        if name not in names:
            names.append(name)
    for name in names:
        object_id = ids[name]
        _sub(element, BPMN, "dataObject", id=object_id, name=name)
        _sub(
            element,
            BPMN,
            "dataObjectReference",
            id=_data_reference(object_id),
            name=name,
            dataObjectRef=object_id,
        )


def _data_reference(object_id: str) -> str:
    return f"{object_id}_reference"


def _write_lanes(parent: etree._Element, process: Process, parent_lane: str | None = None) -> None:
    """The lane set (nested lanes in child lane sets) with ``pf:role`` and flow node refs."""
    lanes = [lane for lane in process.lanes.values() if _parent_lane(process, lane) == parent_lane]
    if not lanes:
        return
    tag = "laneSet" if parent_lane is None else "childLaneSet"
    lane_set = _sub(parent, BPMN, tag, id=f"LaneSet_{parent_lane or process.id}")
    for lane in lanes:
        element = _sub(lane_set, BPMN, "lane", id=lane.id, name=lane.name or None)
        if lane.role:
            element.set(_q(PF, "role"), lane.role)
        for node_id in _lane_members(process, lane):
            _sub(element, BPMN, "flowNodeRef", node_id)
        _write_lanes(element, process, lane.id)


def _parent_lane(process: Process, lane: Lane) -> str | None:
    return lane.parent_lane_id if lane.parent_lane_id in process.lanes else None


def _lane_members(process: Process, lane: Lane) -> list[str]:
    """The lane's listed nodes, then any other node that names the lane.

    A node inside a sub-process is listed only when its lane is not its sub-process's
    (the reader puts it in its sub-process's lane otherwise): the tasks of an event
    sub-process drawn in another lane than the sub-process stay in that lane.
    """

    def listed(node: Node) -> bool:
        if node.lane_id != lane.id:
            return False
        parent = process.nodes.get(node.parent_id or "")
        return parent is None or parent.lane_id != lane.id

    members = [i for i in lane.node_ids if i in process.nodes and listed(process.nodes[i])]
    for node in process.nodes.values():
        if listed(node) and node.id not in members:
            members.append(node.id)
    return members


def _write_scope(parent: etree._Element, process: Process, scope: str | None) -> None:
    """The nodes of the process (or of sub-process ``scope``), then their flows."""
    for node in process.nodes.values():
        if node.parent_id == scope:
            parent.append(_node_element(process, node))
    for flow in process.flows.values():
        source = process.nodes.get(flow.source)
        if source is not None and source.parent_id == scope:
            parent.append(_flow_element(flow))


def _flow_element(flow: SequenceFlow) -> etree._Element:
    element = etree.Element(_q(BPMN, "sequenceFlow"))
    element.set("id", flow.id)
    if flow.name:
        element.set("name", flow.name)
    element.set("sourceRef", flow.source)
    element.set("targetRef", flow.target)
    if flow.condition:
        condition = _sub(element, BPMN, "conditionExpression", flow.condition)
        condition.set(_q(XSI, "type"), "bpmn:tFormalExpression")
    return element


def _node_element(process: Process, node: Node) -> etree._Element:
    """One flow node with its attributes and children in the schema's order."""
    element = etree.Element(_q(BPMN, node.kind))
    element.set("id", node.id)
    if node.name:
        element.set("name", node.name)
    _set_node_attributes(element, node)
    if node.documentation:
        _sub(element, BPMN, "documentation", node.documentation)
    write_extensions(element, node)
    write_kept(element, node.kept_extensions)
    for flow_id in node.incoming:
        _sub(element, BPMN, "incoming", flow_id)
    for flow_id in node.outgoing:
        _sub(element, BPMN, "outgoing", flow_id)
    _write_data_associations(element, node)
    if node.loop is not None:
        element.append(_loop_element(node.loop))
    if node.kind in CONTAINER_KINDS:
        _write_scope(element, process, node.id)
    _write_event_definitions(element, node)
    _write_event_refs(element, node)
    if node.kind == "scriptTask" and node.script is not None:
        _sub(element, BPMN, "script", node.script)
    return element


def _write_event_refs(element: etree._Element, node: Node) -> None:
    """``signalRef``, ``errorRef``, ``escalationRef`` on the definitions written: the
    signal thrown and caught, the error or escalation a catch waits for."""
    for kind, ref in node.event_refs.items():
        definition = element.find(_q(BPMN, f"{kind}EventDefinition"))
        if definition is not None and not definition.get(f"{kind}Ref"):
            definition.set(f"{kind}Ref", ref)


def _write_data_associations(element: etree._Element, node: Node) -> None:
    """The data objects the node reads and writes, through their references."""
    for index, (object_id, _name) in enumerate(node.data_inputs, 1):
        association = _sub(element, BPMN, "dataInputAssociation", id=f"{node.id}_in_{index}")
        _sub(association, BPMN, "sourceRef", _data_reference(object_id))
    for index, (object_id, _name) in enumerate(node.data_outputs, 1):
        association = _sub(element, BPMN, "dataOutputAssociation", id=f"{node.id}_out_{index}")
        _sub(association, BPMN, "targetRef", _data_reference(object_id))


def _loop_element(loop: Loop) -> etree._Element:
    """``multiInstanceLoopCharacteristics`` or ``standardLoopCharacteristics``, children in
    the schema's order."""
    nsmap = {"spiffworkflow": SPIFF} if loop.scripts_on_instances else None
    if loop.kind == "standard":
        element = etree.Element(_q(BPMN, "standardLoopCharacteristics"), nsmap=nsmap)
        if loop.test_before:
            element.set("testBefore", "true")
        if loop.maximum is not None:
            element.set("loopMaximum", str(loop.maximum))
        if loop.condition:
            _expression(element, "loopCondition", loop.condition)
    else:
        element = etree.Element(_q(BPMN, "multiInstanceLoopCharacteristics"), nsmap=nsmap)
        element.set("isSequential", "true" if loop.sequential else "false")
        if loop.cardinality:
            _expression(element, "loopCardinality", loop.cardinality)
        if loop.collection:
            _sub(element, BPMN, "loopDataInputRef", loop.collection)
        if loop.output_collection:
            _sub(element, BPMN, "loopDataOutputRef", loop.output_collection)
        if loop.element_variable:
            name = loop.element_variable
            _sub(element, BPMN, "inputDataItem", id=name, name=name)
        if loop.output_element:
            name = loop.output_element
            _sub(element, BPMN, "outputDataItem", id=name, name=name)
        if loop.condition:
            _expression(element, "completionCondition", loop.condition)
    if loop.scripts_on_instances:
        element.set(_q(SPIFF, "scriptsOnInstances"), "true")
    return element


def _expression(parent: etree._Element, tag: str, text: str) -> etree._Element:
    """A ``tFormalExpression`` child, as bpmn.io writes conditions."""
    element = _sub(parent, BPMN, tag, text)
    element.set(_q(XSI, "type"), "bpmn:tFormalExpression")
    return element


def _set_node_attributes(element: etree._Element, node: Node) -> None:
    if node.kind == "boundaryEvent":
        element.set("attachedToRef", node.attached_to or "")
        element.set("cancelActivity", "true" if node.cancel_activity else "false")
    if node.kind == "startEvent" and not node.is_interrupting:
        element.set("isInterrupting", "false")
    if node.triggered_by_event and node.kind in CONTAINER_KINDS:
        element.set("triggeredByEvent", "true")
    if node.default_flow:
        element.set("default", node.default_flow)
    if node.kind == "scriptTask" and node.script_format:
        element.set("scriptFormat", node.script_format)
    if node.called_element:
        element.set("calledElement", node.called_element)
    if node.kind in {"sendTask", "receiveTask"} and node.message_ref:
        element.set("messageRef", node.message_ref)
    if node.kind == "businessRuleTask" and node.decision_ref:
        element.set(_q(CAMUNDA, "decisionRef"), node.decision_ref)
    if node.form_key:
        element.set(_q(CAMUNDA, "formKey"), node.form_key)
    if node.service is not None and not node.service.spiff_operator:
        element.set(_q(PF, "connector"), node.service.connector)
    for key, value in node.properties.items():
        if key in CAMUNDA_ATTRIBUTES:
            element.set(_q(CAMUNDA, key), value)


def _write_event_definitions(element: etree._Element, node: Node) -> None:
    """Timer, message and the other event definitions, each as ``<bpmn:xEventDefinition>``
    (an event with several keeps each of its messages, numbered ids and parallelMultiple)."""
    message_refs = iter(node.message_refs or (node.message_ref or "",))
    for index, kind in enumerate(node.event_definitions):
        repeated = node.event_definitions.count(kind) > 1
        definition_id = f"{node.id}_{kind}" + (f"_{index + 1}" if repeated else "")
        definition = _sub(element, BPMN, f"{kind}EventDefinition", id=definition_id)
        if kind == "timer" and node.timer is not None:
            tag = TIMER_TAGS.get(node.timer.kind, "timeDuration")
            timer = _sub(definition, BPMN, tag, node.timer.expression)
            timer.set(_q(XSI, "type"), "bpmn:tFormalExpression")
        elif kind == "message":
            ref = next(message_refs, "") or node.message_ref
            if ref:
                definition.set("messageRef", ref)
        elif kind == "conditional" and node.condition:
            condition = _sub(definition, BPMN, "condition", node.condition)
            condition.set(_q(XSI, "type"), "bpmn:tFormalExpression")
    if node.parallel_multiple:
        element.set("parallelMultiple", "true")


# --- the diagram -------------------------------------------------------------------------


def _write_diagrams(root: etree._Element, processes: list[Process], pooled: bool) -> None:
    """One diagram for the pools (or the single process), one per collapsed sub-process."""
    main_element = (
        _collaboration_id(processes) if pooled else (processes[0].id if processes else "")
    )
    plane = _plane(root, "BPMNDiagram_1", main_element)
    dy = 0
    for process in processes:
        shapes = layout(process, pool=pooled)
        _draw(plane, process, shapes, dy)
        pool = shapes.get(participant_id(process))
        if isinstance(pool, tuple):
            dy += pool[3] + POOL_GAP
    for process in processes:
        for node in process.nodes.values():
            if node.kind in {"subProcess", "transaction", "adHocSubProcess"}:
                sub_plane = _plane(root, f"BPMNDiagram_{node.id}", node.id)
                _draw(sub_plane, process, layout(process, node.id), 0)


def _plane(root: etree._Element, diagram_id: str, element_id: str) -> etree._Element:
    diagram = _sub(root, BPMNDI, "BPMNDiagram", id=diagram_id)
    return _sub(diagram, BPMNDI, "BPMNPlane", id=f"BPMNPlane_{element_id}", bpmnElement=element_id)


def _draw(plane: etree._Element, process: Process, shapes: dict, dy: int) -> None:
    """Shapes (pool, lanes, nodes) then edges, shifted down by ``dy``."""
    for element_id, geometry in shapes.items():
        if isinstance(geometry, tuple):
            _shape(plane, process, element_id, geometry, dy)
    for element_id, geometry in shapes.items():
        if isinstance(geometry, list):
            _edge(plane, element_id, geometry, dy)


def _shape(
    plane: etree._Element, process: Process, element_id: str, bounds: Bounds, dy: int
) -> None:
    shape = _sub(plane, BPMNDI, "BPMNShape", id=f"{element_id}_di", bpmnElement=element_id)
    node = process.nodes.get(element_id)
    if node is None:  # a pool or a lane
        shape.set("isHorizontal", "true")
    elif node.kind in {"subProcess", "transaction", "adHocSubProcess"}:
        shape.set("isExpanded", "false")
    elif node.kind == "exclusiveGateway":
        shape.set("isMarkerVisible", "true")
    x, y, width, height = bounds
    _sub(shape, DC, "Bounds", x=str(x), y=str(y + dy), width=str(width), height=str(height))


def _edge(plane: etree._Element, flow_id: str, waypoints: list[Point], dy: int) -> None:
    edge = _sub(plane, BPMNDI, "BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    for x, y in waypoints:
        _sub(edge, DI, "waypoint", x=str(x), y=str(y + dy))
