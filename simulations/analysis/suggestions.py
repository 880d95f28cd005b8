"""Each suggested change is tried before it is offered.

:func:`check_suggestions` applies a finding's ``suggested_change`` to a copy of the
procedure with the scenario operations of :mod:`simulations.scenarios.changes`, then
validates the revised model with :mod:`engine.validation` and checks that every datum a
condition, script or form reads is still recorded by some step. A change that cannot be
applied, that adds a validation error, or that leaves a condition reading data nothing
records any more is not offered: the finding keeps its explanation and says why there is
no suggestion. Staffing changes leave the model alone and are offered as they are.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from engine.bpmn.model import BpmnModel, Process
from simulations.analysis.expression_names import names_read, names_read_by_script, names_written
from simulations.analysis.finding import Finding
from simulations.analysis.texts import WITHDRAWN

MODEL_CHANGES = frozenset({"remove_task", "merge_tasks", "parallelize", "move_task"})
FULL_VALIDATION_NODES = 150  # up to this size every revised model is validated in full
MAX_FULL_CHECKS = 12  # full validations per analysis (then the quick data check)


@lru_cache(maxsize=4096)
def _names(kind: str, text: str) -> frozenset[str]:
    function = {"read": names_read, "script": names_read_by_script, "written": names_written}[kind]
    try:
        return frozenset(function(text))
    except Exception:
        return frozenset()


def _safe(function, text: str) -> set[str]:
    kind = {names_read: "read", names_read_by_script: "script", names_written: "written"}
    return set(_names(kind[function], text))


def _shallow(obj):
    """A copy of a plain dataclass instance, much faster than :func:`copy.copy`."""
    twin = object.__new__(type(obj))
    twin.__dict__.update(obj.__dict__)
    return twin


def data_written(process: Process) -> set[str]:
    """Every datum some node of ``process`` records: editable fields, script results."""
    found = set()
    for node in process.nodes.values():
        found |= {f.id for f in node.form_fields if not f.readonly}
        if node.script:
            found |= _safe(names_written, node.script)
    return found


def data_read(process: Process) -> dict[str, set[str]]:
    """Datum -> where it is read (condition of a flow, script, read-only field)."""
    found: dict[str, set[str]] = {}
    for flow in process.flows.values():
        if flow.condition:
            for name in _safe(names_read, flow.condition):
                found.setdefault(name, set()).add(f"the condition of flow {flow.name or flow.id}")
    for node in process.nodes.values():
        where = node.name or node.id
        if node.script:
            for name in _safe(names_read_by_script, node.script):
                found.setdefault(name, set()).add(f"the script of {where}")
        for f in node.form_fields:
            if f.readonly:
                found.setdefault(f.id, set()).add(f"the form of {where}")
    return found


def _copy_process(process: Process) -> Process:
    """A copy the scenario operations may change (nodes, flows and lanes copied)."""
    revised = _shallow(process)
    nodes = {}
    for k, n in process.nodes.items():
        node = _shallow(n)
        node.incoming, node.outgoing = list(n.incoming), list(n.outgoing)
        node.properties = dict(n.properties)
        nodes[k] = node
    revised.nodes = nodes
    revised.flows = {k: _shallow(f) for k, f in process.flows.items()}
    lanes = {}
    for k, lane in process.lanes.items():
        lane = _shallow(lane)
        lane.node_ids = list(lane.node_ids)
        lanes[k] = lane
    revised.lanes = lanes
    revised.data_objects = list(process.data_objects)
    return revised


def _errors(model: BpmnModel, process: Process, full: bool) -> set[tuple]:
    """Errors of the model (``full``: :func:`engine.validation.process.validate`), else
    of the process's structure only (:mod:`engine.validation.flow`), as (code, element)."""
    if full:
        from engine.validation.process import validate

        return {
            (p.code, p.element_id, p.message)
            for p in validate(model, for_execution=False)
            if p.severity == "error"
        }
    from engine.validation import flow

    found = set()
    for check in (flow.check_starts_and_ends, flow.check_flow_ends, flow.check_gateways):
        for code, element, message in check(process):
            found.add((code, getattr(element, "id", None), message))
    return found


def _key(errors: set[tuple]) -> set[tuple]:
    return {(code, element) for code, element, _ in errors}


class _DataUse:
    """Who records and who reads each datum of a process (for the quick check)."""

    def __init__(self, process: Process):
        self.writers: dict[str, set[str]] = {}
        self.readers: dict[str, set[str]] = {}
        self.written_by: dict[str, set[str]] = {}
        for node in process.nodes.values():
            written = {f.id for f in node.form_fields if not f.readonly}
            read = {f.id for f in node.form_fields if f.readonly}
            if node.script:
                written |= _safe(names_written, node.script)
                read |= _safe(names_read_by_script, node.script)
            self.written_by[node.id] = written
            for name in written:
                self.writers.setdefault(name, set()).add(node.id)
            for name in read:
                self.readers.setdefault(name, set()).add(node.name or node.id)
        for flow in process.flows.values():
            if flow.condition:
                for name in _safe(names_read, flow.condition):
                    self.readers.setdefault(name, set()).add(
                        f"the condition of flow {flow.name or flow.id}"
                    )

    def lost(self, removed: set[str]) -> str | None:
        names = set().union(*(self.written_by.get(n, set()) for n in removed))
        for name in sorted(names & set(self.readers)):
            if self.writers[name] <= removed:
                where = sorted(self.readers[name])[0]
                return f"{where} would read {name}, which nothing records any more"
        return None


def quick_check(process: Process, change: dict, use: _DataUse) -> str | None:
    """The data check alone, without copying the procedure (for large procedures): a
    removed or merged step must not be the only one recording what something reads."""
    from simulations.scenarios.changes import check_change

    try:
        check_change(change, "change")
    except Exception as exc:
        return f"it cannot be applied ({exc})"
    op = change["op"]
    tasks = [change["task"]] if op == "remove_task" else list(change.get("tasks") or [])
    if any(t not in process.nodes for t in tasks):
        return "it names a step the procedure does not have"
    if op == "remove_task":
        return use.lost(set(tasks))
    if op == "merge_tasks":
        return use.lost(set(tasks[1:]))
    return None


def try_change(
    model: BpmnModel, process: Process, change: dict, baseline: set, full: bool = True
) -> str | None:
    """Why ``change`` breaks the procedure, or ``None`` when the revised model is sound."""
    from simulations.params.model import SimParams
    from simulations.scenarios.changes import OPERATIONS, check_change

    try:
        check_change(change, "change")
        revised = _copy_process(process)
        OPERATIONS[change["op"]](revised, SimParams(), change, "change")
    except Exception as exc:  # ScenarioError and anything an odd drawing provokes
        return f"it cannot be applied ({exc})"
    missing = (data_written(process) - data_written(revised)) & set(data_read(revised))
    if missing:
        name = sorted(missing)[0]
        where = sorted(data_read(revised)[name])[0]
        return f"{where} would read {name}, which nothing records any more"
    revised_model = dataclasses.replace(model, processes={**model.processes, process.id: revised})
    errors = _errors(revised_model, revised, full)
    added = _key(errors) - _key(baseline)
    if added:
        message = next(m for c, e, m in sorted(errors, key=str) if (c, e) in added)
        return f"the revised procedure would not validate: {message}"
    return None


def check_suggestions(model: BpmnModel, process: Process, findings: list[Finding]) -> None:
    """Try every suggested change; withdraw those that break the procedure (in place).

    Procedures of up to :data:`FULL_VALIDATION_NODES` nodes (every real procedure we
    know) are changed on a copy and validated in full after each change (the engine's
    structural and data-flow checks), for up to :data:`MAX_FULL_CHECKS` suggestions, then
    with the quick data check. Larger procedures get the quick data check
    (:func:`quick_check`): a removed or merged step must not be the only one recording
    what a condition, script or form reads.
    """
    full = len(process.nodes) <= FULL_VALIDATION_NODES
    baseline = None
    use = None
    tried = 0
    for finding in findings:
        change = finding.suggested_change
        if not change or change.get("op") not in MODEL_CHANGES:
            continue
        tried += 1
        if full and tried <= MAX_FULL_CHECKS:
            if baseline is None:
                baseline = _errors(model, process, full)
            reason = try_change(model, process, change, baseline, full)
        else:
            use = use or _DataUse(process)
            reason = quick_check(process, change, use)
        evidence = list(finding.evidence or [])
        if reason is None and full and tried <= MAX_FULL_CHECKS:
            evidence.append(
                "the suggested change was applied to a copy and the revised procedure validates"
            )
        elif reason is None:
            evidence.append("the suggested change leaves every datum that is read recorded")
        else:
            finding.suggested_change = None
            finding.params["withdrawn"] = reason  # the page says it in the reader's words
            finding.explanation += WITHDRAWN["en"].format(withdrawn=reason)
            evidence.append(f"the suggested change was withdrawn: {reason}")
        finding.evidence = evidence
