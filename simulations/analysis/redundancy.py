"""Work that could go: checks done twice, steps without effect, needless sequencing.

Each function takes a :func:`~simulations.analysis.graph.process_graph` ``G`` (and the
step :func:`~simulations.analysis.steps.profiles`, computed when not given) and returns a
list of :class:`~simulations.analysis.finding.Finding`, each with the evidence it rests on.

Pairwise comparisons only look at checks that share a concept, a datum, a document or a
question (buckets, capped), and every name is read through the bounded lexicon of
:mod:`simulations.analysis.lexicon`, so the cost stays near linear in the size of the
procedure whatever the length of its names.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import networkx as nx

from simulations.analysis.approvals import field_labels
from simulations.analysis.finding import Finding, label
from simulations.analysis.graph import FlowOrder, after_masks, execution_graph, is_step, step_graph
from simulations.analysis.lexicon import has_phrase, jaccard
from simulations.analysis.steps import Profile, profiles
from simulations.analysis.texts import graph_names, told

# how much each kind of evidence weighs in the duplicate-check score (sum 1.0)
WEIGHTS = {"name": 0.35, "items": 0.30, "question": 0.25, "agency": 0.10}
THRESHOLD = 0.5  # score from which two checks are reported as one check done twice
MIN_WHAT = 0.34  # and their names or their data must say they look at the same thing
BUCKET_CAP = 40  # a concept or datum shared by more checks than this says nothing
COMMON_QUESTIONS = frozenset({"valid", "complete"})  # too common to pair checks on
AGAIN_WORDS = ("kembali", "ulang", "again", "re check", "recheck", "double check", "sekali lagi")
AGAIN_BONUS = 0.15  # a later check whose name says it checks again
NO_EFFECT_KINDS = frozenset({"task", "userTask", "manualTask", "scriptTask", "businessRuleTask"})
# steps that act outside the procedure: never "no effect", whatever they record
ACTS_OUTSIDE = frozenset(
    {
        "intake",
        "payment",
        "fee",
        "approval",
        "issue",
        "send",
        "archive",
        "upload",
        "draft",
        "correct",
        "capture",
        "recommend",
        "system_record",
        "wait",
    }
)
# steps later work relies on having happened: never moved into a parallel block
PREREQUISITES = frozenset({"intake", "payment", "approval", "issue", "send", "correct", "wait"})
# steps that work on what the step before produced (a report, a recap, a meeting)
DERIVED = frozenset({"draft", "meeting", "record", "classify"})
ROLE_WORDS = {
    "intake": "registers the application",
    "payment": "takes or confirms a payment",
    "fee": "sets the fee the payment needs",
    "approval": "signs or approves",
    "issue": "issues, prints, publishes or hands over",
    "send": "notifies, sends or forwards",
    "archive": "archives the file",
    "upload": "uploads a document",
    "draft": "drafts a document",
    "correct": "asks for or makes a correction",
    "capture": "captures biometrics",
    "recommend": "gives a recommendation",
    "system_record": "changes the system of record",
    "wait": "waits for something outside",
}


# ---------------------------------------------------------------- duplicate checks


def _item_overlap(a: Profile, b: Profile) -> tuple[float, list[str]]:
    """Share of the smaller set of looked-at items also in the other (by id or label)."""
    if not a.items or not b.items:
        return 0.0, []
    ids = {i.id: i for i in b.items}
    signatures = {i.signature: i for i in b.items if i.signature}
    shared = []
    for item in a.items:
        if item.id in ids or (item.signature and item.signature in signatures):
            shared.append(item.label)
    return len(shared) / min(len(a.items), len(b.items)), shared


def _same_agency(a: Profile, b: Profile) -> str | None:
    if a.lane and a.lane == b.lane:
        return f"both are done in lane {a.lane_name or a.lane}"
    if a.agency and a.agency == b.agency:
        return "both are done in the same agency"
    return None


def _words(concepts) -> str:
    return ", ".join(sorted(str(c).replace("_", " ") for c in concepts))


def check_similarity(a: Profile, b: Profile) -> tuple[float, list[str], float]:
    """Score (0..1) that two checks are one check done twice, the evidence, and the
    "what" part (names or data looking at the same thing)."""
    evidence = []
    name = jaccard(a.topic, b.topic)
    if name:
        evidence.append(
            f"their names are about the same thing ({_words(a.topic & b.topic)}; "
            f"similarity {name:.2f})"
        )
    items, shared = _item_overlap(a, b)
    if items:
        evidence.append(
            f"they look at the same data or documents ({', '.join(sorted(set(shared))[:6])}; "
            f"overlap {items:.2f})"
        )
    question = jaccard(a.question, b.question)
    if question:
        evidence.append(
            f"they answer the same question ({_words(a.question & b.question)}; "
            f"similarity {question:.2f})"
        )
    agency = _same_agency(a, b)
    if agency:
        evidence.append(agency)
    again = has_phrase(b.name, AGAIN_WORDS)
    if again:
        evidence.append(f'the name "{b.name}" says it checks again')
    # a signal one of the two steps does not carry (no form, no question) is left out
    signals = {
        "name": (name, a.topic and b.topic),
        "items": (items, a.items and b.items),
        "question": (question, a.question and b.question),
        "agency": (1.0 if agency else 0.0, True),
    }
    weight = sum(WEIGHTS[k] for k, (_, known) in signals.items() if known)
    score = sum(WEIGHTS[k] * value for k, (value, known) in signals.items() if known)
    score = score / weight + (AGAIN_BONUS if again else 0.0)
    return min(score, 1.0), evidence, max(name, items)


def produces_for(G: nx.DiGraph, a, b) -> bool:
    """``a`` produces something ``b`` examines (a test and the review of its result): not
    one check done twice, whatever their names share."""
    made = G.nodes[a]["writes_data"] - G.nodes[a]["reads_data"]
    return bool(made & G.nodes[b]["reads_data"])


def _candidate_pairs(checks: list, P: dict) -> set:
    buckets = defaultdict(set)
    for n in checks:
        p = P[n]
        keys = {("t", c) for c in p.topic}
        keys |= {("i", i.id) for i in p.items} | {
            ("s", i.signature) for i in p.items if i.signature
        }
        keys |= {("q", c) for c in p.question - COMMON_QUESTIONS}
        for key in keys:
            buckets[key].add(n)
    pairs: set[tuple] = set()
    for members in buckets.values():
        if 1 < len(members) <= BUCKET_CAP:
            pairs.update(combinations(sorted(members, key=str), 2))
    return pairs


def _adjacent(G: nx.DiGraph, a, b) -> bool:
    """``a`` leads straight to ``b`` (one flow, nothing between): they can be merged."""
    flows = [v for v in G.successors(a) if not G.edges[a, v]["boundary"]]
    return flows == [b] and G.in_degree(b) == 1


def redundant_checks(
    G: nx.DiGraph, H: nx.DiGraph | None = None, P: dict | None = None
) -> list[Finding]:
    """Checks on one path that check the same thing twice, from several signals.

    Two checks (verify, inspect, review, test; not approvals) that one case can both go
    through are compared on: their names read through the domain lexicon (KTP, kartu tanda
    penduduk and identity card are one thing), the data and documents they look at (form
    fields, editable or read-only, that exist before the step; uploads shown again; data
    objects), the question their yes/no or choice fields and the gateway after them ask,
    and whether one lane or agency does both. The weighted score (:data:`WEIGHTS`) must
    reach :data:`THRESHOLD`, and the names or the data must show they look at the same
    thing; the finding lists the evidence and carries the score as its ``confidence``.
    A step that produces what the other examines (a lab test and the review of its
    result) is not the same check. A check repeated several times is reported once per
    repetition, paired with its closest earlier twin.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(fields=[form_field("ktp", "file")]), b.end()
    >>> _ = b.task("v1", "Cek KTP", fields=[form_field("ktp", "file", readonly=True)])
    >>> _ = b.task("v2", "Validasi kartu tanda penduduk", fields=[form_field("ktp", "file", readonly=True)])
    >>> b.chain("start", "v1", "v2", "end")
    >>> [f.elements for f in redundant_checks(process_graph(b.process))]
    [['v1', 'v2']]
    """
    H = execution_graph(G) if H is None else H
    P = profiles(G) if P is None else P
    order = FlowOrder(H)
    checks = [n for n, p in P.items() if p.is_check]
    best: dict = {}  # later check -> (score, earlier check, evidence): its closest twin
    for pair in _candidate_pairs(checks, P):
        a, b = order.sort(pair)
        if not order.related(a, b) or produces_for(G, a, b):
            continue
        score, evidence, what = check_similarity(P[a], P[b])
        if score < THRESHOLD or what < MIN_WHAT:
            continue
        key = (round(score, 6), order.position[a])  # the best, then the nearest before b
        if b not in best or key > best[b][0]:
            best[b] = (key, a, score, evidence)
    findings = []
    for b, (_, a, score, evidence) in sorted(best.items(), key=lambda x: order.position[x[0]]):
        change = (
            {"op": "merge_tasks", "tasks": [a, b]}
            if _adjacent(G, a, b)
            else {"op": "remove_task", "task": b}
        )
        findings.append(
            told(
                "redundant_check",
                [a, b],
                graph_names(G),
                {"a": a, "b": b, "signals": "; ".join(evidence), "confidence": score},
                severity="warning",
                suggested_change=change,
                evidence=evidence,
                confidence=round(score, 2),
            )
        )
    return findings


# ---------------------------------------------------------------- no-effect steps


def _uses(data: dict) -> set:
    """What a node uses of the case: conditions, scripts, read data, every field it shows."""
    return set(data["reads_data"]) | {f.id for f in data.get("fields", ())}


def no_effect_steps(
    G: nx.DiGraph,
    H: nx.DiGraph | None = None,
    S: nx.DiGraph | None = None,
    P: dict | None = None,
) -> list[Finding]:
    """Steps that record something nothing later uses, and do not act outside the procedure.

    A step is reported only when none of what it records (form fields, script results,
    documents drawn as data objects) is used later: by a condition, a later form (shown
    read-only or editable), a script, or a later step reading the document. Steps that act
    outside the procedure are never reported (:data:`ACTS_OUTSIDE`: registering the
    application or making the first record of the case, fees and payments, signatures
    and approvals, issuing, printing, publishing and handing over, notifying and
    forwarding, uploads, drafts, corrections, archiving, recording in the system of
    record), nor steps that exchange messages with another pool, or the last step before
    an end.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.task("r", "Registrasi", fields=[form_field("nomor")])
    >>> _ = b.task("t", "Catat di buku agenda", fields=[form_field("agenda")])
    >>> _ = b.task("u", "Terbitkan izin"), b.end(); b.chain("start", "r", "t", "u", "end")
    >>> [f.elements for f in no_effect_steps(process_graph(b.process))]
    [['t']]
    """
    H = execution_graph(G) if H is None else H
    S = step_graph(G) if S is None else S
    P = profiles(G) if P is None else P
    used = {n: _uses(data) for n, data in G.nodes(data=True)}
    items = sorted(set().union(*used.values(), *(d["writes_data"] for _, d in G.nodes(data=True))))
    bit = {x: 1 << i for i, x in enumerate(items)}
    later = after_masks(H, {n: sum(bit[x] for x in u) for n, u in used.items()})
    fields = field_labels(G)
    findings = []
    for n, data in G.nodes(data=True):
        writes = set(data["writes_data"])
        if data["kind"] not in NO_EFFECT_KINDS or not writes or S.out_degree(n) == 0:
            continue
        p = P.get(n)
        if p is None or p.roles & ACTS_OUTSIDE or data.get("messages"):
            continue
        if any(later[n] & bit[x] for x in writes):
            continue
        what = ", ".join(sorted(_item_label(G, x, fields) for x in writes))
        evidence = [
            f"it records {what}",
            "no later condition, form, script or step reads any of it",
            "it does not register, pay, sign, issue, notify, upload or archive anything",
        ]
        if "internal" in p.roles:
            evidence.append("its name says it keeps a private copy (manual book, spreadsheet...)")
        findings.append(
            told(
                "no_effect_step",
                [n],
                graph_names(G),
                {"step": n, "data": sorted(_item_label(G, x, fields) for x in writes)},
                severity="warning",
                suggested_change={"op": "remove_task", "task": n},
                evidence=evidence,
            )
        )
    return findings


def _item_label(G: nx.DiGraph, key: str, fields: dict[str, str] | None = None) -> str:
    """A datum's name: the document's, the form field's label, else its key."""
    item = (G.graph.get("data_items") or {}).get(key)
    if item:
        return f'"{item.name}"'
    return f'"{fields[key]}"' if fields and key in fields else key.replace("_", " ")


# ---------------------------------------------------------------- parallel runs


def _straight_chains(G: nx.DiGraph) -> list[list]:
    """Runs of steps joined by single, plain flows (no gateway, event or branch between)."""

    def next_step(n):
        flows = [v for v in G.successors(n) if not G.edges[n, v]["boundary"]]
        if len(flows) == 1 and is_step(G, flows[0]) and G.in_degree(flows[0]) == 1:
            return flows[0]
        return None

    followers = {n: next_step(n) for n in G if is_step(G, n)}
    heads = set(followers) - set(followers.values())
    chains = []
    for n in heads:
        chain = [n]
        while followers.get(chain[-1]) is not None and len(chain) <= len(followers):
            chain.append(followers[chain[-1]])
        chains.append(chain)
    return chains


def needs(G: nx.DiGraph, P: dict, earlier, later) -> str | None:
    """Why ``later`` must wait for ``earlier`` (``None`` when it need not)."""
    e, l_ = G.nodes[earlier], G.nodes[later]
    data = l_["reads_data"] & e["writes_data"]
    if data:
        return f"{label(G, later)} reads {', '.join(sorted(data))} from {label(G, earlier)}"
    if l_["writes_data"] & (e["reads_data"] | e["writes_data"]):
        return f"{label(G, later)} changes what {label(G, earlier)} uses"
    pe, pl = P[earlier], P[later]
    if pl.roles & DERIVED and (
        pe.topic & pl.topic or pe.terms.actions & pl.terms.actions - {"check"}
    ):
        return f"{label(G, later)} works on what {label(G, earlier)} produced"
    return None


def _movable(G: nx.DiGraph, P: dict, n) -> bool:
    data = G.nodes[n]
    known = bool(data["reads_data"] or data["writes_data"])
    return known and not P[n].roles & PREREQUISITES


def _independent_groups(G: nx.DiGraph, P: dict, chain: list) -> list[list]:
    """Split a chain into runs of movable steps none of which needs another."""
    groups: list[list] = []
    group: list = []
    for n in chain:
        if not _movable(G, P, n):
            if len(group) >= 2:
                groups.append(group)
            group = []
            continue
        if any(needs(G, P, m, n) for m in group):
            if len(group) >= 2:
                groups.append(group)
            group = [n]
            continue
        group.append(n)
    if len(group) >= 2:
        groups.append(group)
    return groups


def parallelizable_sequences(G: nx.DiGraph, P: dict | None = None) -> list[Finding]:
    """Runs of two or more consecutive steps, by different people, that need nothing
    from each other.

    A step needs an earlier one when it reads (a condition, a field, a script, a data
    object) or overwrites what the earlier one recorded, or when it drafts, records or
    discusses what the earlier one produced. Registration, payments, approvals and
    signatures, issuing, sending and corrections are never moved (later work relies on
    them), nor steps whose data is not declared. A run done by one lane gains nothing from
    being parallel and is not reported (unless the procedure has no lanes at all).

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.lane("tech"), b.lane("env"), b.start(), b.end()
    >>> _ = b.task("a", "Kajian teknis", lane="tech", fields=[form_field("tech")])
    >>> _ = b.task("b", "Kajian lingkungan", lane="env", fields=[form_field("env")])
    >>> b.chain("start", "a", "b", "end")
    >>> [f.suggested_change for f in parallelizable_sequences(process_graph(b.process))]
    [{'op': 'parallelize', 'tasks': ['a', 'b']}]
    """
    P = profiles(G) if P is None else P
    has_lanes = bool(G.graph.get("lanes"))
    findings = []
    for chain in sorted(_straight_chains(G), key=lambda c: str(c[0])):
        for group in _independent_groups(G, P, chain):
            performers = {P[n].performer for n in group}
            if has_lanes and len(performers) < 2:
                continue
            durations = [G.nodes[n].get("duration") for n in group]
            effect = None
            if all(d is not None for d in durations):
                effect = {"elapsed_time_saved": sum(durations) - max(durations)}
            lanes = sorted({P[n].lane_name or P[n].lane or "-" for n in group})
            findings.append(
                told(
                    "parallelizable",
                    group,
                    graph_names(G),
                    {"steps": list(group), "count": len(group), "lanes": lanes},
                    effect=effect,
                    suggested_change={"op": "parallelize", "tasks": list(group)},
                    evidence=[
                        "they follow each other with nothing between",
                        "none reads or overwrites what another records",
                        f"different people do them: {', '.join(lanes)}",
                    ],
                )
            )
    return findings
