"""Figures for the monitoring pages: :mod:`engine.stats` when installed, else a simple count.

The fallback reads the engine's rows (cases and open tasks) and computes started and
finished cases, SLA compliance, cycle time and the waiting per task right now.
"""

from __future__ import annotations

from statistics import mean
from typing import Any

from sqlalchemy.orm import Session

from engine import clock
from engine.services import all_open_tasks, list_cases

_HOUR = 3600.0


def procedure_figures(session: Session, key: str, version: int | None = None) -> dict[str, Any]:
    try:
        from engine.stats import procedure_stats
    except ImportError:
        return _fallback_stats(session, key, version)
    return _flatten(procedure_stats(session, key, version=version))


def _flatten(stats: dict[str, Any]) -> dict[str, Any]:
    """The figures a page shows, from :func:`engine.stats.procedure_stats`."""
    sla, cycle = stats.get("sla") or {}, stats.get("cycle_time") or {}
    compliance = sla.get("compliance")
    return {
        "started": stats.get("started", 0),
        "finished": stats.get("finished", 0),
        "running": stats.get("running", 0) + stats.get("returned", 0),
        "overdue": stats.get("overdue_open", 0),
        "sla_compliance": round(100 * compliance, 1) if compliance is not None else None,
        "avg_cycle_days": cycle.get("mean_working_days"),
        "p90_cycle_days": cycle.get("p90_working_days"),
    }


def waiting_figures(session: Session, key: str, version: int | None = None) -> dict[str, dict[str, Any]]:
    try:
        from engine.stats import waiting_by_task
    except ImportError:
        return _fallback_waiting(session, key, version)
    return waiting_by_task(session, key, version)


def _cases(session: Session, key: str, version: int | None):
    cases = list_cases(session, key=key, limit=100_000)
    return [c for c in cases if version is None or c.definition.version == version]


def _fallback_stats(session: Session, key: str, version: int | None) -> dict[str, Any]:
    cases = _cases(session, key, version)
    finished = [c for c in cases if c.status == "completed" and c.completed_at]
    with_due = [c for c in finished if c.due_at is not None]
    on_time = [c for c in with_due if c.completed_at <= c.due_at]
    now = clock.now()
    return {
        "started": len(cases),
        "finished": len(finished),
        "running": sum(1 for c in cases if c.status in ("running", "returned")),
        "overdue": sum(1 for c in cases if c.status == "running" and c.due_at and c.due_at < now),
        "sla_compliance": round(100 * len(on_time) / len(with_due), 1) if with_due else None,
        "avg_cycle_days": round(mean((c.completed_at - c.started_at).total_seconds() / 86400 for c in finished), 1) if finished else None,
        "p90_cycle_days": None,
    }


def _fallback_waiting(session: Session, key: str, version: int | None) -> dict[str, dict[str, Any]]:
    now = clock.now()
    waits: dict[str, dict[str, Any]] = {}
    for task in all_open_tasks(session, key=key):
        if version is not None and task.case.definition.version != version:
            continue
        entry = waits.setdefault(task.element_id, {"name": task.name, "waiting": 0, "hours": []})
        entry["waiting"] += 1
        entry["hours"].append((now - task.created_at).total_seconds() / _HOUR)
    return {
        element_id: {"name": e["name"], "waiting": e["waiting"],
                     "avg_wait_hours": round(mean(e["hours"]), 1), "avg_duration_hours": None}  # fmt: skip
        for element_id, e in waits.items()
    }


def heat(waiting: dict[str, dict[str, Any]]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Markers (heat-1..heat-4 by share of the busiest task) and overlay badges."""
    busiest = max((w.get("waiting") or 0 for w in waiting.values()), default=0)
    markers, overlays = {}, []
    for element_id, w in waiting.items():
        count = w.get("waiting") or 0
        if not count:
            continue
        markers[element_id] = f"heat-{min(4, 1 + int(3 * count / busiest))}"
        hours = w.get("avg_wait_hours")
        text = f"{count}" + (f" · {hours / 24:.1f}d" if hours is not None else "")
        overlays.append({"id": element_id, "text": text, "class": "heat-badge"})
    return markers, overlays
