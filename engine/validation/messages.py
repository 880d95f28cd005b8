"""Message declarations checked at validation, as the runtime will use them.

Payload fields (``pf:messagePayload``) and correlation retrieval expressions are
expressions of the safe language; field names and the names a catch stores
(``pf:messageData``) must be variable names. A message thrown with neither a
correlation property nor a ``case_code`` payload field reaches no case at run time
(:mod:`engine.workflow.messages`): a warning says so before deploying. Every message
an element names (each of an event's several message definitions too) must be declared
as a ``bpmn:message``.
"""

from __future__ import annotations

from engine.bpmn.message_contracts import local_ref, read_contracts
from engine.bpmn.xml import bpmn
from engine.errors import Problem, UnsafeExpression
from engine.expressions import language

_THROWERS = ("intermediateThrowEvent", "endEvent", "sendTask")


def message_problems(root, source: str, severity: str, contracts=None) -> list[Problem]:
    """Problems of the message declarations under ``root`` (a ``bpmn:definitions``);
    ``contracts`` are its message contracts when the model has read them already."""
    contracts = contracts if contracts is not None else read_contracts(root)
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    problems: list[Problem] = []

    def add(level: str, code: str, message: str, element_id: str | None = None) -> None:
        element = elements.get(element_id)
        name = element.get("name") if element is not None else None
        line = element.sourceline if element is not None else None
        problems.append(Problem(level, code, message, element_id, name or None, line, source))

    known: dict[str, list[str]] = {}  # message name -> ids (unnamed ones go by their id)
    for message in root.iter(bpmn("message")):
        known.setdefault(message.get("name") or message.get("id") or "", []).append(
            message.get("id") or ""
        )
    for name, ids in known.items():
        if len(ids) > 1:
            listed = " and ".join(repr(i) for i in ids)
            add(
                severity,
                "duplicate_message_name",
                f"Messages {listed} are both known as {name!r} (a message without a name is "
                "known by its id): messages are routed by name, so they would be one message; "
                "give each its own name",
                ids[-1],
            )
    for element_id, fields in contracts.payloads.items():
        for name, expression in fields:
            if not _is_name(name):
                add(
                    severity,
                    "invalid_message_field",
                    f"pf:messagePayload field {name!r} is not a variable name",
                    element_id,
                )
                continue
            try:
                language.check_expression(expression)
            except UnsafeExpression as exc:
                add(
                    severity,
                    "unsafe_expression",
                    f"Payload field {name!r}: {exc.message}",
                    element_id,
                )
    for element_id, expression in contracts.payload_expressions.items():
        try:
            language.check_expression(expression)
        except UnsafeExpression as exc:
            add(severity, "unsafe_expression", f"Message payload: {exc.message}", element_id)
    for element_id, variable in contracts.receipt_variables.items():
        if not _is_name(variable):
            add(
                severity,
                "invalid_message_field",
                f"spiffworkflow:messageVariable {variable!r} is not a variable name",
                element_id,
            )
    for element_id, fields in contracts.receipts.items():
        for name, source_field in fields:
            if not _is_name(name) or not source_field:
                add(
                    severity,
                    "invalid_message_field",
                    f"pf:messageData field {name!r} is not a variable name",
                    element_id,
                )
    for message, properties in contracts.correlations.items():
        for label, expression in properties:
            try:
                language.check_expression(expression)
            except UnsafeExpression as exc:
                add(
                    severity,
                    "unsafe_expression",
                    f"Correlation {label!r} of message {message!r}: {exc.message}",
                )
    for prop in root.iter(bpmn("correlationProperty")):
        if next(prop.iter(bpmn("correlationPropertyRetrievalExpression")), None) is None:
            add(
                severity,
                "empty_correlation_property",
                f"Correlation property {prop.get('name') or prop.get('id')!r} says where to "
                "find its value in no message: add a bpmn:correlationPropertyRetrievalExpression "
                "(messageRef, and the payload field as bpmn:formalExpression) or remove it",
                prop.get("id"),
            )
    declared_ids = {i for same_name in known.values() for i in same_name}
    for element_id, ref in _message_refs(root):
        if ref not in declared_ids:
            add(
                severity,
                "unknown_message",
                f"Message {ref!r} is not declared in the file (add a bpmn:message with "
                "that id, or name a declared one)",
                element_id,
            )
    for element_id, message in _thrown_messages(root):
        payload_fields = {name for name, _ in contracts.payloads.get(element_id, [])}
        if message not in contracts.correlations and "case_code" not in payload_fields:
            add(
                "warning",
                "message_without_correlation",
                f"Message {message!r} declares no correlation (a bpmn:correlationProperty, or a "
                "case_code field in pf:messagePayload): it will reach no other case",
                element_id,
            )
    return problems


def _is_name(name: str) -> bool:
    return name.isidentifier() and not name.startswith("_")


def _message_refs(root):
    """(element id, message id) of every message an element names: each message event
    definition (several on one event with several definitions), send and receive tasks."""
    for definition in root.iter(bpmn("messageEventDefinition")):
        ref = local_ref(definition.get("messageRef"))
        if ref:
            yield definition.getparent().get("id"), ref
    for kind in ("sendTask", "receiveTask"):
        for element in root.iter(bpmn(kind)):
            ref = local_ref(element.get("messageRef"))
            if ref:
                yield element.get("id"), ref


def _thrown_messages(root):
    names = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(bpmn("message"))}
    for kind in _THROWERS:
        for element in root.iter(bpmn(kind)):
            if kind == "sendTask":
                refs = [element.get("messageRef")]
            else:
                refs = [
                    d.get("messageRef")
                    for d in element.iterchildren(bpmn("messageEventDefinition"))
                ]
            for ref in refs:
                if ref:
                    yield element.get("id"), names.get(ref.rsplit(":", 1)[-1], ref)
