"""Build and edit :mod:`engine.bpmn.model` processes in code: the one builder.

The shipped procedures (``processes/author.py``), the simulator's what-if scenarios,
the analysis' examples, benchmarks and tests all build processes here, so the
cross-references (lane membership, incoming and outgoing flows, default flows) are
kept consistent in one place. A small procedure in a few lines::

    b = ProcessBuilder("izin", "Izin Usaha")
    b.lane("front", "Front Office")
    b.start("start", fields=[form_field("ktp", "file")])
    b.task("verify", "Verifikasi dokumen", lane="front", fields=[form_field("ok", "boolean")])
    b.end("end")
    b.chain("start", "verify", "end")
    model = b.model()

The functions :func:`add_node`, :func:`add_flow`, :func:`remove_node` and
:func:`remove_flow` edit an existing process (what-if scenarios rewire copies).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from engine.bpmn.model import (
    BpmnModel,
    FormField,
    Lane,
    Node,
    Process,
    SequenceFlow,
    ServiceStandard,
    TimerDefinition,
)

# --- editing a process ------------------------------------------------------------------


def add_node(
    process: Process, node_id: str, kind: str, name: str = "", lane: str | None = None, **attrs
) -> Node:
    """Add a node (and put it in ``lane``, created when missing); ``attrs`` go to :class:`Node`."""
    node = Node(node_id, kind, name=name, process_id=process.id, lane_id=lane, **attrs)
    process.nodes[node_id] = node
    if lane:
        if lane not in process.lanes:
            process.lanes[lane] = Lane(lane, lane, process.id)
        process.lanes[lane].node_ids.append(node_id)
    return node


def add_flow(
    process: Process,
    source: str,
    target: str,
    flow_id: str | None = None,
    *,
    name: str = "",
    condition: str | None = None,
) -> SequenceFlow:
    """Connect ``source`` to ``target``; the id defaults to ``source__target``."""
    flow_id = flow_id or unique_id(process, f"{source}__{target}")
    flow = SequenceFlow(
        flow_id, source, target, name=name, condition=condition, process_id=process.id
    )
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


# --- building a process ------------------------------------------------------------------


def form_field(
    field_id: str,
    type: str = "string",
    *,
    label: str = "",
    readonly: bool = False,
    required: bool = False,
) -> FormField:
    """A form field (label: the id with spaces); ``type`` ``file`` is a document upload."""
    constraints = {}
    if readonly:
        constraints["readonly"] = ""
    if required:
        constraints["required"] = ""
    return FormField(
        id=field_id, label=label or field_id.replace("_", " "), type=type, constraints=constraints
    )


class ProcessBuilder:
    """Collects lanes, nodes and flows of one process; :meth:`finish` links them up and
    :meth:`model` wraps the process in a :class:`BpmnModel`.

    Flows may name nodes that are added later: they are linked as soon as both ends
    exist, at the latest by :meth:`finish`.
    """

    def __init__(
        self,
        process_id: str = "procedure",
        name: str = "",
        standard: ServiceStandard | None = None,
        *,
        requirements: Iterable[str] = (),
    ):
        standard = standard or ServiceStandard(name=name, requirements=list(requirements))
        self.process = Process(
            id=process_id, name=name, is_executable=True, service_standard=standard
        )
        self._defaults: dict[str, str] = {}
        self._unlinked: list[str] = []

    # lanes and nodes
    def lane(self, lane_id: str, name: str = "", *, role: str = "") -> Lane:
        """A lane; its role key defaults to its id."""
        lane = Lane(lane_id, name or lane_id, self.process.id, role=role or lane_id)
        self.process.lanes[lane_id] = lane
        return lane

    def role_lane(self, role: str, name: str) -> str:
        """A lane ``Lane_<role>`` for the holders of ``role``; returns its id."""
        return self.lane(f"Lane_{role}", name, role=role).id

    def node(
        self,
        node_id: str,
        kind: str,
        name: str = "",
        lane: str | None = None,
        *,
        parent: str | None = None,
        fields: Iterable[FormField] = (),
        **attributes,
    ) -> Node:
        if fields:
            attributes["form_fields"] = tuple(fields)
        node = Node(
            node_id,
            kind,
            name,
            process_id=self.process.id,
            lane_id=lane,
            parent_id=parent,
            **attributes,
        )
        self.process.nodes[node_id] = node
        if lane is not None:
            self.process.lanes[lane].node_ids.append(node_id)
        self._link_pending()
        return node

    def start(self, node_id: str = "start", name: str = "", **kw) -> Node:
        return self.node(node_id, "startEvent", name, **kw)

    def end(self, node_id: str = "end", name: str = "", **kw) -> Node:
        return self.node(node_id, "endEvent", name, **kw)

    def task(self, node_id: str, name: str = "", *, kind: str = "userTask", **kw) -> Node:
        return self.node(node_id, kind, name, **kw)

    def user_task(
        self, node_id: str, name: str, lane: str, *fields: FormField, doc: str = ""
    ) -> Node:
        """A user task in ``lane`` with its form ``fields`` and documentation."""
        return self.node(node_id, "userTask", name, lane, form_fields=fields, documentation=doc)

    def script(self, node_id: str, script: str, name: str = "", **kw) -> Node:
        return self.node(node_id, "scriptTask", name, script=script, script_format="python", **kw)

    def gateway(self, node_id: str, kind: str = "exclusiveGateway", name: str = "", **kw) -> Node:
        return self.node(node_id, kind, name, **kw)

    def boundary(self, node_id: str, attached_to: str, definition: str = "timer", **kw) -> Node:
        return self.node(
            node_id, "boundaryEvent", attached_to=attached_to, event_definitions=(definition,), **kw
        )

    def timer(
        self, node_id: str, name: str, lane: str, kind: str, expression: str, **attrs
    ) -> Node:
        """A timer event (boundary with ``attached_to=...``, else intermediate catch)."""
        node_kind = "boundaryEvent" if "attached_to" in attrs else "intermediateCatchEvent"
        definition = TimerDefinition(kind, expression)
        return self.node(
            node_id, node_kind, name, lane, event_definitions=("timer",), timer=definition, **attrs
        )

    # flows
    def flow(
        self,
        source: str,
        target: str,
        condition: str | None = None,
        *,
        name: str = "",
        default: bool = False,
        flow_id: str | None = None,
    ) -> SequenceFlow:
        """A sequence flow ``Flow_<source>_<target>`` (made unique), optionally conditional
        or the default flow of ``source``."""
        flow_id = flow_id or unique_id(self.process, f"Flow_{source}_{target}")
        flow = SequenceFlow(
            flow_id, source, target, name=name, condition=condition, process_id=self.process.id
        )
        self.process.flows[flow_id] = flow
        if default:
            self._defaults[source] = flow_id
        self._unlinked.append(flow_id)
        self._link_pending()
        return flow

    def chain(self, *node_ids: str) -> None:
        """Connect the nodes one after another with unconditional flows."""
        for source, target in zip(node_ids, node_ids[1:], strict=False):
            self.flow(source, target)

    def _link_pending(self) -> None:
        nodes, waiting = self.process.nodes, []
        for flow_id in self._unlinked:
            flow = self.process.flows[flow_id]
            if flow.source in nodes and flow.target in nodes:
                nodes[flow.source].outgoing.append(flow_id)
                nodes[flow.target].incoming.append(flow_id)
                if self._defaults.get(flow.source) == flow_id:
                    nodes[flow.source].default_flow = flow_id
            else:
                waiting.append(flow_id)
        self._unlinked = waiting

    # results
    def finish(self) -> Process:
        """The process, every flow linked; a flow naming a missing node is an error."""
        self._link_pending()
        if self._unlinked:
            flow = self.process.flows[self._unlinked[0]]
            raise KeyError(f"flow {flow.id} connects {flow.source} to {flow.target}: missing node")
        order = {flow_id: i for i, flow_id in enumerate(self.process.flows)}
        for node in self.process.nodes.values():  # flows in the order they were added
            node.incoming.sort(key=lambda f: order.get(f, len(order)))
            node.outgoing.sort(key=lambda f: order.get(f, len(order)))
        return self.process

    def model(self, source: str | None = None) -> BpmnModel:
        """The process as a one-process model (its digest over the ids, for caches)."""
        process = self.finish()
        digest = hashlib.sha256(
            "|".join(sorted(process.nodes) + sorted(process.flows)).encode()
        ).hexdigest()
        return BpmnModel(
            source=source or f"<built {process.id}>",
            sha256=digest,
            processes={process.id: process},
        )
