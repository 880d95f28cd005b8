"""Knock-out checks in a costly order: a cheap check that rejects often placed after an
expensive one.

A check's ``duration`` and ``rejection`` (probability of ending or returning the case)
come from node attributes of the :func:`~simulations.analysis.graph.process_graph`, filled from
the model's properties or from simulation results (see
:func:`simulations.analysis.findings.find_issues`). Putting checks in order of falling
``rejection / duration`` minimises the work spent on cases that will be rejected anyway
(van der Aalst's knock-out rule).
"""

from __future__ import annotations

import networkx as nx

from simulations.analysis.finding import Finding, label
from simulations.analysis.graph import FlowOrder, execution_graph, is_step
from simulations.analysis.texts import graph_names, told

MAX_CHECKS = 200  # checks with known parameters compared pairwise


def _checks(G: nx.DiGraph) -> list:
    return [
        n
        for n, data in G.nodes(data=True)
        if is_step(G, n) and data.get("duration") is not None and (data.get("rejection") or 0) > 0
    ][:MAX_CHECKS]


def _saving(early: dict, late: dict) -> float:
    """Expected work per case saved by doing ``late`` first (both done unless rejected)."""
    return late["rejection"] * early["duration"] - early["rejection"] * late["duration"]


def knockout_order(G: nx.DiGraph, H: nx.DiGraph | None = None) -> list[Finding]:
    """Pairs of checks where the later one is cheaper and rejects more often.

    The later check must not read what the earlier one records, so they can swap.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.end()
    >>> _ = b.task("site", "Survei lapangan", properties={"duration": "5", "rejection": "0.05"})
    >>> _ = b.task("docs", "Cek kelengkapan", properties={"duration": "0.5", "rejection": "0.3"})
    >>> b.chain("start", "site", "docs", "end")
    >>> [f.elements for f in knockout_order(process_graph(b.process))]
    [['docs', 'site']]
    """
    checks = _checks(G)
    if len(checks) < 2:
        return []
    H = execution_graph(G) if H is None else H
    order = FlowOrder(H)
    checks = order.sort(checks)
    findings = []
    for i, early in enumerate(checks):
        for late in checks[i + 1 :]:
            e, l_ = G.nodes[early], G.nodes[late]
            if not order.follows(early, late) or l_["reads_data"] & e["writes_data"]:
                continue
            if l_["duration"] >= e["duration"] or l_["rejection"] <= e["rejection"]:
                continue
            saving = _saving(e, l_)
            findings.append(
                told(
                    "knockout_order",
                    [late, early],
                    graph_names(G),
                    {"late": late, "early": early}
                    | {"late_seconds": l_["duration"], "late_rejection": l_["rejection"]}
                    | {"early_seconds": e["duration"], "early_rejection": e["rejection"]},
                    severity="warning",
                    effect={"expected_work_saved_per_case": round(saving, 4)},
                    evidence=[
                        f"{label(G, late)}: duration {l_['duration']:g}, rejects {l_['rejection']:.0%}",
                        f"{label(G, early)}: duration {e['duration']:g}, rejects {e['rejection']:.0%}",
                        f"{label(G, late)} reads nothing {label(G, early)} records",
                    ],
                )
            )
    return findings
