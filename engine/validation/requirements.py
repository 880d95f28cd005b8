"""The service standard's requirements against the start form, for :mod:`engine.validation.process`.

Each ``pf:requirement`` names the start-form field that asks for it (``field="..."``),
or says it is checked elsewhere (``checkedAt="counter"``).
A warning is given when the two disagree: an upload of the start form that no
requirement lists, a requirement the form asks nothing for, or a requirement naming a
field the start form does not have. (Citizens read the standard and then fill in the
form; six required documents against two upload fields leave them guessing.)
"""

from __future__ import annotations

from engine.bpmn.extensions import extension_children, pf
from engine.bpmn.model import BpmnModel
from engine.bpmn.xml import bpmn, text_of
from engine.errors import Problem


def _start_fields(model: BpmnModel, process_id: str) -> dict:
    process = model.processes.get(process_id)
    if process is None:
        return {}
    for node in process.start_events():
        if not node.event_definitions:
            return {field.id: field for field in node.form_fields}
    return {}


def requirement_problems(root, model: BpmnModel, source: str) -> list[Problem]:
    """Warnings where a process's requirements and its start form's fields disagree."""
    problems: list[Problem] = []
    for process in root.iterchildren(bpmn("process")):
        fields = _start_fields(model, process.get("id", ""))
        for standard in extension_children(process, pf("serviceStandard")):
            requirements = list(standard.iterchildren(pf("requirement")))
            if not requirements or not fields:
                continue
            named = set()
            for requirement in requirements:
                text, field_id = text_of(requirement)[:80], requirement.get("field", "")
                if requirement.get("checkedAt"):  # shown at the counter, not uploaded
                    continue
                if not field_id:
                    message = (
                        f"the service standard requires {text!r}, but names no start-form "
                        'field asking for it (add field="..." to the pf:requirement)'
                    )
                elif field_id not in fields:
                    message = (
                        f"the requirement {text!r} names the field {field_id!r}, which the "
                        "start form does not have"
                    )
                else:
                    named.add(field_id)
                    continue
                problems.append(_warning(message, process, requirement, source))
            for field in fields.values():
                if field.type == "file" and field.id not in named:
                    message = (
                        f"the start form asks for the upload {field.label!r} ({field.id}), "
                        "which no requirement of the service standard lists"
                    )
                    problems.append(_warning(message, process, standard, source))
    return problems


def _warning(message: str, process, element, source: str) -> Problem:
    return Problem(
        "warning",
        "requirements_mismatch",
        message,
        process.get("id"),
        process.get("name"),
        element.sourceline,
        source,
    )
