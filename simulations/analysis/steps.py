"""What each step of a procedure is: its roles, who does it, what it looks at.

:func:`profiles` reads every step of a :func:`~simulations.analysis.graph.process_graph`
once: the concepts of its name (:mod:`simulations.analysis.lexicon`), its form fields,
the documents it reads, its lane and the official it names. The detectors ask these
profiles questions instead of matching names themselves:

- *roles*: ``check`` (verify, inspect, review, test), ``approval`` (approve, sign, initial,
  a review by an official, an "approved" decision), ``fee`` (a fee computed or assessed),
  ``payment``, ``intake`` (registration, the first record of the case), ``issue``
  (issue, publish, print, hand over), ``send`` (notify, send, forward), ``archive``,
  ``upload``, ``draft``, ``correct`` (a revision or correction), ``capture`` (biometrics),
  ``recommend``, ``meeting``, ``record``, ``internal`` (a private copy: manual book,
  spreadsheet, tracker), ``system_record`` (a change in the system of record), ``wait``,
  ``automated``;
- *performer*: the official named by the step or its lane, and the lane;
- *items*: the data and documents the step looks at that exist before it (read-only or
  editable fields others record, uploads shown again, data objects it reads);
- *question*: what its yes/no or choice fields and the gateway after it ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx

from simulations.analysis.graph import entry_nodes, is_step
from simulations.analysis.lexicon import (
    SYSTEM_OF_RECORD,
    Terms,
    has_phrase,
    is_internal,
    normalise,
    terms,
)

CHECK_ACTIONS = frozenset({"check", "inspect", "assess"})
SIGN_OFF_ACTIONS = frozenset({"approve", "sign", "initial"})
OUTPUT_ACTIONS = frozenset({"issue", "publish", "print", "handover"})
SEND_ACTIONS = frozenset({"send", "notify"})
ANYWHERE = {"capture": "capture", "upload": "upload"}
NOT_APPROVAL_ACTIONS = frozenset(
    {
        "calculate",
        "issue",
        "publish",
        "print",
        "handover",
        "send",
        "notify",
        "pay",
        "register",
        "archive",
    }
)
AUTOMATED_KINDS = frozenset({"serviceTask", "scriptTask", "businessRuleTask"})
NOTE_WORDS = frozenset(
    "catatan note notes keterangan remark remarks comment comments alasan reason memo".split()
)
APPROVE_VALUES = frozenset(
    "approve approved approval setuju disetujui persetujuan terima accept accepted".split()
)
AGENCY_WORDS = frozenset(
    """dinas badan instansi kementerian kantor kecamatan kelurahan department agency ministry
    kominfo dlh damkar pupr dinkes dishub bpn esdm disdukcapil inspektorat kesbangpol bapenda
    dpmptsp ptsp laboratorium""".split()
)


@dataclass(frozen=True)
class FieldInfo:
    id: str
    label: str
    type: str
    readonly: bool
    signature: frozenset  # topic concepts of the label (and id)


@dataclass
class Profile:
    """One step, read: see the module docstring."""

    id: str
    name: str
    kind: str
    terms: Terms
    roles: frozenset
    lane: str | None
    lane_name: str
    official: str | None
    agency: str | None
    decisions: frozenset  # ids of the decision fields the step records
    question: frozenset  # topic concepts of what it decides
    items: tuple  # FieldInfo (and data items as FieldInfo) it looks at
    notes: frozenset = field(default_factory=frozenset)  # free-text note fields

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def performer(self) -> tuple:
        """Who does the step: the official it names (or its lane's), and the lane."""
        return (self.official, self.lane)

    @property
    def topic(self) -> frozenset:
        return self.terms.topic

    @property
    def is_check(self) -> bool:
        return "check" in self.roles

    @property
    def is_approval(self) -> bool:
        return "approval" in self.roles


def _signature(label: str, field_id: str = "") -> frozenset:
    text = f"{label} {field_id.replace('_', ' ')}" if label != field_id else label
    return terms(text).topic


def field_info(f) -> FieldInfo:
    return FieldInfo(f.id, f.label or f.id, f.type, f.readonly, _signature(f.label or f.id, f.id))


def _is_note(f) -> bool:
    return bool(set(normalise(f"{f.label} {f.id.replace('_', ' ')}").split()) & NOTE_WORDS)


def is_decision_field(f) -> bool:
    """A field the step decides with: a yes/no, a choice, or a question ("...?")."""
    if f.readonly or f.type == "file":
        return False
    return f.type in ("boolean", "enum") or (f.label or "").strip().endswith("?")


def is_approval_field(f) -> bool:
    """A decision field that records an approval (``approved``, ``disetujui``...)."""
    if not is_decision_field(f):
        return False
    values = tuple((v.id, v.name) for v in f.enum_values)
    return _approves(f.id, f.label or "", values)


@lru_cache(maxsize=8192)
def _approves(field_id: str, label: str, values: tuple) -> bool:
    t = terms(f"{label} {field_id.replace('_', ' ')}")
    words = {normalise(v) for pair in values for v in pair}
    return "approve" in t.actions or bool(words & APPROVE_VALUES)


def _official(name_terms: Terms, lane_name: str) -> str | None:
    if name_terms.officials:
        return sorted(name_terms.officials)[0]
    lane_officials = terms(lane_name).officials
    return sorted(lane_officials)[0] if lane_officials else None


def _agency(G: nx.DiGraph, lane: str | None) -> str | None:
    lanes = G.graph.get("lanes") or {}
    info = lanes.get(lane)
    if not info:
        return None
    if info["parent"] in lanes:
        return info["parent"]
    if set(normalise(info["name"]).split()) & AGENCY_WORDS:
        return lane
    return None


def _roles(data: dict, t: Terms, fields, official_in_name: bool) -> set:
    """Roles from the main action (the first named), plus those any mention implies:
    sign-offs, payments, sending, capturing biometrics and uploading."""
    everything = t.actions
    a = {t.main} if t.main else set()
    roles = set()
    kind = data.get("kind", "task")
    sign_off = everything & SIGN_OFF_ACTIONS
    checking = a & CHECK_ACTIONS
    approves = any(is_approval_field(f) for f in fields)
    if sign_off or (checking and official_in_name) or (approves and not a & NOT_APPROVAL_ACTIONS):
        roles.add("approval")
    if "fee" in t.objects and a & {"calculate", "assess", "check"} and "pay" not in everything:
        roles.add("fee")
    if "pay" in everything or "payment" in t.objects:
        roles.add("payment")
    if checking and not roles & {"approval", "fee"}:
        roles.add("check")
    elif not a and not t.officials and any(is_decision_field(f) for f in fields):
        roles.add("check")
    internal = is_internal(data.get("name"))
    if internal:
        roles.add("internal")
    if "register" in a and not internal and not roles & {"payment", "approval", "check"}:
        roles.add("intake")
    if a & OUTPUT_ACTIONS:
        roles.add("issue")
    if everything & SEND_ACTIONS or kind in ("sendTask", "receiveTask") or data.get("messages"):
        roles.add("send")
    if kind in AUTOMATED_KINDS:
        roles.add("automated")
    simple = {
        "archive": "archive",
        "upload": "upload",
        "draft": "draft",
        "correct": "correct",
        "capture": "capture",
        "recommend": "recommend",
        "meeting": "meeting",
        "record": "record",
        "wait": "wait",
        "process": "process",
        "classify": "classify",
        "schedule": "schedule",
        "measure": "measure",
        "train": "train",
    }
    roles |= {role for action, role in simple.items() if action in a}
    # acts outside the procedure count wherever the name mentions them ("Record biometrics")
    roles |= {role for action, role in ANYWHERE.items() if action in everything}
    if any(f.type == "file" and not f.readonly for f in fields):
        roles.add("upload")
    if everything & {"record", "process", "register"} and not internal:
        if has_phrase(data.get("name"), SYSTEM_OF_RECORD) or "process" in a:
            roles.add("system_record")
    if data.get("stores_out"):
        roles.add("system_record")
    return roles


def _next_gateway_question(G: nx.DiGraph, n) -> frozenset:
    """Topic of the exclusive gateway(s) right after ``n``: the question its outcome answers."""
    found: set[str] = set()
    for s in G.successors(n):
        if G.nodes[s]["kind"] in ("exclusiveGateway", "inclusiveGateway") and G.out_degree(s) > 1:
            found |= terms(G.nodes[s]["name"]).topic
    return frozenset(found)


def first_steps(G: nx.DiGraph) -> set:
    """Steps a case reaches from a start event without passing another step."""
    found, seen = set(), set()
    stack = [n for n in entry_nodes(G) if G.nodes[n]["kind"] == "startEvent"]
    while stack:
        n = stack.pop()
        for s in G.successors(n):
            if s in seen:
                continue
            seen.add(s)
            if is_step(G, s):
                found.add(s)
            else:
                stack.append(s)
    return found


def profiles(G: nx.DiGraph) -> dict:
    """A :class:`Profile` for every step of ``G``.

    Examples
    --------
    >>> from simulations.analysis.graph import process_graph
    >>> from engine.bpmn.builder import ProcessBuilder, form_field
    >>> b = ProcessBuilder("p")
    >>> _ = b.lane("mgmt", "Management"), b.start(), b.end()
    >>> _ = b.task("a", "Section head review", lane="mgmt"), b.task("f", "Assess signage fee")
    >>> b.chain("start", "a", "f", "end")
    >>> p = profiles(process_graph(b.process))
    >>> sorted(p["a"].roles), p["a"].official, sorted(p["f"].roles)
    (['approval'], 'section_head', ['fee'])
    """
    lanes = G.graph.get("lanes") or {}
    written_by: dict[str, set] = {}
    for n, data in G.nodes(data=True):
        for f in data.get("fields", ()):
            if not f.readonly:
                written_by.setdefault(f.id, set()).add(n)
        for w in data["writes"]:
            written_by.setdefault(w, set()).add(n)
    items_names = G.graph.get("data_items") or {}
    first = first_steps(G)
    out = {}
    for n, data in G.nodes(data=True):
        if not is_step(G, n):
            continue
        t = terms(data["name"])
        fields = tuple(data.get("fields", ()))
        lane = data["lane"]
        lane_name = (lanes.get(lane) or {}).get("name", "") if lane else ""
        roles = _roles(data, t, fields, bool(t.officials))
        if n in first and t.main in ("record", "register") and "internal" not in roles:
            roles.add("intake")  # the first record of the case is its registration
        decisions = frozenset(f.id for f in fields if is_decision_field(f))
        question = set(_next_gateway_question(G, n))
        for f in fields:
            if f.id in decisions:
                question |= _signature(f.label or f.id, f.id)
        items = []
        notes = set()
        for f in fields:
            if f.id in decisions:
                continue
            if _is_note(f):
                notes.add(f.id)
                continue
            others = written_by.get(f.id, set()) - {n}
            if f.readonly or others:
                items.append(field_info(f))
        for key in sorted(data.get("data_in", ())):
            item = items_names.get(key)
            label = item.name if item else key
            items.append(FieldInfo(key, label, "data", True, terms(label).topic))
        out[n] = Profile(
            id=n,
            name=data["name"],
            kind=data["kind"],
            terms=t,
            roles=frozenset(roles),
            lane=lane,
            lane_name=lane_name,
            official=_official(t, lane_name),
            agency=_agency(G, lane),
            decisions=decisions,
            question=frozenset(question),
            items=tuple(items),
            notes=frozenset(notes),
        )
    return out


def is_approval_node(data: dict) -> bool:
    """The approval test of :func:`profiles` for one node's attributes (for complexity)."""
    t = terms(data.get("name"))
    roles = _roles(data, t, tuple(data.get("fields", ())), bool(t.officials))
    return "approval" in roles
