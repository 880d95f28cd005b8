"""Baseline versus scenario: every KPI side by side, with a significance test.

A difference is significant when Welch's t-test over the replications rejects
"same mean" at 5%. Replications of baseline and scenario share seeds, so unchanged
parts of the procedure draw the same random numbers (common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from engine.reporting.pilot_comparison import welch_p
from simulations.des.results import SimulationResult, format_value


@dataclass
class KpiComparison:
    """One KPI: means, difference (scenario - baseline), relative difference, test."""

    kpi: str
    baseline: float
    scenario: float
    difference: float
    relative: float
    p_value: float
    significant: bool


@dataclass
class Comparison:
    """All KPIs of one scenario against the baseline."""

    baseline: SimulationResult
    scenario: SimulationResult
    rows: list[KpiComparison] = field(default_factory=list)

    def row(self, kpi: str) -> KpiComparison | None:
        """The comparison of ``kpi``, if both runs have it."""
        return next((r for r in self.rows if r.kpi == kpi), None)

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "baseline": self.baseline.label,
            "scenario": self.scenario.label,
            "kpis": [_clean(asdict(r)) for r in self.rows],
        }

    def to_text(self) -> str:
        """A table: KPI, baseline, scenario, difference, and a * where significant."""
        lines = [
            f"{self.scenario.label} vs {self.baseline.label} "
            f"({len(self.baseline.replications)} replications each; * = significant at 5%)",
            f"{'KPI':<50} {'baseline':>12} {'scenario':>12} {'change':>9}",
        ]
        for r in self.rows:
            rel = f"{r.relative:+.1%}" if math.isfinite(r.relative) else "-"
            lines.append(
                f"{r.kpi:<50} {format_value(r.kpi, r.baseline):>12} "
                f"{format_value(r.kpi, r.scenario):>12} {rel:>9}{' *' if r.significant else ''}"
            )
        return "\n".join(lines)


def compare(
    baseline: SimulationResult, scenario: SimulationResult, alpha: float = 0.05
) -> Comparison:
    """Compare the KPIs both results have.

    Examples
    --------
    >>> from simulations.des.results import SimulationResult
    >>> a = SimulationResult("p", 10, 1, [{"x": 1.0}, {"x": 1.1}, {"x": 0.9}])
    >>> b = SimulationResult("p", 10, 1, [{"x": 2.0}, {"x": 2.1}, {"x": 1.9}], label="faster")
    >>> c = compare(a, b).row("x")
    >>> round(c.relative, 3), c.significant
    (1.0, True)
    """
    comparison = Comparison(baseline, scenario)
    names = [k for k in baseline.summary if k in scenario.summary]
    for name in names:
        a = _values(baseline, name)
        b = _values(scenario, name)
        if not len(a) or not len(b):
            continue
        ma, mb = float(a.mean()), float(b.mean())
        p = welch_p(a, b)
        relative = (mb - ma) / abs(ma) if ma else (0.0 if mb == ma else math.inf)
        comparison.rows.append(KpiComparison(name, ma, mb, mb - ma, relative, p, p < alpha))
    return comparison


def _values(result: SimulationResult, name: str) -> np.ndarray:
    values = np.array([rep.get(name, math.nan) for rep in result.replications], dtype=float)
    return values[~np.isnan(values)]


def _clean(data: dict) -> dict:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()
    }


def analysis_kpis(result: SimulationResult, staff: dict[str, int] | None = None) -> dict:
    """Lane and task figures in the shape :func:`simulations.analysis.procedure.analyze` takes.

    ``staff`` (clerks per lane) lets the analysis suggest a staffing change.
    """
    s = result.summary
    lanes: dict = {}
    tasks: dict = {}
    for name, value in s.items():
        parts = name.split(".")
        if parts[0] == "lane" and len(parts) >= 3:
            lanes.setdefault(".".join(parts[1:-1]), {})[parts[-1]] = value["mean"]
        elif parts[0] == "task" and len(parts) >= 3:
            tasks.setdefault(".".join(parts[1:-1]), {})[parts[-1]] = value["mean"]
    for name, lane in lanes.items():
        if staff and name in staff:
            lane["staff"] = staff[name]
        total = lane.get("waiting", 0.0) + lane.get("processing", 0.0)
        lane["waiting_share"] = lane.get("waiting", 0.0) / total if total else 0.0
    for task in tasks.values():
        task["duration"] = task.get("processing")
    return {"lanes": lanes, "tasks": tasks}
