"""Bottleneck lanes: where clerks are (nearly) always busy or cases mostly wait.

Lane figures come from a simulation run or from the engine's real history, in the same
shape: ``{"lanes": {lane: {"utilisation": u, "waiting_share": w, "staff": n}}}``
(``staff`` optional; ``lane`` an id, a name or a role).
"""

from __future__ import annotations

import math

import networkx as nx

from simulations.analysis.finding import Finding
from simulations.analysis.texts import graph_names, told

UTILISATION = 0.85
WAITING_SHARE = 0.4
TARGET_UTILISATION = 0.75


def _lane_id(key: str, lanes: dict) -> str:
    for lane in lanes.values():
        if key in (lane.id, lane.name, lane.role):
            return lane.id
    return key


def _figure(values: dict, *names: str) -> float:
    for name in names:
        if values.get(name) is not None:
            return float(values[name])
    return 0.0


def _staffing(lane: str, values: dict, utilisation: float) -> dict | None:
    staff = values.get("staff") or values.get("servers")
    if not staff:
        return None
    count = max(int(staff) + 1, math.ceil(int(staff) * utilisation / TARGET_UTILISATION))
    return {"op": "staff", "lane": lane, "count": count}


def bottlenecks(
    G: nx.DiGraph,
    *,
    lanes: dict | None = None,
    sim_kpis: dict | None = None,
    history_kpis: dict | None = None,
) -> list[Finding]:
    """Lanes with utilisation >= 0.85 or a waiting share >= 0.4.

    Parameters
    ----------
    G : networkx.DiGraph
        The :func:`~simulations.analysis.graph.process_graph`; its steps name the lane's work.
    lanes : dict, optional
        ``process.lanes``, to match figures given by lane name or role.
    sim_kpis, history_kpis : dict, optional
        Lane figures from a simulation and from the engine's history.

    Examples
    --------
    >>> import networkx as nx
    >>> kpis = {"lanes": {"tech": {"utilisation": 0.95, "waiting_share": 0.6, "staff": 2}}}
    >>> [f.suggested_change for f in bottlenecks(nx.DiGraph(), sim_kpis=kpis)]
    [{'op': 'staff', 'lane': 'tech', 'count': 3}]
    """
    findings = []
    for source, kpis in (("simulation", sim_kpis), ("history", history_kpis)):
        for key, values in ((kpis or {}).get("lanes") or {}).items():
            u = _figure(values, "utilisation", "utilization")
            w = _figure(values, "waiting_share")
            if u < UTILISATION and w < WAITING_SHARE:
                continue
            lane = _lane_id(key, lanes or {})
            steps = sorted(n for n, x in G.nodes(data="lane") if x == lane)
            findings.append(
                told(
                    "bottleneck",
                    [lane] + steps,
                    graph_names(G, lanes),
                    {"lane": lane, "source": source, "busy": u, "waiting": w},
                    severity="error" if u >= 0.98 else "warning",
                    effect={"source": source, "utilisation": u, "waiting_share": w},
                    suggested_change=_staffing(lane, values, u),
                    evidence=[f"{source}: busy {u:.0%} of the time, {w:.0%} of case time waiting"],
                )
            )
    return findings
