"""What the reformers' pages say, in the reader's language and with names, not ids: the
findings (worded by :func:`simulations.analysis.texts.render`), their kinds, the
scenario changes, the figures of a comparison and its charts."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.services import BpmnModel, ProcessDefinition, labels_for
from simulations.analysis.finding import finding_key
from simulations.analysis.texts import duration_text, elapsed_text, render
from simulations.des.results import is_time
from simulations.progress import progress_text
from simulations.scenarios.report import bar_chart, legend
from simulations.scenarios.texts import refusal

KINDS = {
    "redundant_check": _l("duplicate check"),
    "no_effect_step": _l("step without effect"),
    "parallelizable": _l("could run in parallel"),
    "stacked_approvals": _l("approvals in a row"),
    "rework_loop": _l("rework loop"),
    "knockout_order": _l("check order"),
    "bottleneck": _l("bottleneck"),
    "rarely_rejecting_check": _l("check that rarely rejects"),
    "never_refused_approval": _l("approval never refused"),
    "agreeing_checks": _l("checks that always agree"),
    "costly_rework": _l("costly rework"),
    "unreachable": _l("unreachable"),
    "dead_end": _l("dead end"),
    "deadlock_gateway_pair": _l("gateways that do not match"),
}
OPS = {  # the operations of simulations.scenarios.changes, as the change form lists them
    "remove_task": _l("Remove a step"),
    "merge_tasks": _l("Merge steps into one"),
    "parallelize": _l("Run steps at the same time"),
    "move_task": _l("Move a step to another lane"),
    "staff": _l("Set the number of clerks in a lane"),
    "duration": _l("Change how long a step takes"),
    "probability": _l("Change how often a branch is taken"),
    "arrival_rate": _l("Change how many applications arrive"),
}
KPIS = {
    "cycle_time.mean": _l("Cycle time, mean"),
    "cycle_time.p50": _l("Cycle time, half of the cases within"),
    "cycle_time.p90": _l("Cycle time, 9 in 10 cases within"),
    "cycle_time.p95": _l("Cycle time, 19 in 20 cases within"),
    "sla.compliance": _l("On time (service standard)"),
    "throughput.per_day": _l("Cases finished per day"),
    "cost.per_case": _l("Staff cost per case"),
    "cases.finished": _l("Cases finished"),
    "cases.unfinished": _l("Cases not finished"),
}
CYCLE = {  # the bars of the cycle time chart
    "cycle_time.mean": _l("mean"),
    "cycle_time.p50": _l("half of the cases"),
    "cycle_time.p90": _l("9 in 10 cases"),
    "cycle_time.p95": _l("19 in 20 cases"),
}
FIGURES = {  # the last part of a per-task or per-lane figure
    "waiting": _l("waiting"),
    "processing": _l("working"),
    "mean": _l("time in the step"),
    "utilisation": _l("busy"),
    "queue_length": _l("queue length"),
    "count": _l("times done"),
}


def language() -> str:
    return str(get_locale() or "id")


def refused(error: Exception, names: dict[str, str]) -> str:
    """A refused scenario change in the reader's language, steps by their names."""
    return refusal(error, language(), names)


def progress(message: str | None, names: dict[str, str]) -> str:
    """What a running job is doing, in the reader's language ("" before it starts)."""
    return progress_text(message, language(), names)


def names_of(model: BpmnModel, definition: ProcessDefinition) -> dict[str, str]:
    """Element and lane id -> the name a reformer knows it by, in the reader's language
    when the BPMN carries it (``pf:label``), else as drawn (the id only when unnamed)."""
    process = model.main_process()
    labels, shown = labels_for(definition), language()
    names = {
        n.id: labels.name(n.id, shown, n.name or _unnamed(n.kind)) for n in process.nodes.values()
    }
    names |= {
        lane.id: labels.name(lane.id, shown, lane.name or str(_l("a lane without a name")))
        for lane in process.lanes.values()
    }
    for flow in process.flows.values():
        target = names.get(flow.target, "?") if flow.target in process.nodes else "?"
        fallback = f"{names.get(flow.source, '?')} → {target}"
        names[flow.id] = labels.name(flow.id, shown, flow.name or fallback)
    return names


def _unnamed(kind: str) -> str:
    """What a reformer calls an element drawn without a name (rather than its id)."""
    if kind.endswith("Gateway"):
        return str(_l("a gateway without a name"))
    if kind.endswith("Event"):
        return str(_l("an event without a name"))
    return str(_l("a step without a name"))


def finding_view(finding: dict, names: dict[str, str]) -> dict[str, Any]:
    """A finding as the page shows it: its words in the reader's language, its key."""
    words = render(finding.get("message", ""), finding.get("params") or {}, names.get, language())
    title, explanation = words or (finding["title"], finding["explanation"])
    change = finding.get("suggested_change")
    return {
        **finding,
        "key": finding_key(finding["kind"], finding["elements"]),
        "kind_text": KINDS.get(finding["kind"], finding["kind"]),
        "title": title,
        "explanation": explanation,
        "change_text": describe_change(change, names) if change else "",
        "cycle_change_text": _signed_percent((finding.get("effect") or {}).get(CYCLE_CHANGE)),
    }


CYCLE_CHANGE = "cycle_time_mean_change"  # simulations.jobs.quick_analysis's effect


def _signed_percent(share: float | None) -> str:
    if share is None:
        return ""
    text = f"{100 * share:+.1f} %"
    return text.replace(".", ",") if language() == "id" else text


def _quoted(names: dict[str, str], element: Any) -> str:
    return f"“{names.get(str(element), element)}”"


def describe_change(change: dict, names: dict[str, str]) -> str:
    """One scenario change in words: ``Remove the step “Register application”``."""
    op = change.get("op")
    tasks = ", ".join(_quoted(names, t) for t in change.get("tasks") or [])
    task, lane = _quoted(names, change.get("task")), _quoted(names, change.get("lane"))
    if op == "remove_task":
        return _("Remove the step %(task)s", task=task)
    if op == "merge_tasks":
        return _("Merge %(tasks)s into one step", tasks=tasks)
    if op == "parallelize":
        return _("Run %(tasks)s at the same time", tasks=tasks)
    if op == "move_task":
        return _("Move %(task)s to the lane %(lane)s", task=task, lane=lane)
    if op == "staff":
        return _("%(count)s clerks in %(lane)s", count=change.get("count"), lane=lane)
    if op == "duration" and "factor" in change:
        return _("%(task)s takes %(factor)s× as long", task=task, factor=change["factor"])
    if op == "duration":
        mean = (change.get("distribution") or {}).get("mean")
        return _("%(task)s takes %(minutes)s minutes on average", task=task, minutes=mean)
    if op == "probability":
        return _(
            "%(flow)s taken in %(share)s of the cases",
            flow=_quoted(names, change.get("flow")),
            share=f"{100 * float(change.get('p') or 0):.0f}%",
        )
    if op == "arrival_rate" and "rate_per_day" in change:
        return _("%(rate)s applications a day", rate=change["rate_per_day"])
    if op == "arrival_rate" and "factor" in change:
        return _("%(factor)s× as many applications", factor=change["factor"])
    return _("A change of the procedure")


def _bare(label: str) -> str:
    return label.split(" · ")[0].strip("“”")


def figure_label(kpi: str, names: dict[str, str]) -> str:
    """``task.verify.waiting`` -> ``“Verify documents” · waiting``."""
    if kpi in KPIS:
        return str(KPIS[kpi])
    kind, _sep, rest = kpi.partition(".")
    element, _sep, figure = rest.rpartition(".")
    if element:
        return f"{_quoted(names, element)} · {FIGURES.get(figure, figure.replace('_', ' '))}"
    return kpi.replace("_", " ").replace(".", " · ")


def figure_text(kpi: str, value: float | None) -> str:
    """A figure in the reader's language: durations in hours or working days, shares in
    percent, money in Rupiah."""
    if value is None:
        return "–"
    if kpi.endswith(".processing"):  # working time
        return duration_text(value, language())
    if is_time(kpi):  # elapsed: cycle times and waits
        return elapsed_text(value, language())
    if kpi.endswith((".utilisation", ".compliance")):
        text = f"{value * 100:.1f}%"
    elif kpi.startswith("cost."):
        return "Rp " + f"{value:,.0f}".replace(",", ".")
    else:
        text = f"{value:.4g}"
    return text.translate(str.maketrans(".,", ",.")) if language() == "id" else text


def charts(comparison: dict, names: dict[str, str]) -> list[str]:
    """The comparison's bar charts (today against the scenario) with names and words."""
    rows = {r["kpi"]: r for r in comparison.get("kpis", [])}
    groups = [
        (_("Cycle time (hours)"), [k for k in CYCLE if k in rows]),
        (
            _("Waiting time per step (hours)"),
            sorted(k for k in rows if k.startswith("task.") and k.endswith(".waiting")),
        ),
        (
            _("Busy share per lane (%)"),
            sorted(k for k in rows if k.startswith("lane.") and k.endswith(".utilisation")),
        ),
    ]
    series_names = (_("Today"), comparison.get("scenario") or _("Scenario"))
    hours = " jam" if language() == "id" else " h"
    svgs = [legend(list(series_names))]
    for title, keys in groups:
        if not keys:
            continue
        scale = 100 if keys[0].endswith(".utilisation") else 1 / 3600
        labels = [str(CYCLE[k]) if k in CYCLE else _bare(figure_label(k, names)) for k in keys]
        series = [
            (name, [{"mean": (rows[k].get(side) or 0) * scale} for k in keys])
            for name, side in zip(series_names, ("baseline", "scenario"), strict=True)
        ]
        unit, mark = ("%" if scale == 100 else hours), ("," if language() == "id" else ".")
        svgs.append(bar_chart(title, labels, series, unit, mark))
    return svgs
