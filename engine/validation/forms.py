"""Design checks of Camunda form fields, for :mod:`engine.validation.process`.

:mod:`engine.office.forms` ignores a constraint it cannot read so people can still submit;
these checks tell the designer about it when the file is validated or deployed.
"""

from __future__ import annotations

from datetime import date

from engine.bpmn.model import FormField, Node
from engine.office.forms import parse_number, parse_whole, pattern_problem

# "textarea" (Camunda Platform's and SpiffWorkflow's long text) is a string the web form
# shows as a <textarea>; engine.office.forms checks and stores it as a string
FIELD_TYPES = frozenset({"string", "textarea", "long", "double", "boolean", "date", "enum", "file"})
KNOWN_CONSTRAINTS = frozenset(
    {"required", "readonly", "minlength", "maxlength", "min", "max", "pattern"}
)

#: SpiffArena's property naming the JSON-schema file a task's form is drawn from
SPIFF_FORM_SCHEMA = "formJsonSchemaFilename"

# (severity, code, message); severity "error" means "error when executing"
FormIssue = tuple[str, str, str]


def form_issues(node: Node) -> list[FormIssue]:
    """Everything wrong with the form fields of ``node``, in field order."""
    issues: list[FormIssue] = []
    schema = node.properties.get(SPIFF_FORM_SCHEMA)
    if schema is not None and not node.form_fields:
        if node.properties.get("formSchema") == "unread":  # found beside it, not readable
            issues.append(("error", "json_schema_form", _json_schema_form(node, schema)))
        else:
            issues.append(("warning", "json_schema_form_missing", _missing_form(node, schema)))
    seen: set[str] = set()
    for field in node.form_fields:
        name = f"Form field {field.id or field.label!r} of {node.label!r}"
        if not field.id:
            issues.append(("error", "invalid_form_field", f"{name} has no id"))
        elif field.id in seen:
            issues.append(("error", "invalid_form_field", f"{name} is defined twice"))
        seen.add(field.id)
        issues.extend(_field_issues(field, name))
    return issues


def _json_schema_form(node: Node, schema: str) -> str:
    """Why a SpiffArena JSON-schema form is refused, and what to write instead."""
    return (
        f"{node.kind} {node.label!r} takes its form from the JSON-schema file {schema!r} "
        "(SpiffArena's spiffworkflow:property formJsonSchemaFilename), and no form fields "
        "could be read from it: what the form asks would be lost. permitflow deploy and "
        "validate read a flat schema of strings, numbers, booleans, dates and string enums "
        "from beside the BPMN file; for anything else (lists, nested objects) write each "
        "field in the task as a camunda:formField inside camunda:formData, e.g. "
        '<camunda:formField id="size" label="Size" type="string"/> '
        "(types: string, long, double, boolean, date, enum, file)"
    )


def _missing_form(node: Node, schema: str) -> str:
    """A SpiffArena form whose JSON-schema file did not come with the BPMN file."""
    return (
        f"{node.kind} {node.label!r} takes its form from the JSON-schema file {schema!r} "
        "(SpiffArena's spiffworkflow:property formJsonSchemaFilename), which did not come "
        "with this file: the task shows no fields and asks nothing. Deploy the process "
        "model's folder with permitflow deploy (a flat schema beside the file is read into "
        "form fields), or write each field in the task as a camunda:formField"
    )


def _field_issues(field: FormField, name: str) -> list[FormIssue]:
    issues = []
    if field.type not in FIELD_TYPES:
        issues.append(
            (
                "error",
                "invalid_form_field",
                f"{name} has type {field.type!r}; use one of {', '.join(sorted(FIELD_TYPES))}",
            )
        )
    if field.type == "enum" and not field.enum_values:
        issues.append(("error", "invalid_form_field", f"{name} is an enum without values"))
    for constraint, config in field.constraints.items():
        if constraint not in KNOWN_CONSTRAINTS:
            issues.append(
                (
                    "warning",
                    "unknown_form_constraint",
                    f"{name} has constraint {constraint!r}, which permitflow ignores",
                )
            )
            continue
        problem = _config_problem(field, constraint, config.strip())
        if problem:
            issues.append(("error", "invalid_form_field", f"{name}: {problem}"))
    return issues


def _config_problem(field: FormField, constraint: str, config: str) -> str | None:
    if constraint in ("minlength", "maxlength"):
        try:
            parse_whole(config)  # ASCII digits: "²".isdigit() is True, yet no length
        except ValueError:
            return f"{constraint} must be a whole number in digits 0-9, not {config!r}"
    if constraint in ("min", "max"):
        return _bound_problem(field, constraint, config)
    if constraint == "pattern":
        return pattern_problem(config)
    return None


def _bound_problem(field: FormField, constraint: str, config: str) -> str | None:
    try:
        if field.type == "date":
            date.fromisoformat(config)
        else:
            parse_number(config)
    except ValueError:
        wanted = "a date YYYY-MM-DD" if field.type == "date" else "a number in digits 0-9"
        return f"{constraint} must be {wanted}, not {config!r}"
    return None
