"""Approval ladders and rework loops: where cases wait for signatures and come back.

Each function takes a :func:`~simulations.analysis.graph.process_graph` ``G`` and returns a list
of :class:`~simulations.analysis.finding.Finding`.
"""

from __future__ import annotations

import networkx as nx

from simulations.analysis.complexity import approval_chains, flow_position
from simulations.analysis.finding import Finding, label, labels
from simulations.analysis.graph import acyclic_flow, back_edges, is_step, step_graph

DECISION_SPLITS = frozenset({"exclusiveGateway", "inclusiveGateway", "eventBasedGateway"})


def stacked_approvals(G: nx.DiGraph, S: nx.DiGraph | None = None) -> list[Finding]:
    """Two or more approval steps in a row, held by different lanes.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.lane("kabid"), b.lane("kadis"), b.start(), b.end()
    >>> _ = b.task("a1", "Persetujuan Kabid", lane="kabid"), b.task("a2", "Tanda tangan Kadis", lane="kadis")
    >>> b.chain("start", "a1", "a2", "end")
    >>> [f.elements for f in stacked_approvals(process_graph(b.process))]
    [['a1', 'a2']]
    """
    S = step_graph(G) if S is None else S
    findings = []
    for chain in approval_chains(S, flow_position(G)):
        lanes = {G.nodes[n]["lane"] for n in chain} - {None}
        if len(chain) < 2 or len(lanes) < 2:
            continue
        findings.append(
            Finding(
                "stacked_approvals",
                chain,
                f"{len(chain)} approvals in a row: {labels(G, chain)}",
                f"A case waits in {len(lanes)} queues for {len(chain)} successive approvals. "
                "Each level adds a handoff and its own waiting time; one accountable "
                "signature (with the others consulted in parallel or dropped) is usually enough.",
                "warning",
                suggested_change={"op": "merge_tasks", "tasks": list(chain)},
            )
        )
    return findings


def _loop_body(D: nx.DiGraph, component: set, head, tail) -> set:
    """Nodes on a path from ``head`` to ``tail`` (within their strong component)."""
    C = D.subgraph(component)
    return (nx.descendants(C, head) & nx.ancestors(C, tail)) | {head, tail}


def _deciding_gateway(G: nx.DiGraph, body: set, tail):
    """The last choice in the loop that can also leave it (the one that sends cases back)."""
    candidates = [
        n
        for n in body
        if G.nodes[n]["kind"] in DECISION_SPLITS and any(s not in body for s in G.successors(n))
    ]
    if tail in candidates:
        return tail
    return max(candidates, key=lambda n: len(nx.ancestors(G.subgraph(body), n)), default=tail)


def rework_loops(G: nx.DiGraph, cut: set | None = None) -> list[Finding]:
    """Loops that send a case back to repeat steps: one finding per flow that loops back.

    The loop is named by its entry (where repeated work starts again) and the gateway
    that decides to go round once more.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.gateway("m"), b.task("check", "Periksa"), b.gateway("ok"), b.end()
    >>> b.chain("start", "m", "check", "ok", "end"); _ = b.flow("ok", "m", "not complete")
    >>> [f.elements for f in rework_loops(process_graph(b.process))]
    [['m', 'ok', 'check']]
    """
    cut = back_edges(G) if cut is None else cut
    D = acyclic_flow(G, cut)
    component_of = {n: c for c in nx.strongly_connected_components(G) for n in c}
    findings = []
    for tail, head in sorted(cut, key=str):
        body = _loop_body(D, component_of[head], head, tail)
        steps = sorted((n for n in body if is_step(G, n)), key=str)
        if not steps:
            continue
        gateway = _deciding_gateway(G, body, tail)
        human = any(G.nodes[n]["is_human"] for n in steps)
        findings.append(
            Finding(
                "rework_loop",
                [head, gateway] + [n for n in steps if n not in (head, gateway)],
                f"Rework loop: {label(G, gateway)} sends cases back to {label(G, head)}",
                f"At {label(G, gateway)} a case can go back to {label(G, head)} and repeat "
                f"{labels(G, steps)}. Every round trip repeats the work and the waiting; "
                "clear requirements, a completeness check at submission or fixing small "
                "defects on the spot make returns rarer.",
                "warning" if human else "info",
            )
        )
    return findings
