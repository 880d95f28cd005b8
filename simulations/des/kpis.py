"""Key performance indicators of a run, and their 95% confidence intervals over runs.

:func:`run_kpis` turns one :class:`~simulations.des.run.RunResult` into a flat mapping
of named figures (seconds for times); :func:`summarise` gives, per name, the mean
over replications and a Student-t 95% confidence interval. Names:

- ``cycle_time.mean|p50|p90|p95``, ``cases.finished``, ``cases.unfinished``
- ``task.<id>.waiting|processing|executions`` (processing is working time)
- ``lane.<id>.waiting|processing|utilisation|queue_length``
- ``throughput.per_day``, ``sla.compliance`` (share on time), ``cost.per_case``
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from scipy import stats

from simulations.des.run import RunResult

DAY = 86400.0


def trimmed_cases(run: RunResult, trim: float) -> np.ndarray:
    """Indices of the cases kept after dropping the first and last ``trim`` share."""
    n = len(run.case_arrival)
    k = int(n * trim)
    order = np.argsort(run.case_arrival, kind="stable")
    return np.sort(order[k : n - k])


def run_kpis(run: RunResult, trim: float = 0.0) -> dict[str, float]:
    """The KPIs of one replication, cases of the warm-up/cool-down ``trim`` left out.

    Examples
    --------
    >>> from engine.bpmn.builder import linear_model
    >>> from simulations.params.parameters import SimParams
    >>> from simulations.des.simulator import simulate_once
    >>> k = run_kpis(simulate_once(linear_model(["a"]), SimParams(), cases=50, seed=2))
    >>> k["cases.finished"], 0 < k["lane.clerks.utilisation"] < 1
    (50.0, True)
    """
    kept = trimmed_cases(run, trim)
    keep_case = np.zeros(len(run.case_arrival), dtype=bool)
    keep_case[kept] = True
    rows = keep_case[run.case] if len(run.case) else np.zeros(0, dtype=bool)
    arrival, end = run.case_arrival[kept], run.case_end[kept]
    done = ~np.isnan(end)
    cycle = end[done] - arrival[done]
    out: dict[str, float] = {
        "cases.finished": float(done.sum()),
        "cases.unfinished": float((~done).sum()),
    }
    for name, q in (("mean", None), ("p50", 50), ("p90", 90), ("p95", 95)):
        value = (cycle.mean() if q is None else np.percentile(cycle, q)) if len(cycle) else math.nan
        out[f"cycle_time.{name}"] = float(value)
    span = (end[done].max() - arrival.min()) / DAY if done.any() else math.nan
    out["throughput.per_day"] = float(done.sum() / span) if span and span > 0 else math.nan
    out.update(_task_kpis(run, rows, max(len(kept), 1)))
    window = (float(arrival.min()), float(arrival.max())) if len(arrival) else (0.0, 0.0)
    out.update(_lane_kpis(run, rows, window))
    out.update(_sla_and_cost(run, kept, rows, done))
    return out


def _task_kpis(run: RunResult, rows: np.ndarray, cases: int) -> dict[str, float]:
    out = {}
    c = run.compiled
    wait = run.start - run.enabled
    for n in np.unique(run.node[rows]):
        sel = rows & (run.node == n)
        if run.resource[sel].max() < 0:
            continue  # sub-process rows: no clerk, no waiting
        key = f"task.{c.ids[n]}"
        out[f"{key}.waiting"] = float(wait[sel].mean())
        out[f"{key}.processing"] = float(run.work[sel].mean())
        out[f"{key}.executions"] = float(sel.sum() / cases)
    return out


def _lane_kpis(run: RunResult, rows: np.ndarray, window: tuple[float, float]) -> dict[str, float]:
    out = {}
    lo, hi = window
    pool_of_node = np.asarray(run.compiled.pool)
    row_pool = pool_of_node[run.node] if len(run.node) else np.zeros(0, dtype=int)
    has_res = run.resource >= 0
    wait = run.start - run.enabled
    for p, pool in enumerate(run.pools):
        key = f"lane.{pool.name}"
        mine = has_res & (row_pool == p)
        kept = mine & rows
        out[f"{key}.waiting"] = float(wait[kept].mean()) if kept.any() else 0.0
        out[f"{key}.processing"] = float(run.work[kept].mean()) if kept.any() else 0.0
        open_time = pool.hours.work_between(lo, hi) * pool.count
        s, e = np.clip(run.start[mine], lo, hi), np.clip(run.end[mine], lo, hi)
        busy = float(np.sum(pool.hours.work_until(e) - pool.hours.work_until(s)))
        out[f"{key}.utilisation"] = busy / open_time if open_time > 0 else math.nan
        qs, qe = np.clip(run.enabled[mine], lo, hi), np.clip(run.start[mine], lo, hi)
        out[f"{key}.queue_length"] = float(np.sum(qe - qs) / (hi - lo)) if hi > lo else 0.0
    return out


def _sla_and_cost(
    run: RunResult, kept: np.ndarray, rows: np.ndarray, done: np.ndarray
) -> dict[str, float]:
    out = {}
    params = run.params
    max_days = params.sla_days
    standard = run.compiled.process.service_standard
    if max_days is None and standard is not None:
        max_days = standard.max_days
    if max_days is not None and len(kept):
        due = sla_due(run, run.case_arrival[kept], max_days)
        end = run.case_end[kept]
        out["sla.compliance"] = float(np.mean(np.where(done, end <= due, False)))
    rates = np.array([p.cost_per_hour for p in run.pools] + [0.0])
    fixed = np.asarray(run.compiled.cost)
    if rates.any() or fixed.any():
        pool = np.asarray(run.compiled.pool)[run.node[rows]]
        labour = np.sum(run.work[rows] / 3600.0 * rates[pool])
        out["cost.per_case"] = float((labour + fixed[run.node[rows]].sum()) / max(len(kept), 1))
    return out


def sla_due(run: RunResult, arrivals: np.ndarray, max_days: int) -> np.ndarray:
    """Due moments (seconds) of cases arriving at ``arrivals``: end of the n-th working day."""
    from simulations.des.timers import sla_calendar

    cal = sla_calendar(run.params)
    start = run.params.start
    cache: dict[object, float] = {}
    due = np.empty(len(arrivals))
    for i, t in enumerate(arrivals):
        moment = start + timedelta(seconds=float(t))
        day = cal.local_date(moment)
        if day not in cache:
            cache[day] = (cal.add_working_days(moment, max_days) - start).total_seconds()
        due[i] = cache[day]
    return due


def summarise(replications: list[dict[str, float]], confidence: float = 0.95) -> dict[str, dict]:
    """Per KPI: ``mean``, ``low``, ``high`` (the confidence interval), ``std``, ``n``.

    Examples
    --------
    >>> s = summarise([{"x": 1.0}, {"x": 3.0}])
    >>> s["x"]["mean"], round(s["x"]["high"], 2)
    (2.0, 14.71)
    """
    names = sorted({k for rep in replications for k in rep})
    out = {}
    for name in names:
        values = np.array([rep.get(name, math.nan) for rep in replications], dtype=float)
        values = values[~np.isnan(values)]
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        std = float(values.std(ddof=1)) if n > 1 else math.nan
        half = (
            float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std / math.sqrt(n))
            if n > 1
            else math.nan
        )
        out[name] = {"mean": mean, "low": mean - half, "high": mean + half, "std": std, "n": n}
    return out
