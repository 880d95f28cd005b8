"""One thing the analysis found in a procedure, with what could be done about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

KINDS = (
    "redundant_check",
    "no_effect_step",
    "parallelizable",
    "stacked_approvals",
    "rework_loop",
    "knockout_order",
    "bottleneck",
    "rarely_rejecting_check",
    "never_refused_approval",
    "agreeing_checks",
    "costly_rework",
    "unreachable",
    "dead_end",
    "deadlock_gateway_pair",
)
SEVERITIES = ("info", "warning", "error")


@dataclass
class Finding:
    """A finding: its ``kind`` (one of :data:`KINDS`), the element ids concerned, a
    one-line ``title``, a plain ``explanation``, a ``severity`` (``info``, ``warning``
    or ``error``), the estimated ``effect`` when simulation or history supports one,
    a ``suggested_change`` in the scenario vocabulary of the simulator
    (``{"op": "remove_task", "task": id}``, ``merge_tasks``, ``parallelize``,
    ``move_task``, ``staff``), checked before it is offered (see
    :mod:`simulations.analysis.suggestions`), the ``evidence`` the finding rests on (one
    plain sentence each) and, for scored findings, a ``confidence`` between 0 and 1.
    """

    kind: str
    elements: list[str]
    title: str
    explanation: str
    severity: str = "info"
    effect: dict | None = None
    suggested_change: dict | None = None
    evidence: list[str] | None = None
    confidence: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def label(G, n) -> str:
    """A node's name in quotes, with its id when they differ: ``"Verify" (t1)``."""
    name = G.nodes[n].get("name") or n
    return f'"{name}"' if name == n else f'"{name}" ({n})'


def labels(G, nodes) -> str:
    """Labels joined as ``a, b and c``."""
    parts = [label(G, n) for n in nodes]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
