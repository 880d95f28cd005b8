"""The outcome of a simulation: KPIs per replication, summarised with 95% intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulations.des.kpis import summarise
from simulations.des.run import RunResult

_TIME_SUFFIXES = (".mean", ".p50", ".p90", ".p95", ".waiting", ".processing")


@dataclass
class SimulationResult:
    """KPIs of ``replications`` runs of ``cases`` cases each.

    ``runs`` keeps the raw first replication(s) when asked for (event logs).
    """

    process_id: str
    cases: int
    seed: int | None
    replications: list[dict[str, float]] = field(default_factory=list)
    runs: list[RunResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    label: str = "baseline"
    _summary: tuple[int, dict[str, dict]] | None = field(default=None, repr=False, compare=False)

    @property
    def summary(self) -> dict[str, dict]:
        """Per KPI: mean, low, high (95% CI), std, n (recomputed when replications are added)."""
        if self._summary is None or self._summary[0] != len(self.replications):
            self._summary = (len(self.replications), summarise(self.replications))
        return self._summary[1]

    def mean(self, kpi: str) -> float:
        """The mean of ``kpi`` over replications (NaN when absent)."""
        return self.summary.get(kpi, {}).get("mean", math.nan)

    def as_dict(self) -> dict:
        """Plain data for JSON: summary plus every replication's figures."""
        return {
            "label": self.label,
            "process": self.process_id,
            "cases": self.cases,
            "replications": len(self.replications),
            "seed": self.seed,
            "kpis": self.summary,
            "per_replication": self.replications,
            "warnings": list(self.warnings),
        }

    def to_text(self) -> str:
        """A table a person reads: KPI, mean and 95% interval, times in hours."""
        lines = [
            f"{self.label}: process {self.process_id}, {len(self.replications)} replication(s) "
            f"x {self.cases} cases",
            f"{'KPI':<52} {'mean':>12} {'95% CI':>27}",
        ]
        for name, s in self.summary.items():
            value, low, high = (format_value(name, s[k]) for k in ("mean", "low", "high"))
            interval = f"[{low}, {high}]" if s["n"] > 1 else ""
            lines.append(f"{name:<52} {value:>12} {interval:>27}")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def is_time(kpi: str) -> bool:
    """Whether a KPI is a duration in seconds."""
    return kpi.endswith(_TIME_SUFFIXES)


def format_value(kpi: str, value: float) -> str:
    """Hours with ``h`` for durations, a percentage for shares, else 4 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if is_time(kpi):
        return f"{value / 3600:.2f} h"
    if kpi.endswith((".utilisation", ".compliance")):
        return f"{value * 100:.1f}%"
    return f"{value:.4g}"
