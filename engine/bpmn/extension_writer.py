"""The extension elements the writer writes: Camunda's, permitflow's (``pf:``) and SpiffArena's.

The inverse of :mod:`engine.bpmn.extensions` for :mod:`engine.bpmn.writer`: forms,
properties, service calls (``pf:connector`` mappings or SpiffArena's
``serviceTaskOperator``), call mappings, message data, pre- and post-scripts, the
``pf:serviceStandard`` and the extension elements kept as read (``pf:label``...).
SpiffArena's namespace is declared on the elements that use it, as SpiffArena writes it.
"""

from __future__ import annotations

import re

from lxml import etree

from engine.bpmn.model import FormField, Node, ServiceStandard
from engine.bpmn.xml import BPMN_NS, CAMUNDA_NS, PF_NS, SPIFF_NS

BPMN, CAMUNDA, PF, SPIFF = BPMN_NS, CAMUNDA_NS, PF_NS, SPIFF_NS
XSI = "http://www.w3.org/2001/XMLSchema-instance"
FORM_KINDS = {"startEvent", "userTask"}
# node properties written as camunda attributes; every other one is a camunda:property
CAMUNDA_ATTRIBUTES = ("candidateGroups", "candidateUsers", "assignee")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")  # a camunda:in source written as a name


def q(ns: str, tag: str) -> str:
    """The Clark name ``{ns}tag`` lxml uses."""
    return f"{{{ns}}}{tag}"


def sub(
    parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs
) -> etree._Element:
    """Append a child element; attributes whose value is ``None`` are left out."""
    element = etree.SubElement(parent, q(ns, tag))
    for key, value in attrs.items():
        if value is not None:
            element.set(key, value)
    if text is not None:
        element.text = text
    return element


def write_kept(element: etree._Element, kept: tuple[str, ...]) -> None:
    """Append extension elements kept as read (``pf:label``...) to ``extensionElements``."""
    if not kept:
        return
    holder = element.find(q(BPMN, "extensionElements"))
    if holder is None:
        holder = sub(element, BPMN, "extensionElements")
    for text in kept:
        holder.append(parse_kept(text))


def parse_kept(text: str) -> etree._Element:
    """An element kept as XML text, parsed again (no entities, DTD or network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(text, parser)


def service_standard_element(standard: ServiceStandard) -> etree._Element:
    """``<pf:serviceStandard>`` as described in ``docs/bpmn-conventions.md``."""
    element = etree.Element(q(PF, "serviceStandard"))
    element.set("code", standard.code)
    element.set("name", standard.name)
    if standard.description:
        sub(element, PF, "description", standard.description)
    for item in standard.legal_basis:
        sub(element, PF, "legalBasis", item)
    attributes = standard.requirement_attributes
    for index, item in enumerate(standard.requirements):
        requirement = sub(element, PF, "requirement", item)
        for key, value in (attributes[index] if index < len(attributes) else {}).items():
            requirement.set(key, value)
    if standard.procedure:
        sub(element, PF, "procedure", standard.procedure)
    if standard.max_days is not None:
        sub(element, PF, "maxDays", str(standard.max_days))
    fee = standard.fee
    sub(element, PF, "fee", fee.description, amount=_number(fee.amount), currency=fee.currency)
    if standard.product:
        sub(element, PF, "product", standard.product)
    if standard.complaint_channel:
        sub(element, PF, "complaintChannel", standard.complaint_channel)
    if standard.retention_years is not None:
        sub(element, PF, "retentionYears", str(standard.retention_years))
    return element


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def write_extensions(element: etree._Element, node: Node) -> None:
    """``pf:input``/``pf:output``, ``camunda:formData`` (start events, user tasks),
    ``camunda:properties``, ``camunda:in``/``camunda:out``, ``pf:messageData`` and
    SpiffArena's ``preScript``/``postScript``."""
    properties = {
        k: v
        for k, v in node.properties.items()
        if k not in CAMUNDA_ATTRIBUTES and not (k == "connector" and node.service is not None)
    }
    has_form = node.form_fields and node.kind in FORM_KINDS
    mappings = _service_mappings(node)
    others = [*_spiff_operator_elements(node), *_call_mapping_elements(node)]
    others.extend(_message_data_elements(node))
    others.extend(_script_elements(node))
    if not has_form and not properties and not mappings and not others:
        return
    extensions = sub(element, BPMN, "extensionElements")
    for tag, name, expression in mappings:
        sub(extensions, PF, tag, name=name, expression=expression)
    for other in others:
        extensions.append(other)
    if has_form:
        form = sub(extensions, CAMUNDA, "formData")
        for form_field in node.form_fields:
            form.append(_form_field(form_field))
    if properties:
        holder = sub(extensions, CAMUNDA, "properties")
        for key, value in properties.items():
            sub(holder, CAMUNDA, "property", name=key, value=value)


def _call_mapping_elements(node: Node) -> list[etree._Element]:
    """A call activity's ``camunda:in`` (a name as ``source``, else ``sourceExpression``)
    and ``camunda:out``; ``("*", "*")`` is ``variables="all"``."""
    if node.call_mapping is None:
        return []
    found = []
    for tag, pairs in zip(("in", "out"), node.call_mapping, strict=True):
        for source, target in pairs:
            element = etree.Element(q(CAMUNDA, tag))
            if (source, target) == ("*", "*"):
                element.set("variables", "all")
            elif _IDENTIFIER.fullmatch(source):
                element.set("source", source)
            else:
                element.set("sourceExpression", "${" + source + "}")
            if (source, target) != ("*", "*"):
                element.set("target", target)
            found.append(element)
    return found


def _message_data_elements(node: Node) -> list[etree._Element]:
    """``pf:messageData`` with a ``pf:field`` per name a message catch stores."""
    kept = (etree.QName(parse_kept(text)).localname for text in node.kept_extensions)
    if node.message_data is None or "messageData" in kept:  # kept whole, with its sources
        return []
    element = etree.Element(q(PF, "messageData"))
    for name in node.message_data:
        sub(element, PF, "field", name=name)
    return [element]


def _script_elements(node: Node) -> list[etree._Element]:
    """SpiffArena's ``spiffworkflow:preScript``/``postScript``, in the order read."""
    texts = {"preScript": node.pre_script, "postScript": node.post_script}
    order = [n for n in node.extension_scripts if n in texts]
    order += [n for n in texts if n not in order]
    found = []
    for name in order:
        if texts[name]:
            element = etree.Element(q(SPIFF, name), nsmap={"spiffworkflow": SPIFF})
            element.text = texts[name]
            found.append(element)
    return found


def _spiff_operator_elements(node: Node) -> list[etree._Element]:
    """A service task read from SpiffArena's ``spiffworkflow:serviceTaskOperator``, written
    back as one: its parameters, ``resultVariable`` and the ``retry`` permitflow ignores."""
    service = node.service
    if service is None or not service.spiff_operator:
        return []
    element = etree.Element(q(SPIFF, "serviceTaskOperator"), nsmap={"spiffworkflow": SPIFF})
    element.set("id", service.spiff_operator)
    result = next((name for name, expression in service.outputs if expression == "*"), None)
    if result:
        element.set("resultVariable", result)
    if service.inputs:
        parameters = sub(element, SPIFF, "parameters")
        for name, expression in service.inputs:
            sub(parameters, SPIFF, "parameter", id=name, value=expression)
    for text in service.ignored:
        try:
            wrapper = parse_kept(f'<kept xmlns:spiffworkflow="{SPIFF}">{text}</kept>')
        except etree.XMLSyntaxError:  # as read, so it was well-formed; nothing to keep else
            continue
        element.extend(list(wrapper))
    return [element]


def _service_mappings(node: Node) -> list[tuple[str, str, str]]:
    """A service task's ``pf:input``/``pf:output`` mappings as (tag, name, expression)."""
    if node.service is None or node.service.spiff_operator:
        return []
    inputs = [("input", n, e) for n, e in node.service.inputs]
    return inputs + [("output", n, e) for n, e in node.service.outputs]


def _form_field(form_field: FormField) -> etree._Element:
    """A ``camunda:formField`` with its properties, validation constraints and values."""
    element = etree.Element(q(CAMUNDA, "formField"))
    element.set("id", form_field.id)
    element.set("label", form_field.label)
    element.set("type", form_field.type)
    if form_field.default is not None:
        element.set("defaultValue", form_field.default)
    if form_field.properties:
        holder = sub(element, CAMUNDA, "properties")
        for key, value in form_field.properties.items():
            sub(holder, CAMUNDA, "property", id=key, value=value)
    if form_field.constraints:
        validation = sub(element, CAMUNDA, "validation")
        for name, config in form_field.constraints.items():
            sub(validation, CAMUNDA, "constraint", name=name, config=config or None)
    for option in form_field.enum_values:
        sub(element, CAMUNDA, "value", id=option.id, name=option.name)
    return element
