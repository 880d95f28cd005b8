"""Small helpers to build and edit :class:`engine.bpmn.model.BpmnModel` objects in code.

What-if scenarios rewire processes with these, and tests build tiny models with
:func:`linear_model` instead of shipping BPMN files for every case.
"""

from __future__ import annotations

from engine.bpmn.model import BpmnModel, Lane, Node, Process, SequenceFlow, TimerDefinition


def add_node(
    process: Process, node_id: str, kind: str, name: str = "", lane: str | None = None, **attrs
) -> Node:
    """Add a node (and put it in ``lane``); ``attrs`` go to :class:`Node`."""
    node = Node(node_id, kind, name=name, process_id=process.id, lane_id=lane, **attrs)
    process.nodes[node_id] = node
    if lane:
        if lane not in process.lanes:
            process.lanes[lane] = Lane(lane, lane, process.id)
        process.lanes[lane].node_ids.append(node_id)
    return node


def add_flow(
    process: Process, source: str, target: str, flow_id: str | None = None
) -> SequenceFlow:
    """Connect ``source`` to ``target``; the id defaults to ``source__target``."""
    flow_id = flow_id or unique_id(process, f"{source}__{target}")
    flow = SequenceFlow(flow_id, source, target, process_id=process.id)
    process.flows[flow_id] = flow
    process.nodes[source].outgoing.append(flow_id)
    process.nodes[target].incoming.append(flow_id)
    return flow


def remove_flow(process: Process, flow_id: str) -> None:
    """Remove a sequence flow and its references from both ends."""
    flow = process.flows.pop(flow_id)
    for node_id, attr in ((flow.source, "outgoing"), (flow.target, "incoming")):
        node = process.nodes.get(node_id)
        if node and flow_id in getattr(node, attr):
            getattr(node, attr).remove(flow_id)


def remove_node(process: Process, node_id: str) -> None:
    """Remove a node, its flows, its lane membership and its boundary events."""
    for boundary in process.boundary_events(node_id):
        remove_node(process, boundary.id)
    node = process.nodes[node_id]
    for flow_id in list(node.incoming) + list(node.outgoing):
        if flow_id in process.flows:
            remove_flow(process, flow_id)
    for lane in process.lanes.values():
        if node_id in lane.node_ids:
            lane.node_ids.remove(node_id)
    del process.nodes[node_id]


def unique_id(process: Process, base: str) -> str:
    """``base``, or ``base_2``, ``base_3``... whichever is not used yet."""
    taken = set(process.nodes) | set(process.flows)
    candidate, k = base, 1
    while candidate in taken:
        k += 1
        candidate = f"{base}_{k}"
    return candidate


def linear_model(
    tasks: list[str],
    lanes: list[str] | None = None,
    process_id: str = "p",
    max_days: int | None = None,
) -> BpmnModel:
    """``start -> tasks[0] -> ... -> end`` as user tasks, each in its lane (default ``clerks``).

    Examples
    --------
    >>> m = linear_model(["check", "sign"])
    >>> [n.id for n in m.processes["p"].nodes.values()]
    ['start', 'check', 'sign', 'end']
    """
    from engine.bpmn.model import ServiceStandard

    process = Process(process_id, name=process_id, is_executable=True)
    if max_days is not None:
        process.service_standard = ServiceStandard(code=process_id, max_days=max_days)
    add_node(process, "start", "startEvent")
    previous = "start"
    for i, task in enumerate(tasks):
        add_node(process, task, "userTask", name=task, lane=(lanes[i] if lanes else "clerks"))
        add_flow(process, previous, task)
        previous = task
    add_node(process, "end", "endEvent")
    add_flow(process, previous, "end")
    return BpmnModel(source=f"{process_id}.bpmn", sha256="", processes={process_id: process})


def add_timer(
    process: Process,
    node_id: str,
    expression: str,
    attached_to: str | None = None,
    interrupting: bool = True,
) -> Node:
    """A timer catch event, or a boundary timer on ``attached_to``."""
    kind = "boundaryEvent" if attached_to else "intermediateCatchEvent"
    return add_node(
        process,
        node_id,
        kind,
        event_definitions=("timer",),
        timer=TimerDefinition("duration", expression),
        attached_to=attached_to,
        cancel_activity=interrupting,
    )
