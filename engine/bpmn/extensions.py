"""What permitflow reads from BPMN extension elements: forms, properties, service standard.

Forms are Camunda Modeler's ``camunda:formData``; properties are ``camunda:properties``
plus any ``pf:*`` attribute of an element; the service standard is
``<pf:serviceStandard>`` (see ``docs/bpmn-conventions.md``). SpiffArena's
``spiffworkflow:serviceTaskOperator`` is read as a connector call like ``pf:connector``.
Everything else other tools put in ``extensionElements`` (Signavio, Bizagi, Trisotech,
Zeebe...) is ignored.
"""

from __future__ import annotations

import re
import textwrap

from lxml import etree

from engine.bpmn.model import WHOLE_ANSWER, EnumValue, Fee, FormField, ServiceCall, ServiceStandard
from engine.bpmn.xml import CAMUNDA_NS, PF_NS, SPIFF_NS, bpmn, text_of

_EXTENSIONS = bpmn("extensionElements")


def camunda(local: str) -> str:
    return f"{{{CAMUNDA_NS}}}{local}"


def pf(local: str) -> str:
    return f"{{{PF_NS}}}{local}"


def extension_children(element, tag: str):
    """Children with ``tag`` of every ``extensionElements`` directly under ``element``."""
    for extensions in element.iterchildren(_EXTENSIONS):
        yield from extensions.iterchildren(tag)


#: pf: extension elements written back as read (the message contracts whole: the model
#: keeps only the names ``pf:messageData`` stores, not their payload fields)
KEPT = ("label", "documentTemplate", "messagePayload", "messageData")


def kept_extensions_of(element) -> tuple[str, ...]:
    """The element's ``pf:label``, ``pf:documentTemplate``, ``pf:messagePayload`` and
    ``pf:messageData`` children, as XML text."""
    kept = []
    for holder in element.iterchildren(bpmn("extensionElements")):
        for child in holder.iterchildren(*(pf(local) for local in KEPT)):
            kept.append(etree.tostring(child, encoding="unicode", with_tail=False))
    return tuple(kept)


def documentation_of(element) -> str:
    """The text of an element's ``bpmn:documentation`` children, joined by newlines."""
    texts = (text_of(doc) for doc in element.iterchildren(bpmn("documentation")))
    return "\n".join(text for text in texts if text)


def properties_of(element) -> dict[str, str]:
    """``camunda:property`` name/value pairs, Camunda assignment attributes and ``pf:*``.

    ``pf:sla="3"`` becomes ``{"sla": "3"}``; ``camunda:candidateGroups``,
    ``camunda:candidateUsers`` and ``camunda:assignee`` keep their local names.
    SpiffArena's ``spiffworkflow:property`` pairs are read like ``camunda:property``
    (e.g. ``formJsonSchemaFilename``: see :mod:`engine.bpmn.json_schema_forms`).
    """
    properties: dict[str, str] = {}
    containers = [
        *(
            c.iterchildren(camunda("property"))
            for c in extension_children(element, camunda("properties"))
        ),
        *(
            c.iterchildren(spiff("property"))
            for c in extension_children(element, spiff("properties"))
        ),
    ]
    for children in containers:
        for prop in children:
            name = prop.get("name") or prop.get("id")
            if name:
                properties[name] = prop.get("value", "")
    for attribute in ("candidateGroups", "candidateUsers", "assignee"):
        value = element.get(camunda(attribute))
        if value is not None:
            properties[attribute] = value
    prefix = f"{{{PF_NS}}}"
    for key, value in element.attrib.items():
        if key.startswith(prefix):
            properties[key[len(prefix) :]] = value
    return properties


def extension_script_texts_of(element) -> dict[str, str]:
    """SpiffArena's ``preScript``/``postScript`` texts by local name (empty ones left out).

    SpiffArena writes them as ``spiffworkflow:preScript``; any namespace is read, as for
    the names above, so a copy with another prefix is not silently ignored.
    """
    found: dict[str, str] = {}
    for extensions in element.iterchildren(_EXTENSIONS):
        for child in extensions.iterchildren(etree.Element):  # not comments
            name = child.tag.rsplit("}", 1)[-1]
            text = textwrap.dedent("".join(child.itertext())).strip()
            if name in ("preScript", "postScript") and text:
                found.setdefault(name, text)
    return found


def scripts_on_instances_of(characteristics) -> bool:
    """SpiffArena's ``scriptsOnInstances="true"`` on loop characteristics (any namespace):
    the activity's pre/post scripts run on every instance, not once around the loop."""
    return any(
        key.rsplit("}", 1)[-1] == "scriptsOnInstances" and value.strip().lower() == "true"
        for key, value in characteristics.attrib.items()
    )


def message_data_of(element) -> tuple[str, ...] | None:
    """The variable names ``<pf:messageData>`` says a message catch stores, or None."""
    found: list[str] | None = None
    for container in extension_children(element, pf("messageData")):
        found = found or []
        found.extend(
            f.get("name", "") for f in container.iterchildren(pf("field")) if f.get("name")
        )
    return tuple(found) if found is not None else None


def call_mappings_of(element) -> tuple[tuple, tuple] | None:
    """Camunda's ``camunda:in`` / ``camunda:out`` of a call activity, or None without any.

    Returns ``(inputs, outputs)``: inputs are ``(expression, target)`` pairs (``source``
    is a name, ``sourceExpression`` an expression; ``variables="all"`` is ``("*", "*")``;
    ``businessKey`` is left out), outputs ``(source, target)`` pairs (a name, or an
    expression on the called process's data).
    """
    inputs: list[tuple] = []
    outputs: list[tuple] = []
    found = False
    for tag, into in (("in", inputs), ("out", outputs)):
        for mapping in extension_children(element, camunda(tag)):
            found = True
            if mapping.get("variables") == "all":
                into.append(("*", "*"))
                continue
            source = mapping.get("source") or mapping.get("sourceExpression") or ""
            source = source.strip()
            if not source and mapping.get("businessKey") is not None:
                continue  # the called process runs in the caller's case, under its key
            if source.startswith("${") and source.endswith("}"):
                source = source[2:-1].strip()
            target = (mapping.get("target") or source).strip()
            into.append((source, target))
    return (tuple(inputs), tuple(outputs)) if found else None


def form_key_of(element) -> str | None:
    return element.get(camunda("formKey"))


def form_fields_of(element) -> tuple[FormField, ...]:
    """The ``camunda:formField`` entries of a user task or start event, in order."""
    fields: list[FormField] = []
    for form_data in extension_children(element, camunda("formData")):
        fields.extend(_form_field(field) for field in form_data.iterchildren(camunda("formField")))
    return tuple(fields)


def _form_field(field) -> FormField:
    constraints: dict[str, str] = {}
    for validation in field.iterchildren(camunda("validation")):
        for constraint in validation.iterchildren(camunda("constraint")):
            if constraint.get("name"):
                constraints[constraint.get("name")] = constraint.get("config", "")
    properties: dict[str, str] = {}
    for container in field.iterchildren(camunda("properties")):
        for prop in container.iterchildren(camunda("property")):
            key = prop.get("id") or prop.get("name")
            if key:
                properties[key] = prop.get("value", "")
    for flag in ("personal", "sensitive"):  # pf:personal="true" on the field itself
        if field.get(pf(flag)) is not None:
            properties[f"pf:{flag}"] = field.get(pf(flag))
    values = tuple(
        EnumValue(id=value.get("id", ""), name=value.get("name", value.get("id", "")))
        for value in field.iterchildren(camunda("value"))
    )
    field_id = field.get("id", "")
    return FormField(
        id=field_id,
        label=field.get("label") or field_id,
        type=field.get("type") or "string",
        default=field.get("defaultValue"),
        constraints=constraints,
        enum_values=values,
        properties=properties,
    )


def service_standard_of(process) -> ServiceStandard | None:
    """The process's ``<pf:serviceStandard>``, or None when it has none.

    A ``pf:maxDays`` that is not a whole number reads as None and an unreadable fee
    amount as 0; :func:`service_standard_issues` reports both.
    """
    for element in extension_children(process, pf("serviceStandard")):
        return ServiceStandard(
            code=element.get("code", ""),
            name=element.get("name", ""),
            description=_child_text(element, "description"),
            legal_basis=[text_of(e) for e in element.iterchildren(pf("legalBasis")) if text_of(e)],
            requirements=[
                text_of(e) for e in element.iterchildren(pf("requirement")) if text_of(e)
            ],
            requirement_attributes=[
                dict(e.attrib) for e in element.iterchildren(pf("requirement")) if text_of(e)
            ],
            procedure=_child_text(element, "procedure"),
            max_days=_as_int(_child_text(element, "maxDays")),
            fee=_fee(element.find(pf("fee"))),
            product=_child_text(element, "product"),
            complaint_channel=_child_text(element, "complaintChannel"),
            retention_years=_as_int(_child_text(element, "retentionYears")),
        )
    return None


def service_standard_issues(process) -> list[tuple[int | None, str]]:
    """(line, message) for values of ``<pf:serviceStandard>`` that cannot be read."""
    issues = []
    for element in extension_children(process, pf("serviceStandard")):
        max_days = element.find(pf("maxDays"))
        if max_days is not None and _as_int(text_of(max_days)) is None:
            issues.append(
                (
                    max_days.sourceline,
                    f"pf:maxDays must be a whole number of working days, not {text_of(max_days)!r}",
                )
            )
        fee = element.find(pf("fee"))
        if fee is not None and _as_float(fee.get("amount", "0")) is None:
            issues.append(
                (fee.sourceline, f"pf:fee amount must be a number, not {fee.get('amount')!r}")
            )
    return issues


def _child_text(element, local: str) -> str:
    return text_of(element.find(pf(local)))


def _fee(element) -> Fee:
    if element is None:
        return Fee()
    return Fee(
        amount=_as_float(element.get("amount", "0")) or 0.0,
        currency=element.get("currency") or "IDR",
        description=text_of(element),
    )


def _as_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _as_float(text: str) -> float | None:
    try:
        value = float(text.strip().replace("_", "x"))
    except ValueError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _as_spiff_text(element) -> str:
    """``element`` as XML text with the ``spiffworkflow:`` prefix and no namespace
    declaration, as quoted in a warning and wrapped again by the writer."""
    copy = etree.Element(element.tag, nsmap={"spiffworkflow": SPIFF_NS})
    for key, value in element.attrib.items():
        copy.set(key, value)
    text = etree.tostring(copy, encoding="unicode")
    return text.replace(f' xmlns:spiffworkflow="{SPIFF_NS}"', "", 1)


def spiff(local: str) -> str:
    return f"{{{SPIFF_NS}}}{local}"


def decision_ref_of(element) -> str | None:
    """The decision a business rule task calls: ``camunda:decisionRef``, or SpiffArena's
    ``spiffworkflow:calledDecisionId`` extension element; None when it names none."""
    ref = element.get(camunda("decisionRef"))
    if ref:
        return ref
    for called in extension_children(element, spiff("calledDecisionId")):
        if (called.text or "").strip():
            return called.text.strip()
    return None


def spiff_service_call_of(element, urls: tuple[str, ...] = ()) -> ServiceCall | None:
    """SpiffArena's ``spiffworkflow:serviceTaskOperator`` as a connector call, or None.

    The operator id ``"weather/CurrentTemp"`` names connector ``weather`` and operation
    ``current_temp`` (registered names are lower case with ``_``); each
    ``spiffworkflow:parameter`` is an input (its ``value`` an expression, as
    ``pf:input``'s); ``resultVariable`` takes the whole answer. A ``spiffworkflow:retry``
    is kept in ``ignored``: the connector's registered retry policy applies.
    """
    for operator in extension_children(element, spiff("serviceTaskOperator")):
        operator_id = (operator.get("id") or "").strip()
        connector, _, operation = operator_id.partition("/")
        inputs = tuple(
            ((p.get("id") or "").strip(), (p.get("value") or "").strip())
            for holder in operator.iterchildren(spiff("parameters"))
            for p in holder.iterchildren(spiff("parameter"))
        )
        result = (operator.get("resultVariable") or "").strip()
        ignored = tuple(  # as written, its attributes escaped (the writer reads it back)
            _as_spiff_text(retry) for retry in operator.iterchildren(spiff("retry"))
        )
        return ServiceCall(
            connector=f"{connector.strip().lower()}.{_snake_case(operation.strip())}"
            if connector.strip() and operation.strip()
            else "",
            inputs=inputs,
            outputs=((result, WHOLE_ANSWER),) if result else (),
            urls=urls,
            spiff_operator=operator_id,
            ignored=ignored,
        )
    return None


def _snake_case(name: str) -> str:
    """``CurrentTemp`` -> ``current_temp``, ``GetRequestV2`` -> ``get_request_v2``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").lower()
