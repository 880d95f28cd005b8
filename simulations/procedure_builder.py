"""Build :mod:`engine.bpmn.model` procedures in code, for tests, examples and benchmarks.

The loader builds the same objects from BPMN files; this builder lets a test write a
small procedure in a few lines without XML::

    b = ProcedureBuilder("izin", "Izin Usaha")
    b.lane("front", "Front Office")
    b.start("start", fields=[form_field("ktp", "file")])
    b.task("verify", "Verifikasi dokumen", lane="front", fields=[form_field("ok", "boolean")])
    b.end("end")
    b.chain("start", "verify", "end")
    model = b.model()
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
)


def form_field(
    field_id: str, type: str = "string", *, readonly: bool = False, required: bool = False
) -> FormField:
    """A form field; ``type`` ``file`` is a document upload."""
    constraints = {}
    if readonly:
        constraints["readonly"] = ""
    if required:
        constraints["required"] = ""
    return FormField(
        id=field_id, label=field_id.replace("_", " "), type=type, constraints=constraints
    )


class ProcedureBuilder:
    """Collects lanes, nodes and flows of one process; :meth:`model` wraps them up."""

    def __init__(self, process_id: str = "procedure", name: str = "", *, requirements=()):
        standard = ServiceStandard(name=name, requirements=list(requirements))
        self.process = Process(
            id=process_id, name=name, is_executable=True, service_standard=standard
        )

    def lane(self, lane_id: str, name: str = "", *, role: str = "") -> Lane:
        name = name or lane_id
        lane = Lane(lane_id, name, self.process.id, role=role or lane_id)
        self.process.lanes[lane_id] = lane
        return lane

    def node(
        self,
        node_id: str,
        kind: str,
        name: str = "",
        *,
        lane: str | None = None,
        parent: str | None = None,
        fields: Iterable[FormField] = (),
        **attributes,
    ) -> Node:
        node = Node(
            node_id,
            kind,
            name,
            process_id=self.process.id,
            lane_id=lane,
            parent_id=parent,
            form_fields=tuple(fields),
            **attributes,
        )
        self.process.nodes[node_id] = node
        if lane is not None:
            self.process.lanes[lane].node_ids.append(node_id)
        return node

    def start(self, node_id: str = "start", name: str = "", **kw) -> Node:
        return self.node(node_id, "startEvent", name, **kw)

    def end(self, node_id: str = "end", name: str = "", **kw) -> Node:
        return self.node(node_id, "endEvent", name, **kw)

    def task(self, node_id: str, name: str = "", *, kind: str = "userTask", **kw) -> Node:
        return self.node(node_id, kind, name, **kw)

    def script(self, node_id: str, script: str, name: str = "", **kw) -> Node:
        return self.node(node_id, "scriptTask", name, script=script, script_format="python", **kw)

    def gateway(self, node_id: str, kind: str = "exclusiveGateway", name: str = "", **kw) -> Node:
        return self.node(node_id, kind, name, **kw)

    def boundary(self, node_id: str, attached_to: str, definition: str = "timer", **kw) -> Node:
        return self.node(
            node_id, "boundaryEvent", attached_to=attached_to, event_definitions=(definition,), **kw
        )

    def flow(
        self, source: str, target: str, condition: str | None = None, *, default: bool = False
    ) -> SequenceFlow:
        flow_id = f"Flow_{len(self.process.flows) + 1}"
        flow = SequenceFlow(
            flow_id, source, target, condition=condition, process_id=self.process.id
        )
        self.process.flows[flow_id] = flow
        self.process.nodes[source].outgoing.append(flow_id)
        self.process.nodes[target].incoming.append(flow_id)
        if default:
            self.process.nodes[source].default_flow = flow_id
        return flow

    def chain(self, *node_ids: str) -> None:
        """Connect the nodes one after another with unconditional flows."""
        for source, target in zip(node_ids, node_ids[1:], strict=False):
            self.flow(source, target)

    def model(self) -> BpmnModel:
        digest = hashlib.sha256(self.process.id.encode()).hexdigest()
        return BpmnModel(
            source=f"<built {self.process.id}>",
            sha256=digest,
            processes={self.process.id: self.process},
        )
