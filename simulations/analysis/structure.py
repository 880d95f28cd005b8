"""Structural problems: steps no case reaches, flows that end nowhere, gateway pairs that
deadlock or fail to synchronise.

Each function takes a :func:`~simulations.analysis.graph.process_graph` ``G`` and returns a list
of :class:`~simulations.analysis.finding.Finding`.
"""

from __future__ import annotations

from itertools import combinations, islice

import networkx as nx

from simulations.analysis.finding import Finding, label
from simulations.analysis.graph import back_edges, entry_nodes, execution_graph
from simulations.analysis.texts import graph_names, told

CHOICE_SPLITS = frozenset({"exclusiveGateway", "eventBasedGateway"})
MAX_JOIN_PAIRS = 45  # branch pairs compared per join (10 incoming flows)
_NO_FLOW_NEEDED = frozenset({"compensate", "link"})


def _reached(H: nx.DiGraph, sources) -> set:
    return set(nx.multi_source_dijkstra_path_length(H, list(sources))) if sources else set()


def _groups(G: nx.DiGraph, nodes: set) -> list[list]:
    return [sorted(c, key=str) for c in nx.weakly_connected_components(G.subgraph(nodes))]


def _group_params(group: list) -> dict:
    """The first three of a group (for a title) and all of it (for the explanation)."""
    return {
        "first": list(group[:3]),
        "more": " ..." if len(group) > 3 else "",
        "nodes": list(group),
    }


def unreachable_nodes(G: nx.DiGraph, H: nx.DiGraph | None = None) -> list[Finding]:
    """Nodes no flow leads to from a start event (one finding per connected group).

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.task("t"), b.task("orphan"), b.end(); b.chain("start", "t", "end")
    >>> [f.elements for f in unreachable_nodes(process_graph(b.process))]
    [['orphan']]
    """
    H = execution_graph(G) if H is None else H
    missed = set(G) - _reached(H, entry_nodes(G))
    return [
        told(
            "unreachable",
            group,
            graph_names(G),
            _group_params(group),
            severity="error",
            evidence=["no path of sequence flows leads to it from a start event"],
        )
        for group in _groups(G, missed)
    ]


def dead_ends(G: nx.DiGraph, H: nx.DiGraph | None = None) -> list[Finding]:
    """Nodes a case reaches and cannot leave: no outgoing flow and not an end event, or a
    loop with no way out. Nodes no case reaches are :func:`unreachable_nodes` instead.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.gateway("g"), b.task("t"), b.end()
    >>> b.chain("start", "g", "end"); _ = b.flow("g", "t")
    >>> [f.elements for f in dead_ends(process_graph(b.process))]
    [['t']]
    """
    H = execution_graph(G) if H is None else H
    reached = _reached(H, entry_nodes(G))
    findings = []
    for n, data in G.nodes(data=True):
        if G.out_degree(n) or data["kind"] == "endEvent" or data["handler"]:
            continue
        if n not in reached:  # no case gets there: unreachable, not a dead end
            continue
        if _NO_FLOW_NEEDED & set(data["events"]):
            continue
        gateway = data["kind"].endswith("Gateway")
        findings.append(
            told(
                "dead_end",
                [n],
                graph_names(G),
                {"node": n},
                message="dead_end_gateway" if gateway else "dead_end",
                severity="error" if gateway else "warning",
                evidence=["a case can reach it", "it has no outgoing flow and is not an end event"],
            )
        )
    finished = set(G) & _reached(H.reverse(copy=False), [n for n in H if H.out_degree(n) == 0])
    trapped = H.subgraph(reached - finished)
    loops = [
        c
        for c in nx.strongly_connected_components(trapped)
        if len(c) > 1 or any(trapped.has_edge(n, n) for n in c)
    ]
    for group in (sorted(c & set(G), key=str) for c in loops):
        findings.append(
            told(
                "dead_end",
                group,
                graph_names(G),
                _group_params(group),
                message="dead_end_loop",
                severity="error",
                evidence=["a case can reach the loop", "no flow leads from it to an end event"],
            )
        )
    return findings


class _Dominators:
    """Immediate dominators from a virtual root above all entries, with tree depths."""

    def __init__(self, D: nx.DiGraph, entries):
        root = ("__root__",)
        R = nx.DiGraph(D.edges)
        R.add_nodes_from(D)
        R.add_edges_from((root, e) for e in entries)
        self.idom = nx.immediate_dominators(R, root)
        self.depth = {root: 0}
        for n in self.idom:
            path = []
            while n not in self.depth:
                path.append(n)
                n = self.idom[n]
            for m in reversed(path):
                self.depth[m] = self.depth[self.idom[m]] + 1

    def common(self, a, b):
        """The nearest node that dominates both ``a`` and ``b``."""
        if a not in self.idom or b not in self.idom:
            return None
        while a != b:
            if self.depth[a] < self.depth[b]:
                a, b = b, a
            a = self.idom[a]
        return a


def _pair_finding(G: nx.DiGraph, split, join) -> Finding:
    if G.nodes[join]["kind"] == "parallelGateway":
        return told(
            "deadlock_gateway_pair",
            [split, join],
            graph_names(G),
            {"split": split, "join": join},
            message="parallel_join_after_choice",
            severity="error",
            evidence=[
                f"{label(G, split)} is an exclusive choice whose branches meet at {label(G, join)}",
                f"{label(G, join)} is a parallel join",
            ],
        )
    return told(
        "deadlock_gateway_pair",
        [split, join],
        graph_names(G),
        {"split": split, "join": join},
        message="exclusive_merge_after_split",
        severity="warning",
        evidence=[
            f"{label(G, split)} is a parallel split whose branches meet at {label(G, join)}",
            f"{label(G, join)} is an exclusive merge",
        ],
    )


def gateway_mismatches(G: nx.DiGraph, H: nx.DiGraph | None = None) -> list[Finding]:
    """Parallel joins fed by an exclusive split, exclusive merges fed by a parallel split.

    The split of two incoming branches is their nearest common dominator on the flow
    without loops; loop-back flows into a merge are ignored.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.gateway("x"), b.task("a"), b.task("b"), b.end()
    >>> _ = b.gateway("j", "parallelGateway")
    >>> b.chain("start", "x", "a", "j", "end"); b.chain("x", "b", "j")
    >>> [f.elements for f in gateway_mismatches(process_graph(b.process))]
    [['x', 'j']]
    """
    H = execution_graph(G) if H is None else H
    D = nx.restricted_view(H, [], back_edges(H))
    dominators = _Dominators(D, entry_nodes(G))
    findings, seen = [], set()
    for join, kind in G.nodes(data="kind"):
        wanted = {"parallelGateway": CHOICE_SPLITS, "exclusiveGateway": {"parallelGateway"}}.get(
            kind
        )
        if not wanted or D.in_degree(join) < 2:
            continue
        for a, b in islice(combinations(list(D.predecessors(join)), 2), MAX_JOIN_PAIRS):
            split = dominators.common(a, b)
            if split in G and G.nodes[split]["kind"] in wanted and (split, join) not in seen:
                seen.add((split, join))
                findings.append(_pair_finding(G, split, join))
    return findings
