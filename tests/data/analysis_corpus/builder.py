"""A small description language for the accuracy corpus, and the BPMN it is written as.

A procedure is described the way an office would draw it (pools, lanes per role, tasks
with Camunda forms, documents as data objects or upload fields, gateways with
conditions) together with what a careful reformer would say about it: the findings
expected from :func:`simulations.analysis.procedure.analyze`, written from the meaning of
the procedure, and the traps it contains (things that look like findings and are not).

:class:`Procedure` keeps element *keys*; when the file is written every key gets an id in
the style of the tool the office uses:

- ``bpmnio``: Camunda Modeler / bpmn.io (``Activity_0x1y2z3``, ``Gateway_1abcd2e``,
  ``Flow_...``, ``bpmn:`` prefix, ``exporter="Camunda Modeler"``);
- ``signavio``: Signavio exports (``sid-3F2504E0-4F89-11D3-9A0C-0305E82C3301``, default
  namespace, ``signavio:signavioMetaData``);
- ``semantic``: hand-written ids, as in permitflow's own processes (the key is the id);
- ``mixed``: Camunda Modeler files where the designer renamed the tasks (semantic task ids,
  generated ids for everything else).

The expected-findings file beside each ``.bpmn`` lists the findings by element id, with the
names and the reason, so a reader can check them against the diagram.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
PF = "https://permitflow.org/schema/bpmn/1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SIGNAVIO = "http://www.signavio.com"

TASKS = {
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
}
EVENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
KINDS = (
    "redundant_check",
    "no_effect_step",
    "parallelizable",
    "stacked_approvals",
    "rework_loop",
    "knockout_order",
    "bottleneck",
    "unreachable",
    "dead_end",
    "deadlock_gateway_pair",
)


# ---------------------------------------------------------------- form fields


@dataclass(frozen=True)
class Field:
    """A ``camunda:formField``."""

    id: str
    label: str
    type: str = "string"
    readonly: bool = False
    required: bool = False
    values: tuple = ()  # (id, name) pairs of an enum

    def ro(self) -> Field:
        """The same field shown read-only on a later form."""
        return Field(self.id, self.label, self.type, True, False, self.values)


def f(id: str, label: str, type: str = "string", *, req: bool = False, values=()) -> Field:
    """An editable field; ``values`` as ``"a:Label A, b:Label B"`` or pairs."""
    if isinstance(values, str):
        values = tuple(tuple(v.strip().split(":", 1)) for v in values.split(","))
    return Field(id, label, type, False, req, tuple(values))


def ro(id: str, label: str, type: str = "string") -> Field:
    """A read-only field (data shown to the clerk, not changed)."""
    return Field(id, label, type, True)


def yes_no(id: str, label: str) -> Field:
    return f(id, label, "boolean", req=True)


def upload(id: str, label: str) -> Field:
    return f(id, label, "file", req=True)


# ---------------------------------------------------------------- the description


@dataclass
class Node:
    key: str
    kind: str
    name: str
    lane: str | None = None
    parent: str | None = None
    form: list = field(default_factory=list)
    script: str | None = None
    props: dict = field(default_factory=dict)
    reads: list = field(default_factory=list)  # data object / store keys
    writes: list = field(default_factory=list)
    event: str | None = None  # timer, message, error, terminate, signal
    timer: str | None = None
    message: str | None = None
    attached: str | None = None
    interrupting: bool = True
    called: str | None = None
    loop: str | None = None  # multiInstance (parallel/sequential) or standard


@dataclass
class Flow:
    key: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    default: bool = False


@dataclass
class Lane:
    key: str
    name: str
    role: str | None = None
    children: list = field(default_factory=list)


@dataclass
class DataRef:
    key: str
    name: str
    store: bool = False
    state: str | None = None


@dataclass
class Expected:
    kind: str
    keys: list
    why: str


class Pool:
    """One process (its pool, lanes and flow) or a black-box pool (``blackbox``)."""

    def __init__(
        self,
        key: str,
        name: str,
        *,
        process_name: str | None = None,
        executable: bool = False,
        blackbox: bool = False,
    ):
        self.key = key
        self.name = name
        self.process_name = process_name or name
        self.executable = executable
        self.blackbox = blackbox
        self.lanes: list[Lane] = []
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.data: dict[str, DataRef] = {}
        self.standard: dict | None = None
        self._flow_count = 0
        self._parent: str | None = None

    # lanes -----------------------------------------------------------------
    def lane(self, key: str, name: str, role: str | None = None, parent: str | None = None):
        lane = Lane(key, name, role)
        if parent is None:
            self.lanes.append(lane)
        else:
            self._find_lane(self.lanes, parent).children.append(lane)
        return lane

    def _find_lane(self, lanes, key):
        for lane in lanes:
            if lane.key == key:
                return lane
            found = self._find_lane(lane.children, key) if lane.children else None
            if found:
                return found
        return None

    # nodes -----------------------------------------------------------------
    def _add(self, node: Node) -> Node:
        assert node.key not in self.nodes, node.key
        if node.parent is None:
            node.parent = self._parent
        if node.lane is None and node.parent is not None:
            node.lane = self.nodes[node.parent].lane
        self.nodes[node.key] = node
        return node

    def start(
        self,
        key="start",
        name="",
        lane=None,
        form=(),
        event=None,
        message=None,
        timer=None,
        writes=(),
    ):
        return self._add(
            Node(
                key,
                "startEvent",
                name,
                lane,
                form=list(form),
                event=event,
                message=message,
                timer=timer,
                writes=list(writes),
            )
        )

    def end(self, key, name="", lane=None, event=None, message=None):
        return self._add(Node(key, "endEvent", name, lane, event=event, message=message))

    def task(
        self,
        key,
        name,
        lane=None,
        *,
        kind="userTask",
        form=(),
        reads=(),
        writes=(),
        script=None,
        props=None,
        called=None,
        loop=None,
    ):
        return self._add(
            Node(
                key,
                kind,
                name,
                lane,
                form=list(form),
                script=script,
                props=dict(props or {}),
                reads=list(reads),
                writes=list(writes),
                called=called,
                loop=loop,
            )
        )

    def user(self, key, name, lane=None, form=(), **kw):
        return self.task(key, name, lane, kind="userTask", form=form, **kw)

    def manual(self, key, name, lane=None, **kw):
        return self.task(key, name, lane, kind="manualTask", **kw)

    def plain(self, key, name, lane=None, **kw):
        return self.task(key, name, lane, kind="task", **kw)

    def script(self, key, name, lane=None, code="", **kw):
        return self.task(key, name, lane, kind="scriptTask", script=code, **kw)

    def service(self, key, name, lane=None, **kw):
        return self.task(key, name, lane, kind="serviceTask", **kw)

    def send(self, key, name, lane=None, **kw):
        return self.task(key, name, lane, kind="sendTask", **kw)

    def xor(self, key, name="", lane=None):
        return self._add(Node(key, "exclusiveGateway", name, lane))

    def andgw(self, key, name="", lane=None):
        return self._add(Node(key, "parallelGateway", name, lane))

    def orgw(self, key, name="", lane=None):
        return self._add(Node(key, "inclusiveGateway", name, lane))

    def eventgw(self, key, name="", lane=None):
        return self._add(Node(key, "eventBasedGateway", name, lane))

    def catch(self, key, name, lane=None, *, timer=None, message=None):
        event = "timer" if timer else "message"
        return self._add(
            Node(
                key, "intermediateCatchEvent", name, lane, event=event, timer=timer, message=message
            )
        )

    def throw(self, key, name, lane=None, *, message=None):
        return self._add(
            Node(
                key,
                "intermediateThrowEvent",
                name,
                lane,
                event="message" if message else None,
                message=message,
            )
        )

    def boundary(
        self, key, name, attached, *, timer=None, message=None, error=False, interrupting=True
    ):
        event = "timer" if timer else "message" if message else "error" if error else None
        host = self.nodes[attached]
        return self._add(
            Node(
                key,
                "boundaryEvent",
                name,
                host.lane,
                parent=host.parent,
                event=event,
                timer=timer,
                message=message,
                attached=attached,
                interrupting=interrupting,
            )
        )

    def sub(self, key, name, lane=None):
        """A sub-process; use as ``with pool.inside(key):`` to add its nodes."""
        return self._add(Node(key, "subProcess", name, lane))

    def inside(self, key):
        pool = self

        class _Scope:
            def __enter__(self):
                self.previous = pool._parent
                pool._parent = key

            def __exit__(self, *exc):
                pool._parent = self.previous

        return _Scope()

    # data --------------------------------------------------------------------
    def doc(self, key, name, state=None):
        self.data[key] = DataRef(key, name, False, state)

    def store(self, key, name):
        self.data[key] = DataRef(key, name, True)

    # flows -------------------------------------------------------------------
    def flow(self, source, target, name="", cond=None, default=False):
        self._flow_count += 1
        flow = Flow(
            f"flow{self._flow_count}_{source}_{target}", source, target, name, cond, default
        )
        self.flows.append(flow)
        return flow

    def chain(self, *keys):
        for a, b in zip(keys, keys[1:], strict=False):
            self.flow(a, b)


class Procedure:
    """One corpus file: a main process (pool) plus partner pools, and the expectations."""

    def __init__(
        self,
        file: str,
        name: str,
        *,
        style: str,
        about: str,
        key: str | None = None,
        pool_name: str | None = None,
        exporter: str | None = None,
    ):
        self.file = file
        self.about = about
        self.style = style
        self.main = Pool(key or file, pool_name or name, process_name=name, executable=True)
        self.pools: list[Pool] = [self.main]
        self.messages: list[tuple] = []  # (source key, target key, name)
        self.expected: list[Expected] = []
        self.traps: list[str] = []
        self.exporter = exporter

    def __getattr__(self, name):  # lane, task, flow... go to the main pool
        return getattr(self.main, name)

    def pool(self, key, name, *, blackbox=False, process_name=None):
        pool = Pool(key, name, blackbox=blackbox, process_name=process_name)
        self.pools.append(pool)
        return pool

    def message_flow(self, source, target, name=""):
        self.messages.append((source, target, name))

    def expect(self, kind: str, *keys: str, why: str):
        assert kind in KINDS, kind
        self.expected.append(Expected(kind, list(keys), why))

    def trap(self, text: str):
        self.traps.append(text)

    def standard(self, code, name, max_days, requirements=(), fee=0):
        self.main.standard = {
            "code": code,
            "name": name,
            "max_days": max_days,
            "requirements": list(requirements),
            "fee": fee,
        }


# ---------------------------------------------------------------- ids


_PREFIX = {
    "startEvent": "StartEvent",
    "endEvent": "Event",
    "intermediateCatchEvent": "Event",
    "intermediateThrowEvent": "Event",
    "boundaryEvent": "Event",
    "exclusiveGateway": "Gateway",
    "parallelGateway": "Gateway",
    "inclusiveGateway": "Gateway",
    "eventBasedGateway": "Gateway",
}
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


class Ids:
    """Ids in the style of a modelling tool, the same on every run."""

    def __init__(self, style: str, seed: str):
        self.style = style
        self.seed = seed
        self.taken: set[str] = set()
        self.ids: dict[tuple, str] = {}

    def __call__(self, scope: str, key: str, prefix: str, semantic: bool = False) -> str:
        if (scope, key) in self.ids:
            return self.ids[scope, key]
        rng = random.Random(f"{self.seed}/{scope}/{key}")
        while True:
            if self.style == "semantic" or (self.style == "mixed" and semantic):
                value = key
            elif self.style == "signavio":
                hexes = "".join(rng.choice("0123456789ABCDEF") for _ in range(32))
                value = "sid-" + "-".join(
                    hexes[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
                )
            else:
                value = f"{prefix}_{rng.choice('01')}" + "".join(
                    rng.choice(_BASE36) for _ in range(6)
                )
            if value not in self.taken:
                break
            key = key + "'"
        self.taken.add(value)
        self.ids[scope, key] = value
        return value


# ---------------------------------------------------------------- writing


class Writer:
    def __init__(self, proc: Procedure):
        self.p = proc
        self.ids = Ids(proc.style, proc.file)
        signavio = proc.style == "signavio"
        self.nsmap = {
            None if signavio else "bpmn": BPMN,
            "bpmndi": BPMNDI,
            "dc": DC,
            "di": DI,
            "camunda": CAMUNDA,
            "pf": PF,
            "xsi": XSI,
        }
        if signavio:
            self.nsmap["signavio"] = SIGNAVIO
        self.node_id: dict[str, str] = {}  # key -> id (keys are unique over the file)
        self.pool_of: dict[str, Pool] = {}
        self.flow_id: dict[str, str] = {}
        self.data_id: dict[str, str] = {}
        self.associations: list[tuple[str, str, str]] = []  # (id, from id, to id)
        self.msg_ids: dict[str, str] = {}
        self.lane_ids: set[str] = set()

    def b(self, parent, tag, **attrs):
        element = etree.SubElement(parent, f"{{{BPMN}}}{tag}")
        for k, v in attrs.items():
            if v is not None:
                element.set(k, str(v))
        return element

    def element_id(self, pool: Pool, node: Node) -> str:
        if node.kind in TASKS:
            prefix = "Activity"
        else:
            prefix = _PREFIX.get(node.kind, "Element")
        semantic = node.kind in TASKS or node.kind in ("startEvent",)
        return self.ids(pool.key, node.key, prefix, semantic)

    def assign_ids(self):
        for pool in self.p.pools:
            for node in pool.nodes.values():
                assert node.key not in self.node_id, f"key {node.key} used twice in the file"
                self.node_id[node.key] = self.element_id(pool, node)
                self.pool_of[node.key] = pool
            for flow in pool.flows:
                self.flow_id[flow.key] = self.ids(pool.key, flow.key, "Flow")
            for data in pool.data.values():
                prefix = "DataStoreReference" if data.store else "DataObjectReference"
                self.data_id[data.key] = self.ids(pool.key, "data:" + data.key, prefix)

    def definitions(self) -> bytes:
        self.assign_ids()
        p = self.p
        exporter = (
            p.exporter
            or {
                "bpmnio": ("Camunda Modeler", "5.31.0"),
                "mixed": ("Camunda Modeler", "5.17.0"),
                "signavio": ("Signavio Process Editor, http://www.signavio.com", "17.6.1"),
                "semantic": ("permitflow corpus", "1"),
            }[p.style]
        )
        root = etree.Element(f"{{{BPMN}}}definitions", nsmap=self.nsmap)
        root.set("id", self.ids("", "definitions", "Definitions"))
        root.set(
            "targetNamespace",
            "http://bpmn.io/schema/bpmn"
            if p.style != "signavio"
            else "http://www.signavio.com/bpmn20",
        )
        root.set("exporter", exporter[0])
        root.set("exporterVersion", exporter[1])
        messages = sorted({n.message for pool in p.pools for n in pool.nodes.values() if n.message})
        for m in messages:
            self.msg_ids[m] = self.ids("", "message:" + m, "Message")
            self.b(root, "message", id=self.msg_ids[m], name=m)
        collaboration = self.b(root, "collaboration", id=self.ids("", "collab", "Collaboration"))
        self.participant_ids = {}
        for pool in p.pools:
            pid = self.ids("", "participant:" + pool.key, "Participant")
            self.participant_ids[pool.key] = pid
            self.b(
                collaboration,
                "participant",
                id=pid,
                name=pool.name,
                processRef=None if pool.blackbox else self.process_id(pool),
            )
        self.message_flow_ids = []
        for i, (source, target, name) in enumerate(p.messages):
            mid = self.ids("", f"mf{i}", "Flow")
            self.message_flow_ids.append((mid, source, target))
            self.b(
                collaboration,
                "messageFlow",
                id=mid,
                name=name or None,
                sourceRef=self.ref(source),
                targetRef=self.ref(target),
            )
        for pool in p.pools:
            if not pool.blackbox:
                self.process(root, pool)
        return root

    def process_id(self, pool: Pool) -> str:
        if self.p.style == "semantic":
            return pool.key
        return self.ids("", "process:" + pool.key, "Process")

    def ref(self, key: str) -> str:
        if key in self.node_id:
            return self.node_id[key]
        return self.participant_ids[key]

    def process(self, root, pool: Pool):
        element = self.b(
            root,
            "process",
            id=self.process_id(pool),
            name=pool.process_name,
            isExecutable="true" if pool.executable else "false",
        )
        if pool.standard:
            ext = self.b(element, "extensionElements")
            self.standard(ext, pool.standard)
        if pool.lanes:
            lane_set = self.b(element, "laneSet", id=self.ids(pool.key, "laneset", "LaneSet"))
            self.lanes(lane_set, pool, pool.lanes)
        self.scope(element, pool, None)

    def standard(self, ext, s):
        el = etree.SubElement(ext, f"{{{PF}}}serviceStandard", code=s["code"], name=s["name"])
        for r in s["requirements"]:
            etree.SubElement(el, f"{{{PF}}}requirement").text = r
        etree.SubElement(el, f"{{{PF}}}maxDays").text = str(s["max_days"])
        etree.SubElement(el, f"{{{PF}}}fee", amount=str(s["fee"]), currency="IDR").text = (
            "Sesuai Peraturan Daerah" if s["fee"] else "Tidak dipungut biaya"
        )

    def lanes(self, parent, pool: Pool, lanes):
        for lane in lanes:
            attrs = {"id": self.ids(pool.key, "lane:" + lane.key, "Lane"), "name": lane.name}
            self.lane_ids.add(attrs["id"])
            el = self.b(parent, "lane", **attrs)
            if lane.role:
                el.set(f"{{{PF}}}role", lane.role)
            for node in pool.nodes.values():
                if node.lane == lane.key:
                    ref = self.b(el, "flowNodeRef")
                    ref.text = self.node_id[node.key]
            if lane.children:
                child_set = self.b(
                    el, "childLaneSet", id=self.ids(pool.key, "laneset:" + lane.key, "LaneSet")
                )
                self.lanes(child_set, pool, lane.children)

    def scope(self, parent, pool: Pool, scope: str | None):
        for node in pool.nodes.values():
            if node.parent == scope:
                self.node(parent, pool, node)
        for flow in pool.flows:
            if pool.nodes[flow.source].parent == scope:
                self.flow(parent, pool, flow)
        if scope is None:
            for data in pool.data.values():
                if data.store:
                    self.b(parent, "dataStoreReference", id=self.data_id[data.key], name=data.name)
                else:
                    obj = self.ids(pool.key, "dataobject:" + data.key, "DataObject")
                    self.b(parent, "dataObject", id=obj)
                    ref = self.b(
                        parent,
                        "dataObjectReference",
                        id=self.data_id[data.key],
                        name=data.name,
                        dataObjectRef=obj,
                    )
                    if data.state:
                        self.b(ref, "dataState", name=data.state)

    def node(self, parent, pool: Pool, node: Node):
        attrs = {"id": self.node_id[node.key], "name": node.name or None}
        if node.kind == "boundaryEvent":
            attrs["attachedToRef"] = self.node_id[node.attached]
            if not node.interrupting:
                attrs["cancelActivity"] = "false"
        if node.kind == "callActivity":
            attrs["calledElement"] = node.called
        if node.kind == "scriptTask":
            attrs["scriptFormat"] = "python"
        defaults = [fl for fl in pool.flows if fl.source == node.key and fl.default]
        if defaults:
            attrs["default"] = self.flow_id[defaults[0].key]
        el = self.b(parent, node.kind, **attrs)
        if self.p.style == "signavio":
            ext = self.b(el, "extensionElements")
            meta = etree.SubElement(ext, f"{{{SIGNAVIO}}}signavioMetaData")
            meta.set("metaKey", "bgcolor")
            meta.set("metaValue", "#ffffcc" if node.kind in TASKS else "#ffffff")
        else:
            ext = None
        if node.form or node.props:
            ext = ext if ext is not None else self.b(el, "extensionElements")
            if node.props:
                props = etree.SubElement(ext, f"{{{CAMUNDA}}}properties")
                for k, v in node.props.items():
                    etree.SubElement(props, f"{{{CAMUNDA}}}property", name=k, value=str(v))
            if node.form:
                form = etree.SubElement(ext, f"{{{CAMUNDA}}}formData")
                for fd in node.form:
                    self.form_field(form, fd)
        if self.p.style in ("bpmnio", "signavio", "mixed"):
            for fl in pool.flows:
                if fl.target == node.key:
                    self.b(el, "incoming").text = self.flow_id[fl.key]
            for fl in pool.flows:
                if fl.source == node.key:
                    self.b(el, "outgoing").text = self.flow_id[fl.key]
        if node.kind == "startEvent" and node.writes:
            for d in node.writes:
                self.data_output(el, pool, node, d)
        if node.kind not in EVENTS:
            for d in node.reads:
                aid = self.ids(pool.key, f"in:{node.key}:{d}", "DataInputAssociation")
                assoc = self.b(el, "dataInputAssociation", id=aid)
                self.b(assoc, "sourceRef").text = self.data_id[d]
                self.associations.append((aid, self.data_id[d], self.node_id[node.key]))
            for d in node.writes:
                self.data_output(el, pool, node, d)
        if node.loop:
            if node.loop == "standard":
                self.b(el, "standardLoopCharacteristics")
            else:
                self.b(
                    el,
                    "multiInstanceLoopCharacteristics",
                    isSequential="true" if node.loop == "sequential" else None,
                )
        if node.event:
            self.event_definition(el, pool, node)
        if node.kind == "scriptTask":
            self.b(el, "script").text = node.script
        if node.kind == "subProcess":
            self.scope(el, pool, node.key)

    def data_output(self, el, pool, node, d):
        aid = self.ids(pool.key, f"out:{node.key}:{d}", "DataOutputAssociation")
        assoc = self.b(el, "dataOutputAssociation", id=aid)
        self.b(assoc, "targetRef").text = self.data_id[d]
        self.associations.append((aid, self.node_id[node.key], self.data_id[d]))

    def event_definition(self, el, pool, node):
        eid = self.ids(pool.key, "def:" + node.key, node.event.capitalize() + "EventDefinition")
        d = self.b(el, f"{node.event}EventDefinition", id=eid)
        if node.event == "timer" and node.timer:
            t = self.b(d, "timeDuration")
            t.set(
                f"{{{XSI}}}type",
                "bpmn:tFormalExpression" if self.p.style != "signavio" else "tFormalExpression",
            )
            t.text = node.timer
        if node.event == "message" and node.message:
            d.set("messageRef", self.msg_ids[node.message])

    def form_field(self, form, fd: Field):
        attrs = {"id": fd.id, "label": fd.label, "type": fd.type}
        el = etree.SubElement(form, f"{{{CAMUNDA}}}formField", **attrs)
        if fd.readonly or fd.required:
            validation = etree.SubElement(el, f"{{{CAMUNDA}}}validation")
            if fd.required:
                etree.SubElement(validation, f"{{{CAMUNDA}}}constraint", name="required")
            if fd.readonly:
                etree.SubElement(validation, f"{{{CAMUNDA}}}constraint", name="readonly")
        for vid, vname in fd.values:
            etree.SubElement(el, f"{{{CAMUNDA}}}value", id=vid, name=vname)

    def flow(self, parent, pool, flow: Flow):
        el = self.b(
            parent,
            "sequenceFlow",
            id=self.flow_id[flow.key],
            name=flow.name or None,
            sourceRef=self.node_id[flow.source],
            targetRef=self.node_id[flow.target],
        )
        if flow.condition:
            c = self.b(el, "conditionExpression")
            c.set(
                f"{{{XSI}}}type",
                "bpmn:tFormalExpression" if self.p.style != "signavio" else "tFormalExpression",
            )
            c.text = flow.condition


# ---------------------------------------------------------------- the diagram


def add_diagram(root, writer: Writer) -> None:
    """Shapes and edges from permitflow's own layout, plus data, black boxes and messages."""
    from engine.bpmn.layout import layout
    from engine.bpmn.reader import model_from_tree

    model = model_from_tree(copy.deepcopy(root), writer.p.file)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id="BPMNDiagram_1")
    collab = root.find(f"{{{BPMN}}}collaboration").get("id")
    plane = etree.SubElement(
        diagram, f"{{{BPMNDI}}}BPMNPlane", id="BPMNPlane_1", bpmnElement=collab
    )
    bounds: dict[str, tuple] = {}
    dy, right = 0, 900
    for pool in writer.p.pools:
        pid = writer.participant_ids[pool.key]
        if pool.blackbox:
            bounds[pid] = (160, 80 + dy, 0, 100)
            dy += 140
            continue
        process = model.processes[writer.process_id(pool)]
        shapes = layout(process, pool=True)
        pool_shape = shapes.pop(f"Participant_{process.id}", None) or shapes.pop(pid, None)
        top = 80 + dy
        if pool_shape is None:
            xs = [b[0] + b[2] for b in shapes.values() if isinstance(b, tuple)]
            ys = [b[1] + b[3] for b in shapes.values() if isinstance(b, tuple)]
            pool_shape = (160, 80, max(xs) - 120, max(ys) - 40)
        for key, geometry in shapes.items():
            if isinstance(geometry, tuple):
                x, y, w, h = geometry
                bounds[key] = (x, y + dy + 60, w, h)
            else:
                bounds[key] = [(x, y + dy + 60) for x, y in geometry]
        x, y, w, h = pool_shape
        bounds[pid] = (x, top, w, h + 60)
        right = max(right, x + w)
        dy += h + 60 + 60
    for pool in writer.p.pools:  # black boxes as wide as the widest pool
        pid = writer.participant_ids[pool.key]
        if pool.blackbox:
            x, y, _, h = bounds[pid]
            bounds[pid] = (x, y, right - x, h)
    # data objects above the first task that uses them
    for pool in writer.p.pools:
        for data in pool.data.values():
            users = [n for n in pool.nodes.values() if data.key in n.reads + n.writes]
            anchor = bounds.get(writer.node_id[users[0].key]) if users else None
            x, y = (anchor[0] + 64, anchor[1] - 2) if anchor else (200, 100)
            size = (50, 50) if data.store else (36, 50)
            bounds[writer.data_id[data.key]] = (x, y - 10, *size)
    kinds = {}
    for pool in writer.p.pools:
        for node in pool.nodes.values():
            kinds[writer.node_id[node.key]] = node.kind
    for element_id, geometry in bounds.items():
        if not isinstance(geometry, tuple):
            continue
        shape = etree.SubElement(
            plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id
        )
        kind = kinds.get(element_id)
        if element_id in writer.participant_ids.values() or element_id in writer.lane_ids:
            shape.set("isHorizontal", "true")
        if kind == "exclusiveGateway":
            shape.set("isMarkerVisible", "true")
        if kind == "subProcess":
            shape.set("isExpanded", "false")
        x, y, w, h = geometry
        etree.SubElement(shape, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))
    for element_id, geometry in bounds.items():
        if isinstance(geometry, list):
            _edge(plane, element_id, geometry)

    def centre(element_id):
        x, y, w, h = bounds[element_id]
        return (x + w // 2, y + h // 2)

    for aid, a, b in writer.associations:
        if a in bounds and b in bounds:
            _edge(plane, aid, [centre(a), centre(b)])
    for mid, source, target in writer.message_flow_ids:
        s, t = writer.ref(source), writer.ref(target)
        (sx, sy), (tx, ty) = centre(s), centre(t)
        if writer.p.pools and s in writer.participant_ids.values():
            sx = tx
        if t in writer.participant_ids.values():
            tx = sx
        _edge(plane, mid, [(sx, sy), (tx, ty)])
    # the inside of collapsed sub-processes, one plane each
    for pool in writer.p.pools:
        if pool.blackbox:
            continue
        process = model.processes[writer.process_id(pool)]
        for node in pool.nodes.values():
            if node.kind != "subProcess":
                continue
            sid = writer.node_id[node.key]
            sub = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"BPMNDiagram_{sid}")
            sub_plane = etree.SubElement(
                sub, f"{{{BPMNDI}}}BPMNPlane", id=f"BPMNPlane_{sid}", bpmnElement=sid
            )
            for element_id, geometry in layout(process, sid).items():
                if isinstance(geometry, tuple):
                    shape = etree.SubElement(
                        sub_plane,
                        f"{{{BPMNDI}}}BPMNShape",
                        id=f"{element_id}_di",
                        bpmnElement=element_id,
                    )
                    x, y, w, h = geometry
                    etree.SubElement(
                        shape, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h)
                    )
                else:
                    _edge(sub_plane, element_id, geometry)


def _edge(plane, element_id, points):
    edge = etree.SubElement(
        plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{element_id}_di", bpmnElement=element_id
    )
    for x, y in points:
        etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(x), y=str(y))


def to_xml(proc: Procedure) -> tuple[bytes, Writer]:
    writer = Writer(proc)
    root = writer.definitions()
    add_diagram(root, writer)
    etree.indent(root, space="  ")
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml, writer


def expected_document(proc: Procedure, writer: Writer) -> dict:
    def names(keys):
        out = []
        for k in keys:
            pool = writer.pool_of[k]
            out.append(pool.nodes[k].name or k)
        return out

    return {
        "procedure": proc.main.process_name,
        "about": proc.about,
        "style": proc.style,
        "findings": [
            {
                "kind": e.kind,
                "elements": [writer.node_id[k] for k in e.keys],
                "names": names(e.keys),
                "why": e.why,
            }
            for e in proc.expected
        ],
        "traps": list(proc.traps),
    }
