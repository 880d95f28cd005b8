"""What changed between two versions of a procedure, element by element.

The designer's "compare with the deployed version" page shows it: flow nodes and
sequence flows added, removed or changed (with each changed attribute), lanes added,
removed or changed, and the service standard's changes. Elements are matched by their
BPMN id; every list comes sorted, so the same two models always give the same diff.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.bpmn.model import (
    BpmnModel,
    FormField,
    Lane,
    Node,
    Process,
    SequenceFlow,
    ServiceStandard,
)

FLOW_KIND = "sequenceFlow"
LANE_KIND = "lane"


@dataclass(frozen=True)
class FieldChange:
    """One attribute that differs; ``old`` is None for additions, ``new`` for removals."""

    field: str
    old: Any
    new: Any


@dataclass
class ElementChange:
    """A node, sequence flow or lane that was added, removed or changed."""

    element_id: str
    kind: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ModelDiff:
    """The differences between an old and a new version of one process."""

    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)
    service_standard: list[FieldChange] = field(default_factory=list)
    lanes_added: list[ElementChange] = field(default_factory=list)
    lanes_removed: list[ElementChange] = field(default_factory=list)
    lanes_changed: list[ElementChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in _LIST_FIELDS)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, with ``is_empty``."""
        result: dict[str, Any] = {
            name: [asdict(c) for c in getattr(self, name)] for name in _LIST_FIELDS
        }
        result["is_empty"] = self.is_empty
        return result


_LIST_FIELDS = (
    "added",
    "removed",
    "changed",
    "service_standard",
    "lanes_added",
    "lanes_removed",
    "lanes_changed",
)


def diff_models(old: BpmnModel, new: BpmnModel, process_id: str | None = None) -> ModelDiff:
    """Compare process ``process_id`` (default: each model's main process) of two models."""
    old_process = _process(old, process_id)
    new_process = _process(new, process_id)
    result = ModelDiff()
    _diff_elements(
        result, old_process.nodes, new_process.nodes, _node_comparer(old_process, new_process)
    )
    _diff_elements(
        result, old_process.flows, new_process.flows, lambda a, b: _compare(_flow(a), _flow(b))
    )
    _diff_lanes(result, old_process.lanes, new_process.lanes)
    result.service_standard = _diff_standard(
        old_process.service_standard or ServiceStandard(),
        new_process.service_standard or ServiceStandard(),
    )
    for name in ("added", "removed", "changed"):
        getattr(result, name).sort(key=lambda c: (c.kind == FLOW_KIND, c.element_id))
    return result


def _process(model: BpmnModel, process_id: str | None) -> Process:
    if process_id is None:
        return model.main_process()
    return model.processes.get(process_id) or Process(id=process_id)


def _diff_elements(result: ModelDiff, old: dict, new: dict, compare) -> None:
    """Added, removed and changed entries of two id -> element mappings."""
    for element_id in sorted(new.keys() - old.keys()):
        result.added.append(_element(new[element_id]))
    for element_id in sorted(old.keys() - new.keys()):
        result.removed.append(_element(old[element_id]))
    for element_id in sorted(old.keys() & new.keys()):
        changes = compare(old[element_id], new[element_id])
        if changes:
            result.changed.append(_element(new[element_id], changes))


def _element(item: Node | SequenceFlow, changes: list[FieldChange] | None = None) -> ElementChange:
    kind = item.kind if isinstance(item, Node) else FLOW_KIND
    return ElementChange(item.id, kind, item.name, changes or [])


def _compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Field changes of two flat summaries, in the summaries' key order."""
    keys = list(old) + [k for k in new if k not in old]
    return [FieldChange(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def _node_comparer(old_process: Process, new_process: Process):
    """A function listing the changes of a node present in both versions."""

    def compare(old: Node, new: Node) -> list[FieldChange]:
        changes = _compare(_node(old_process, old), _node(new_process, new))
        return changes + _form_changes(old.form_fields, new.form_fields)

    return compare


def _node(process: Process, node: Node) -> dict[str, Any]:
    """A node's comparable attributes (its lane by name: lane ids are rarely meaningful)."""
    lane = process.lanes.get(node.lane_id) if node.lane_id else None
    values: dict[str, Any] = {
        "kind": node.kind,
        "name": node.name,
        "lane": (lane.name or lane.id) if lane else None,
        "parent": node.parent_id,
        "event_definitions": list(node.event_definitions),
        "timer": f"{node.timer.kind} {node.timer.expression}" if node.timer else None,
        "message": ", ".join(node.message_refs) if len(node.message_refs) > 1 else node.message_ref,
        "parallel_multiple": node.parallel_multiple or None,
        "attached_to": node.attached_to,
        "cancel_activity": node.cancel_activity if node.attached_to else None,
        "default_flow": node.default_flow,
        "script": node.script,
        "pre_script": node.pre_script,
        "post_script": node.post_script,
        "called_element": node.called_element,
        "form_key": node.form_key,
    }
    values.update({f"property.{k}": v for k, v in sorted(node.properties.items())})
    return values


def _form_changes(old: tuple[FormField, ...], new: tuple[FormField, ...]) -> list[FieldChange]:
    """Form fields added or removed (``form.<id>``) and changed (``form.<id>.<attribute>``)."""
    before = {f.id: f for f in old}
    after = {f.id: f for f in new}
    changes = [FieldChange(f"form.{f.id}", None, _describe(f)) for f in new if f.id not in before]
    changes += [FieldChange(f"form.{f.id}", _describe(f), None) for f in old if f.id not in after]
    for f in new:
        if f.id in before:
            changes += _compare(_form_field(before[f.id]), _form_field(f))
    return changes


def _describe(f: FormField) -> str:
    return f"{f.label or f.id} ({f.type}{', required' if f.required else ''})"


def _form_field(f: FormField) -> dict[str, Any]:
    prefix = f"form.{f.id}."
    others = {k: v for k, v in sorted(f.constraints.items()) if k != "required"}
    return {
        prefix + "label": f.label,
        prefix + "type": f.type,
        prefix + "required": f.required,
        prefix + "default": f.default,
        prefix + "options": [v.id for v in f.enum_values],
        prefix + "constraints": others,
    }


def _flow(flow: SequenceFlow) -> dict[str, Any]:
    return {
        "source": flow.source,
        "target": flow.target,
        "name": flow.name,
        "condition": flow.condition,
    }


def _diff_lanes(result: ModelDiff, old: dict[str, Lane], new: dict[str, Lane]) -> None:
    def lane(item: Lane, changes: list[FieldChange] | None = None) -> ElementChange:
        return ElementChange(item.id, LANE_KIND, item.name, changes or [])

    result.lanes_added = [lane(new[i]) for i in sorted(new.keys() - old.keys())]
    result.lanes_removed = [lane(old[i]) for i in sorted(old.keys() - new.keys())]
    for lane_id in sorted(old.keys() & new.keys()):
        before, after = old[lane_id], new[lane_id]
        changes = _compare(
            {"name": before.name, "role": before.role}, {"name": after.name, "role": after.role}
        )
        if changes:
            result.lanes_changed.append(lane(after, changes))


def _diff_standard(old: ServiceStandard, new: ServiceStandard) -> list[FieldChange]:
    """Scalar fields as changes; requirements and legal basis item by item."""
    changes: list[FieldChange] = []
    for name, label in (("requirements", "requirement"), ("legal_basis", "legal basis")):
        before, after = getattr(old, name), getattr(new, name)
        changes += [
            FieldChange(f"{label} added", None, item) for item in after if item not in before
        ]
        changes += [
            FieldChange(f"{label} removed", item, None) for item in before if item not in after
        ]
    flat_old, flat_new = old.as_dict(), new.as_dict()
    for dct in (flat_old, flat_new):
        dct.pop("requirements")
        dct.pop("legal_basis")
        for key, value in dct.pop("fee").items():
            dct[f"fee.{key}"] = value
    return changes + _compare(flat_old, flat_new)
