"""Call activities that call each other in a cycle: a case would nest without end.

A process that calls itself, directly or through others, validates in SpiffWorkflow
and then never stops starting sub-processes. Cycles among the processes of a file
are refused here; calls across deployed files are bounded at run time
(:data:`engine.workflow.repair.MAX_CALL_DEPTH`).
"""

from __future__ import annotations

import networkx as nx

from engine.bpmn.model import BpmnModel, Node


def call_cycles(model: BpmnModel) -> list[tuple[str, Node, str]]:
    """``(code, call activity, message)`` for each cycle of call activities."""
    graph = nx.MultiDiGraph()
    for process in model.processes.values():
        for node in process.nodes.values():
            if node.kind == "callActivity" and node.called_element in model.processes:
                graph.add_edge(process.id, node.called_element, node=node)
    findings = []
    for cycle in sorted(nx.simple_cycles(graph), key=lambda c: (len(c), c)):
        start = min(cycle)
        i = cycle.index(start)
        ordered = cycle[i:] + cycle[:i]
        first = ordered[1] if len(ordered) > 1 else ordered[0]
        node = next(d["node"] for _, _, d in graph.edges(start, data=True) if _edge_to(d, first))
        path = " -> ".join([*ordered, start])
        findings.append(
            (
                "call_cycle",
                node,
                f"Call activity {node.label!r} starts a cycle of calls ({path}): a case "
                "would start sub-processes without end; break the cycle, e.g. with a "
                "loop back inside one process",
            )
        )
    return findings


def _edge_to(data: dict, target: str) -> bool:
    return data["node"].called_element == target
