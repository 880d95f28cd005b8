"""Findings from history: what the checks and approvals of a procedure version really did.

The engine's audit log keeps, for every case, the data of its start form
(``case_started``) and of every completed task (``task_completed``). Replaying the
conditions of the gateway after each check or approval on that data tells which way each
case went: on to the rest of the procedure, or back or out. From that, per procedure
version:

- ``rarely_rejecting_check``: a check that (almost) never stops or returns a case ("Verify
  documents returned 5 of 1,200 cases, 0.4%"), with the period and a 95% upper bound;
- ``never_refused_approval``: an approval that never refused;
- ``agreeing_checks``: two checks on one path whose outcomes agree in at least 99% of the
  cases that went through both (one of them tells nothing the other does not);
- ``costly_rework``: the rework loops that cost the most days, counted from the first to
  the last completion of the step the loop goes back to.

:func:`history_from_audit` reads the audit log; :func:`history_findings` works on any
:class:`History`, so a history can also come from an export.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from math import sqrt

import networkx as nx

from engine.calendar.working_days import default_calendar
from simulations.analysis.approvals import rework_loops
from simulations.analysis.finding import Finding, label
from simulations.analysis.graph import acyclic_flow, back_edges, is_step
from simulations.analysis.steps import profiles
from simulations.analysis.texts import graph_names, told

MIN_CASES = 30  # cases a figure needs before it is reported
RARE = 0.01  # a check rejecting at most this share of cases "almost never" rejects
AGREE = 0.99  # two checks agreeing in this share of cases tell the same thing
Z = 1.96  # 95% confidence


@dataclass(frozen=True)
class Completion:
    """One completed task (or, with ``element_id`` None, a case's start data)."""

    case: str
    element_id: str | None
    at: datetime
    data: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class History:
    """The completions of one procedure (version), in order within each case."""

    key: str
    version: int | None = None
    completions: list[Completion] = field(default_factory=list)

    @property
    def period(self) -> tuple[datetime, datetime] | None:
        moments = [c.at for c in self.completions]
        return (min(moments), max(moments)) if moments else None

    def by_case(self) -> dict[str, list[Completion]]:
        cases: dict[str, list[Completion]] = defaultdict(list)
        for c in sorted(self.completions, key=lambda c: (c.case, c.at)):
            cases[c.case].append(c)
        return cases


def history_from_audit(
    session, key: str, version: int | None = None, keep: set[str] | None = None
) -> History:
    """Start data and completed tasks of the cases of ``key`` (one version, or all).

    The audit log's data is stored sealed (:func:`engine.office.audit.data_of` opens it);
    only the names in ``keep`` are kept in memory, e.g. the names the procedure's
    conditions read (:func:`condition_names`), so no other personal data is handled.
    """
    from sqlalchemy import select

    from engine.office.audit import data_of
    from engine.storage.tables import AuditEntry, Case, ProcessDefinition

    query = (
        select(AuditEntry, Case.tracking_code)
        .join(Case, Case.id == AuditEntry.case_id)
        .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
        .where(
            Case.process_key == key,
            AuditEntry.action.in_(("case_started", "task_completed")),
        )
        .order_by(AuditEntry.case_id, AuditEntry.id)
    )
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    history = History(key, version)
    for entry, code in session.execute(query):
        element = entry.element_id if entry.action == "task_completed" else None
        data = data_of(entry) or {}
        if keep is not None:
            data = {k: v for k, v in data.items() if k in keep}
        history.completions.append(Completion(code, element, entry.at, data))
    return history


def condition_names(G: nx.DiGraph) -> set[str]:
    """The names the gateways' conditions read: all :func:`outcomes` needs of the data."""
    return {
        name
        for n, data in G.nodes(data=True)
        if data["kind"].endswith("Gateway")
        for name in data["reads"]
    }


# ---------------------------------------------------------------- outcomes


def _steps_after(D: nx.DiGraph, G: nx.DiGraph, n) -> int:
    return sum(1 for d in nx.descendants(D, n) if is_step(G, d))


def decision_points(G: nx.DiGraph) -> dict:
    """Step -> (gateway, the flow on to the rest of the procedure, the other flows).

    Only steps followed directly by an exclusive gateway with two or more flows; the
    flow "on" is the one after which most steps remain (on the procedure without loops).
    """
    D = acyclic_flow(G, back_edges(G))
    points = {}
    for n in G:
        if not is_step(G, n):
            continue
        for g in G.successors(n):
            if G.nodes[g]["kind"] != "exclusiveGateway" or G.out_degree(g) < 2:
                continue
            targets = list(G.successors(g))
            on = max(targets, key=lambda t: _steps_after(D, G, t) if D.has_edge(g, t) else -1)
            points[n] = (g, on, [t for t in targets if t != on])
    return points


def _taken(G: nx.DiGraph, gateway, data: dict):
    """The target of the flow the gateway takes on ``data`` (None: cannot tell)."""
    from engine.expressions.language import evaluate

    default = None
    for target in G.successors(gateway):
        edge = G.edges[gateway, target]
        if edge.get("is_default") or not edge.get("condition"):
            default = target
            continue
        try:
            if evaluate(edge["condition"], data):
                return target
        except Exception:  # a name the case never recorded: cannot replay this case
            return None
    return default


def outcomes(G: nx.DiGraph, history: History) -> dict:
    """Step -> {case: True (went on every time) / False (stopped or sent back at least once)}."""
    points = decision_points(G)
    found: dict = defaultdict(dict)
    for case, completions in history.by_case().items():
        data: dict = {}
        for c in completions:
            data.update(c.data)
            if c.element_id in points:
                gateway, on, _ = points[c.element_id]
                target = _taken(G, gateway, data)
                if target is not None:
                    went_on = found[c.element_id].get(case, True) and target == on
                    found[c.element_id][case] = went_on
    return found


def upper_bound(k: int, n: int) -> float:
    """Wilson score 95% upper bound of a share seen ``k`` times in ``n``."""
    if n == 0:
        return 1.0
    p = k / n
    centre = p + Z * Z / (2 * n)
    spread = Z * sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return min(1.0, (centre + spread) / (1 + Z * Z / n))


def _period(history: History) -> str:
    period = history.period
    if not period:
        return "no cases"
    return f"{period[0]:%Y-%m-%d} to {period[1]:%Y-%m-%d}"


def _dates(history: History) -> list[str]:
    """The first and last day of the history, for the findings' words."""
    period = history.period
    return [f"{period[0]:%Y-%m-%d}", f"{period[1]:%Y-%m-%d}"] if period else []


def _version(history: History) -> str:
    return f"version {history.version}" if history.version is not None else "all versions"


# ---------------------------------------------------------------- findings


def history_findings(
    G: nx.DiGraph,
    history: History,
    *,
    P: dict | None = None,
    min_cases: int = MIN_CASES,
) -> list[Finding]:
    """Findings from what the cases of ``history`` did (see the module docstring).

    Each finding's ``effect`` carries its counts, the period and the confidence
    (``{"source": "history", "cases": n, "rejected": k, "share": ..., "upper_95": ...,
    "period": "2026-01-05 to 2026-06-30", "version": ...}``).
    """
    P = profiles(G) if P is None else P
    results = outcomes(G, history)
    where = f"{_version(history)}, {_period(history)}"
    when = {"versions": history.version, "period": _dates(history)}
    findings = []
    for n, cases in sorted(results.items(), key=lambda x: str(x[0])):
        total = len(cases)
        refused = sum(1 for went_on in cases.values() if not went_on)
        if total < min_cases or n not in P:
            continue
        share = refused / total
        bound = upper_bound(refused, total)
        effect = {
            "source": "history",
            "cases": total,
            "rejected": refused,
            "share": round(share, 4),
            "upper_95": round(bound, 4),
            "period": _period(history),
            "version": history.version,
        }
        if P[n].is_approval and refused == 0:
            findings.append(
                told(
                    "never_refused_approval",
                    [n],
                    graph_names(G),
                    {"step": n, "cases": total, "bound": bound} | when,
                    effect=effect,
                    evidence=[f"{total:,} decisions replayed from the audit log ({where})"],
                )
            )
        elif P[n].is_check and share <= RARE:
            findings.append(
                told(
                    "rarely_rejecting_check",
                    [n],
                    graph_names(G),
                    {"step": n, "rejected": refused, "cases": total, "share": share}
                    | {"passed": total - refused, "bound": bound}
                    | when,
                    effect=effect,
                    evidence=[f"{total:,} outcomes replayed from the audit log ({where})"],
                )
            )
    findings += _agreeing(G, P, results, where, when, min_cases)
    findings += _costly_rework(G, P, history, where, when)
    return findings


def _agreeing(
    G: nx.DiGraph, P: dict, results: dict, where: str, when: dict, min_cases: int
) -> list:
    checks = sorted((n for n in results if n in P and P[n].is_check), key=str)
    findings = []
    for i, a in enumerate(checks):
        for b in checks[i + 1 :]:
            both = set(results[a]) & set(results[b])
            if len(both) < min_cases:
                continue
            agree = sum(1 for case in both if results[a][case] == results[b][case])
            share = agree / len(both)
            differ = len(both) - agree
            if share < AGREE or all(results[a][c] for c in both):
                continue  # both always passing is rarely_rejecting_check's business
            findings.append(
                told(
                    "agreeing_checks",
                    [a, b],
                    graph_names(G),
                    {"a": a, "b": b, "agree": agree, "cases": len(both), "share": share}
                    | {"bound": upper_bound(differ, len(both))}
                    | when,
                    effect={
                        "source": "history",
                        "cases": len(both),
                        "agree": agree,
                        "share": round(share, 4),
                        "period": where,
                    },
                    evidence=[f"{len(both):,} cases replayed from the audit log ({where})"],
                )
            )
    return findings


def _entry_step(G: nx.DiGraph, elements: list):
    """The first step a case meets where the loop goes back to (its head, or after it)."""
    inside = set(elements)
    queue, seen = [elements[0]], set()
    while queue:
        n = queue.pop(0)
        if n in seen:
            continue
        seen.add(n)
        if is_step(G, n):
            return n
        queue += [s for s in G.successors(n) if s in inside]
    return None


def _costly_rework(
    G: nx.DiGraph, P: dict, history: History, where: str, when: dict, top: int = 3
) -> list:
    """The rework loops that cost the most days: first to last completion of their entry."""
    loops = rework_loops(G, P=P)
    if not loops:
        return []
    by_case = history.by_case()
    calendar = default_calendar()  # working days, as the service standard counts them
    costs = []
    for loop in loops:
        entry = _entry_step(G, loop.elements)
        if entry is None:
            continue
        rounds, seconds, working, cases = 0, 0.0, 0, 0
        for completions in by_case.values():
            times = [c.at for c in completions if c.element_id == entry]
            if len(times) > 1:
                cases += 1
                rounds += len(times) - 1
                seconds += (max(times) - min(times)).total_seconds()
                working += calendar.working_days_between(min(times), max(times))
        if rounds:
            costs.append((seconds, working, rounds, cases, loop, entry))
    findings = []
    for seconds, working, rounds, cases, loop, entry in sorted(costs, key=lambda c: -c[0])[:top]:
        findings.append(
            told(
                "costly_rework",
                list(loop.elements),
                graph_names(G),
                {"step": entry, "working_days": working, "cases": cases, "rounds": rounds}
                | {"loop": loop.explanation}
                | when,
                severity="warning",
                effect={
                    "source": "history",
                    "cases": cases,
                    "rounds": rounds,
                    "days": round(seconds / 86400, 2),
                    "working_days": working,
                    "period": where,
                },
                evidence=[f"{rounds:,} repeated completions of {label(G, entry)} in the audit log"],
            )
        )
    return findings
