"""Checks of the documents a procedure issues, for :mod:`engine.validation.process`.

Every ``pf:documentTemplate`` must name a template file that came with the BPMN and
can be read; every placeholder in it must be a value the process sets (a form field or
a script's assignment) or one the engine gives (:data:`ENGINE_NAMES`); every
``pf:issues`` must name a declared template, with a usable ``pf:numberFormat`` and
``pf:validity``.
"""

from __future__ import annotations

from engine.bpmn.model import BpmnModel
from engine.errors import Problem
from engine.expressions import language as expressions
from engine.office import numbering
from engine.office.pdf import DocumentError, placeholders
from engine.office.templates import ENGINE_NAMES, declared, href_problem, resolve
from engine.office.validity import validity_problem


def _names_set(model: BpmnModel) -> set[str]:
    names: set[str] = set()
    for process in model.processes.values():
        for node in process.nodes.values():
            names.update(field.id for field in node.form_fields)
            for script in (node.script, node.pre_script, node.post_script):
                if script:
                    try:
                        names |= expressions.names_written(script)
                    except Exception:  # noqa: BLE001 - the script check reports it
                        pass
    return names


def template_problems(
    root, model: BpmnModel, source: str, supplied: dict[str, str] | None = None
) -> list[Problem]:
    """Problems with the document templates and issuing elements of ``model``."""
    problems: list[Problem] = []

    def error(code: str, message: str, element_id=None, name=None, line=None) -> None:
        problems.append(Problem("error", code, message, element_id, name, line, source))

    templates = declared(root)
    known = _names_set(model) | ENGINE_NAMES
    for name, (href, line) in templates.items():
        label = f"pf:documentTemplate {name!r}"
        if not name:
            error("invalid_document_template", f"{label} has no name", line=line)
        bad_href = href_problem(href)
        if bad_href:
            error("invalid_document_template", f"{label} {bad_href}", line=line)
            continue
        text = resolve(href, supplied)
        if text is None:
            error(
                "missing_document_template",
                f"{label}: the template file {href} was not supplied; "
                "upload it beside the BPMN (or put it next to the file)",
                line=line,
            )
            continue
        try:
            unknown = sorted(placeholders(text, href) - known)
        except DocumentError as exc:
            error("invalid_document_template", f"{label}: {exc.message}", line=line)
            continue
        for placeholder in unknown:
            error(
                "unknown_placeholder",
                f"{href} uses {{{{ {placeholder} }}}}, but the process never sets "
                f"{placeholder!r} (no form field or script assigns it)",
                line=line,
            )
    for process in model.processes.values():
        for node in process.nodes.values():
            problems.extend(_issuing_problems(node, templates, source))
    return problems


def _issuing_problems(node, templates: dict, source: str) -> list[Problem]:
    properties = node.properties
    if "issues" not in properties:
        return []
    found = []
    name = properties["issues"]
    if name not in templates:
        found.append(f"pf:issues={name!r} names no pf:documentTemplate of the process")
    problem = numbering.format_problem(properties.get("numberFormat", numbering.DEFAULT_FORMAT))
    if problem:
        found.append(problem)
    if properties.get("validity"):
        problem = validity_problem(properties["validity"])
        if problem:
            found.append(problem)
    return [
        Problem("error", "invalid_issuing", message, node.id, node.name, node.line, source)
        for message in found
    ]
