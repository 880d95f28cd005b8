"""Service tasks: a registered connector and operation, mapped both ways, never a URL.

A service task names ``pf:connector="connector.operation"``; every request field of
the operation is filled by a ``<pf:input name="field" expression="..."/>`` over the
case data, and each ``<pf:output name="variable" expression="..."/>`` reads only the
operation's response fields (``expression="*"`` takes the whole answer). A URL
anywhere on the element is refused: permitflow calls only the hosts an admin
registered (:mod:`engine.integration.registry`).

SpiffArena's ``spiffworkflow:serviceTaskOperator`` is read as the same call
(:func:`engine.bpmn.extensions.spiff_service_call_of`) and checked by the same rules;
the messages then name its parameters and ``resultVariable``. A ``'secret:NAME'``
value is refused in either form: secrets live in a connector's registration, set by
an admin, never in a model.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from engine.bpmn.model import WHOLE_ANSWER, BpmnModel, Node, ServiceCall
from engine.errors import EngineError, Problem
from engine.expressions import language as expressions

SECRET_PREFIX = "secret:"


def service_problems(
    model: BpmnModel,
    source: str,
    severity: str,
    connectors: dict[str, dict[str, dict[str, Any]]] | None,
) -> list[Problem]:
    """Problems of the service tasks in ``model``.

    ``connectors`` is the registry's catalog (connector -> operation -> spec); None
    when it is not at hand (the connector names are then checked at deploy). What
    permitflow reads but does not apply (SpiffArena's retry) is always a warning.
    """
    return [
        Problem(kind, code, message, node.id, node.name or None, node.line, source)
        for process in model.processes.values()
        for node in process.nodes.values()
        if node.kind == "serviceTask" and node.service is not None
        for kind, code, message in [
            *((severity, code, message) for code, message in _issues(node, connectors)),
            *(("warning", "ignored_retry", message) for message in _ignored(node)),
        ]
    ]


def _input_tag(service: ServiceCall) -> str:
    return "spiffworkflow:parameter" if service.spiff_operator else "pf:input"


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
        yield ("unknown_connector", _malformed(label, service))
        return
    yield from _mapping_syntax(label, service, service.inputs, "input")
    yield from _mapping_syntax(label, service, service.outputs, "output")
    yield from _secrets(label, service, connector)
    if not service.outputs:
        yield ("unmapped_output", _no_output(label, service))
    if connectors is None:
        return
    if connector not in connectors:
        known = ", ".join(sorted(connectors)) or "none is registered"
        yield (
            "unknown_connector",
            f"Service task {label!r}{_read_as(service)} names connector {connector!r}, which "
            f"is not registered (registered: {known}); an admin adds it at /admin/connectors"
            + _to_register(service, operation),
        )
        return
    spec = connectors[connector].get(operation)
    if spec is None:
        known = ", ".join(sorted(connectors[connector]))
        yield (
            "unknown_operation",
            f"Service task {label!r}{_read_as(service)}: connector {connector!r} has no "
            f"operation {operation!r} (it has: {known}); an admin adds it at /admin/connectors"
            + _to_register(service, operation),
        )
        return
    yield from _against_spec(label, service, spec)


def _malformed(label: str, service: ServiceCall) -> str:
    if service.spiff_operator:
        return (
            f"Service task {label!r}: the SpiffArena operator id {service.spiff_operator!r} "
            "must be 'connector/Operation', e.g. weather/CurrentTemp"
        )
    return (
        f"Service task {label!r}: pf:connector={service.connector!r} must be "
        "'connector.operation', e.g. population.nik_lookup"
    )


def _no_output(label: str, service: ServiceCall) -> str:
    if service.spiff_operator:
        return (
            f"Service task {label!r} keeps no answer; set resultVariable on its "
            "spiffworkflow:serviceTaskOperator to the case variable that takes it"
        )
    return (
        f'Service task {label!r} maps no output; add <pf:output name="variable" '
        'expression="field"/> for what the case needs from the answer'
    )


def _read_as(service: ServiceCall) -> str:
    if not service.spiff_operator:
        return ""
    return f" (SpiffArena operator {service.spiff_operator!r}, read as {service.connector})"


def _to_register(service: ServiceCall, operation: str) -> str:
    """For a SpiffArena model: the operation an admin registers, with its request fields."""
    if not service.spiff_operator:
        return ""
    fields = ",".join(
        name
        for name, expression in service.inputs
        if name.isidentifier() and not _secret_names(expression)  # a secret is the connector's
    )
    request = f" in:{fields}" if fields else ""
    return (
        f" (the operation as '{operation}=METHOD /path{request} out:...', out: the fields "
        "of its answer)"
    )


def _mapping_syntax(
    label: str, service: ServiceCall, pairs, what: str
) -> Iterator[tuple[str, str]]:
    spiff = bool(service.spiff_operator)
    tag = _input_tag(service) if what == "input" else f"pf:{what}"
    for name, expression in pairs:
        if not name.isidentifier() or not expression:
            if spiff and what == "output":
                needs = f"resultVariable {name!r} must be a name (letters, digits, _)"
            elif spiff:
                needs = (
                    f"each {tag} needs an id (letters, digits, _) and a value; "
                    f"got id={name!r} value={expression!r}"
                )
            else:
                needs = (
                    f"each {tag} needs a name (letters, digits, _) and an expression; "
                    f"got name={name!r} expression={expression!r}"
                )
            yield (f"invalid_{what}_mapping", f"Service task {label!r}: {needs}")
            continue
        if what == "output" and expression == WHOLE_ANSWER:
            continue
        try:
            expressions.check_expression(expression)
        except (EngineError, ValueError) as exc:
            yield ("unsafe_expression", f"Service task {label!r}, {tag} {name}: {exc}")


def _secrets(label: str, service: ServiceCall, connector: str) -> Iterator[tuple[str, str]]:
    """An input asking for ``'secret:NAME'``: never resolved, from anywhere."""
    tag = _input_tag(service)
    for name, expression in service.inputs:
        for secret in _secret_names(expression):
            yield (
                "secret_in_model",
                f"Service task {label!r}: {tag} {name!r} asks for the secret {secret!r}; "
                "a model never names secrets and permitflow resolves none for it. Remove "
                f"the {tag}: an admin puts the secret in the registration of connector "
                f"{connector!r} (authentication with secret_env, /admin/connectors)",
            )


def _secret_names(expression: str) -> list[str]:
    text = expressions.strip_wrapper(expression)
    if len(text) > expressions.MAX_SOURCE_LENGTH:
        return []  # reported as an unsafe expression (too long)
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # reported as an unsafe expression
    return [
        node.value.strip()[len(SECRET_PREFIX) :]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip().lower().startswith(SECRET_PREFIX)
    ]


def _ignored(node: Node) -> Iterator[str]:
    service = node.service
    assert service is not None
    connector = service.connector.partition(".")[0] or "its connector"
    for part in service.ignored:
        yield (
            f"Service task {node.label!r}: {part} is ignored; the retries and backoff "
            f"registered for connector {connector!r} apply (an admin sets them at "
            "/admin/connectors)"
        )


def _against_spec(label: str, service, spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    inputs = {name for name, _ in service.inputs}
    for field in spec["request"]:
        if field not in inputs:
            missing = (
                f'<spiffworkflow:parameter id="{field}" value="..."/>'
                if service.spiff_operator
                else f'<pf:input name="{field}" expression="..."/>'
            )
            yield (
                "unmapped_input",
                f"Service task {label!r}: request field {field!r} of {service.connector} "
                f"has no {missing}",
            )
    for name in sorted(inputs - set(spec["request"])):
        yield (
            "unknown_input",
            f"Service task {label!r}: {service.connector} takes no request field {name!r} "
            f"(it takes: {', '.join(spec['request']) or 'none'})",
        )
    response = set(spec["response"])
    for name, expression in service.outputs:
        if expression == WHOLE_ANSWER:
            continue
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
