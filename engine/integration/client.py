"""The one HTTP client that reaches other systems: only a registered connector's host.

The URL is the connector's base URL and the operation's path; values from case data go
only into path segments (percent-encoded, so ``/`` or ``@`` cannot change the host),
the query string or the JSON body. A redirect is an error, never followed. Each call
is logged (connector, operation, status, duration), never the data it carried.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError
from engine.integration import rate_limits
from engine.storage.tables import Connector, ConnectorCallLog

MAX_ANSWER_BYTES = 1_000_000


class CallFailed(EngineError):
    """The other system did not answer usably; ``retryable`` says whether to try again."""

    code = "connector_call_failed"

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class Answer:
    status: int
    fields: dict[str, Any]
    duration_ms: int


_RateLimit = rate_limits.LocalRateLimit  # per process (without Redis)


RATE_LIMIT = rate_limits.ConnectorRateLimit()  # shared through Redis when configured


def build_request(connector: Connector, operation: str, values: dict[str, Any]):
    """``(method, host, port, scheme, target, body)`` for a call; refuses anything else."""
    spec = connector.operations.get(operation)
    if spec is None:
        raise CallFailed(
            f"Connector {connector.name} has no operation {operation!r}.", retryable=False
        )
    base = urlsplit(connector.base_url)
    request = {k: values.get(k) for k in spec["request"]}
    path = spec["path"]
    for name in re.findall(r"{([^}]*)}", path):
        path = path.replace("{" + name + "}", quote(str(request.pop(name, "") or ""), safe=""))
    target = base.path.rstrip("/") + path
    body = None
    if spec["method"] == "GET":
        query = {k: v for k, v in request.items() if v is not None}
        target += ("?" + urlencode(query)) if query else ""
    else:
        body = json.dumps(request, default=str).encode()
    full = urlsplit(f"{base.scheme}://{base.netloc}{target}")
    if (full.scheme, full.hostname, full.port) != (base.scheme, base.hostname, base.port):
        raise CallFailed("The request would leave the connector's host; refused.", retryable=False)
    return spec["method"], base.hostname, base.port, base.scheme, target, body


def _headers(connector: Connector, body: bytes | None) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": "permitflow"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if connector.auth == "none":
        return headers
    secret = os.environ.get(connector.secret_env or "")
    if not secret:
        raise CallFailed(
            f"Connector {connector.name}: environment variable {connector.secret_env} "
            "holding its secret is not set on this server.",
            retryable=False,
        )
    if connector.auth == "bearer":
        headers["Authorization"] = f"Bearer {secret}"
    elif connector.auth == "basic":
        headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    else:
        headers[connector.auth_header] = secret
    return headers


def call(
    session: Session | None,
    connector: Connector,
    operation: str,
    values: dict[str, Any],
    *,
    case_id: int | None = None,
) -> Answer:
    """Call ``operation`` of ``connector`` once; the declared response fields, or CallFailed.

    The call is logged in ``session`` (when given) without the values it carried.
    """
    started = time.monotonic()
    status: int | None = None
    try:
        method, host, port, scheme, target, body = build_request(connector, operation, values)
        headers = _headers(connector, body)
        RATE_LIMIT.wait(connector.name, connector.rate_per_minute)
        status, fields = _send(connector, method, host, port, scheme, target, body, headers)
        spec = connector.operations[operation]
        answer = Answer(status, {k: fields.get(k) for k in spec["response"]}, _ms(started))
    except CallFailed as exc:
        _log(session, connector, operation, case_id, exc.status, "error", _ms(started), str(exc))
        raise
    _log(session, connector, operation, case_id, status, "ok", answer.duration_ms, "")
    return answer


def _send(connector, method, host, port, scheme, target, body, headers):
    kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    connection = kind(host, port, timeout=connector.timeout_seconds)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read(MAX_ANSWER_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise CallFailed(f"{connector.name} did not answer: {type(exc).__name__}") from exc
    finally:
        connection.close()
    status = response.status
    if 300 <= status < 400:
        raise CallFailed(
            f"{connector.name} answered with a redirect ({status}), which is never followed.",
            status=status,
            retryable=False,
        )
    if status >= 400:
        raise CallFailed(
            f"{connector.name} answered {status} {response.reason}",
            status=status,
            retryable=status >= 500 or status == 429,
        )
    if len(data) > MAX_ANSWER_BYTES:
        raise CallFailed(f"{connector.name} answered more than 1 MB.", status=status)
    try:
        fields = json.loads(data or b"{}")
    except ValueError as exc:
        raise CallFailed(f"{connector.name} answered no JSON.", status=status) from exc
    if not isinstance(fields, dict):
        raise CallFailed(f"{connector.name} answered JSON that is not an object.", status=status)
    return status, fields


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _log(session, connector, operation, case_id, status, outcome, duration_ms, error) -> None:
    if session is None:
        return
    session.add(
        ConnectorCallLog(
            at=clock.now(),
            connector=connector.name,
            operation=operation,
            case_id=case_id,
            http_status=status,
            outcome=outcome,
            duration_ms=duration_ms,
            error=error[:300],
        )
    )
