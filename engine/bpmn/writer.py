"""Write the in-memory model back out as a BPMN 2.0 file that bpmn.io / Camunda Modeler open.

The inverse of :func:`engine.bpmn.reader.load_bpmn`: processes with their lanes (``pf:role``),
Camunda forms, timers, messages, scripts, conditions and the ``pf:serviceStandard``
(see ``docs/bpmn-conventions.md``), plus a diagram from :func:`engine.bpmn.layout.layout`.
The procedure simulator uses it to export a revised "what-if" procedure, so what it
writes must read back into the same model.

>>> from engine.bpmn.model import Node, Process, SequenceFlow
>>> p = Process("demo", is_executable=True)
>>> p.nodes["start"] = Node("start", "startEvent", outgoing=["f1"])
>>> p.nodes["end"] = Node("end", "endEvent", incoming=["f1"])
>>> p.flows["f1"] = SequenceFlow("f1", "start", "end")
>>> process_to_bpmn(p).startswith(b"<?xml")
True
"""

from __future__ import annotations

from lxml import etree

from engine.bpmn.layout import Bounds, Point, layout, participant_id
from engine.bpmn.model import (
    BpmnModel,
    FormField,
    Lane,
    Node,
    Process,
    SequenceFlow,
    ServiceStandard,
)

__all__ = ["layout", "process_to_bpmn", "write_bpmn"]

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
PF = "https://permitflow.org/schema/bpmn/1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
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
FORM_KINDS = {"startEvent", "userTask"}
# node properties written as camunda attributes; every other one is a camunda:property
CAMUNDA_ATTRIBUTES = ("candidateGroups", "candidateUsers", "assignee")
POOL_GAP = 40  # vertical space between the pools of several processes


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(
    parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs
) -> etree._Element:
    """Append a child element; attributes whose value is ``None`` are left out."""
    element = etree.SubElement(parent, _q(ns, tag))
    for key, value in attrs.items():
        if value is not None:
            element.set(key, value)
    if text is not None:
        element.text = text
    return element


def write_bpmn(model: BpmnModel) -> bytes:
    """The whole model as a BPMN 2.0 document (UTF-8 bytes with an XML declaration)."""
    processes = list(model.processes.values())
    messages = dict(model.messages)
    return _document(processes, messages, model.target_namespace or DEFAULT_NAMESPACE)


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


def _document(processes: list[Process], messages: dict[str, str], target_namespace: str) -> bytes:
    root = etree.Element(_q(BPMN, "definitions"), nsmap=NSMAP)
    root.set("id", "Definitions_" + (processes[0].id if processes else "empty"))
    root.set("targetNamespace", target_namespace)
    root.set("exporter", EXPORTER)
    root.set("exporterVersion", EXPORTER_VERSION)
    pooled = len(processes) > 1 or any(p.lanes for p in processes)
    if pooled:
        collaboration = _sub(root, BPMN, "collaboration", id=_collaboration_id(processes))
        for process in processes:
            name = process.participant_name or process.name or None
            _sub(
                collaboration,
                BPMN,
                "participant",
                id=participant_id(process),
                name=name,
                processRef=process.id,
            )
    for process in processes:
        root.append(_process_element(process))
    for message_id, name in _messages(processes, messages).items():
        _sub(root, BPMN, "message", id=message_id, name=name)
    _write_diagrams(root, processes, pooled)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


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
        extensions.append(_service_standard(process.service_standard))
    _write_kept(element, process.kept_extensions)
    if process.lanes:
        _write_lanes(element, process)
    _write_scope(element, process, None)
    return element


def _write_kept(element: etree._Element, kept: tuple[str, ...]) -> None:
    """Append extension elements kept as read (``pf:label``...) to ``extensionElements``."""
    if not kept:
        return
    holder = element.find(_q(BPMN, "extensionElements"))
    if holder is None:
        holder = _sub(element, BPMN, "extensionElements")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    for text in kept:
        holder.append(etree.fromstring(text, parser))


def _service_standard(standard: ServiceStandard) -> etree._Element:
    """``<pf:serviceStandard>`` as described in ``docs/bpmn-conventions.md``."""
    element = etree.Element(_q(PF, "serviceStandard"))
    element.set("code", standard.code)
    element.set("name", standard.name)
    if standard.description:
        _sub(element, PF, "description", standard.description)
    for item in standard.legal_basis:
        _sub(element, PF, "legalBasis", item)
    for item in standard.requirements:
        _sub(element, PF, "requirement", item)
    if standard.procedure:
        _sub(element, PF, "procedure", standard.procedure)
    if standard.max_days is not None:
        _sub(element, PF, "maxDays", str(standard.max_days))
    fee = standard.fee
    _sub(element, PF, "fee", fee.description, amount=_number(fee.amount), currency=fee.currency)
    if standard.product:
        _sub(element, PF, "product", standard.product)
    if standard.complaint_channel:
        _sub(element, PF, "complaintChannel", standard.complaint_channel)
    if standard.retention_years is not None:
        _sub(element, PF, "retentionYears", str(standard.retention_years))
    return element


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


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
    """The lane's listed top-level nodes, then any other node that names the lane."""
    members = [
        i for i in lane.node_ids if i in process.nodes and process.nodes[i].parent_id is None
    ]
    for node in process.nodes.values():
        if node.lane_id == lane.id and node.parent_id is None and node.id not in members:
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
    _write_extensions(element, node)
    _write_kept(element, node.kept_extensions)
    for flow_id in node.incoming:
        _sub(element, BPMN, "incoming", flow_id)
    for flow_id in node.outgoing:
        _sub(element, BPMN, "outgoing", flow_id)
    if node.kind in {"subProcess", "transaction", "adHocSubProcess"}:
        _write_scope(element, process, node.id)
    _write_event_definitions(element, node)
    if node.kind == "scriptTask" and node.script is not None:
        _sub(element, BPMN, "script", node.script)
    return element


def _set_node_attributes(element: etree._Element, node: Node) -> None:
    if node.kind == "boundaryEvent":
        element.set("attachedToRef", node.attached_to or "")
        element.set("cancelActivity", "true" if node.cancel_activity else "false")
    if node.default_flow:
        element.set("default", node.default_flow)
    if node.kind == "scriptTask":
        element.set("scriptFormat", node.script_format or "python")
    if node.called_element:
        element.set("calledElement", node.called_element)
    if node.form_key:
        element.set(_q(CAMUNDA, "formKey"), node.form_key)
    if node.service is not None:
        element.set(_q(PF, "connector"), node.service.connector)
    for key, value in node.properties.items():
        if key in CAMUNDA_ATTRIBUTES:
            element.set(_q(CAMUNDA, key), value)


def _write_extensions(element: etree._Element, node: Node) -> None:
    """``camunda:formData`` (start events, user tasks) and ``camunda:properties``."""
    properties = {k: v for k, v in node.properties.items() if k not in CAMUNDA_ATTRIBUTES}
    has_form = node.form_fields and node.kind in FORM_KINDS
    mappings = _service_mappings(node)
    if not has_form and not properties and not mappings:
        return
    extensions = _sub(element, BPMN, "extensionElements")
    for tag, name, expression in mappings:
        _sub(extensions, PF, tag, name=name, expression=expression)
    if has_form:
        form = _sub(extensions, CAMUNDA, "formData")
        for form_field in node.form_fields:
            form.append(_form_field(form_field))
    if properties:
        holder = _sub(extensions, CAMUNDA, "properties")
        for key, value in properties.items():
            _sub(holder, CAMUNDA, "property", name=key, value=value)


def _service_mappings(node: Node) -> list[tuple[str, str, str]]:
    """A service task's ``pf:input``/``pf:output`` mappings as (tag, name, expression)."""
    if node.service is None:
        return []
    inputs = [("input", n, e) for n, e in node.service.inputs]
    return inputs + [("output", n, e) for n, e in node.service.outputs]


def _form_field(form_field: FormField) -> etree._Element:
    """A ``camunda:formField`` with its properties, validation constraints and values."""
    element = etree.Element(_q(CAMUNDA, "formField"))
    element.set("id", form_field.id)
    element.set("label", form_field.label)
    element.set("type", form_field.type)
    if form_field.default is not None:
        element.set("defaultValue", form_field.default)
    if form_field.properties:
        holder = _sub(element, CAMUNDA, "properties")
        for key, value in form_field.properties.items():
            _sub(holder, CAMUNDA, "property", id=key, value=value)
    if form_field.constraints:
        validation = _sub(element, CAMUNDA, "validation")
        for name, config in form_field.constraints.items():
            _sub(validation, CAMUNDA, "constraint", name=name, config=config or None)
    for option in form_field.enum_values:
        _sub(element, CAMUNDA, "value", id=option.id, name=option.name)
    return element


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
