"""A pilot's simulated prediction beside what it observed, and refitting from its history.

When a pilot's version comes from a reformer's scenario (a ``simulation_compare`` job of
:mod:`simulations.jobs`), the pilot keeps the scenario's predicted KPIs
(:func:`prediction_from_job`) and its staff costs (:func:`staff_costs`). Its page then
shows, per KPI both sides have, the predicted change (scenario against baseline) beside
the observed change (pilot arm against control arm) and the prediction error in
percentage points (:func:`predicted_vs_observed`). Changes are compared rather than
values because the simulation measures time in its own clock (seconds of simulated
office hours) and the engine in working days of the office calendar.

:func:`refit` fits simulation parameters from the pilot arm's real history
(:func:`simulations.params.calibrate.calibrate`), with the arrival rate of *all* the
applications that came in during the pilot, not only the pilot's share.
"""

from __future__ import annotations

import statistics
from typing import Any

from engine.bpmn.model import BpmnModel
from simulations.params.calibrate import calibrate
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import SimParams

PREDICTED = ("cycle_time.mean", "cycle_time.p50", "cycle_time.p90", "sla.compliance")
PREDICTED_EXTRA = ("cost.per_case",)


def _kept(kpi: str) -> bool:
    return (
        kpi in PREDICTED
        or kpi in PREDICTED_EXTRA
        or (kpi.startswith("task.") and kpi.endswith(".waiting"))
    )


def prediction_from_job(job_id: int, params: dict, result: dict) -> dict[str, Any]:
    """The prediction a pilot keeps from a finished scenario comparison job.

    Examples
    --------
    >>> result = {"comparison": {"kpis": [{"kpi": "cycle_time.mean", "baseline": 100.0,
    ...     "scenario": 70.0, "relative": -0.3, "significant": True}]}, "run": {}}
    >>> prediction_from_job(7, {"name": "faster", "version": 1}, result)["kpis"]
    {'cycle_time.mean': {'baseline': 100.0, 'scenario': 70.0, 'relative': -0.3, 'significant': True}}
    """
    kpis = {
        row["kpi"]: {k: row.get(k) for k in ("baseline", "scenario", "relative", "significant")}
        for row in (result.get("comparison") or {}).get("kpis", [])
        if _kept(row["kpi"])
    }
    return {
        "job": job_id,
        "name": str(params.get("name") or "scenario")[:120],
        "based_on_version": params.get("version"),
        "changes": list(params.get("changes") or []),
        "run": result.get("run") or {},
        "kpis": kpis,
    }


def staff_costs(params: SimParams, model: BpmnModel) -> dict[str, float]:
    """Lane id -> cost per hour, for the lanes whose parameters set one."""
    process = model.processes.get(params.process or "") or model.main_process()
    costs = {lane: params.lane(lane).cost_per_hour for lane in process.lanes}
    return {lane: cost for lane, cost in costs.items() if cost}


def predicted_vs_observed(prediction: dict | None, observed: dict) -> list[dict[str, Any]]:
    """Per KPI both have: predicted and observed change and the error (observed - predicted).

    ``observed`` is :meth:`engine.reporting.pilot_comparison.PilotComparison.as_dict`.
    Changes are relative (-0.3: 30% less); the error is in the same unit, so -0.05 means
    the pilot did five percentage points better than predicted.

    Examples
    --------
    >>> prediction = {"kpis": {"cycle_time.mean": {"baseline": 9e5, "scenario": 6.3e5,
    ...     "relative": -0.3}}}
    >>> observed = {"rows": [{"kpi": "cycle_time.mean", "label": "Cycle time",
    ...     "control": {"value": 10.0}, "pilot": {"value": 6.5}, "relative": -0.35,
    ...     "significant": True}], "steps": []}
    >>> row = predicted_vs_observed(prediction, observed)[0]
    >>> round(row["error"], 2)
    -0.05
    """
    if not prediction:
        return []
    rows = []
    for row in observed.get("rows", []) + observed.get("steps", []):
        predicted = prediction.get("kpis", {}).get(row["kpi"])
        if predicted is None:
            continue
        expected, seen = predicted.get("relative"), row.get("relative")
        rows.append(
            {
                "kpi": row["kpi"],
                "label": row.get("label", row["kpi"]),
                "predicted_baseline": predicted.get("baseline"),
                "predicted_scenario": predicted.get("scenario"),
                "predicted_change": expected,
                "observed_control": row["control"]["value"],
                "observed_pilot": row["pilot"]["value"],
                "observed_change": seen,
                "observed_significant": bool(row.get("significant")),
                "error": seen - expected if seen is not None and expected is not None else None,
            }
        )
    return rows


def refit(
    model: BpmnModel,
    pilot_rows: list[dict],
    arrivals: list,
    process_id: str | None = None,
    calendar: str = "office",
) -> SimParams:
    """Parameters fitted from the pilot arm's event rows; arrivals from every application.

    ``arrivals`` are the start moments of all cases that came in during the pilot (both
    arms): the pilot arm alone would see only its share of them.
    """
    if not pilot_rows:
        raise ParamsError("The pilot has no finished work yet: nothing to fit.")
    params = calibrate(model, pilot_rows, process_id, calendar)
    moments = sorted(arrivals)
    if len(moments) > 1:
        gaps = [(b - a).total_seconds() for a, b in zip(moments, moments[1:], strict=False)]
        params.arrivals.distribution = Distribution.exponential(max(statistics.fmean(gaps), 1.0))
    params.cases = max(params.cases, len(moments))
    return params
