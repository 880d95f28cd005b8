"""Figures for the monitoring pages, from :mod:`engine.reporting.stats`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine import services
from engine.services import procedure_stats, waiting_by_task


def procedure_figures(session: Session, key: str, version: int | None = None) -> dict[str, Any]:
    return _flatten(procedure_stats(session, key, version=version))


def _flatten(stats: dict[str, Any]) -> dict[str, Any]:
    """The figures a page shows, from :func:`engine.reporting.stats.procedure_stats`."""
    sla, cycle = stats.get("sla") or {}, stats.get("cycle_time") or {}
    compliance = sla.get("compliance")
    return {
        "started": stats.get("started", 0),
        "finished": stats.get("finished", 0),
        "running": sum(stats.get(s, 0) for s in services.OPEN_STATUSES),
        "overdue": stats.get("overdue_open", 0),
        "sla_compliance": round(100 * compliance, 1) if compliance is not None else None,
        "avg_cycle_days": cycle.get("mean_working_days"),
        "p90_cycle_days": cycle.get("p90_working_days"),
    }


def waiting_figures(
    session: Session, key: str, version: int | None = None
) -> dict[str, dict[str, Any]]:
    return waiting_by_task(session, key, version)


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
