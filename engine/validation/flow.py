"""Structural checks of one process's sequence flow graph, for :mod:`engine.validation.process`.

Each check returns findings ``(code, element, message)``; the validator decides the
severity. The graph treats a sub-process as entering its start events and a node that
ends a sub-process (no outgoing flow) as completing it; an activity also leads to its
boundary events. An activity without outgoing flow ends its path (BPMN's implicit end,
``implicit_end``, which the validator reports as a warning).
"""

from __future__ import annotations

from collections import defaultdict, deque

from engine.bpmn.model import GATEWAY_KINDS, Node, Process, SequenceFlow

Finding = tuple[str, Node | SequenceFlow | Process, str]
CONTAINER_KINDS = frozenset({"subProcess", "transaction", "adHocSubProcess"})
CONDITIONAL_GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway"})
IMPLICIT_END_EVENTS = frozenset({"intermediateCatchEvent", "intermediateThrowEvent"})
WARNING_CODES = frozenset({"implicit_end"})  # findings that never block a deployment


def _valid_outgoing(process: Process, node: Node) -> list[SequenceFlow]:
    return [f for f in process.outgoing(node.id) if f.target in process.nodes]


def check_flow_ends(process: Process) -> list[Finding]:
    """Sequence flows whose source or target is not an element of the process."""
    findings: list[Finding] = []
    for flow in process.flows.values():
        for end, ref in (("starts at", flow.source), ("ends at", flow.target)):
            if ref not in process.nodes:
                findings.append(
                    (
                        "dangling_flow",
                        flow,
                        f"Sequence flow {flow.id} {end} {ref or '(nothing)'!r}, which is not an "
                        f"element of process {process.label!r}",
                    )
                )
    return findings


def check_gateways(process: Process) -> list[Finding]:
    """Default flows that are not outgoing flows; unconditioned branches of decisions."""
    findings: list[Finding] = []
    for node in process.nodes.values():
        if node.default_flow and node.default_flow not in node.outgoing:
            findings.append(
                (
                    "bad_default_flow",
                    node,
                    f"The default flow {node.default_flow!r} of {node.kind} {node.label!r} is not "
                    "one of its outgoing sequence flows",
                )
            )
        outgoing = process.outgoing(node.id)
        if node.kind not in CONDITIONAL_GATEWAYS or len(outgoing) < 2:
            continue
        for flow in outgoing:
            if not flow.condition and flow.id != node.default_flow:
                findings.append(
                    (
                        "missing_condition",
                        flow,
                        f"Sequence flow {flow.name or flow.id!r} leaves gateway {node.label!r} "
                        "without a condition and is not the gateway's default flow; add a "
                        "condition or mark it as the default",
                    )
                )
    return findings


def check_splits(process: Process) -> list[Finding]:
    """Activities and intermediate events with several outgoing flows (BPMN's implicit
    split, which modellers draw as two arrows out of a task): the engine follows one
    flow out of them, so the split must be a gateway."""
    findings: list[Finding] = []
    for node in process.nodes.values():
        if node.kind in GATEWAY_KINDS or node.kind == "startEvent":
            continue
        outgoing = _valid_outgoing(process, node)
        if len(outgoing) < 2:
            continue
        targets = ", ".join(repr(process.nodes[f.target].label) for f in outgoing)
        findings.append(
            (
                "several_outgoing_flows",
                node,
                f"{node.kind} {node.label!r} has {len(outgoing)} outgoing sequence flows (to "
                f"{targets}); permitflow follows one flow out of it: to take all of them, "
                "draw a parallel gateway after it; to choose one, draw an exclusive gateway "
                "with a condition on each flow (an inclusive gateway takes every flow whose "
                "condition holds)",
            )
        )
    return findings


def check_starts_and_ends(process: Process) -> list[Finding]:
    """Every process and (non ad-hoc) sub-process needs a start and an end event."""
    starts: dict[str | None, int] = defaultdict(int)
    ends: dict[str | None, int] = defaultdict(int)
    for node in process.nodes.values():
        if node.kind == "startEvent":
            starts[node.parent_id] += 1
        elif node.kind == "endEvent":
            ends[node.parent_id] += 1
    scopes: list[tuple[str | None, Node | Process, str]] = [(None, process, "Process")]
    scopes += [
        (node.id, node, "Sub-process")
        for node in process.nodes.values()
        if node.kind in CONTAINER_KINDS and node.kind != "adHocSubProcess"
    ]
    findings: list[Finding] = []
    for scope_id, element, what in scopes:
        if not starts[scope_id]:
            findings.append(
                ("no_start_event", element, f"{what} {element.label!r} has no start event")
            )
        if not ends[scope_id]:
            findings.append(("no_end_event", element, f"{what} {element.label!r} has no end event"))
    return findings


def check_cancel_events(process: Process) -> list[Finding]:
    """Cancel events belong to transactions: a cancel end event directly inside one, a
    cancel boundary event on one; a transaction that can cancel needs its boundary event
    (otherwise the cancellation would end nowhere)."""
    findings: list[Finding] = []
    caught = {n.attached_to for n in process.nodes.values() if _is_cancel(n, "boundaryEvent")}
    for node in process.nodes.values():
        parent = process.nodes.get(node.parent_id or "")
        if _is_cancel(node, "endEvent"):
            if parent is None or parent.kind != "transaction":
                where = f"{parent.kind} {parent.label!r}" if parent else "the process itself"
                message = (
                    f"Cancel end event {node.label!r} is in {where}; a cancel end event may "
                    "only end a transaction (draw the sub-process as a transaction, or use a "
                    "plain or error end event)"
                )
                findings.append(("cancel_outside_transaction", node, message))
            elif parent.id not in caught:
                message = (
                    f"Transaction {parent.label!r} has cancel end event {node.label!r} but no "
                    "cancel boundary event; attach one to say where a cancelled transaction "
                    "continues"
                )
                findings.append(("uncaught_cancel", node, message))
        elif _is_cancel(node, "boundaryEvent"):
            target = process.nodes.get(node.attached_to or "")
            if target is not None and target.kind != "transaction":
                message = (
                    f"Cancel boundary event {node.label!r} is attached to {target.kind} "
                    f"{target.label!r}; only a transaction can be cancelled"
                )
                findings.append(("cancel_outside_transaction", node, message))
    return findings


def _is_cancel(node: Node, kind: str) -> bool:
    return node.kind == kind and "cancel" in node.event_definitions


def _successors(process: Process) -> dict[str, list[str]]:
    successors: dict[str, list[str]] = {node_id: [] for node_id in process.nodes}
    children: dict[str, list[Node]] = defaultdict(list)
    for node in process.nodes.values():
        if node.parent_id in process.nodes:
            children[node.parent_id].append(node)
    for node in process.nodes.values():
        flows = _valid_outgoing(process, node)
        successors[node.id].extend(flow.target for flow in flows)
        if node.attached_to in successors:
            successors[node.attached_to].append(node.id)
        if node.kind in CONTAINER_KINDS:
            entries = [c for c in children[node.id] if c.kind == "startEvent"]
            if node.kind == "adHocSubProcess":
                entries = [c for c in children[node.id] if not c.incoming and not c.attached_to]
            successors[node.id].extend(c.id for c in entries)
        if not flows and node.parent_id in process.nodes:
            successors[node.id].append(node.parent_id)  # completes the sub-process
    return successors


def _reach(starts, edges: dict[str, list[str]]) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for following in edges.get(queue.popleft(), ()):
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


def check_paths(process: Process, event_subprocess_ids: set[str]) -> list[Finding]:
    """Unreachable nodes, dead ends, and nodes from which no end can be reached.

    Needs a top-level start event; event sub-processes count as started by their event.
    """
    roots = [n.id for n in process.start_events()]
    if not roots:
        return []
    roots += [node_id for node_id in event_subprocess_ids if node_id in process.nodes]
    successors = _successors(process)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for node_id, following in successors.items():
        for target in following:
            predecessors[target].append(node_id)
    reached = _reach(roots, successors)
    terminals = [
        n.id
        for n in process.nodes.values()
        if n.parent_id is None and not _valid_outgoing(process, n)
    ]
    can_end = _reach(terminals, predecessors)
    handled = {  # activities that can also be left through a boundary event
        n.attached_to
        for n in process.nodes.values()
        if n.attached_to and _valid_outgoing(process, n)
    }
    findings: list[Finding] = []
    for node in process.nodes.values():
        if node.id not in reached:
            if node.parent_id is None or node.parent_id in reached:
                findings.append(
                    (
                        "unreachable_node",
                        node,
                        f"{node.kind} {node.label!r} cannot be reached from a start event",
                    )
                )
        elif node.id not in can_end:
            findings.append(
                (
                    "no_path_to_end",
                    node,
                    f"From {node.kind} {node.label!r} no end event can be reached "
                    "(an endless loop?)",
                )
            )
        if _is_dead_end(process, node, event_subprocess_ids, handled):
            findings.append(_dead_end(node))
    return findings


def _dead_end(node: Node) -> Finding:
    """An activity, an intermediate or a boundary event without outgoing flow ends its
    path (BPMN's implicit end, which SpiffWorkflow runs; an interrupting boundary event
    cancels its activity and nothing follows): a warning. Gateways are not."""
    if node.is_activity or node.kind in IMPLICIT_END_EVENTS or node.kind == "boundaryEvent":
        message = (
            f"{node.kind} {node.label!r} ends its path without an end event; add an end "
            "event to make the outcome explicit"
        )
        return ("implicit_end", node, message)
    message = (
        f"{node.kind} {node.label!r} has no outgoing sequence flow; connect it to the next "
        "step or to an end event"
    )
    return ("dead_end", node, message)


def _is_dead_end(
    process: Process, node: Node, event_subprocess_ids: set[str], handled: set
) -> bool:
    if node.kind == "endEvent" or node.id in event_subprocess_ids or node.id in handled:
        return False
    if _valid_outgoing(process, node):
        return False
    parent = process.nodes.get(node.parent_id or "")
    return parent is None or parent.kind != "adHocSubProcess"
