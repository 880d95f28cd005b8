"""Uploaded BPMN files waiting to be deployed, and how they differ from the deployed version.

A draft is the uploaded bytes plus a small JSON note under ``instance/drafts``, named
by a random token. The comparison uses :func:`engine.bpmn.diff.diff_models` when it is
installed, else a simpler element comparison of the main processes.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from engine.bpmn.diff import diff_models
from engine.bpmn.model import BpmnModel
from engine.calendar import clock

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")


@dataclass
class Draft:
    token: str
    source: str
    uploaded_by: str
    uploaded_at: str
    data: bytes


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "drafts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_draft(data: bytes, source: str, uploaded_by: str) -> str:
    token = secrets.token_urlsafe(18)
    (_folder() / f"{token}.bpmn").write_bytes(data)
    note = {"source": source, "uploaded_by": uploaded_by, "uploaded_at": clock.now().isoformat()}
    (_folder() / f"{token}.json").write_text(json.dumps(note))
    return token


def load_draft(token: str) -> Draft | None:
    if not _TOKEN.match(token or ""):
        return None
    path = _folder() / f"{token}.bpmn"
    if not path.is_file():
        return None
    note = json.loads((_folder() / f"{token}.json").read_text())
    return Draft(token, note["source"], note["uploaded_by"], note["uploaded_at"], path.read_bytes())


def list_drafts(limit: int = 20) -> list[Draft]:
    """The newest drafts waiting for a designer (e.g. revised diagrams sent by reformers)."""
    notes = sorted(_folder().glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    drafts = (load_draft(note.stem) for note in notes[:limit])
    return [d for d in drafts if d is not None]


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
