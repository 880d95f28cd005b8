"""How complex a procedure is, in numbers a reformer can compare before and after.

:func:`complexity` counts steps, handoffs, approval levels, documents, applicant
contacts, path lengths and loops; each count is a plain ``int`` so reports can put
two versions of a procedure side by side.
"""

from __future__ import annotations

from itertools import islice

import networkx as nx

from engine.bpmn.model import BpmnModel, Process
from simulations.analysis.graph import (
    acyclic_flow,
    back_edges,
    entry_nodes,
    is_step,
    process_graph,
    step_graph,
)
from simulations.analysis.steps import is_approval_node
from simulations.analysis.vocabulary import is_applicant_contact

CYCLE_LIMIT = 1000  # simple cycles counted at most (they can grow exponentially)
CYCLE_LENGTH = 60  # longest cycle, in nodes, that is counted


def approval_chains(S: nx.DiGraph, position: dict | None = None, approvals=None) -> list[list]:
    """The longest run of consecutive approval steps in each group of linked approvals.

    ``S`` is a :func:`~simulations.analysis.graph.step_graph`; a step is an approval when
    it approves, signs or initials, is a review by an official, or records an "approved"
    decision (:func:`~simulations.analysis.steps.is_approval_node`), unless ``approvals``
    (the set of approval steps) is given. Links that go back against the flow order
    ``position`` (node -> rank; by default a depth-first order) are cut, so every chain is
    a simple path in flow direction.

    Examples
    --------
    >>> S = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    >>> names = {"a": "Review Kasi", "b": "Approve", "c": "Sign"}
    >>> nx.set_node_attributes(S, names, "name"); nx.set_node_attributes(S, "task", "kind")
    >>> approval_chains(S, {"a": 0, "b": 1, "c": 2})
    [['a', 'b', 'c']]
    """
    if approvals is None:
        approvals = {n for n, data in S.nodes(data=True) if is_approval_node(data)}
    A = nx.DiGraph(S.subgraph(n for n in S if n in approvals))
    if position is None:
        A.remove_edges_from(back_edges(A, [n for n in A if A.in_degree(n) == 0]))
    else:
        A.remove_edges_from([(u, v) for u, v in A.edges if position[u] >= position[v]])
    return [
        nx.dag_longest_path(A.subgraph(component)) if len(component) > 1 else list(component)
        for component in nx.weakly_connected_components(A)
    ]


def flow_position(G: nx.DiGraph, cut: set | None = None) -> dict:
    """Rank of each node in a topological order of the flow without its loops."""
    D = acyclic_flow(G, back_edges(G) if cut is None else cut)
    return {n: i for i, n in enumerate(nx.topological_sort(D))}


def lane_handoffs(S: nx.DiGraph) -> int:
    """Links between consecutive steps that sit in different lanes."""
    return sum(
        1
        for u, v in S.edges
        if S.nodes[u]["lane"] and S.nodes[v]["lane"] and S.nodes[u]["lane"] != S.nodes[v]["lane"]
    )


def pool_handoffs(process: Process, model: BpmnModel) -> int:
    """Message flows between this process's pool and another pool."""

    def inside(ref: str) -> bool:
        return ref in process.nodes or (bool(ref) and ref == process.participant_id)

    return sum(1 for m in model.message_flows if inside(m.source) != inside(m.target))


def _scope_paths(G: nx.DiGraph, cut: set, scope, containers: set) -> tuple[int | None, int | None]:
    T = G.subgraph(n for n, parent in G.nodes(data="parent") if parent == scope)
    inner = {n: _scope_paths(G, cut, n, containers) for n in T if n in containers}
    starts = entry_nodes(T)
    ends = [n for n in T if T.out_degree(n) == 0]
    if not starts or not ends:
        return None, None
    root = ("__start__",)
    R = nx.DiGraph(T.edges)
    R.add_nodes_from(T)  # steps no flow touches (left over in the drawing) included
    R.add_edges_from((root, s) for s in starts)
    results = []
    for which, R_ in ((0, R), (1, acyclic_flow(R, [e for e in cut if R.has_edge(*e)]))):
        weight = {n: 1 if is_step(T, n) else (inner[n][which] or 0) if n in inner else 0 for n in T}
        for _, v, data in R_.edges(data=True):
            data["steps"] = weight[v]
        if which == 0:
            lengths = nx.single_source_dijkstra_path_length(R_, root, weight="steps")
            results.append(min((lengths[n] for n in ends if n in lengths), default=None))
        else:  # only paths that end at an end (a loop cut open leaves false sinks)
            finishing = set(ends).union(*(nx.ancestors(R_, e) for e in ends))
            path = nx.dag_longest_path(R_.subgraph(finishing), weight="steps")
            results.append(sum(weight.get(n, 0) for n in path))
    return results[0], results[1]


def path_steps(G: nx.DiGraph, cut: set | None = None) -> tuple[int | None, int | None]:
    """Fewest and most steps on a path from a start to an end of the top-level flow.

    A sub-process counts with the steps of its own fewest or most. The most is taken
    on the flow without its loops (:func:`~simulations.analysis.graph.back_edges` removed), so
    each step counts once. ``(None, None)`` when the flow has no start or no end.

    Examples
    --------
    >>> G = nx.DiGraph([("s", "a"), ("a", "b"), ("s", "b"), ("b", "e")])
    >>> kinds = {"s": "startEvent", "a": "task", "b": "task", "e": "endEvent"}
    >>> nx.set_node_attributes(G, kinds, "kind"); nx.set_node_attributes(G, None, "parent")
    >>> nx.set_node_attributes(G, False, "handler")
    >>> path_steps(G)
    (1, 2)
    """
    containers = {p for _, p in G.nodes(data="parent") if p is not None}
    return _scope_paths(G, set(back_edges(G) if cut is None else cut), None, containers)


def count_cycles(G: nx.DiGraph) -> int:
    """Simple cycles of at most ``CYCLE_LENGTH`` nodes, counted up to ``CYCLE_LIMIT``."""
    return sum(1 for _ in islice(nx.simple_cycles(G, length_bound=CYCLE_LENGTH), CYCLE_LIMIT))


def _documents(process: Process, G: nx.DiGraph) -> tuple[int, int]:
    uploads = set()
    for n in G:
        if G.nodes[n]["kind"] == "startEvent" and G.nodes[n]["parent"] is None:
            uploads |= G.nodes[n]["documents"]
    standard = process.service_standard
    return len(uploads), len(standard.requirements) if standard else 0


def complexity(
    process: Process,
    G: nx.DiGraph | None = None,
    *,
    model: BpmnModel | None = None,
    approvals: set | None = None,
) -> dict:
    """Measure how complex a procedure is for the applicant and for the office.

    Parameters
    ----------
    process : engine.bpmn.model.Process
        The procedure.
    G : networkx.DiGraph, optional
        Its :func:`~simulations.analysis.graph.process_graph`, when already built.
    model : engine.bpmn.model.BpmnModel, optional
        The file it came from; needed to count handoffs between pools (message
        flows). Without it ``pool_handoffs`` is ``None``.
    approvals : set, optional
        The approval steps, when already known (see :func:`approval_chains`).

    Returns
    -------
    dict
        ``steps``, ``human_steps``, ``lanes``, ``lane_handoffs``, ``pool_handoffs``,
        ``max_approval_chain``, ``documents_required`` (the larger of the documents
        uploaded on the start form and the requirements of the service standard, also
        given as ``documents_uploaded`` and ``requirements_listed``),
        ``citizen_touchpoints``, ``shortest_path_steps``, ``longest_path_steps``,
        ``cyclomatic_complexity`` (E - N + 2P), ``gateways`` and ``loops``.

    Examples
    --------
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.lane("a"), b.lane("b")
    >>> _ = b.start(), b.task("t1", "Periksa", lane="a"), b.task("t2", "Setujui", lane="b")
    >>> _ = b.end(); b.chain("start", "t1", "t2", "end")
    >>> m = complexity(b.process)
    >>> m["steps"], m["lane_handoffs"], m["longest_path_steps"]
    (2, 1, 2)
    """
    G = process_graph(process) if G is None else G
    S = step_graph(G)
    cut = back_edges(G)
    shortest, longest = path_steps(G, cut)
    uploaded, listed = _documents(process, G)
    chains = approval_chains(S, flow_position(G, cut), approvals)
    components = nx.number_weakly_connected_components(G) if len(G) else 0
    return {
        "steps": len(S),
        "human_steps": sum(1 for n in S if S.nodes[n]["is_human"]),
        "lanes": len(process.lanes),
        "lane_handoffs": lane_handoffs(S),
        "pool_handoffs": pool_handoffs(process, model) if model is not None else None,
        "max_approval_chain": max((len(c) for c in chains), default=0),
        "documents_required": max(uploaded, listed),
        "documents_uploaded": uploaded,
        "requirements_listed": listed,
        "citizen_touchpoints": sum(
            1 for n, d in S.nodes(data=True) if is_applicant_contact(f"{d['name']} {n}", d["role"])
        ),
        "shortest_path_steps": shortest,
        "longest_path_steps": longest,
        "cyclomatic_complexity": G.number_of_edges() - len(G) + 2 * components,
        "gateways": sum(1 for _, kind in G.nodes(data="kind") if kind.endswith("Gateway")),
        "loops": count_cycles(G),
    }
