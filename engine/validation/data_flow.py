"""Data-flow checks: every name a condition, script or timer reads is written before it.

Writers: the start form and task forms (their field ids), script assignments (also
SpiffArena's pre- and post-scripts), the names a message catch declares
(``pf:messageData``; without it a message may bring any name), multi-instance
variables, and what a called process or sub-process writes.
Readers: gateway conditions, scripts, pre- and post-scripts, timer expressions, what a
thrown message reads (its declared payload, else its correlation expressions),
multi-instance cardinality, collection and completion condition, standard-loop
conditions, the conditions of conditional events (read when the event is reached, so
the names must be set before it even when the event waits for another branch to change
them; the conditional start of an event sub-process is evaluated while its scope runs,
so a name written anywhere in the process will do).

The analysis runs on a graph with an entry and an exit vertex per flow node: a
sub-process's entry leads to its start events and its ends lead to its exit; a boundary
event leaves from its activity's entry (the activity may not have finished); an event
sub-process can start whenever its scope runs. Over that graph "written on every path"
(intersection) and "written on some path" (union) are computed to a fixpoint. A read
of a name written on no path is an error; on some paths only, a warning naming one
path where it is missing.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

from engine.bpmn.model import BpmnModel, Node, Process, SequenceFlow
from engine.errors import EngineError
from engine.expressions import language as expressions
from engine.expressions.functions import iso_literal_kind
from engine.workflow import dmn
from engine.workflow.instance_counts import COUNTERS
from engine.workflow.pre_post_scripts import SCRIPT_HOLDERS

ANY = "*"  # a writer that may set any name (a message without declared fields)
FREE = "?"  # start data of a process without a start form: any name, as the caller sends
DATA_OBJECT = "@"  # prefix of a data object's id once a data output association stored it
CONTAINER_KINDS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
MESSAGE_CATCHES = frozenset({"startEvent", "intermediateCatchEvent", "boundaryEvent"})
BEGIN = ("begin", "")

Vertex = tuple[str, str]  # ("in" | "out", node id) or BEGIN
Finding = tuple[str, str, Node | SequenceFlow, str]  # (severity, code, element, message)


@dataclass
class _Read:
    node: Node | SequenceFlow  # the element whose expression reads
    at: Vertex
    what: str
    names: set[str]
    extra: set[str] = field(default_factory=set)  # names the reader itself provides
    #: a conditional event's condition also sees data objects (SpiffWorkflow passes them)
    objects_too: bool = False
    #: evaluated again and again while its scope runs (a conditional start of an event
    #: sub-process): a name written anywhere in the process will do
    anywhere: bool = False
    #: names start data cannot give (an instance's output item: SpiffWorkflow refuses a
    #: multi-instance whose output item is already in the data)
    not_from_start: frozenset[str] = frozenset()


@dataclass
class Flow:
    """The graph of one process with what each vertex writes and what is read where."""

    process: Process
    edges: dict[Vertex, list[Vertex]] = field(default_factory=lambda: defaultdict(list))
    writes: dict[Vertex, set[str]] = field(default_factory=lambda: defaultdict(set))
    reads: list[_Read] = field(default_factory=list)
    joins: set[Vertex] = field(default_factory=set)  # entries of parallel joins


def check_data_flow(
    model: BpmnModel, process_ids: set[str], decisions=(), external=None
) -> list[Finding]:
    """Findings for the processes in ``process_ids`` (the ones a case runs).

    A called process starts with the data of its callers (SpiffWorkflow copies the
    caller's data into the called process), so its own analysis starts from what the
    call activities had.
    """
    return [finding for finding, _ in _analyse(model, process_ids, decisions, external)]


def names_from_start_data(
    model: BpmnModel, process_ids: set[str], decisions=(), external=None
) -> dict[str, list[tuple[str, Node | SequenceFlow]]]:
    """The names of the ``name_from_start_data`` warnings of :func:`check_data_flow`, each
    with what reads it (``"condition"``, ``"loop condition"``, ``"timer date"``...) and the
    reading element: what a client starting a case through the API has to send (the
    coverage benchmark generates them)."""
    found: dict[str, list[tuple[str, Node | SequenceFlow]]] = defaultdict(list)
    for finding, read in _analyse(model, process_ids, decisions, external):
        if read is not None and finding[1] == "name_from_start_data":
            found[read[1]].append((read[0].what, read[0].node))
    return dict(found)


def _analyse(model: BpmnModel, process_ids: set[str], decisions, external):
    """Findings of :func:`check_data_flow`, each with the read and name it is about (None
    for findings that are not about one read)."""
    findings: list[tuple[Finding, tuple[_Read, str] | None]] = []
    initial: dict[str, tuple[set[str] | None, set[str]]] = {}
    written_by = dict(external or {})  # deployed processes call activities name
    written_by |= {pid: _all_writes(model, p, decisions) for pid, p in model.processes.items()}
    order = _call_order(model, process_ids)
    for process_id in order:
        process = model.processes[process_id]
        flow = _build(model, process, written_by, decisions)
        must_start, may_start = initial.get(process_id, (None, set()))
        if must_start is None and not _has_start_form(process):
            must_start = {FREE}
        must, may = _solve(flow, must_start or set(), may_start)
        findings += _judge(flow, must, may, written_by[process_id])
        findings += [
            (f, None) for f in _missing_output_items(model, process, written_by, decisions)
        ]
        for node in process.nodes.values():
            called = node.called_element if node.kind == "callActivity" else None
            if called in model.processes and called in process_ids:
                entry = ("in", node.id)
                before_must, before_may = initial.get(called, (None, set()))
                here_must, here_may = _passed_in(  # with what a pre-script wrote
                    node,
                    _after(must.get(entry, set()), flow.writes.get(entry)),
                    _after(may.get(entry, set()), flow.writes.get(entry)),
                )
                initial[called] = (
                    here_must if before_must is None else before_must & here_must,
                    before_may | here_may,
                )
    return findings


def _passed_in(node: Node, must: set[str], may: set[str]) -> tuple[set[str], set[str]]:
    """What a call activity hands to the process it calls: all data, or its camunda:in."""
    mapping = node.call_mapping
    targets = {target for _, target in mapping[0]} if mapping else {"*"}
    if "*" in targets:
        return must | (targets - {"*"}), may | (targets - {"*"})
    return targets, targets


def _has_start_form(process: Process) -> bool:
    return any(n.form_fields for n in process.start_events() if not n.event_definitions)


def _call_order(model: BpmnModel, process_ids: set[str]) -> list[str]:
    """Callers before the processes they call (cycles are broken arbitrarily)."""
    called = {
        n.called_element
        for pid in process_ids
        for n in model.processes[pid].nodes.values()
        if n.kind == "callActivity" and n.called_element in process_ids
    }
    roots = [pid for pid in process_ids if pid not in called] or sorted(process_ids)[:1]
    order: list[str] = []
    queue = deque(sorted(roots))
    while queue:
        pid = queue.popleft()
        if pid in order:
            continue
        order.append(pid)
        for node in model.processes[pid].nodes.values():
            if node.kind == "callActivity" and node.called_element in process_ids:
                queue.append(node.called_element)
    return order + sorted(set(process_ids) - set(order))


def writes_of(model: BpmnModel, process_id: str) -> set[str]:
    """Every name the process ``process_id`` of ``model`` may write."""
    process = model.processes.get(process_id)
    return _all_writes(model, process, ()) if process is not None else {ANY}


def _all_writes(model: BpmnModel, process: Process, decisions) -> set[str]:
    names: set[str] = set()
    for node in process.nodes.values():
        names |= _writes(model, node, {}, decisions) | _extension_script_writes(node)
    return names


def _extension_script_writes(node: Node) -> set[str]:
    """Names ``node``'s pre- and post-scripts assign (SpiffArena's extension)."""
    if node.kind not in SCRIPT_HOLDERS:
        return set()  # refused by validation, never run
    scripts = (node.pre_script, node.post_script)
    return set().union(*(_safe(expressions.names_written, s) for s in scripts if s))


def _writes(model: BpmnModel, node: Node, written_by: dict[str, set[str]], decisions) -> set[str]:
    """Names ``node`` writes when it completes (``ANY`` for an undeclared message)."""
    names = {f.id for f in node.form_fields}
    if node.kind == "businessRuleTask":
        names |= dmn.outputs_of(decisions, node.decision_ref)
    if node.kind == "scriptTask" and node.script:
        try:
            names |= expressions.names_written(node.script)
        except EngineError:
            pass  # reported as an unsafe expression
    if _catches_message(node):
        names |= set(node.message_data) if node.message_data is not None else {ANY}
    if node.kind == "callActivity":
        mapping = node.call_mapping
        outputs = {target for source, target in mapping[1]} if mapping else {"*"}
        if "*" in outputs:  # everything the called process writes comes back
            names |= written_by.get(node.called_element or "", {ANY})
        names |= outputs - {"*"}
    if node.loop is not None and node.loop.output_collection:
        names.add(node.loop.output_collection)
    if node.service is not None:
        names |= {name for name, _ in node.service.outputs}
    return names


def _catches_message(node: Node) -> bool:
    if node.kind == "receiveTask":
        return True
    return node.kind in MESSAGE_CATCHES and "message" in node.event_definitions


def _loop_variables(process: Process, node: Node) -> set[str]:
    """Variables multi-instance loops of ``node`` and its enclosing sub-processes set."""
    names: set[str] = set()
    current: Node | None = node
    while current is not None:
        loop = current.loop
        if loop is not None and loop.kind == "multiInstance":
            names |= {n for n in (loop.element_variable, loop.output_element) if n}
            if loop.element_variable is None and loop.collection:
                names.add(loop.collection)  # SpiffWorkflow names the item after the input
        current = process.nodes.get(current.parent_id or "")
    return names


def _build(model: BpmnModel, process: Process, written_by: dict[str, set[str]], decisions) -> Flow:
    flow = Flow(process)
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in process.nodes.values():
        children[node.parent_id].append(node)
    for node in process.nodes.values():
        _add_node(flow, model, node, children, written_by, decisions)
        if node.kind == "parallelGateway" and len(node.incoming) > 1:
            flow.joins.add(("in", node.id))
    for start in children[None]:
        if start.kind == "startEvent" or _is_event_subprocess(start):
            flow.edges[BEGIN].append(("in", start.id))
    for f in process.flows.values():
        if f.source in process.nodes and f.target in process.nodes:
            flow.edges[("out", f.source)].append(("in", f.target))
            if f.condition:
                names = _names_read(f.condition)
                flow.reads.append(_Read(f, ("out", f.source), "condition", names))
    for node in process.nodes.values():
        if node.kind in SCRIPT_HOLDERS and (node.pre_script or node.post_script):
            _add_extension_scripts(flow, node)
    return flow


def _add_extension_scripts(flow: Flow, node: Node) -> None:
    """SpiffArena's pre- and post-scripts of ``node``, as vertices around it.

    The pre-script runs when the task becomes ready: a vertex ("pre", id) before its
    entry reads (what is written before the task), its assignments count from the entry
    on (the task's own script, call mappings, form, boundary events see them). The
    post-script runs when the task completes: it reads at the exit (the task's form and
    outputs included), a vertex ("post", id) after the exit writes, before the data
    output associations store their objects. On a loop they run around the whole loop
    (the instance's own item unknown) or, with ``scriptsOnInstances``, on each instance.
    """
    loop_vars = _loop_variables(flow.process, node)
    if node.loop is None or not node.loop.scripts_on_instances:
        loop_vars -= _own_loop_variables(node)
    if node.loop is not None and node.loop.output_element:
        # SpiffWorkflow gives an instance its item, not its output item: only what the
        # instance's form or scripts write sets it (a post-script reading it needs that)
        loop_vars.discard(node.loop.output_element)
    loop_vars |= {object_id for object_id, _ in node.data_inputs}
    entry, exit_ = ("in", node.id), ("out", node.id)
    if node.pre_script:
        before = ("pre", node.id)
        for targets in flow.edges.values():
            targets[:] = [before if target == entry else target for target in targets]
        flow.edges[before] = [entry]
        flow.writes[entry] |= _safe(expressions.names_written, node.pre_script)
        names = _safe(expressions.names_read_by_script, node.pre_script)
        flow.reads.append(_Read(node, before, "pre-script", names, set(loop_vars)))
    if node.post_script:
        after = ("post", node.id)
        flow.edges[after] = flow.edges.pop(exit_, [])
        flow.edges[exit_] = [after]
        for read in flow.reads:
            if read.node is node and read.at == exit_ and read.what.startswith("data output"):
                read.at = after
        flow.writes[after] |= _safe(expressions.names_written, node.post_script)
        names = _safe(expressions.names_read_by_script, node.post_script)
        read = _Read(node, exit_, "post-script", names, set(loop_vars))
        if node.loop is not None and node.loop.scripts_on_instances and node.loop.output_element:
            read.not_from_start = frozenset({node.loop.output_element})
        flow.reads.append(read)


def _add_node(flow: Flow, model: BpmnModel, node: Node, children, written_by, decisions) -> None:
    inner = children.get(node.id, [])
    starts = [c for c in inner if c.kind == "startEvent" and not _is_event_subprocess(c)]
    if node.kind in CONTAINER_KINDS and starts:
        for child in starts:
            flow.edges[("in", node.id)].append(("in", child.id))
        for child in inner:
            if _is_event_subprocess(child):
                flow.edges[("in", node.id)].append(("in", child.id))
            elif not child.outgoing and child.kind != "boundaryEvent" or child.kind == "endEvent":
                flow.edges[("out", child.id)].append(("out", node.id))
        if node.loop is not None and node.loop.output_collection:
            flow.writes[("out", node.id)].add(node.loop.output_collection)
    else:
        flow.edges[("in", node.id)].append(("out", node.id))
        flow.writes[("out", node.id)] |= _writes(model, node, written_by, decisions)
    if node.attached_to:
        flow.edges[("in", node.attached_to)].append(("in", node.id))
    process = flow.process
    loop_vars = _loop_variables(process, node)
    if node.kind == "callActivity" and node.call_mapping:
        names = set()
        for expression, _ in node.call_mapping[0]:
            names |= _names_read(expression) if expression != "*" else set()
        flow.reads.append(_Read(node, ("in", node.id), "input mapping", names, loop_vars))
    if node.kind == "businessRuleTask":
        names = dmn.inputs_of(decisions, node.decision_ref)
        flow.reads.append(_Read(node, ("in", node.id), "decision table", names, loop_vars))
    if node.service is not None:
        names = set().union(*(_names_read(e) for _, e in node.service.inputs if e))
        flow.reads.append(_Read(node, ("in", node.id), "input mapping", names, loop_vars))
    message_reads = _message_reads(model, node)
    if message_reads:
        flow.reads.append(_Read(node, ("in", node.id), "message", message_reads, loop_vars))
    if node.kind == "scriptTask" and node.script:
        names = _safe(expressions.names_read_by_script, node.script)
        flow.reads.append(_Read(node, ("in", node.id), "script", names, loop_vars))
    if node.condition and "conditional" in node.event_definitions:
        names = _names_read(node.condition)
        starts_scope = node.kind == "startEvent"
        read = _Read(node, ("in", node.id), "condition", names, loop_vars, True, starts_scope)
        flow.reads.append(read)
    if node.timer is not None and iso_literal_kind(_bare(node.timer.expression)) is None:
        names = _names_read(node.timer.expression)
        what = f"timer {node.timer.kind}"
        flow.reads.append(_Read(node, ("in", node.id), what, names, loop_vars))
    _add_loop_reads(flow, node, loop_vars)
    _add_data_objects(flow, node, loop_vars)


THROWS_MESSAGES = frozenset({"sendTask", "intermediateThrowEvent", "endEvent"})


def _message_reads(model: BpmnModel, node: Node) -> set[str]:
    """What a message this node throws reads from the case data: its declared payload's
    expressions (``pf:messagePayload``, SpiffArena's payload expression); without a
    declared payload the whole data travels and the message's correlation expressions
    are evaluated on it (engine.workflow.messages)."""
    contracts = model.message_contracts
    throws = node.kind == "sendTask" or "message" in node.event_definitions
    if contracts is None or node.kind not in THROWS_MESSAGES or not throws:
        return set()
    if node.id in contracts.payloads:
        fields = contracts.payloads[node.id]
        return set().union(*(_names_read(expression) for _, expression in fields if expression))
    if node.id in contracts.payload_expressions:
        return _names_read(contracts.payload_expressions[node.id])
    refs = node.message_refs or ((node.message_ref,) if node.message_ref else ())
    names: set[str] = set()
    for ref in refs:
        message = model.messages.get(ref, ref)
        for _, expression in contracts.correlations.get(message, []):
            names |= _names_read(expression)
    return names


def _add_data_objects(flow: Flow, node: Node, loop_vars: set[str]) -> None:
    """Data associations: an output stores the case data named by the object's id in the
    data object ("@id" here); an input needs the object stored before and hands its value
    to the node under that id."""
    for object_id, name in node.data_outputs:
        what = f"data output to {name!r}"
        flow.reads.append(_Read(node, ("out", node.id), what, {object_id}, set(loop_vars)))
        flow.writes[("out", node.id)].add(DATA_OBJECT + object_id)
    for object_id, name in node.data_inputs:
        what = f"data input from {name!r}"
        flow.reads.append(_Read(node, ("in", node.id), what, {DATA_OBJECT + object_id}))
    for read in flow.reads:
        if read.node is node:
            read.extra |= {object_id for object_id, _ in node.data_inputs}


def _add_loop_reads(flow: Flow, node: Node, loop_vars: set[str]) -> None:
    loop = node.loop
    if loop is None:
        return
    outer = loop_vars - _own_loop_variables(node)
    if loop.kind == "multiInstance":
        if loop.cardinality and not loop.cardinality.strip().isdigit():
            names = _names_read(loop.cardinality)
            flow.reads.append(_Read(node, ("in", node.id), "loop cardinality", names, outer))
        if loop.collection:
            flow.reads.append(
                _Read(node, ("in", node.id), "input collection", {loop.collection}, outer)
            )
        if loop.condition:
            names = _names_read(loop.condition)
            known = loop_vars | COUNTERS  # Camunda's nrOfCompletedInstances...
            flow.reads.append(_Read(node, ("out", node.id), "completion condition", names, known))
    elif loop.condition:
        names = _names_read(loop.condition)
        flow.reads.append(_Read(node, ("out", node.id), "loop condition", names, loop_vars))


def _own_loop_variables(node: Node) -> set[str]:
    loop = node.loop
    if loop is None or loop.kind != "multiInstance":
        return set()
    names = {n for n in (loop.element_variable, loop.output_element) if n}
    if loop.element_variable is None and loop.collection:
        names.add(loop.collection)
    return names


def _is_event_subprocess(node: Node) -> bool:
    return node.kind == "subProcess" and node.triggered_by_event


def _bare(text: str) -> str:
    return expressions.strip_wrapper(text)


def _safe(function, text: str) -> set[str]:
    try:
        return set(function(text))
    except EngineError:
        return set()  # reported as an unsafe expression


def _names_read(text: str) -> set[str]:
    return _safe(expressions.names_read, text)


def _solve(flow: Flow, must_start: set[str], may_start: set[str]):
    """Names written on every path (``must``) and on some path (``may``) into each vertex.

    A forward data-flow fixpoint over bit sets (one bit a name), visited in breadth-first
    order, so a procedure of thousands of steps with loops is solved in well under a second.
    """
    vertices = set(flow.edges) | {v for targets in flow.edges.values() for v in targets}
    vertices.add(BEGIN)
    preds: dict[Vertex, list[Vertex]] = defaultdict(list)
    for source, targets in flow.edges.items():
        for target in targets:
            preds[target].append(source)
    universe = set(must_start) | set(may_start) | {ANY}
    for names in flow.writes.values():
        universe |= names
    bit = {name: 1 << i for i, name in enumerate(sorted(universe, key=str))}

    def mask(names) -> int:
        value = 0
        for name in names or ():
            value |= bit[name]
        return value

    writes = {v: mask(names) for v, names in flow.writes.items()}
    full = (1 << len(bit)) - 1
    must: dict[Vertex, int] = dict.fromkeys(vertices, full)
    may: dict[Vertex, int] = dict.fromkeys(vertices, 0)
    must[BEGIN], may[BEGIN] = mask(must_start), mask(may_start) | mask(must_start)
    queue = deque(_breadth_first(flow.edges, vertices))  # few passes when in flow order
    queued = set(vertices)
    while queue:
        vertex = queue.popleft()
        queued.discard(vertex)
        if vertex != BEGIN:
            sources = preds.get(vertex, [])
            new_must = full if sources and vertex not in flow.joins else 0
            new_may = 0
            for p in sources:
                out_must = must[p] | writes.get(p, 0)
                # every branch of a parallel join has run; elsewhere one path is enough
                new_must = new_must | out_must if vertex in flow.joins else new_must & out_must
                new_may |= may[p] | writes.get(p, 0)
            if new_must == must[vertex] and new_may == may[vertex]:
                continue
            must[vertex], may[vertex] = new_must, new_may
        for target in flow.edges.get(vertex, []):
            if target not in queued:
                queued.add(target)
                queue.append(target)
    ordered = sorted(bit, key=lambda n: bit[n])
    return _NameSets(must, ordered), _NameSets(may, ordered)


class _NameSets:
    """Per vertex, the names of a bit set, unpacked only for the vertices asked about."""

    def __init__(self, masks: dict, names: list[str]):
        self.masks, self.names = masks, names

    def get(self, vertex, default: set[str]) -> set[str]:
        value = self.masks.get(vertex)
        if value is None:
            return default
        found, i = set(), 0
        while value:
            if value & 1:
                found.add(self.names[i])
            value >>= 1
            i += 1
        return found


def _breadth_first(edges: dict[Vertex, list[Vertex]], vertices: set[Vertex]) -> list[Vertex]:
    order, seen = [BEGIN], {BEGIN}
    for vertex in order:  # grows while iterating
        for following in edges.get(vertex, ()):
            if following not in seen:
                seen.add(following)
                order.append(following)
    return order + sorted(vertices - seen)


def _after(names: set[str], written: set[str] | None) -> set[str]:
    return names | written if written else names


def _missing_output_items(model, process: Process, written_by, decisions) -> list[Finding]:
    """A multi-instance activity collecting an output item its instances never set."""
    findings: list[Finding] = []
    for node in process.nodes.values():
        loop = node.loop
        if loop is None or loop.kind != "multiInstance" or not loop.output_element:
            continue
        if loop.output_element == loop.element_variable:
            continue  # the instance's own item, updated in place
        body = [node, *(n for n in process.nodes.values() if _inside(process, n, node))]
        written: set[str] = set()
        for inner in body:
            written |= _writes(model, inner, written_by, decisions)
            if inner is not node or loop.scripts_on_instances:  # else run around the loop
                written |= _extension_script_writes(inner)
        if loop.output_element not in written and ANY not in written:
            findings.append(
                (
                    "error",
                    "missing_output_item",
                    node,
                    f"Multi-instance {node.label!r} collects {loop.output_element!r} from each "
                    "instance, but nothing in an instance sets it; add it to the task's form "
                    "or a script, or fix the outputDataItem",
                )
            )
    return findings


def _inside(process: Process, node: Node, container: Node) -> bool:
    parent = process.nodes.get(node.parent_id or "")
    while parent is not None:
        if parent.id == container.id:
            return True
        parent = process.nodes.get(parent.parent_id or "")
    return False


def _judge(flow: Flow, must, may, written_anywhere: set[str]):
    """Findings of the reads of ``flow``, each with the read and the name it is about."""
    findings: list[tuple[Finding, tuple[_Read, str]]] = []

    def add(finding: Finding) -> None:
        findings.append((finding, (read, name)))

    for read in flow.reads:
        here_must = _after(must.get(read.at, set()), flow.writes.get(read.at))
        here_may = _after(may.get(read.at, set()), flow.writes.get(read.at))
        if read.objects_too:
            here_must = here_must | _stored_objects(here_must)
            here_may = here_may | _stored_objects(here_may)
        if read.anywhere:
            here_may = here_may | written_anywhere
        for name in sorted(read.names - read.extra):
            if ANY in here_must or name in here_must or read.anywhere and name in here_may:
                continue
            shown = f"data object {name[1:]!r}" if name.startswith(DATA_OBJECT) else repr(name)
            label = f"The {read.what} of {_label(read.node)!r} reads {shown}"
            # start data is case data: it never stores a data object (SpiffWorkflow hands
            # a data input None until an output association stored the object)
            if name in read.not_from_start and name not in here_may:
                add(
                    (
                        "error",
                        "unset_name",
                        read.node,
                        f"{label}, the output item of each instance, which nothing in the "
                        "instance sets before it (start data cannot: SpiffWorkflow refuses an "
                        "output item already in the data); set it in the task's form or "
                        "scripts",
                    )
                )
                continue
            if FREE in here_must and name not in here_may and not name.startswith(DATA_OBJECT):
                add(
                    (
                        "warning",
                        "name_from_start_data",
                        read.node,
                        f"{label}, which no form, script or message sets; only the start "
                        "data sent through the API or the CLI can (the start event has no "
                        "form): declare it as a field of the start form",
                    )
                )
                continue
            if ANY not in here_may and name not in here_may:
                where = "anywhere in the process" if name not in written_anywhere else "before it"
                add(
                    (
                        "error",
                        "unset_name",
                        read.node,
                        f"{label}, which no form, script or message sets {where}; add a form "
                        "field or a script task that sets it, or fix the name",
                    )
                )
                continue
            path = _path_without(flow, read.at, name)
            add(
                (
                    "warning",
                    "maybe_unset_name",
                    read.node,
                    f"{label}, which is not set on every path that reaches it, e.g. "
                    f"{path}; set it on that path too, or give it a default",
                )
            )
    return findings


def _stored_objects(names: set[str]) -> set[str]:
    """The ids of the data objects among ``names``, as a condition reads them."""
    return {name[len(DATA_OBJECT) :] for name in names if name.startswith(DATA_OBJECT)}


def _label(element) -> str:
    return getattr(element, "label", None) or element.name or element.id


def _path_without(flow: Flow, target: Vertex, name: str) -> str:
    """Labels of one path from the start to ``target`` on which nothing writes ``name``."""
    parents: dict[Vertex, Vertex | None] = {BEGIN: None}
    queue = deque([BEGIN])
    while queue:
        vertex = queue.popleft()
        if vertex == target:
            break
        written = flow.writes.get(vertex, set())
        if name in written or ANY in written:
            continue
        for following in flow.edges.get(vertex, []):
            if following not in parents:
                parents[following] = vertex
                queue.append(following)
    labels: list[str] = []
    step: Vertex | None = target if target in parents else None
    while step is not None and step != BEGIN:
        node = flow.process.nodes.get(step[1])
        label = node.label if node else step[1]
        if not labels or labels[-1] != label:
            labels.append(label)
        step = parents[step]
    return " → ".join(reversed(labels)) or "(no path found)"
