"""The analysis of one procedure: its complexity figures and its findings.

:func:`analyze` is what ``permitflow analyze FILE|KEY [--json]`` prints, as text
(:meth:`AnalysisReport.to_text`) or JSON (:meth:`AnalysisReport.as_dict`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from engine.bpmn.model import BpmnModel
from simulations.analysis.complexity import complexity
from simulations.analysis.data_links import read_data_links
from simulations.analysis.finding import Finding
from simulations.analysis.findings import find_issues, message_nodes
from simulations.analysis.graph import process_graph
from simulations.analysis.history import History
from simulations.analysis.steps import profiles

METRIC_LABELS = {
    "steps": "Steps",
    "human_steps": "Steps done by people",
    "lanes": "Lanes",
    "lane_handoffs": "Handoffs between lanes",
    "pool_handoffs": "Handoffs between agencies (pools)",
    "max_approval_chain": "Approvals in a row (most)",
    "documents_required": "Documents required",
    "citizen_touchpoints": "Contacts with the applicant",
    "shortest_path_steps": "Steps on the shortest path",
    "longest_path_steps": "Steps on the longest path",
    "cyclomatic_complexity": "Cyclomatic complexity",
    "gateways": "Gateways",
    "loops": "Loops",
}


@dataclass
class AnalysisReport:
    """Complexity figures and findings of one process."""

    process_id: str
    name: str
    complexity: dict
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready: plain dicts, lists, strings and numbers."""
        return {
            "process_id": self.process_id,
            "name": self.name,
            "complexity": dict(self.complexity),
            "findings": [f.as_dict() for f in self.findings],
        }

    def to_text(self) -> str:
        """A plain-text report: the figures as a table, then the numbered findings."""
        lines = [f"Analysis of {self.name} ({self.process_id})", ""]
        width = max(len(text) for text in METRIC_LABELS.values())
        for key, text in METRIC_LABELS.items():
            value = self.complexity.get(key)
            lines.append(f"  {text:<{width}}  {'-' if value is None else value}")
        lines += ["", f"Findings: {len(self.findings) or 'none'}"]
        for number, finding in enumerate(self.findings, 1):
            lines += ["", f"{number}. [{finding.severity}] {finding.title}"]
            lines += textwrap.wrap(
                finding.explanation, 88, initial_indent="   ", subsequent_indent="   "
            )
            if finding.effect:
                effect = ", ".join(f"{k}: {v}" for k, v in finding.effect.items())
                lines.append(f"   Estimated effect: {effect}")
            if finding.suggested_change:
                lines.append(f"   Suggested change: {finding.suggested_change}")
        return "\n".join(lines) + "\n"


def analyze(
    model: BpmnModel,
    *,
    process_id: str | None = None,
    sim_kpis: dict | None = None,
    history_kpis: dict | None = None,
    xml: bytes | str | None = None,
    history: History | None = None,
) -> AnalysisReport:
    """Measure a procedure and list what could be simplified or is broken.

    Parameters
    ----------
    model : engine.bpmn.model.BpmnModel
        A loaded BPMN file.
    process_id : str, optional
        The process to analyse; by default the model's main process.
    sim_kpis, history_kpis : dict, optional
        Lane and task figures from a simulation and from the engine's history (see
        :func:`simulations.analysis.findings.find_issues`).
    xml : bytes, optional
        The BPMN file the model was loaded from. Pass it when you have it: documents
        drawn as data objects (Signavio, bpmn.io) are only known from the file.
    history : History, optional
        What the procedure's cases did (:func:`simulations.analysis.history.
        history_from_audit`): findings from history are listed with the structural ones.

    Returns
    -------
    AnalysisReport

    Examples
    --------
    >>> from engine.bpmn.builder import ProcessBuilder
    >>> b = ProcessBuilder("izin", "Izin Reklame")
    >>> _ = b.start(), b.task("t", "Verifikasi"), b.end(); b.chain("start", "t", "end")
    >>> report = analyze(b.model())
    >>> report.complexity["steps"], report.findings
    (1, [])
    >>> print(report.to_text().splitlines()[0])
    Analysis of Izin Reklame (izin)
    """
    process = model.processes[process_id] if process_id else model.main_process()
    G = process_graph(
        process,
        data_links=read_data_links(xml) if xml else None,
        message_nodes=message_nodes(model, process),
    )
    P = profiles(G)
    approvals = {n for n, p in P.items() if p.is_approval}
    return AnalysisReport(
        process_id=process.id,
        name=process.label,
        complexity=complexity(process, G, model=model, approvals=approvals),
        findings=find_issues(
            model,
            process_id=process.id,
            sim_kpis=sim_kpis,
            history_kpis=history_kpis,
            G=G,
            P=P,
            history=history,
        ),
    )
