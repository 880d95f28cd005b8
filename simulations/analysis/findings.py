"""All findings about a procedure, from its structure and, when given, from simulation
and history figures.

:func:`find_issues` runs every detector of :mod:`simulations.analysis.redundancy`,
:mod:`simulations.analysis.approvals`, :mod:`simulations.analysis.knockouts`,
:mod:`simulations.analysis.bottlenecks` and :mod:`simulations.analysis.structure` on one graph.
"""

from __future__ import annotations

import networkx as nx

from engine.bpmn.model import BpmnModel, Process
from simulations.analysis.approvals import rework_loops, stacked_approvals
from simulations.analysis.bottlenecks import bottlenecks
from simulations.analysis.finding import KINDS, Finding
from simulations.analysis.graph import back_edges, execution_graph, process_graph, step_graph
from simulations.analysis.knockouts import knockout_order
from simulations.analysis.redundancy import (
    no_effect_steps,
    parallelizable_sequences,
    redundant_checks,
)
from simulations.analysis.structure import dead_ends, gateway_mismatches, unreachable_nodes

__all__ = ["Finding", "KINDS", "find_issues"]
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_TASK_FIGURES = {
    "duration": ("duration", "mean_duration", "mean_service_time", "service_time"),
    "rejection": ("rejection", "rejection_rate", "rejection_probability", "reject_share"),
}


def apply_task_figures(G: nx.DiGraph, kpis: dict | None) -> None:
    """Copy per-step ``duration`` and ``rejection`` from ``kpis["tasks"]`` onto ``G``."""
    for task, values in ((kpis or {}).get("tasks") or {}).items():
        if task not in G:
            continue
        for attribute, names in _TASK_FIGURES.items():
            found = next((values[k] for k in names if values.get(k) is not None), None)
            if found is not None:
                G.nodes[task][attribute] = float(found)


def _resolve(model_or_process, process_id: str | None) -> tuple[Process, BpmnModel | None]:
    if isinstance(model_or_process, BpmnModel):
        model = model_or_process
        return (model.processes[process_id] if process_id else model.main_process()), model
    return model_or_process, None


def find_issues(
    model_or_process: BpmnModel | Process,
    *,
    sim_kpis: dict | None = None,
    history_kpis: dict | None = None,
    process_id: str | None = None,
    G: nx.DiGraph | None = None,
) -> list[Finding]:
    """Find redundancies, ordering problems, bottlenecks and structural errors.

    Parameters
    ----------
    model_or_process : engine.bpmn.model.BpmnModel or engine.bpmn.model.Process
        A loaded file (its main process, or ``process_id``) or one process.
    sim_kpis, history_kpis : dict, optional
        Figures from a simulation run and from the engine's history:
        ``{"lanes": {lane: {"utilisation": u, "waiting_share": w, "staff": n}},
        "tasks": {task: {"duration": d, "rejection": p}}}``. Lane figures find
        bottlenecks; task figures order knock-out checks and estimate the effect of
        parallelising (history figures first, simulation figures override them).
    process_id : str, optional
        Which process of a model to analyse.
    G : networkx.DiGraph, optional
        The :func:`~simulations.analysis.graph.process_graph`, when already built (it is
        annotated in place with the task figures).

    Returns
    -------
    list of Finding
        Errors first, then warnings, then information; kinds are listed in
        :data:`simulations.analysis.finding.KINDS`.

    Examples
    --------
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.task("t", "Catat", fields=[form_field("notes")]), b.task("u"), b.end()
    >>> b.chain("start", "t", "u", "end")
    >>> [(f.kind, f.elements) for f in find_issues(b.model())]
    [('no_effect_step', ['t'])]
    """
    process, _ = _resolve(model_or_process, process_id)
    G = process_graph(process) if G is None else G
    apply_task_figures(G, history_kpis)
    apply_task_figures(G, sim_kpis)
    H = execution_graph(G)
    S = step_graph(G)
    findings = [
        *unreachable_nodes(G, H),
        *dead_ends(G, H),
        *gateway_mismatches(G, H),
        *redundant_checks(G, H),
        *no_effect_steps(G, H, S),
        *parallelizable_sequences(G),
        *stacked_approvals(G, S),
        *rework_loops(G, back_edges(G)),
        *knockout_order(G, H),
        *bottlenecks(G, lanes=process.lanes, sim_kpis=sim_kpis, history_kpis=history_kpis),
    ]
    return sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 3), KINDS.index(f.kind)))
