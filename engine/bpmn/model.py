"""The typed in-memory model of a BPMN file: what was read, nothing executable.

:func:`engine.bpmn.reader.load_bpmn` builds it with a hardened lxml parser. It is the one
source of truth for validation, for the engine's metadata (lanes, forms, service
standard) and for ``simulations/``. Element kinds are BPMN's own local tag names
(``userTask``, ``exclusiveGateway``...), event definitions likewise without the
``EventDefinition`` suffix (``timer``, ``message``...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TASK_KINDS = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
    }
)
ACTIVITY_KINDS = TASK_KINDS | {"subProcess", "callActivity", "transaction", "adHocSubProcess"}
GATEWAY_KINDS = frozenset(
    {
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
        "complexGateway",
    }
)
EVENT_KINDS = frozenset(
    {
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
    }
)
HUMAN_KINDS = frozenset({"userTask", "manualTask"})


@dataclass(frozen=True)
class EnumValue:
    id: str
    name: str


@dataclass(frozen=True)
class FormField:
    """One field of a user task's form (Camunda Modeler's ``camunda:formField``).

    ``type`` is one of ``string``, ``long``, ``double``, ``boolean``, ``date``, ``enum``,
    ``file`` (a permitflow extension for documents). ``constraints`` maps Camunda's
    validation constraint names (``required``, ``minlength``, ``maxlength``, ``min``,
    ``max``, ``readonly``, ``pattern``) to their configuration string (``""`` when
    the constraint has none, as ``required`` usually does).
    """

    id: str
    label: str
    type: str = "string"
    default: str | None = None
    constraints: dict[str, str] = field(default_factory=dict)
    enum_values: tuple[EnumValue, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return "required" in self.constraints

    @property
    def readonly(self) -> bool:
        return "readonly" in self.constraints

    @property
    def sensitive(self) -> bool:
        """Marked ``pf:sensitive`` (UU 27/2022 art. 4: health, biometrics, finances...)."""
        return _flag(self.properties, "sensitive")

    @property
    def personal(self) -> bool:
        """Marked ``pf:personal`` (or sensitive): masked, encrypted, kept only so long."""
        return self.sensitive or _flag(self.properties, "personal")


def _flag(properties: dict[str, str], name: str) -> bool:
    value = properties.get(f"pf:{name}", properties.get(name, ""))
    return value.strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class TimerDefinition:
    """``kind`` is ``duration``, ``date`` or ``cycle``; ``expression`` is the raw text."""

    kind: str
    expression: str


@dataclass(frozen=True)
class Loop:
    """An activity's ``multiInstanceLoopCharacteristics`` or ``standardLoopCharacteristics``.

    Multi-instance: one instance per item of ``collection`` (a case-data name) or
    ``cardinality`` times, each seeing its item as ``element_variable``; outputs gathered
    from ``output_element`` into ``output_collection``; ``condition`` is the completion
    condition. Standard: repeated while ``condition`` holds, at most ``maximum`` times.
    """

    kind: str  # "multiInstance" or "standard"
    sequential: bool = False
    cardinality: str | None = None
    collection: str | None = None
    element_variable: str | None = None
    output_collection: str | None = None
    output_element: str | None = None
    condition: str | None = None
    maximum: int | None = None
    test_before: bool = False
    line: int | None = None
    #: SpiffArena's ``spiffworkflow:scriptsOnInstances``: pre/post scripts run per instance
    scripts_on_instances: bool = False


@dataclass(frozen=True)
class ServiceCall:
    """A service task's call: ``pf:connector="population.nik_lookup"`` and its mappings.

    ``inputs`` are ``(request field, expression over case data)``; ``outputs`` are
    ``(case variable, expression over the response fields)``; ``urls`` are the URLs
    written anywhere on the element (refused by validation: only registered connectors
    are called). An output whose expression is :data:`WHOLE_ANSWER` takes the whole
    answer, a dict of the operation's declared response fields (SpiffArena's
    ``resultVariable``). ``spiff_operator`` is the SpiffArena operator id the call was
    read from (``"weather/CurrentTemp"``; "" for ``pf:connector``) and ``ignored`` the
    parts of it permitflow does not apply (its ``retry``), for validation's messages.
    """

    connector: str
    inputs: tuple[tuple[str, str], ...] = ()
    outputs: tuple[tuple[str, str], ...] = ()
    urls: tuple[str, ...] = ()
    spiff_operator: str = ""
    ignored: tuple[str, ...] = ()


#: the output expression that takes the whole answer (every declared response field)
WHOLE_ANSWER = "*"


@dataclass
class Node:
    """A flow node: task, event, gateway or (sub-)process activity."""

    id: str
    kind: str
    name: str = ""
    process_id: str = ""
    lane_id: str | None = None
    parent_id: str | None = None  # the enclosing sub-process, if any
    line: int | None = None
    event_definitions: tuple[str, ...] = ()
    timer: TimerDefinition | None = None
    message_ref: str | None = None
    #: what its signal, error and escalation definitions refer to, by kind: ``signal`` ->
    #: its ``signalRef`` (the root ``bpmn:signal`` naming the signal)...
    event_refs: dict[str, str] = field(default_factory=dict)
    condition: str | None = None  # conditional events: the condition, in the safe language
    #: the messageRef of each message event definition, in order ("" where one names
    #: none); an event with several definitions may wait for, or throw, several messages
    message_refs: tuple[str, ...] = ()
    #: BPMN's ``parallelMultiple``: an event with several definitions catches when all
    #: have come (else when any one has)
    parallel_multiple: bool = False
    attached_to: str | None = None  # boundary events
    cancel_activity: bool = True
    default_flow: str | None = None
    script: str | None = None
    script_format: str | None = None
    called_element: str | None = None  # callActivity
    form_fields: tuple[FormField, ...] = ()
    form_key: str | None = None
    documentation: str = ""
    properties: dict[str, str] = field(default_factory=dict)  # camunda:properties & pf: attrs
    extension_scripts: tuple[str, ...] = ()  # SpiffArena's preScript/postScript tags
    #: their texts: run (safe language) on tasks, sub-processes and call activities
    pre_script: str | None = None
    post_script: str | None = None
    loop: Loop | None = None  # multi-instance or standard loop of an activity
    triggered_by_event: bool = False  # an event sub-process
    #: a start event's ``isInterrupting`` (BPMN's default: true); it matters for the start
    #: of an event sub-process, which cancels the rest of its scope only when interrupting
    is_interrupting: bool = True
    message_data: tuple[str, ...] | None = None  # pf:messageData names a catch stores
    decision_ref: str | None = None  # businessRuleTask: camunda:decisionRef (a DMN decision)
    #: callActivity: camunda:in (expression, target) and camunda:out (source, target) pairs;
    #: None when it declares none (then all data travel both ways)
    call_mapping: tuple[tuple, tuple] | None = None
    #: data objects read (dataInputAssociation) and written (dataOutputAssociation), as
    #: (id, name) pairs: SpiffWorkflow keeps a data object under its id
    data_inputs: tuple[tuple[str, str], ...] = ()
    data_outputs: tuple[tuple[str, str], ...] = ()
    service: ServiceCall | None = None  # serviceTask naming pf:connector
    #: extension elements kept as written (``pf:label`` translations), so a model
    #: written back out (a what-if scenario's revised diagram) still carries them
    kept_extensions: tuple[str, ...] = ()
    incoming: list[str] = field(default_factory=list)  # flow ids
    outgoing: list[str] = field(default_factory=list)  # flow ids

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def is_activity(self) -> bool:
        return self.kind in ACTIVITY_KINDS

    @property
    def is_gateway(self) -> bool:
        return self.kind in GATEWAY_KINDS

    @property
    def is_event(self) -> bool:
        return self.kind in EVENT_KINDS

    @property
    def is_human(self) -> bool:
        return self.kind in HUMAN_KINDS

    @property
    def assigned_role(self) -> str:
        """The role of a task outside any lane: Camunda's first ``candidateGroups`` entry,
        else its ``assignee``; ``""`` when it names none (or only an expression)."""
        for key in ("candidateGroups", "assignee"):
            value = self.properties.get(key, "").split(",")[0].strip()
            if value and "${" not in value and "#{" not in value:
                return value
        return ""


@dataclass
class SequenceFlow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None
    process_id: str = ""
    line: int | None = None


@dataclass
class Lane:
    id: str
    name: str
    process_id: str
    node_ids: list[str] = field(default_factory=list)
    parent_lane_id: str | None = None
    line: int | None = None
    role: str = ""  # the role key clerks need: pf:role, else the slugified lane name


@dataclass
class Fee:
    amount: float = 0.0
    currency: str = "IDR"
    description: str = ""


@dataclass
class ServiceStandard:
    """The published service standard of a procedure (PermenPANRB 15/2014).

    Read from ``<pf:serviceStandard>`` in the process's extension elements; see
    ``docs/bpmn-conventions.md``.
    """

    code: str = ""
    name: str = ""
    description: str = ""
    legal_basis: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    #: each requirement's attributes (``field``: the start-form field asking for it,
    #: ``checkedAt``), in the same order, so a model written back out keeps them
    requirement_attributes: list[dict[str, str]] = field(default_factory=list)
    procedure: str = ""
    max_days: int | None = None  # maximum completion time in working days
    fee: Fee = field(default_factory=Fee)
    product: str = ""
    complaint_channel: str = ""
    retention_years: int | None = None  # pf:retentionYears: personal data kept after the end

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "description": self.description,
            "legal_basis": list(self.legal_basis),
            "requirements": list(self.requirements),
            "procedure": self.procedure,
            "max_days": self.max_days,
            "fee": {
                "amount": self.fee.amount,
                "currency": self.fee.currency,
                "description": self.fee.description,
            },
            "product": self.product,
            "complaint_channel": self.complaint_channel,
            "retention_years": self.retention_years,
        }


@dataclass
class Process:
    id: str
    name: str = ""
    is_executable: bool = False
    line: int | None = None
    participant_id: str | None = None  # the pool that shows this process
    participant_name: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: dict[str, SequenceFlow] = field(default_factory=dict)
    lanes: dict[str, Lane] = field(default_factory=dict)
    service_standard: ServiceStandard | None = None
    data_objects: list[str] = field(default_factory=list)
    #: extension elements kept as written (``pf:label``, ``pf:documentTemplate``)
    kept_extensions: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.name or self.participant_name or self.id

    def outgoing(self, node_id: str) -> list[SequenceFlow]:
        return [self.flows[f] for f in self.nodes[node_id].outgoing if f in self.flows]

    def incoming(self, node_id: str) -> list[SequenceFlow]:
        return [self.flows[f] for f in self.nodes[node_id].incoming if f in self.flows]

    def start_events(self, top_level: bool = True) -> list[Node]:
        return [
            n
            for n in self.nodes.values()
            if n.kind == "startEvent" and (not top_level or n.parent_id is None)
        ]

    def lane_of(self, node_id: str) -> Lane | None:
        lane_id = self.nodes[node_id].lane_id
        return self.lanes.get(lane_id) if lane_id else None

    def boundary_events(self, activity_id: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.attached_to == activity_id]


@dataclass
class MessageFlow:
    id: str
    source: str
    target: str
    name: str = ""
    line: int | None = None


@dataclass
class Participant:
    id: str
    name: str
    process_ref: str | None
    line: int | None = None


@dataclass
class Unsupported:
    """An element the engine cannot execute (it may still be drawn and analysed)."""

    tag: str
    id: str | None
    name: str
    line: int | None
    process_id: str | None = None


@dataclass
class BpmnModel:
    """Everything read from one BPMN file."""

    source: str  # file name or label, for messages
    sha256: str
    target_namespace: str = ""
    exporter: str = ""
    exporter_version: str = ""
    processes: dict[str, Process] = field(default_factory=dict)
    participants: dict[str, Participant] = field(default_factory=dict)
    message_flows: list[MessageFlow] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)  # id -> name
    has_diagram: bool = False
    diagram_element_ids: set[str] = field(default_factory=set)
    unsupported: list[Unsupported] = field(default_factory=list)
    annotations: int = 0
    groups: int = 0
    #: the file's message declarations (engine.bpmn.message_contracts.MessageContracts:
    #: correlations, payloads, receipts), set by the reader; None for a model built in code
    message_contracts: Any = None
    #: root elements the model does not describe but the engine reads from the XML
    #: (correlation properties; signals, errors and escalations), kept as written so a
    #: model written back out (a what-if scenario's revised diagram) still carries them
    kept_definitions: tuple[str, ...] = ()

    def executable_processes(self) -> list[Process]:
        return [p for p in self.processes.values() if p.is_executable]

    def main_process(self) -> Process:
        """The process a case runs: the only executable one, else the first with a start.

        Raises ``LookupError`` when the file has no process at all.
        """
        executable = self.executable_processes()
        if len(executable) == 1:
            return executable[0]
        candidates = executable or list(self.processes.values())
        for process in candidates:
            if process.start_events():
                return process
        if candidates:
            return candidates[0]
        raise LookupError(f"{self.source} has no process")

    def find_node(self, node_id: str) -> tuple[Process, Node] | None:
        for process in self.processes.values():
            if node_id in process.nodes:
                return process, process.nodes[node_id]
        return None
