"""SpiffArena's JSON-schema forms, read from beside the BPMN file into Camunda form fields.

SpiffArena keeps a user task's form in a JSON-schema file next to the BPMN file
(``<spiffworkflow:property name="formJsonSchemaFilename" value="x-schema.json"/>``).
permitflow runs forms written as ``camunda:formData``; :func:`inline_forms` writes the
schema's fields into the task that way when the BPMN file is deployed or validated from
disk (``permitflow deploy`` / ``validate``), so the deployed version holds its forms.

Read: a flat ``object`` schema whose properties are ``string`` (``format: date`` is a
date, ``data-url`` a file), ``integer`` (long), ``number`` (double), ``boolean``, or a
string ``enum`` / ``oneOf`` of ``const`` and ``title``; ``title`` is the label, the
schema's ``required`` list, ``default``, ``minLength``, ``maxLength``, ``minimum``,
``maximum``, ``pattern`` and ``readOnly`` become the field's default and constraints.
A schema with anything else (nested objects, arrays, ``$ref``...), or a file that is no
JSON, is left alone and the task marked ``pf:formSchema="unread"``: it keeps its refusal
(:mod:`engine.validation.forms`), which says what to write. A schema file that is not
beside the BPMN file (a single file uploaded on the web) only warns: the task runs
without fields, as SpiffWorkflow runs it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

from engine.bpmn.xml import CAMUNDA_NS, PF_NS, SPIFF_NS, bpmn, parse_xml
from engine.errors import InvalidBpmn

SCHEMA_PROPERTY = "formJsonSchemaFilename"
UNREAD = "unread"  # pf:formSchema of a task whose schema file was found but not read
_MISSING = object()
MAX_SCHEMA_BYTES = 256 * 1024
_TYPES = {"integer": "long", "number": "double", "boolean": "boolean"}
_FORMATS = {"date": "date", "data-url": "file"}
_CONSTRAINTS = {"minLength": "minlength", "maxLength": "maxlength", "minimum": "min"}
_CONSTRAINTS |= {"maximum": "max", "pattern": "pattern"}


def inline_forms(data: bytes, folder: Path, source: str) -> bytes:
    """``data`` with each JSON-schema form found in ``folder`` written as form fields;
    ``data`` itself when there is none (or the file is no BPMN: deploy says why)."""
    try:
        root = parse_xml(data, source)
    except InvalidBpmn:
        return data
    changed = False
    for prop in list(root.iter(f"{{{SPIFF_NS}}}property")):
        extensions = prop.getparent().getparent() if prop.getparent() is not None else None
        if prop.get("name") != SCHEMA_PROPERTY or extensions is None:
            continue
        if extensions.tag != bpmn("extensionElements"):
            continue
        if extensions.find(f"{{{CAMUNDA_NS}}}formData") is not None:
            continue  # the designer wrote the fields already
        schema = _read_schema(folder, prop.get("value") or "")
        if schema is _MISSING:
            continue  # validation warns: the task runs without fields
        try:
            form_data = _form_data(schema)
        except ValueError:  # lxml refuses a NUL or control character the JSON may hold
            form_data = None
        if form_data is not None:
            extensions.append(form_data)
        elif extensions.getparent() is not None:
            extensions.getparent().set(f"{{{PF_NS}}}formSchema", UNREAD)
        changed = True
    if not changed:
        return data
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _read_schema(folder: Path, name: str) -> Any:
    """The JSON of the schema file ``name`` (a plain file name) in ``folder``; None when
    it cannot be read (too large, no JSON), ``_MISSING`` when there is no such file."""
    if not name or Path(name).name != name or name.startswith("."):
        return _MISSING
    path = folder / name
    try:
        if path.is_symlink() or path.resolve().parent != folder.resolve():
            return None  # a link out of the folder (another office's files, /etc...)
        if not path.is_file():
            return _MISSING
        if path.stat().st_size > MAX_SCHEMA_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _form_data(schema: Any):
    """``camunda:formData`` for ``schema``, or None when a property cannot be a field."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return None
    listed = schema.get("required")
    required = {str(r) for r in listed} if isinstance(listed, list) else set()
    fields = [_field(name, spec, name in required) for name, spec in schema["properties"].items()]
    if not fields or any(f is None for f in fields):
        return None
    form_data = etree.Element(f"{{{CAMUNDA_NS}}}formData", nsmap={"camunda": CAMUNDA_NS})
    form_data.extend(fields)
    return form_data


def _field(name: str, spec: Any, required: bool):
    if not isinstance(spec, dict) or not name.isidentifier():
        return None
    values = _enum_values(spec)
    if values is None:
        return None
    kind = "enum" if values else _kind(spec)
    if kind is None:
        return None
    field = etree.Element(f"{{{CAMUNDA_NS}}}formField", nsmap={"camunda": CAMUNDA_NS})
    field.set("id", name)
    field.set("label", str(spec.get("title") or name))
    field.set("type", kind)
    default = spec.get("default")
    if isinstance(default, bool):
        field.set("defaultValue", "true" if default else "false")
    elif isinstance(default, (str, int, float)):
        field.set("defaultValue", str(default))
    constraints = [("required", "")] if required else []
    constraints += [(_CONSTRAINTS[k], str(v)) for k, v in spec.items() if k in _CONSTRAINTS]
    constraints += [("readonly", "")] if spec.get("readOnly") is True else []
    if constraints:
        validation = etree.SubElement(field, f"{{{CAMUNDA_NS}}}validation")
        for constraint, config in constraints:
            element = etree.SubElement(validation, f"{{{CAMUNDA_NS}}}constraint", name=constraint)
            if config:
                element.set("config", config)
    for value, label in values:
        etree.SubElement(field, f"{{{CAMUNDA_NS}}}value", id=value, name=label)
    return field


def _kind(spec: dict) -> str | None:
    if spec.get("type") == "string":
        return _FORMATS.get(str(spec.get("format")), "string")
    return _TYPES.get(str(spec.get("type")))


def _enum_values(spec: dict) -> list[tuple[str, str]] | None:
    """``[(value, label)]`` of a string enum (``[]`` when none); None when it is not one
    permitflow can show (values that are no strings, or a oneOf without ``const``)."""
    if "enum" in spec:
        values = spec["enum"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return None
        names = spec.get("enumNames")
        names = names if isinstance(names, list) else []
        # a value without a name (enumNames shorter, or none) is shown as itself
        return [(v, str(names[i]) if i < len(names) else v) for i, v in enumerate(values)]
    options = spec.get("oneOf") or spec.get("anyOf")
    if options is None:
        return [] if spec.get("type") != "array" and "$ref" not in spec else None
    if not isinstance(options, list) or not all(
        isinstance(o, dict) and isinstance(o.get("const"), str) for o in options
    ):
        return None
    return [(o["const"], str(o.get("title") or o["const"])) for o in options]
