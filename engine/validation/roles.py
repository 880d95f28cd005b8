"""Role keys of lanes and tasks must not be the office's system roles.

A lane's role key (``pf:role``, else its slugified name) or a task's
``camunda:candidateGroups``/``assignee`` decides which clerks work on its tasks and
read its cases' documents. Were it ``designer``, ``reformer`` or ``admin``, whoever
deploys a BPMN file (a designer) could hand themselves the cases of that lane by
migrating them into such a version: the security review's finding 3. Validation and
deployment refuse it (:mod:`engine.validation.process`), and so does case migration
(:mod:`engine.workflow.migration`).
"""

from __future__ import annotations

import unicodedata

from engine.accounts.users import SYSTEM_ROLES
from engine.bpmn.model import BpmnModel, Lane, Node, Process

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LOOKALIKE = str.maketrans({"а": "a", "е": "e", "і": "i", "о": "o", "р": "p", "с": "c", "ѕ": "s"})


def is_system_role(role: str | None) -> bool:
    """Whether ``role`` names a system role, or looks like one: case, surrounding spaces,
    compatibility forms (fullwidth letters, the long s, the Kelvin sign), invisible
    characters and Cyrillic look-alike letters are ignored."""
    text = unicodedata.normalize("NFKC", role or "").translate(_INVISIBLE)
    return text.strip().casefold().translate(_LOOKALIKE) in SYSTEM_ROLES


def system_role_issues(process: Process) -> list[tuple[str, Lane | Node]]:
    """(message, element) for each lane or lane-less task whose role is a system role."""
    issues: list[tuple[str, Lane | Node]] = []
    for lane in process.lanes.values():
        if is_system_role(lane.role):
            issues.append(
                (
                    f"Lane {lane.name or lane.id!r} has the role {lane.role!r}, a system role "
                    f"({', '.join(SYSTEM_ROLES)}); give it a role key of its own with pf:role",
                    lane,
                )
            )
    for node in process.nodes.values():
        if node.is_human and node.lane_id is None and is_system_role(node.assigned_role):
            issues.append(
                (
                    f"{node.kind} {node.label!r} names the system role {node.assigned_role!r} "
                    "in camunda:candidateGroups or assignee; name a lane role instead",
                    node,
                )
            )
    return issues


def system_roles_in(model: BpmnModel) -> list[str]:
    """The messages of :func:`system_role_issues` over every process of ``model``."""
    return [message for p in model.processes.values() for message, _ in system_role_issues(p)]
