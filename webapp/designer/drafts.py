"""Uploaded BPMN files waiting to be deployed, and how they differ from the deployed version.

Drafts are kept in the database by :mod:`engine.office.drafts`, named by a random
token; the comparison uses :func:`engine.bpmn.diff.diff_models`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import services
from engine.services import BpmnModel, diff_models
from webapp.database import commit, get_session


def save_draft(data: bytes, source: str, uploaded_by: str) -> str:
    """Keep an upload as a draft (committed at once, so any app process sees it)."""
    token = services.drafts.save_draft(get_session(), data, source, uploaded_by)
    commit()
    return token


def load_draft(token: str):
    return services.drafts.load_draft(get_session(), token)


def list_drafts(limit: int = 20) -> list:
    """The newest drafts waiting for a designer (e.g. revised diagrams sent by reformers);
    the DMN files kept with a BPMN draft are part of it, not drafts of their own."""
    rows = services.drafts.list_drafts(get_session(), limit)
    return [d for d in rows if not services.decision_drafts.is_attached(d)]


@dataclass
class Change:
    id: str
    name: str = ""
    detail: str = ""


@dataclass
class Comparison:
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    standard: list[tuple[str, Any, Any]] = field(default_factory=list)

    def new_markers(self) -> dict[str, str]:
        """Diagram markers for the revised diagram: added and changed elements."""
        markers = {c.id: "diff-added" for c in self.added}
        return markers | {c.id: "diff-changed" for c in self.changed}

    def old_markers(self) -> dict[str, str]:
        """Diagram markers for the deployed diagram: removed and changed elements."""
        markers = {c.id: "diff-removed" for c in self.removed}
        return markers | {c.id: "diff-changed" for c in self.changed}

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.standard)


def compare(old: BpmnModel, new: BpmnModel) -> Comparison:
    return _normalize(diff_models(old, new).as_dict())


def _describe(changes: list[dict[str, Any]]) -> str:
    parts = []
    for change in changes:
        old, new = change.get("old"), change.get("new")
        parts.append(
            f"{change.get('field')}: {old!s:.40} → {new!s:.40}"
            if old is not None and new is not None
            else str(change.get("field"))
        )
    return "; ".join(parts)


def _change(item: dict[str, Any]) -> Change:
    return Change(
        str(item.get("element_id", "")),
        str(item.get("name") or ""),
        _describe(item.get("changes") or []),
    )


def _normalize(raw: dict[str, Any]) -> Comparison:
    """:meth:`engine.bpmn.diff.ModelDiff.as_dict` as a :class:`Comparison` (lanes included)."""
    result = Comparison(
        [_change(i) for i in raw["added"] + raw.get("lanes_added", [])],
        [_change(i) for i in raw["removed"] + raw.get("lanes_removed", [])],
        [_change(i) for i in raw["changed"] + raw.get("lanes_changed", [])],
    )
    result.standard = [
        (c.get("field", ""), c.get("old"), c.get("new")) for c in raw.get("service_standard", [])
    ]
    return result
