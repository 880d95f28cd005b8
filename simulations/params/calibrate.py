"""Fit simulation parameters from an event log (the engine's export format).

From the log: the arrival rate (exponential, mean of the gaps between cases' first
events), a duration distribution per task (the best of fixed, exponential,
lognormal, gamma and normal by AIC), branch probabilities of exclusive gateways
(which task followed them in each case), and staff per lane (distinct resources).

Logs with an ``enabled`` column (the engine's export and a simulated log written with
``enabled=True``) separate waiting (enabled -> start) from work (start -> end), so the
fitted durations are the clerks' working time. The engine's ``start`` is the task's first
claim; a task completed without being claimed counts from when it became ready.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy import stats

from engine.bpmn.model import BpmnModel, Process
from simulations.params.distributions import Distribution, ParamsError
from simulations.params.parameters import LaneParams, SimParams, TaskParams

_FITS = ("exponential", "lognormal", "gamma", "normal")


def read_event_log(path: str | Path) -> list[dict]:
    """Rows of a CSV event log with ``start``/``end`` (and ``enabled``) as datetimes."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ParamsError(f"{path}: cannot read the event log: {exc}") from None
    needed = {"case_id", "activity_id", "start", "end"}
    if rows and not needed <= set(rows[0]):
        raise ParamsError(f"{path}: the log needs the columns {sorted(needed)}")
    for row in rows:
        for key in ("start", "end", "enabled"):
            if row.get(key):
                row[key] = datetime.fromisoformat(row[key])
    return rows


def fit_duration(samples: np.ndarray) -> Distribution:
    """The best-fitting distribution of positive ``samples`` (seconds) by AIC.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> fit_duration(rng.exponential(600, 2000)).kind
    'exponential'
    >>> fit_duration(np.full(50, 300.0)).kind
    'fixed'
    """
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x) & (x >= 0)]
    if len(x) == 0:
        raise ParamsError("no durations to fit")
    mean, std = float(x.mean()), float(x.std(ddof=1)) if len(x) > 1 else 0.0
    if len(x) < 5 or std <= 0.01 * max(mean, 1e-9):
        return Distribution.fixed(mean)
    best, best_aic = None, math.inf
    positive = np.maximum(x, 0.5)  # logs keep whole seconds: a 0 s task took under a second
    for kind in _FITS:
        try:
            loglik = _loglik(kind, x, positive, mean, std)
        except (ValueError, FloatingPointError):
            continue
        aic = 2 * (1 if kind == "exponential" else 2) - 2 * loglik
        if aic < best_aic:
            best, best_aic = kind, aic
    if best is None:
        return Distribution.fixed(mean)
    if best == "exponential":
        return Distribution.exponential(mean)
    return Distribution(best, {"mean": mean, "std": std})


def _loglik(kind: str, x: np.ndarray, positive: np.ndarray, mean: float, std: float) -> float:
    if kind == "normal":
        return float(np.sum(stats.norm.logpdf(x, mean, std)))
    x = positive
    if kind == "exponential":
        return float(np.sum(stats.expon.logpdf(x, scale=mean)))
    if kind == "lognormal":
        s, _, scale = stats.lognorm.fit(x, floc=0)
        return float(np.sum(stats.lognorm.logpdf(x, s, scale=scale)))
    a, _, scale = stats.gamma.fit(x, floc=0)
    return float(np.sum(stats.gamma.logpdf(x, a, scale=scale)))


def calibrate(
    model: BpmnModel, rows: list[dict], process_id: str | None = None, calendar: str = "office"
) -> SimParams:
    """Parameters for ``model`` fitted from event-log ``rows`` (see :func:`read_event_log`).

    ``calendar`` names the opening hours of arrivals and lanes (``office`` or ``24/7``).
    """
    process = model.processes[process_id] if process_id else model.main_process()
    if not rows:
        raise ParamsError("the event log is empty: nothing to calibrate from")
    params = SimParams(process=process.id, source="calibrated")
    params.start = min(r.get("enabled") or r["start"] for r in rows)
    traces = _traces(rows)
    firsts = np.sort([t[0].get("enabled") or t[0]["start"] for t in traces.values()])
    gaps = np.diff([f.timestamp() for f in firsts])
    if len(gaps):
        params.arrivals.distribution = Distribution.exponential(max(float(gaps.mean()), 1.0))
    by_task: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_task[r["activity_id"]].append((r["end"] - r["start"]).total_seconds())
    for task_id, durations in by_task.items():
        if task_id in process.nodes:
            params.tasks[task_id] = TaskParams(duration=fit_duration(np.array(durations)))
    staff: dict[str, set] = defaultdict(set)
    for r in rows:
        lane = (
            process.nodes[r["activity_id"]].lane_id if r["activity_id"] in process.nodes else None
        )
        if lane and r.get("resource"):
            staff[lane].add(r["resource"])
    params.lanes = {
        lane: LaneParams(count=len(people), calendar=calendar) for lane, people in staff.items()
    }
    params.arrivals.calendar = calendar
    params.flows = branch_probabilities(process, traces)
    if process.service_standard and process.service_standard.max_days is not None:
        params.sla_days = process.service_standard.max_days
    params.cases = len(traces)
    return params


def _traces(rows: list[dict]) -> dict[str, list[dict]]:
    traces: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        traces[r["case_id"]].append(r)
    for trace in traces.values():
        trace.sort(key=lambda r: (r["start"], r["end"]))
    return traces


def branch_probabilities(process: Process, traces: dict[str, list[dict]]) -> dict[str, float]:
    """Share of each exclusive-gateway branch, from which task followed the gateway."""
    flows: dict[str, float] = {}
    for gateway in process.nodes.values():
        if gateway.kind != "exclusiveGateway" or len(gateway.outgoing) < 2:
            continue
        before = _tasks_reaching(process, gateway.id, "incoming")
        after = {
            f: _tasks_reaching(process, process.flows[f].target, "outgoing", include_self=True)
            for f in gateway.outgoing
        }
        counts: Counter = Counter()
        for trace in traces.values():
            ids = ["<start>"] + [r["activity_id"] for r in trace] + ["<end>"]
            for a, b in zip(ids, ids[1:], strict=False):
                if a in before:
                    hits = [f for f, targets in after.items() if b in targets]
                    if len(hits) == 1:
                        counts[hits[0]] += 1
        total = sum(counts.values())
        if total:
            flows.update({f: counts[f] / total for f in gateway.outgoing})
    return flows


def _tasks_reaching(
    process: Process, start: str, direction: str, include_self: bool = False
) -> set[str]:
    """Tasks next to ``start`` through gateways and events only (``<start>``/``<end>`` for the case's)."""
    found, seen, stack = set(), set(), [start]
    while stack:
        node_id = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        node = process.nodes[node_id]
        if node.is_activity and (node_id != start or include_self):
            found.add(node_id)
            continue
        if node.kind == "endEvent":
            found.add("<end>")
        if node.kind == "startEvent" and node.parent_id is None:
            found.add("<start>")
        for flow in (
            process.incoming(node_id) if direction == "incoming" else process.outgoing(node_id)
        ):
            stack.append(flow.source if direction == "incoming" else flow.target)
    return found
