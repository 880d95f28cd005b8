"""A procedure as a networkx graph: flow nodes, sequence flows and the data they touch.

Every analysis in :mod:`simulations` starts from :func:`process_graph`. Nodes carry
``kind``, ``name``, ``lane``, ``role``, ``is_human``, ``reads``, ``writes`` (form fields
and script names), ``reads_data``/``writes_data`` (the same plus documents drawn as data
objects, ``data_in``/``data_out``), ``fields`` (the form), ``documents`` (file-type form
fields), ``messages`` (sends or receives a message flow), ``parent`` (enclosing sub-process), ``duration``
and ``rejection`` (optional parameters from the node's properties), ``events`` (event
definitions) and ``handler`` (an event sub-process or compensation handler, entered by
an event rather than a flow); edges carry ``id``, ``name``, ``condition``, ``is_default``
and ``boundary``.
"""

from __future__ import annotations

import networkx as nx

from engine.bpmn.model import TASK_KINDS, Node, Process
from simulations.analysis.data_links import DataLinks
from simulations.analysis.expression_names import names_read, names_read_by_script, names_written

STEP_KINDS = TASK_KINDS | {"callActivity"}
_PARAMETER_KEYS = {
    "duration": ("duration", "pf:duration", "meanDuration", "mean_duration"),
    "rejection": ("rejection", "pf:rejection", "rejectionProbability", "rejection_probability"),
}


def _safe(function, text: str) -> set[str]:
    try:
        return set(function(text))
    except Exception:  # a malformed expression reads and writes nothing we can know
        return set()


def _parameter(node: Node, name: str) -> float | None:
    for key in _PARAMETER_KEYS[name]:
        if key in node.properties:
            try:
                return float(node.properties[key])
            except ValueError:
                return None
    return None


def _node_attributes(process: Process, node: Node, links: DataLinks | None) -> dict:
    lane = process.lanes.get(node.lane_id) if node.lane_id else None
    fields = node.form_fields
    writes = {f.id for f in fields if not f.readonly}
    reads = {f.id for f in fields if f.readonly}
    if node.script:
        writes |= _safe(names_written, node.script)
        reads |= _safe(names_read_by_script, node.script)
    data_in = set(links.reads.get(node.id, ())) if links else set()
    data_out = set(links.writes.get(node.id, ())) if links else set()
    stores = {i.key for i in links.items.values() if i.store} if links else set()
    return {
        "fields": fields,
        "data_in": data_in,
        "data_out": data_out,
        "stores_out": data_out & stores,
        "reads_data": reads | data_in,
        "writes_data": writes | data_out,
        "properties": dict(node.properties),
        "kind": node.kind,
        "name": node.label,
        "lane": node.lane_id if lane else None,
        "role": lane.role if lane else None,
        "is_human": node.is_human,
        "reads": reads,
        "writes": writes,
        "documents": {f.id for f in fields if f.type == "file"},
        "parent": node.parent_id,
        "events": node.event_definitions,
        "duration": _parameter(node, "duration"),
        "rejection": _parameter(node, "rejection"),
    }


def _handlers(process: Process) -> set[str]:
    """Event sub-processes and compensation handlers: entered by events, not by flows."""
    compensated = any("compensate" in n.event_definitions for n in process.nodes.values())
    event_starts = {
        n.parent_id
        for n in process.nodes.values()
        if n.kind == "startEvent" and n.event_definitions
    }
    return {
        n.id
        for n in process.nodes.values()
        if n.is_activity
        and not n.incoming
        and not n.outgoing
        and (n.id in event_starts or compensated)
    }


_VIRTUAL = {
    "id": None,
    "name": "",
    "condition": None,
    "is_default": False,
    "boundary": False,
    "link": False,
}


def _link_pairs(process: Process) -> list[tuple[str, str]]:
    """Link throw events and the link catch events of the same name (a "go to")."""
    catches: dict[str, list[str]] = {}
    for n in process.nodes.values():
        if n.kind == "intermediateCatchEvent" and "link" in n.event_definitions:
            catches.setdefault(n.name, []).append(n.id)
    return [
        (n.id, catch)
        for n in process.nodes.values()
        if n.kind == "intermediateThrowEvent" and "link" in n.event_definitions
        for catch in catches.get(n.name, [])
    ]


def _lane_table(process: Process) -> dict:
    return {
        lane.id: {"name": lane.name, "role": lane.role, "parent": lane.parent_lane_id}
        for lane in process.lanes.values()
    }


def process_graph(
    process: Process,
    *,
    data_links: DataLinks | None = None,
    message_nodes: set | frozenset = frozenset(),
) -> nx.DiGraph:
    """Return the flow graph of ``process`` with the data each node reads and writes.

    Parameters
    ----------
    process : engine.bpmn.model.Process
        The process as loaded by the engine.

    data_links : DataLinks, optional
        Data objects and stores the file's data associations connect to each node
        (:func:`simulations.analysis.data_links.read_data_links`); they join the node's
        ``reads_data``/``writes_data`` as ``data:<id>`` items.
    message_nodes : set, optional
        Nodes that send or receive a message flow to another pool (they act outside).

    Returns
    -------
    G : networkx.DiGraph
        One node per flow node, one edge per sequence flow. A boundary event is a
        node reached by an edge (``boundary=True``) from the activity it is attached
        to; a link throw event has an edge (``link=True``) to the link catch events of
        the same name. Conditions on outgoing flows are reads of the flow's source node.

    Examples
    --------
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start("s"), b.task("t", "Periksa", fields=[form_field("ok", "boolean")])
    >>> _ = b.gateway("g"), b.end("e1"), b.end("e2")
    >>> b.chain("s", "t", "g"); _ = b.flow("g", "e1", "ok"), b.flow("g", "e2", default=True)
    >>> G = process_graph(b.process)
    >>> G.nodes["t"]["writes"], G.nodes["g"]["reads"]
    ({'ok'}, {'ok'})
    """
    G = nx.DiGraph(
        process_id=process.id,
        name=process.label,
        lanes=_lane_table(process),
        data_items={i.key: i for i in data_links.items.values()} if data_links else {},
    )
    handlers = _handlers(process)
    for node in process.nodes.values():
        G.add_node(
            node.id,
            handler=node.id in handlers,
            messages=node.id in message_nodes,
            **_node_attributes(process, node, data_links),
        )
    for flow in process.flows.values():
        if flow.source not in G or flow.target not in G:
            continue
        is_default = process.nodes[flow.source].default_flow == flow.id
        G.add_edge(
            flow.source,
            flow.target,
            id=flow.id,
            name=flow.name,
            condition=flow.condition,
            is_default=is_default,
            boundary=False,
            link=False,
        )
        if flow.condition:
            read = _safe(names_read, flow.condition)
            G.nodes[flow.source]["reads"] |= read
            G.nodes[flow.source]["reads_data"] |= read
    for node in process.nodes.values():
        if node.attached_to in G:
            G.add_edge(node.attached_to, node.id, **{**_VIRTUAL, "boundary": True})
    for throw, catch in _link_pairs(process):
        G.add_edge(throw, catch, **{**_VIRTUAL, "link": True})
    return G


def is_step(G: nx.DiGraph, n) -> bool:
    """True for tasks and call activities: the work a procedure consists of."""
    return G.nodes[n]["kind"] in STEP_KINDS


def entry_nodes(G: nx.DiGraph) -> list:
    """Nodes where tokens appear: start events, else (per scope) nodes without inflow.

    Event sub-processes and compensation handlers (node attribute ``handler``) are
    entries too; boundary events are reached from their activity.
    """
    scopes: dict = {}
    for n, data in G.nodes(data=True):
        scopes.setdefault(data["parent"], []).append(n)
    entries = []
    for members in scopes.values():
        starts = [n for n in members if G.nodes[n]["kind"] == "startEvent"]
        no_inflow = [
            n for n in members if G.in_degree(n) == 0 and G.nodes[n]["kind"] != "boundaryEvent"
        ]
        if not starts:
            entries += no_inflow
        else:
            entries += starts
            entries += [n for n in no_inflow if G.nodes[n]["handler"]]
    return entries


def execution_graph(G: nx.DiGraph) -> nx.DiGraph:
    """``G`` plus edges into and out of sub-processes, for reachability questions.

    A sub-process gets an edge to each entry of its scope, and each inner node without
    outflow gets edges to the sub-process's successors.
    """
    H = G.copy()
    children: dict = {}
    for n, parent in G.nodes(data="parent"):
        if parent in G:
            children.setdefault(parent, []).append(n)
    entries = set(entry_nodes(G))
    for container, members in children.items():
        after = list(G.successors(container))
        for n in members:
            if n in entries:
                H.add_edge(container, n, containment=True)
            if G.out_degree(n) == 0:
                H.add_edges_from(((n, s) for s in after), containment=True)
    return H


def back_edges(G: nx.DiGraph, sources=None) -> set[tuple]:
    """Edges that close a cycle in a depth-first search from ``sources`` (then the rest).

    Removing them leaves a directed acyclic graph whose order follows the flow.

    Examples
    --------
    >>> back_edges(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")]), ["a"])
    {('c', 'a')}
    """
    order = list(sources if sources is not None else entry_nodes(G)) + list(G)
    visited: set = set()
    on_stack: set = set()
    found: set[tuple] = set()
    for root in order:
        if root in visited:
            continue
        for u, v, label in nx.dfs_labeled_edges(G, root):
            if label == "forward":
                on_stack.add(v)
                visited.add(v)
            elif label == "reverse":
                on_stack.discard(v)
            elif label == "nontree" and v in on_stack:
                found.add((u, v))
    return found


def acyclic_flow(G: nx.DiGraph, cut=None) -> nx.DiGraph:
    """A copy of ``G`` without its back edges (see :func:`back_edges`)."""
    D = G.copy()
    D.remove_edges_from(back_edges(G) if cut is None else cut)
    return D


def step_graph(G: nx.DiGraph) -> nx.DiGraph:
    """Steps linked when a flow leads from one to the next through gateways and events.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "g"), ("g", "b"), ("g", "c")])
    >>> nx.set_node_attributes(G, {"a": "task", "b": "task", "c": "task", "g": "exclusiveGateway"}, "kind")
    >>> sorted(step_graph(G).edges)
    [('a', 'b'), ('a', 'c')]
    """
    S = nx.DiGraph()
    S.add_nodes_from((n, G.nodes[n]) for n in G if is_step(G, n))
    for source in list(S):
        seen = {source}
        stack = list(G.successors(source))
        while stack:
            n = stack.pop()
            if n in S:
                S.add_edge(source, n)
            elif n not in seen:
                seen.add(n)
                stack.extend(G.successors(n))
    return S


def after_masks(G: nx.DiGraph, values: dict) -> dict:
    """For each node, the bitwise OR of ``values`` over all nodes reachable from it.

    A node counts as reachable from itself only when it lies on a cycle. Runs in
    linear time on the condensation of ``G``; bit masks make it cheap to ask
    "is this datum read anywhere later?" for every node at once.

    Examples
    --------
    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> sorted(after_masks(G, {"a": 1, "b": 2, "c": 4}).items())
    [('a', 6), ('b', 4), ('c', 0)]
    """
    C = nx.condensation(G)
    members = C.graph["mapping"]
    own = {c: 0 for c in C}
    for n, c in members.items():
        own[c] |= values.get(n, 0)
    below = {}
    for c in reversed(list(nx.topological_sort(C))):
        below[c] = 0
        for s in C.successors(c):
            below[c] |= own[s] | below[s]
    cyclic = {c for c in C if len(C.nodes[c]["members"]) > 1}
    cyclic |= {members[n] for n in nx.nodes_with_selfloops(G)}
    return {n: below[c] | (own[c] if c in cyclic else 0) for n, c in members.items()}


class FlowOrder:
    """Flow order and reachability of the nodes of ``H``, kept as bit masks.

    ``position`` numbers the nodes in a topological order of the flow without loops;
    :meth:`related` says whether one node can follow the other on some path.
    """

    def __init__(self, H: nx.DiGraph):
        self.position = {n: i for i, n in enumerate(nx.topological_sort(acyclic_flow(H)))}
        self.bit = {n: 1 << i for i, n in enumerate(H)}
        self.after = after_masks(H, self.bit)

    def related(self, a, b) -> bool:
        return bool(self.after[a] & self.bit[b] or self.after[b] & self.bit[a])

    def follows(self, a, b) -> bool:
        """True when ``b`` can come after ``a``."""
        return bool(self.after[a] & self.bit[b])

    def sort(self, nodes) -> list:
        return sorted(nodes, key=self.position.__getitem__)
