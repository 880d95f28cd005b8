"""What a BPMN file declares about its messages: correlation and payload.

See "Messages between cases" in ``docs/bpmn-conventions.md``:

- ``bpmn:correlationProperty`` with a ``bpmn:correlationPropertyRetrievalExpression``
  per message: the expression, evaluated on the message's payload and on the data of
  a waiting case, must give the same value for the message to reach that case;
- ``<pf:messagePayload><pf:field name="..." expression="..."/></pf:messagePayload>``
  on the element that throws (``expression`` defaults to ``name``): only these
  fields travel;
- ``<pf:messageData><pf:field name="..." source="..."/></pf:messageData>`` on the
  element that catches: the payload field ``source`` (default ``name``) is stored
  under ``name``, and nothing else. Without it every payload field is stored under
  its own name.

SpiffArena's conventions are read too: ``spiffworkflow:messagePayload`` (one
expression giving the payload, e.g. a dict literal) in the extension elements of a
throwing message event definition or of a send task, and ``spiffworkflow:messageVariable``
(the one variable a catch or a receive task stores the whole payload in).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn.extensions import extension_children, pf
from engine.bpmn.xml import SPIFF_NS, bpmn, text_of

_EXTENSIONS = bpmn("extensionElements")


@dataclass(frozen=True)
class MessageContracts:
    #: message name -> [(property name, retrieval expression)]
    correlations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: throwing element id -> [(field name, expression)]
    payloads: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: catching element id -> [(variable name, payload field)]
    receipts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: throwing element id -> one expression giving the payload (SpiffArena)
    payload_expressions: dict[str, str] = field(default_factory=dict)
    #: catching element id -> the variable the whole payload goes into (SpiffArena)
    receipt_variables: dict[str, str] = field(default_factory=dict)


def read_contracts(root) -> MessageContracts:
    """The message declarations of a parsed ``bpmn:definitions`` root."""
    names = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(bpmn("message"))}
    correlations: dict[str, list[tuple[str, str]]] = {}
    for prop in root.iter(bpmn("correlationProperty")):
        label = prop.get("name") or prop.get("id") or ""
        for retrieval in prop.iterchildren(bpmn("correlationPropertyRetrievalExpression")):
            message = names.get(local_ref(retrieval.get("messageRef")))
            # BPMN's schema names the child messagePath; SpiffArena writes formalExpression
            expression = next(
                (
                    text_of(e)
                    for e in retrieval.iterchildren(bpmn("messagePath"), bpmn("formalExpression"))
                ),
                "",
            )
            if message and expression:
                correlations.setdefault(message, []).append((label, expression.strip()))
    payloads: dict[str, list[tuple[str, str]]] = {}
    receipts: dict[str, list[tuple[str, str]]] = {}
    for element in root.iter():
        element_id = element.get("id")
        if not element_id:
            continue
        for declared in extension_children(element, pf("messagePayload")):
            payloads[element_id] = [
                (f.get("name", ""), (f.get("expression") or f.get("name", "")).strip())
                for f in declared.iterchildren(pf("field"))
            ]
        for declared in extension_children(element, pf("messageData")):
            receipts[element_id] = [
                (f.get("name", ""), f.get("source") or f.get("name", ""))
                for f in declared.iterchildren(pf("field"))
            ]
    expressions, variables = _spiff_conventions(root)
    return MessageContracts(correlations, payloads, receipts, expressions, variables)


def _spiff_conventions(root) -> tuple[dict[str, str], dict[str, str]]:
    """SpiffArena's ``messagePayload`` and ``messageVariable``, by element id."""
    expressions: dict[str, str] = {}
    variables: dict[str, str] = {}
    # an event carries them in its message event definition, a send or receive task in
    # its own extension elements
    holders = [(d.getparent(), d) for d in root.iter(bpmn("messageEventDefinition"))]
    for kind in ("sendTask", "receiveTask"):
        holders += [(t, e) for t in root.iter(bpmn(kind)) for e in t.iterchildren(_EXTENSIONS)]
    for element, holder in holders:
        element_id = element.get("id")
        for child in holder.iter():
            if not isinstance(child.tag, str) or not child.tag.startswith(f"{{{SPIFF_NS}}}"):
                continue
            text = (child.text or "").strip()
            local = child.tag.rsplit("}", 1)[-1]
            if local == "messagePayload" and text:
                expressions[element_id] = text
            elif local == "messageVariable" and text:
                variables[element_id] = text
    on_messages = _message_variables(root)  # SpiffArena's older place: on the bpmn:message
    for catcher, ref in _catchers(root):
        message = on_messages.get(local_ref(ref) or "")
        if message and catcher not in variables:
            variables[catcher] = message
    return expressions, variables


def _message_variables(root) -> dict[str, str]:
    """``spiffworkflow:messageVariable`` in a ``bpmn:message``'s extension elements."""
    found = {}
    for message in root.iter(bpmn("message")):
        for holder in message.iterchildren(_EXTENSIONS):
            for child in holder.iterchildren(f"{{{SPIFF_NS}}}messageVariable"):
                if (child.text or "").strip():
                    found[message.get("id") or ""] = child.text.strip()
    return found


def _catchers(root):
    """(element id, message ref) of every catching message event and receive task."""
    for kind in ("startEvent", "intermediateCatchEvent", "boundaryEvent"):
        for event in root.iter(bpmn(kind)):
            for definition in event.iterchildren(bpmn("messageEventDefinition")):
                yield event.get("id"), definition.get("messageRef")
    for task in root.iter(bpmn("receiveTask")):
        yield task.get("id"), task.get("messageRef")


def local_ref(ref: str | None) -> str | None:
    """``tns:Msg_1`` -> ``Msg_1`` (bpmn.io sometimes prefixes references)."""
    return ref.rsplit(":", 1)[-1] if ref else ref
