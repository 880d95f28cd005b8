"""A pilot's two arms compared from the engine's real history.

Each arm is the cases that started in it (:mod:`engine.office.pilots` records the arm of
every case started while the pilot ran), so both arms cover the same weeks. Figures of
finished (completed) cases:

- ``cycle_time.mean|p50|p90``: working days from start to completion (office calendar)
- ``sla.compliance``: share finished by their due date
- ``returns.per_case``: times a case went back to the applicant
- ``rework.per_case``: steps done again in the same case (a loop back)
- ``cost.per_case``: hours from claim to completion times the lane's cost per hour, when
  the pilot has staff costs
- ``ikm.index``: the IKM of the arm's surveys (PermenPANRB 14/2017), per response for the test
- ``task.<element>.waiting``: hours from ready to the first claim (to completion when
  nobody claimed it), per step

Means have a Student-t 95% interval, shares a Wilson interval, p50 and p90 a bootstrap
interval (fixed seed). A difference is significant when Welch's t-test rejects "same
mean" at 5%: the test of the simulated comparison
(:mod:`simulations.scenarios.compare`), here over cases instead of replications. With
fewer than ``min_cases`` finished cases in an arm (``PERMITFLOW_PILOT_MIN_CASES``, 30)
the result says there is not enough data and calls nothing significant.
"""

from __future__ import annotations

import math
import os
import statistics
import warnings
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar.working_days import default_calendar
from engine.office import pilots
from engine.public import surveys
from engine.reporting.event_log import event_rows
from engine.storage.tables import AuditEntry, Case, Pilot, PilotAssignment, SurveyResponse

ARMS = ("control", "pilot")
ALPHA = 0.05
LABELS = {
    "cycle_time.mean": "Cycle time, mean (working days)",
    "cycle_time.p50": "Cycle time, median (working days)",
    "cycle_time.p90": "Cycle time, 90th percentile (working days)",
    "sla.compliance": "Finished within the service standard",
    "returns.per_case": "Returns to the applicant per case",
    "rework.per_case": "Steps done again per case",
    "cost.per_case": "Staff cost per case",
    "ikm.index": "Satisfaction index (IKM)",
}


def default_min_cases() -> int:
    return max(2, int(os.environ.get("PERMITFLOW_PILOT_MIN_CASES", "30")))


@dataclass
class Figure:
    """One arm's value of a KPI, its 95% interval and how many observations it rests on."""

    value: float | None
    low: float | None
    high: float | None
    n: int


@dataclass
class KpiRow:
    """A KPI in both arms: change (pilot - control), relative change and Welch's test."""

    kpi: str
    label: str
    control: Figure
    pilot: Figure
    difference: float | None
    relative: float | None
    p_value: float | None
    significant: bool


@dataclass
class PilotComparison:
    pilot_id: int
    key: str
    versions: dict[str, int]
    assigned: dict[str, int]
    finished: dict[str, int]
    min_cases: int
    enough_data: bool
    rows: list[KpiRow] = field(default_factory=list)
    steps: list[KpiRow] = field(default_factory=list)  # waiting per step

    def row(self, kpi: str) -> KpiRow | None:
        return next((r for r in self.rows + self.steps if r.kpi == kpi), None)

    @property
    def verdict(self) -> str:
        """``not_enough_data``, ``pilot_faster``, ``pilot_slower`` or ``no_difference``."""
        cycle = self.row("cycle_time.mean")
        if not self.enough_data or cycle is None:
            return "not_enough_data"
        if cycle.significant:
            return "pilot_faster" if (cycle.difference or 0) < 0 else "pilot_slower"
        return "no_difference"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdict"] = self.verdict
        return _clean(data)


def compare_pilot(
    session: Session, ref: int | str, *, min_cases: int | None = None, alpha: float = ALPHA
) -> PilotComparison:
    """Observed KPIs of a pilot's control and pilot arms (a pilot id or procedure key)."""
    pilot = pilots.get_pilot(session, ref)
    min_cases = default_min_cases() if min_cases is None else min_cases
    arms = {arm: _arm(session, pilot, arm) for arm in ARMS}
    finished = {arm: len(arms[arm]["cycle"]) for arm in ARMS}
    result = PilotComparison(
        pilot.id,
        pilot.process_key,
        {"control": pilot.base_version, "pilot": pilot.pilot_version},
        {arm: arms[arm]["assigned"] for arm in ARMS},
        finished,
        min_cases,
        enough_data=min(finished.values()) >= min_cases,
    )
    decide = result.enough_data
    control, trial = arms["control"], arms["pilot"]
    result.rows = [
        _mean_row("cycle_time.mean", control["cycle"], trial["cycle"], alpha, decide),
        _quantile_row("cycle_time.p50", control["cycle"], trial["cycle"], 0.5),
        _quantile_row("cycle_time.p90", control["cycle"], trial["cycle"], 0.9),
        _mean_row("sla.compliance", control["on_time"], trial["on_time"], alpha, decide, True),
        _mean_row("returns.per_case", control["returns"], trial["returns"], alpha, decide),
        _mean_row("rework.per_case", control["rework"], trial["rework"], alpha, decide),
    ]
    if pilot.staff_costs:
        result.rows.append(
            _mean_row("cost.per_case", control["cost"], trial["cost"], alpha, decide)
        )
    result.rows.append(_ikm_row(control["ikm"], trial["ikm"], alpha, decide))
    names = control["step_names"] | trial["step_names"]
    for element in sorted(names, key=lambda e: names[e]):
        row = _mean_row(
            f"task.{element}.waiting",
            control["waiting"].get(element, []),
            trial["waiting"].get(element, []),
            alpha,
            decide,
        )
        row.label = names[element]
        result.steps.append(row)
    return result


def _arm(session: Session, pilot: Pilot, arm: str) -> dict[str, Any]:
    """Per finished case of one arm: cycle days, on time, returns, rework, cost; and more."""
    cases = list(
        session.scalars(
            select(Case)
            .join(PilotAssignment, PilotAssignment.case_id == Case.id)
            .where(PilotAssignment.pilot_id == pilot.id, PilotAssignment.arm == arm)
        )
    )
    ends = [(c, c.completed_at) for c in cases if c.status == "completed" and c.completed_at]
    done = [c for c, _end in ends]
    calendar = default_calendar()
    ids = [c.id for c in done]
    history = _history(session, ids)
    version = pilot.pilot_version if arm == "pilot" else pilot.base_version
    codes = {c.tracking_code for c in cases}
    finished_codes = {c.tracking_code for c in done}
    rows = [r for r in event_rows(session, pilot.process_key, version) if r.case_id in codes]
    waiting: dict[str, list[float]] = defaultdict(list)
    names: dict[str, str] = {}
    for r in rows:
        taken = r.start if r.claimed else r.end  # nobody claimed it: it waited until done
        waiting[r.activity_id].append((taken - r.enabled).total_seconds() / 3600)
        names[r.activity_id] = r.activity or r.activity_id
    return {
        "assigned": len(cases),
        "cycle": [float(calendar.working_days_between(c.started_at, end)) for c, end in ends],
        "on_time": [float(end <= c.due_at) for c, end in ends if c.due_at is not None],
        "returns": [float(history.returns[c.id]) for c in done],
        "rework": [float(_repeats(history.steps[c.id])) for c in done],
        "cost": _costs(
            pilot, [r for r in rows if r.case_id in finished_codes], done, history.paused
        ),
        "ikm": _ikm_scores(session, [c.id for c in cases]),
        "waiting": dict(waiting),
        "step_names": names,
    }


@dataclass
class _History:
    """What the audit log says about finished cases, per case id."""

    returns: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    steps: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    paused: dict[int, list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _history(session: Session, case_ids: list[int]) -> _History:
    """Returns to the applicant (and how long each lasted) and the steps done, in order."""
    found, returned_at = _History(), {}
    actions = ("case_returned", "case_resumed", "task_completed")
    for chunk in range(0, len(case_ids), 500):
        query = (
            select(AuditEntry.case_id, AuditEntry.action, AuditEntry.element_id, AuditEntry.at)
            .where(AuditEntry.case_id.in_(case_ids[chunk : chunk + 500]))
            .where(AuditEntry.action.in_(actions))
            .order_by(AuditEntry.id)
        )
        for case_id, action, element, at in session.execute(query):
            if case_id is None:
                continue
            if action == "case_returned":
                found.returns[case_id] += 1
                returned_at[case_id] = at
            elif action == "case_resumed" and case_id in returned_at:
                found.paused[case_id].append((returned_at.pop(case_id), at))
            elif action == "task_completed":
                found.steps[case_id].append(element or "")
    return found


def _repeats(elements: list[str]) -> int:
    """Completions of a step the case had already done: one per loop back."""
    return len(elements) - len(set(elements))


def _costs(pilot: Pilot, rows, done: list[Case], paused: dict) -> list[float]:
    """Per finished case: hours from claim to completion (less time with the applicant) x rate."""
    rates = pilot.staff_costs or {}
    if not rates or not done:
        return []
    lanes = done[0].definition.lanes or {}
    by_name = {info.get("name"): lane_id for lane_id, info in lanes.items()}
    ids = {c.tracking_code: c.id for c in done}
    per_case: dict[str, float] = dict.fromkeys(ids, 0.0)
    for r in rows:
        if not r.claimed:
            continue
        rate = rates.get(by_name.get(r.lane, r.lane), rates.get(r.lane, 0.0))
        seconds = (r.end - r.start).total_seconds() - sum(
            _overlap(r.start, r.end, a, b) for a, b in paused.get(ids[r.case_id], ())
        )
        per_case[r.case_id] += max(0.0, seconds) / 3600 * rate
    return [round(cost) for cost in per_case.values()]  # whole Rupiah: no sub-second noise


def _overlap(start: datetime, end: datetime, a: datetime, b: datetime) -> float:
    return max(0.0, (min(end, b) - max(start, a)).total_seconds())


def _ikm_scores(session: Session, case_ids: list[int]) -> list[dict[str, int]]:
    scores: list[dict[str, int]] = []
    for chunk in range(0, len(case_ids), 500):
        query = select(SurveyResponse.scores).where(
            SurveyResponse.case_id.in_(case_ids[chunk : chunk + 500])
        )
        scores += list(session.scalars(query))
    return scores


def _ikm_row(control: list[dict], pilot: list[dict], alpha: float, decide: bool) -> KpiRow:
    """IKM of each arm; the test runs over each response's own index."""
    row = _mean_row(
        "ikm.index", [_index(s) for s in control], [_index(s) for s in pilot], alpha, decide
    )
    for figure, responses in ((row.control, control), (row.pilot, pilot)):
        figure.value = surveys.compute(responses).index if responses else None
    return row


def _index(scores: dict[str, int]) -> float:
    return surveys.compute([scores]).index or 0.0


def _mean_row(
    kpi: str, a: list[float], b: list[float], alpha: float, decide: bool, share: bool = False
) -> KpiRow:
    interval = _wilson if share else _t_interval
    control, pilot = interval(a), interval(b)
    p = welch_p(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return _row(kpi, control, pilot, p, decide and math.isfinite(p) and p < alpha)


def _quantile_row(kpi: str, a: list[float], b: list[float], q: float) -> KpiRow:
    return _row(kpi, _bootstrap(a, q), _bootstrap(b, q), math.nan, False)


def _row(kpi: str, control: Figure, pilot: Figure, p: float, significant: bool) -> KpiRow:
    difference = relative = None
    if control.value is not None and pilot.value is not None:
        difference = pilot.value - control.value
        relative = difference / abs(control.value) if control.value else None
    p_value = round(p, 6) if math.isfinite(p) else None
    return KpiRow(
        kpi, LABELS.get(kpi, kpi), control, pilot, difference, relative, p_value, significant
    )


def welch_p(a: np.ndarray, b: np.ndarray) -> float:
    """Welch's two-sided t-test p-value: the one test of both the observed comparison and
    the simulated one (:mod:`simulations.scenarios.compare`)."""
    if len(a) < 2 or len(b) < 2:
        return math.nan
    if a.std() == 0 and b.std() == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nearly identical samples
        return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def _t_interval(values: list[float]) -> Figure:
    n = len(values)
    if not n:
        return Figure(None, None, None, 0)
    mean = statistics.fmean(values)
    if n < 2:
        return Figure(mean, None, None, n)
    half = stats.t.ppf(0.975, n - 1) * statistics.stdev(values) / math.sqrt(n)
    return Figure(mean, mean - half, mean + half, n)


def _wilson(values: list[float]) -> Figure:
    n = len(values)
    if not n:
        return Figure(None, None, None, 0)
    p, z = sum(values) / n, 1.959964
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Figure(p, max(0.0, centre - half), min(1.0, centre + half), n)


def _bootstrap(values: list[float], q: float, resamples: int = 1000) -> Figure:
    n = len(values)
    if not n:
        return Figure(None, None, None, 0)
    data = np.asarray(values, dtype=float)
    value = float(np.quantile(data, q))
    if n < 2:
        return Figure(value, None, None, n)
    draws = np.random.default_rng(12345).choice(data, size=(resamples, n), replace=True)
    low, high = np.quantile(np.quantile(draws, q, axis=1), [0.025, 0.975])
    return Figure(value, float(low), float(high), n)


def _clean(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _clean(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_clean(v) for v in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data
