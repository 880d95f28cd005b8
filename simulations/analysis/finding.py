"""One thing the analysis found in a procedure, with what could be done about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

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

    ``message`` and ``params`` say the same as ``title`` and ``explanation`` in a form
    that can be worded again in another language, with names instead of ids
    (:func:`simulations.analysis.texts.render`).
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
    message: str = ""
    params: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What stays the same however the finding is worded: :func:`finding_key`."""
        return finding_key(self.kind, self.elements)

    def as_dict(self) -> dict:
        return asdict(self) | {"key": self.key}


def finding_key(kind: str, elements) -> str:
    """A finding's identity: its kind and its sorted element ids, ``kind:a,b``.

    Reformers' decisions are kept under it, so rewording or reordering a finding's text
    keeps the decision.

    Examples
    --------
    >>> finding_key("redundant_check", ["verify_2", "verify_1"])
    'redundant_check:verify_1,verify_2'
    """
    return f"{kind}:{','.join(sorted(elements))}"


def label(G, n) -> str:
    """A node's name in quotes (its id when it has none): ``"Verify"``."""
    return f'"{G.nodes[n].get("name") or n}"'


def labels(G, nodes) -> str:
    """Labels joined as ``a, b and c``."""
    parts = [label(G, n) for n in nodes]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
