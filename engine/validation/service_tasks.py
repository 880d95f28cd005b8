"""Service tasks: a registered connector and operation, mapped both ways, never a URL.

A service task names ``pf:connector="connector.operation"``; every request field of
the operation is filled by a ``<pf:input name="field" expression="..."/>`` over the
case data, and each ``<pf:output name="variable" expression="..."/>`` reads only the
operation's response fields. A URL anywhere on the element is refused: permitflow
calls only the hosts an admin registered (:mod:`engine.integration.registry`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.bpmn.model import BpmnModel, Node
from engine.errors import EngineError, Problem
from engine.expressions import language as expressions


def service_problems(
    model: BpmnModel,
    source: str,
    severity: str,
    connectors: dict[str, dict[str, dict[str, Any]]] | None,
) -> list[Problem]:
    """Problems of the service tasks in ``model``.

    ``connectors`` is the registry's catalog (connector -> operation -> spec); None
    when it is not at hand (the connector names are then checked at deploy).
    """
    return [
        Problem(severity, code, message, node.id, node.name or None, node.line, source)
        for process in model.processes.values()
        for node in process.nodes.values()
        if node.kind == "serviceTask" and node.service is not None
        for code, message in _issues(node, connectors)
    ]


def _issues(node: Node, connectors) -> Iterator[tuple[str, str]]:
    service = node.service
    assert service is not None
    label = node.label
    for url in service.urls:
        yield (
            "service_url",
            f"Service task {label!r} names the URL {url!r}; name a registered connector "
            '(pf:connector="connector.operation") instead: permitflow calls no other host',
        )
    connector, _, operation = service.connector.partition(".")
    if not connector or not operation:
        yield (
            "unknown_connector",
            f"Service task {label!r}: pf:connector={service.connector!r} must be "
            "'connector.operation', e.g. population.nik_lookup",
        )
        return
    yield from _mapping_syntax(label, service.inputs, "input")
    yield from _mapping_syntax(label, service.outputs, "output")
    if not service.outputs:
        yield (
            "unmapped_output",
            f'Service task {label!r} maps no output; add <pf:output name="variable" '
            'expression="field"/> for what the case needs from the answer',
        )
    if connectors is None:
        return
    if connector not in connectors:
        known = ", ".join(sorted(connectors)) or "none is registered"
        yield (
            "unknown_connector",
            f"Service task {label!r} names connector {connector!r}, which is not registered "
            f"(registered: {known}); an admin adds it at /admin/connectors",
        )
        return
    spec = connectors[connector].get(operation)
    if spec is None:
        known = ", ".join(sorted(connectors[connector]))
        yield (
            "unknown_operation",
            f"Service task {label!r}: connector {connector!r} has no operation "
            f"{operation!r} (it has: {known})",
        )
        return
    yield from _against_spec(label, service, spec)


def _mapping_syntax(label: str, pairs, what: str) -> Iterator[tuple[str, str]]:
    for name, expression in pairs:
        if not name.isidentifier() or not expression:
            yield (
                f"invalid_{what}_mapping",
                f"Service task {label!r}: each pf:{what} needs a name (letters, digits, _) "
                f"and an expression; got name={name!r} expression={expression!r}",
            )
            continue
        try:
            expressions.check_expression(expression)
        except (EngineError, ValueError) as exc:
            yield ("unsafe_expression", f"Service task {label!r}, pf:{what} {name}: {exc}")


def _against_spec(label: str, service, spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    inputs = {name for name, _ in service.inputs}
    for field in spec["request"]:
        if field not in inputs:
            yield (
                "unmapped_input",
                f"Service task {label!r}: request field {field!r} of {service.connector} "
                f'has no <pf:input name="{field}" expression="..."/>',
            )
    for name in sorted(inputs - set(spec["request"])):
        yield (
            "unknown_input",
            f"Service task {label!r}: {service.connector} takes no request field {name!r} "
            f"(it takes: {', '.join(spec['request']) or 'none'})",
        )
    response = set(spec["response"])
    for name, expression in service.outputs:
        try:
            read = expressions.names_read(expression)
        except (EngineError, ValueError):
            continue  # reported as an unsafe expression
        for field in sorted(read - response):
            yield (
                "unmapped_output",
                f"Service task {label!r}: output {name} reads {field!r}, which "
                f"{service.connector} does not answer (it answers: "
                f"{', '.join(spec['response'])})",
            )
