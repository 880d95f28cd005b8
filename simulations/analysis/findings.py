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
from simulations.analysis.data_links import read_data_links
from simulations.analysis.finding import KINDS, Finding
from simulations.analysis.graph import back_edges, execution_graph, process_graph, step_graph
from simulations.analysis.history import History, history_findings
from simulations.analysis.knockouts import knockout_order
from simulations.analysis.redundancy import (
    no_effect_steps,
    parallelizable_sequences,
    redundant_checks,
)
from simulations.analysis.steps import profiles
from simulations.analysis.structure import dead_ends, gateway_mismatches, unreachable_nodes
from simulations.analysis.suggestions import check_suggestions

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


def message_nodes(model: BpmnModel | None, process: Process) -> set:
    """Nodes of ``process`` that send or receive a message flow (they act outside it)."""
    if model is None:
        return set()
    return {
        end
        for flow in model.message_flows
        for end in (flow.source, flow.target)
        if end in process.nodes
    }


def find_issues(
    model_or_process: BpmnModel | Process,
    *,
    sim_kpis: dict | None = None,
    history_kpis: dict | None = None,
    process_id: str | None = None,
    G: nx.DiGraph | None = None,
    xml: bytes | str | None = None,
    check: bool = True,
    P: dict | None = None,
    history: History | None = None,
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
    xml : bytes, optional
        The BPMN file itself: documents drawn as data objects and their associations,
        which the loaded model does not keep, then count as data the steps read and write.
    check : bool
        Try every suggested change on a copy and withdraw those that break the procedure
        (:func:`simulations.analysis.suggestions.check_suggestions`).
    P : dict, optional
        The step :func:`~simulations.analysis.steps.profiles` of ``G``, when already read.
    history : History, optional
        What the cases of this procedure did (:func:`simulations.analysis.history.
        history_from_audit`): adds the findings of :func:`~simulations.analysis.history.
        history_findings` (checks that never reject, approvals never refused, checks that
        always agree, the costliest rework loops).

    Returns
    -------
    list of Finding
        Errors first, then warnings, then information; kinds are listed in
        :data:`simulations.analysis.finding.KINDS`.

    Examples
    --------
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.task("r", "Registrasi", fields=[form_field("nomor")])
    >>> _ = b.task("t", "Catat di spreadsheet", fields=[form_field("notes")]), b.task("u"), b.end()
    >>> b.chain("start", "r", "t", "u", "end")
    >>> [(f.kind, f.elements) for f in find_issues(b.model())]
    [('no_effect_step', ['t'])]
    """
    process, model = _resolve(model_or_process, process_id)
    if G is None:
        G = process_graph(
            process,
            data_links=read_data_links(xml) if xml else None,
            message_nodes=message_nodes(model, process),
        )
    apply_task_figures(G, history_kpis)
    apply_task_figures(G, sim_kpis)
    H = execution_graph(G)
    S = step_graph(G)
    P = profiles(G) if P is None else P
    findings = [
        *unreachable_nodes(G, H),
        *dead_ends(G, H),
        *gateway_mismatches(G, H),
        *redundant_checks(G, H, P),
        *no_effect_steps(G, H, S, P),
        *parallelizable_sequences(G, P),
        *stacked_approvals(G, S, P),
        *rework_loops(G, back_edges(G), P),
        *knockout_order(G, H),
        *bottlenecks(G, lanes=process.lanes, sim_kpis=sim_kpis, history_kpis=history_kpis),
        *(history_findings(G, history, P=P) if history is not None else []),
    ]
    if check:
        if model is None:
            model = BpmnModel(source=process.id, sha256="", processes={process.id: process})
        check_suggestions(model, process, findings)
    return sorted(findings, key=lambda f: (_SEVERITY_RANK.get(f.severity, 3), KINDS.index(f.kind)))
