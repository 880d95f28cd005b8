"""Approval ladders and rework loops: where cases wait for signatures and come back.

Each function takes a :func:`~simulations.analysis.graph.process_graph` ``G`` and returns a
list of :class:`~simulations.analysis.finding.Finding`.
"""

from __future__ import annotations

import networkx as nx

from simulations.analysis.complexity import approval_chains, flow_position
from simulations.analysis.finding import Finding, label, labels
from simulations.analysis.graph import acyclic_flow, back_edges, is_step, step_graph
from simulations.analysis.lexicon import ITERATION_WORDS, REWORK_WORDS, WAIT_FLOW_WORDS, has_phrase
from simulations.analysis.steps import profiles
from simulations.analysis.texts import OFFICIALS, graph_names, told

DECISION_SPLITS = frozenset({"exclusiveGateway", "inclusiveGateway", "eventBasedGateway"})
OFFICIAL_NAMES = OFFICIALS["en"]


def _who(P: dict, n) -> str:
    p = P[n]
    official = OFFICIAL_NAMES.get(p.official, (p.official or "").replace("_", " "))
    lane = p.lane_name or p.lane
    if official and lane:
        return f"{official} ({lane})"
    return official or lane or "unknown"


def stacked_approvals(
    G: nx.DiGraph, S: nx.DiGraph | None = None, P: dict | None = None
) -> list[Finding]:
    """Two or more approvals in a row by different officials or roles.

    An approval is a step that approves, signs, initials or endorses (persetujuan, tanda
    tangan, paraf, TTE, pengesahan), a review by an official named in the step (Kasi,
    Kabid, Kadis, section or division head), or a step recording an "approved" decision;
    assessing, calculating, issuing and publishing are not. "In a row" allows gateways and
    events between. Officials are told apart by the title the step or its lane names, then
    by lane: three heads in one "Management" lane are a ladder, one head initialling then
    signing is not.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.lane("mgmt", "Management"), b.start(), b.end()
    >>> _ = b.task("a1", "Persetujuan Kabid", lane="mgmt"), b.task("a2", "Tanda tangan Kadis", lane="mgmt")
    >>> b.chain("start", "a1", "a2", "end")
    >>> [f.elements for f in stacked_approvals(process_graph(b.process))]
    [['a1', 'a2']]
    """
    S = step_graph(G) if S is None else S
    P = profiles(G) if P is None else P
    approvals = {n for n, p in P.items() if p.is_approval}
    findings = []
    for chain in approval_chains(S, flow_position(G), approvals):
        performers = {P[n].performer for n in chain}
        if len(chain) < 2 or len(performers) < 2:
            continue
        who = [_who(P, n) for n in chain]
        findings.append(
            told(
                "stacked_approvals",
                chain,
                graph_names(G),
                {"count": len(chain), "chain": list(chain), "officials": len(performers)}
                | {"who": [[P[n].official or "", P[n].lane or ""] for n in chain]},
                severity="warning",
                suggested_change={"op": "merge_tasks", "tasks": list(chain)},
                evidence=[
                    f"{label(G, n)} approves or signs: {w}" for n, w in zip(chain, who, strict=True)
                ],
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


def field_labels(G: nx.DiGraph) -> dict[str, str]:
    """Field id -> its label, over the whole procedure."""
    found: dict[str, str] = {}
    for _, data in G.nodes(data=True):
        for f in data.get("fields", ()):
            found.setdefault(f.id, f.label or f.id)
    return found


def _loop_texts(G: nx.DiGraph, gateway, tail, head, body: set, labels_of: dict) -> list[str]:
    """What the drawing says about going round: flow names, conditions, questions."""
    texts = [G.nodes[gateway]["name"]]
    edges = [(tail, head)] + [(gateway, s) for s in G.successors(gateway) if s in body]
    for u, v in edges:
        edge = G.edges[u, v]
        condition = edge.get("condition") or ""
        texts += [edge.get("name") or "", condition.replace("_", " ")]
        if condition:
            texts += [labels_of[x] for x in sorted(G.nodes[u]["reads"]) if x in labels_of]
    return [t for t in texts if t]


def loop_kind(
    G: nx.DiGraph, P: dict, body: set, steps: list, gateway, tail, head, labels_of=None
) -> str:
    """``rework``, ``waiting`` (for a payment or a reply) or ``iteration`` (over items)."""
    labels_of = field_labels(G) if labels_of is None else labels_of
    texts = _loop_texts(G, gateway, tail, head, body, labels_of)
    if any(has_phrase(t, REWORK_WORDS) for t in texts) or any(
        P[n].has("correct") for n in steps if n in P
    ):
        return "rework"
    if any(has_phrase(t, WAIT_FLOW_WORDS) for t in texts):
        return "waiting"
    waits = [n for n in body if G.nodes[n]["kind"] == "intermediateCatchEvent"]
    if steps and all(P[n].has("payment", "wait") for n in steps if n in P):
        return "waiting"
    if waits and len(steps) <= 1:
        return "waiting"
    if any(has_phrase(t, ITERATION_WORDS) for t in texts):
        return "iteration"
    return "rework"


def rework_loops(G: nx.DiGraph, cut: set | None = None, P: dict | None = None) -> list[Finding]:
    """Loops that send a case back to repeat work: one finding per flow that loops back.

    The loop is named by its entry (where repeated work starts again) and the gateway
    that decides to go round once more. Loops that repeat no work are left out: waiting
    for a payment or a reply (a timer or message in the loop, "not yet paid"), and going
    through a list of items ("another location?", "bidang lain?"), unless the drawing says
    the case goes back because something was wrong (revision, correction, return).

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
    P = profiles(G) if P is None else P
    D = acyclic_flow(G, cut)
    component_of = {n: c for c in nx.strongly_connected_components(G) for n in c}
    labels_of = field_labels(G)
    findings = []
    for tail, head in sorted(cut, key=str):
        body = _loop_body(D, component_of[head], head, tail)
        steps = sorted((n for n in body if is_step(G, n)), key=str)
        if not steps:
            continue
        gateway = _deciding_gateway(G, body, tail)
        kind = loop_kind(G, P, body, steps, gateway, tail, head, labels_of)
        if kind != "rework":
            continue
        human = any(G.nodes[n]["is_human"] for n in steps)
        findings.append(
            told(
                "rework_loop",
                [head, gateway] + [n for n in steps if n not in (head, gateway)],
                graph_names(G),
                {"gateway": gateway, "head": head, "steps": list(steps)},
                severity="warning" if human else "info",
                evidence=[
                    f"a flow goes back from {label(G, tail)} to {label(G, head)}",
                    f"{len(steps)} step(s) are done again: {labels(G, steps)}",
                    "nothing in the drawing says it only waits or goes through a list of items",
                ],
            )
        )
    return findings
