"""Work that could go: checks done twice, steps without effect, needless sequencing.

Each function takes a :func:`~simulations.analysis.graph.process_graph` ``G`` and returns a
list of :class:`~simulations.analysis.finding.Finding`. Pairwise comparisons only look at
candidates that share a word, a document or a datum (buckets), so the cost stays near
linear in the size of the procedure.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from itertools import combinations

import networkx as nx

from simulations.analysis.finding import Finding, label, labels
from simulations.analysis.graph import FlowOrder, after_masks, execution_graph, is_step, step_graph
from simulations.analysis.vocabulary import (
    is_approval,
    is_check,
    is_decision_field,
    is_sign_off,
    tokens,
)

SIMILARITY = 0.8  # difflib ratio above which two step names mean the same check
BUCKET_CAP = 40  # a word or datum shared by more steps than this says nothing
NO_EFFECT_KINDS = frozenset({"task", "userTask", "manualTask", "scriptTask", "businessRuleTask"})


def _verified(G: nx.DiGraph, n) -> tuple[set, set]:
    """Documents and data a step verifies: what it shows read-only, if it is a check."""
    data = G.nodes[n]
    checking = is_check(data["name"])
    documents = data["documents"] if checking else data["documents"] & data["reads"]
    fields = data["reads"] - data["documents"] if checking else set()
    return documents, fields


def _same_word(a: str, b: str) -> bool:
    """Equal words, or long words spelt nearly alike (typos, affixes)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or any(c.isdigit() for c in a + b):
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() > 0.92


def name_similarity(a: list[str], b: list[str]) -> float:
    """Word-level similarity of two token lists (1.0 = same words in the same order).

    Examples
    --------
    >>> from simulations.analysis.vocabulary import tokens
    >>> name_similarity(tokens("Verifikasi dokumen"), tokens("Periksa berkas"))
    1.0
    >>> name_similarity(tokens("Task 1"), tokens("Task 2"))
    0.5
    """
    b = [next((w for w in a if _same_word(w, v)), v) for v in b]
    return difflib.SequenceMatcher(None, a, b).ratio()


def _name_pairs(G: nx.DiGraph, steps: list) -> dict:
    names = {n: tokens(G.nodes[n]["name"]) for n in steps}
    buckets = defaultdict(set)
    for n in steps:
        for word in set(names[n]):
            buckets[word[:4]].add(n)
    pairs = {}
    for members in buckets.values():
        if len(members) > BUCKET_CAP:
            continue
        for a, b in combinations(sorted(members, key=str), 2):
            if (a, b) in pairs:
                continue
            ratio = name_similarity(names[a], names[b])
            if ratio >= SIMILARITY:
                pairs[a, b] = ratio
    return pairs


def _shared(G: nx.DiGraph, steps: list, order: FlowOrder, which: int) -> dict:
    """Pairs of consecutive steps (in flow order) verifying the same items."""
    holders = defaultdict(list)
    for n in steps:
        for item in _verified(G, n)[which]:
            holders[item].append(n)
    pairs = defaultdict(set)
    for item, members in holders.items():
        members = order.sort(members)
        for a, b in zip(members, members[1:], strict=False):
            pairs[a, b].add(item)
    return pairs


def _approval_ladder(G: nx.DiGraph, a, b) -> bool:
    """Approvals by different lanes are a ladder (stacked approvals), not a repeat."""
    A, B = G.nodes[a], G.nodes[b]
    return is_approval(A["name"]) and is_approval(B["name"]) and A["lane"] != B["lane"]


def _redundancy_reasons(G: nx.DiGraph, a, b, ratio, documents, fields) -> list[str]:
    reasons = []
    if ratio is not None and not _approval_ladder(G, a, b):
        reasons.append(f"their names mean the same (similarity {ratio:.2f})")
    if documents:
        reasons.append("both verify the document(s) " + ", ".join(sorted(documents)))
    if fields:
        reasons.append("both verify the data " + ", ".join(sorted(fields)))
    return reasons


def redundant_checks(G: nx.DiGraph, H: nx.DiGraph | None = None) -> list[Finding]:
    """Steps that check the same thing twice on one path through the procedure.

    Two steps are a repeat when their names are near-identical after stop words are
    removed and synonyms merged ("Verifikasi dokumen" and "Periksa berkas", see
    :func:`name_similarity`), or when
    they verify the same document (a file field shown read-only, or any file field of
    a check step), or at least two thirds of the same data. Steps on alternative
    branches (never both done) are not compared.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> ktp = form_field("ktp", "file", readonly=True)
    >>> _ = b.start(), b.task("v1", "Cek KTP", fields=[ktp]), b.task("v2", "Arsip", fields=[ktp])
    >>> _ = b.end(); b.chain("start", "v1", "v2", "end")
    >>> [f.elements for f in redundant_checks(process_graph(b.process))]
    [['v1', 'v2']]
    """
    H = execution_graph(G) if H is None else H
    order = FlowOrder(H)
    steps = [n for n in G if is_step(G, n)]
    by_name = _name_pairs(G, steps)
    by_document = _shared(G, steps, order, 0)
    by_field = _shared(G, steps, order, 1)
    findings = []
    for pair in sorted(
        set(by_name) | set(by_document) | set(by_field), key=lambda p: order.sort(p)
    ):
        a, b = order.sort(pair)
        if not order.related(a, b):
            continue
        ratio = by_name.get(pair) or by_name.get((b, a))
        fields = by_field.get((a, b), set())
        union = _verified(G, a)[1] | _verified(G, b)[1]
        if len(fields) < 2 or 3 * len(fields) < 2 * len(union):
            fields = set()
        reasons = _redundancy_reasons(G, a, b, ratio, by_document.get((a, b)), fields)
        if reasons:
            findings.append(
                Finding(
                    "redundant_check",
                    [a, b],
                    f"{label(G, a)} and {label(G, b)} check the same thing",
                    f"{label(G, a)} comes before {label(G, b)} on the same path and "
                    + "; ".join(reasons)
                    + ". One check, done once, is enough: merge them or drop the second.",
                    "warning",
                    suggested_change={"op": "merge_tasks", "tasks": [a, b]},
                )
            )
    return findings


def no_effect_steps(
    G: nx.DiGraph, H: nx.DiGraph | None = None, S: nx.DiGraph | None = None
) -> list[Finding]:
    """Steps whose recorded data no later condition, form or script reads.

    Only steps that record data are judged; steps that upload a document or record a
    decision, service and send tasks (they act outside the procedure) and the last
    step before an end (it produces the result) are left alone.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.task("t", "Catat", fields=[form_field("notes")]), b.task("u", "Terbitkan")
    >>> _ = b.end(); b.chain("start", "t", "u", "end")
    >>> [f.elements for f in no_effect_steps(process_graph(b.process))]
    [['t']]
    """
    H = execution_graph(G) if H is None else H
    S = step_graph(G) if S is None else S
    fields = sorted({f for _, reads in G.nodes(data="reads") for f in reads})
    bit = {f: 1 << i for i, f in enumerate(fields)}
    masks = {n: sum(bit[f] for f in reads) for n, reads in G.nodes(data="reads")}
    later = after_masks(H, masks)
    findings = []
    for n, data in G.nodes(data=True):
        writes = data["writes"]
        if data["kind"] not in NO_EFFECT_KINDS or not writes or S.out_degree(n) == 0:
            continue
        if writes & data["documents"] or any(is_decision_field(f) for f in writes):
            continue
        if any(later[n] & bit.get(f, 0) for f in writes):
            continue
        findings.append(
            Finding(
                "no_effect_step",
                [n],
                f"{label(G, n)} changes nothing downstream",
                f"{label(G, n)} records {', '.join(sorted(writes))}, but no later condition, "
                "form or script reads it. Unless a letter or report needs it, the step can go.",
                "warning",
                suggested_change={"op": "remove_task", "task": n},
            )
        )
    return findings


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
        while followers.get(chain[-1]) is not None:
            chain.append(followers[chain[-1]])
        chains.append(chain)
    return chains


def _independent_groups(G: nx.DiGraph, chain: list) -> list[list]:
    """Split a chain where a step depends on the group before it.

    A sign-off (approval, signature) is never moved: what comes after it assumes it
    was given, and it judges what came before.
    """
    groups, group, reads, writes = [], [], set(), set()
    for n in chain + [None]:
        data = G.nodes[n] if n is not None else None
        known = data is not None and bool(data["reads"] or data["writes"])
        known = known and not is_sign_off(data["name"])
        if known and not (data["reads"] & writes or data["writes"] & (reads | writes)):
            group.append(n)
            reads, writes = reads | data["reads"], writes | data["writes"]
            continue
        if len(group) >= 2:
            groups.append(group)
        group, reads, writes = [], set(), set()
        if known:
            group, reads, writes = [n], set(data["reads"]), set(data["writes"])
    return groups


def parallelizable_sequences(G: nx.DiGraph) -> list[Finding]:
    """Runs of two or more consecutive steps that use none of each other's data.

    A step depends on an earlier one when it reads (a condition, a read-only field, a
    script) or overwrites what the earlier step wrote. Steps whose data is not declared
    (no form, no script) and sign-offs (approvals, signatures) are not moved.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.start(), b.task("a", "Kajian teknis", fields=[form_field("tech")])
    >>> _ = b.task("b", "Kajian lingkungan", fields=[form_field("env")]), b.end()
    >>> b.chain("start", "a", "b", "end")
    >>> [f.suggested_change for f in parallelizable_sequences(process_graph(b.process))]
    [{'op': 'parallelize', 'tasks': ['a', 'b']}]
    """
    findings = []
    for chain in _straight_chains(G):
        for group in _independent_groups(G, chain):
            durations = [G.nodes[n].get("duration") for n in group]
            effect = None
            if all(d is not None for d in durations):
                effect = {"elapsed_time_saved": sum(durations) - max(durations)}
            findings.append(
                Finding(
                    "parallelizable",
                    group,
                    f"{labels(G, group)} could run at the same time",
                    f"These {len(group)} steps run one after another, but none of them reads "
                    "or overwrites data another of them records. Started together (a parallel "
                    "split before, a join after), the applicant waits for the longest, not the sum.",
                    "info",
                    effect=effect,
                    suggested_change={"op": "parallelize", "tasks": list(group)},
                )
            )
    return findings
