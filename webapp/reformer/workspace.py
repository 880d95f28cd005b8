"""What the reformers' pages need besides the views: the scenario being edited, the
real-history figures for the analysis, the change form, and heatmap markers.

A reformer's scenario (parameters YAML, name, changes) is kept per user and procedure
version in the database (:mod:`engine.office.drafts`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from engine import services
from engine.services import BpmnModel
from simulations.analysis.texts import elapsed_text
from simulations.params.parameters import SimParams, params_to_dict
from simulations.scenarios.changes import ScenarioError
from webapp.database import commit, get_session
from webapp.reformer import words

PARAMS_DIR = Path(__file__).resolve().parents[2] / "processes" / "simulation"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")

METRICS = {  # simulations.analysis.procedure.METRIC_LABELS, for the page (translated)
    "steps": _l("Steps"),
    "human_steps": _l("Steps done by people"),
    "lanes": _l("Lanes"),
    "lane_handoffs": _l("Handoffs between lanes"),
    "pool_handoffs": _l("Handoffs between agencies (pools)"),
    "max_approval_chain": _l("Approvals in a row (most)"),
    "documents_required": _l("Documents required"),
    "citizen_touchpoints": _l("Contacts with the applicant"),
    "shortest_path_steps": _l("Steps on the shortest path"),
    "longest_path_steps": _l("Steps on the longest path"),
    "cyclomatic_complexity": _l("Cyclomatic complexity"),
    "gateways": _l("Gateways"),
    "loops": _l("Loops"),
}

# which form fields each operation of simulations.scenarios.changes takes
OP_FIELDS = {
    "remove_task": ("task",),
    "merge_tasks": ("tasks",),
    "parallelize": ("tasks",),
    "move_task": ("task", "lane"),
    "staff": ("lane", "count"),
    "duration": ("task", "minutes", "factor"),
    "probability": ("flow", "p"),
    "arrival_rate": ("rate_per_day", "factor"),
}


@dataclass
class Workspace:
    """The scenario a reformer is editing for one procedure version."""

    name: str
    params_yaml: str
    changes: list[dict] = field(default_factory=list)


def default_params_yaml(key: str) -> str:
    """``processes/simulation/<key>.yaml`` when it exists, else the documented defaults."""
    folder = Path(current_app.config.get("SIMULATION_PARAMS_DIR") or PARAMS_DIR)
    path = folder / f"{_SAFE.sub('_', key)}.yaml"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return "# defaults: see docs/simulation-parameters.md\n" + yaml.safe_dump(
        params_to_dict(SimParams()), sort_keys=False
    )


def load_workspace(username: str, key: str, version: int) -> Workspace:
    saved = services.drafts.load_workspace(get_session(), username, key, version)
    if saved is not None:
        return Workspace(**saved)
    name = services.get_definition(get_session(), key, version).name or key
    return Workspace(str(_l("%(name)s, simplified", name=name))[:120], default_params_yaml(key))


def save_workspace(username: str, key: str, version: int, workspace: Workspace) -> None:
    services.drafts.save_workspace(get_session(), username, key, version, **asdict(workspace))
    commit()


def changes_yaml(changes: list[dict]) -> str:
    return yaml.safe_dump(changes, sort_keys=False, default_flow_style=None) if changes else ""


def history_kpis(session: Session, key: str) -> dict[str, Any] | None:
    """Lane and task figures from the engine's real history, or None without finished work.

    Lanes: waiting vs working time of completed tasks and the clerks' busy share
    (:func:`engine.reporting.lane_history.lane_history`). Tasks: mean ready-to-completed seconds.
    """
    from engine.services import lane_history, waiting_by_task

    lanes = lane_history(session, key)
    if not lanes:
        return None
    waiting = waiting_by_task(session, key)
    tasks = {
        element: {"duration": w["avg_duration_hours"] * 3600}
        for element, w in waiting.items()
        if w.get("avg_duration_hours") is not None
    }
    return {"tasks": tasks, "lanes": lanes}


def model_choices(model: BpmnModel, names: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Tasks, lanes and gateway branches of the main process by name, for the change form."""
    process = model.main_process()
    tasks = [(n.id, names.get(n.id, n.label)) for n in process.nodes.values() if n.is_activity]
    lanes = [(lane.id, names.get(lane.id, lane.id)) for lane in process.lanes.values()]
    flows = []
    for flow in process.flows.values():
        source = process.nodes.get(flow.source)
        if source is not None and source.kind == "exclusiveGateway" and len(source.outgoing) > 1:
            choice, target = names.get(source.id, "?"), names.get(flow.target, "?")
            flows.append((flow.id, f"{choice} → {flow.name or target}"))
    return {"tasks": tasks, "lanes": lanes, "flows": flows}


def _number(form, name: str, kind: type) -> int | float | None:
    text = (form.get(name) or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ScenarioError(f"{name}: expected {expected}, got {text!r}", "number") from None


def change_from_form(form) -> dict[str, Any]:
    """One change from the small form: the chosen ``op`` and only the fields it takes."""
    op = form.get("op", "")
    if op not in OP_FIELDS:
        raise ScenarioError(f"op: choose one of {', '.join(OP_FIELDS)}", "unknown_op")
    change: dict[str, Any] = {"op": op}
    for name in OP_FIELDS[op]:
        if name == "tasks":
            value: Any = [t for t in form.getlist("tasks") if t]
        elif name in ("count",):
            value = _number(form, name, int)
        elif name in ("p", "factor", "rate_per_day", "minutes"):
            value = _number(form, name, float)
        else:
            value = (form.get(name) or "").strip() or None
        if value in (None, []):
            continue
        if name == "minutes":  # a new mean duration: exponential, as the parameters' default
            change["distribution"] = {"type": "exponential", "mean": value, "unit": "minutes"}
        elif not (name == "factor" and "distribution" in change):
            change[name] = value
    return change


def finding_markers(findings: list[dict], model: BpmnModel) -> dict[str, str]:
    """Diagram markers for the findings' elements, the most severe last (it wins).

    Lanes are left unmarked (a coloured lane hides its tasks); clicking a finding
    still outlines them."""
    classes = {"error": "problem-error", "warning": "problem-warning", "info": "finding-info"}
    lanes = set(model.main_process().lanes)
    markers: dict[str, str] = {}
    for finding in sorted(
        findings, key=lambda f: ("info", "warning", "error").index(f["severity"])
    ):
        for element in finding["elements"]:
            if element not in lanes:
                markers[element] = classes.get(finding["severity"], "finding-info")
    return markers


def heat(heatmap: dict[str, dict]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Markers (heat-1..heat-4 by waiting, relative to the longest) and overlay badges:
    hours waiting per task, utilisation per lane."""
    tasks, lanes = heatmap.get("tasks", {}), heatmap.get("lanes", {})
    longest = max((t.get("waiting_hours") or 0 for t in tasks.values()), default=0)
    markers, overlays = {}, []
    for element, t in tasks.items():
        hours = t.get("waiting_hours") or 0
        if longest and hours >= 0.05:
            markers[element] = f"heat-{min(4, 1 + int(3 * hours / longest))}"
            text = elapsed_text(hours * 3600, words.language())
            overlays.append({"id": element, "text": f"⏳ {text}", "class": "heat-badge"})
    for lane, values in lanes.items():
        if values.get("utilisation") is not None:
            busy = values["utilisation"]
            overlays.append(
                {
                    "id": lane,
                    "text": f"{busy:.0%}",
                    "class": "lane-badge" + (" busy" if busy >= 0.85 else ""),
                }
            )
    return markers, overlays


HEADLINE_KPIS = (
    "cycle_time.mean",
    "cycle_time.p90",
    "sla.compliance",
    "throughput.per_day",
    "cost.per_case",
    "cases.finished",
)


def kpi_rows(comparison: dict, names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """The comparison's rows as the page shows them: the headline KPIs, then the rest,
    named by step and lane names (:func:`webapp.reformer.words.names_of`), durations in
    hours or working days."""
    rows = []
    for r in comparison.get("kpis", []):
        change = f"{r['relative']:+.1%}" if r.get("relative") is not None else "–"
        rows.append(
            {
                **r,
                "label": words.figure_label(r["kpi"], names),
                "baseline_text": words.figure_text(r["kpi"], r["baseline"]),
                "scenario_text": words.figure_text(r["kpi"], r["scenario"]),
                "change_text": change.replace(".", ",") if words.language() == "id" else change,
            }
        )
    headline = [r for k in HEADLINE_KPIS for r in rows if r["kpi"] == k]
    return headline, [r for r in rows if r["kpi"] not in HEADLINE_KPIS]
