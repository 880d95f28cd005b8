"""Connectors registered by admins: the only systems permitflow ever calls.

An operation is written ``name=METHOD /path/{field} in:field,... out:field,...``:
``in`` are the request fields (``{field}`` in the path takes one from the request),
``out`` the response fields a service task may map into the case.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.errors import EngineError, NotFound
from engine.storage.tables import Connector

AUTH_KINDS = ("none", "bearer", "header", "basic")
METHODS = ("GET", "POST", "PUT")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
_PATH = re.compile(r"^/[A-Za-z0-9_\-./{}]*$")


class ConnectorNotFound(NotFound):
    code = "connector_not_found"


class InvalidConnector(EngineError):
    code = "invalid_connector"


def parse_operation(text: str) -> tuple[str, dict[str, Any]]:
    """``"nik_lookup=POST /nik/verify in:nik out:name,address"`` -> (name, spec)."""
    name, _, rest = (text or "").partition("=")
    name, parts = name.strip(), rest.split()
    if not _NAME.match(name) or len(parts) < 2:
        raise InvalidConnector(
            f"Operation {text!r} is not 'name=METHOD /path in:a,b out:c,d' "
            "(e.g. nik_lookup=POST /nik/verify in:nik out:name,address)."
        )
    method, path = parts[0].upper(), parts[1]
    if method not in METHODS:
        raise InvalidConnector(f"Operation {name}: method {method!r} is not one of {METHODS}.")
    if not _PATH.match(path) or ".." in path or "//" in path:
        raise InvalidConnector(
            f"Operation {name}: the path {path!r} must start with / and hold only letters, "
            "digits, - _ . / and {field}; the host comes from the connector's base URL."
        )
    fields: dict[str, list[str]] = {"in": [], "out": []}
    for part in parts[2:]:
        kind, _, names = part.partition(":")
        if kind not in fields:
            raise InvalidConnector(f"Operation {name}: {part!r} is neither in:... nor out:...")
        for field in filter(None, names.split(",")):
            if not _FIELD.match(field):
                raise InvalidConnector(f"Operation {name}: {field!r} is not a field name.")
            fields[kind].append(field)
    for placeholder in re.findall(r"{([^}]*)}", path):
        if placeholder not in fields["in"]:
            raise InvalidConnector(
                f"Operation {name}: the path names {{{placeholder}}}, which is not an in: field."
            )
    if not fields["out"]:
        raise InvalidConnector(f"Operation {name} has no out: fields; name what it answers.")
    return name, {
        "method": method,
        "path": path,
        "request": fields["in"],
        "response": fields["out"],
    }


def format_operation(name: str, spec: dict[str, Any]) -> str:
    text = f"{name}={spec['method']} {spec['path']}"
    if spec.get("request"):
        text += " in:" + ",".join(spec["request"])
    return text + " out:" + ",".join(spec["response"])


def check_base_url(url: str) -> str:
    """An http(s) URL with a host and no credentials, query or fragment."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidConnector(f"Base URL {url!r} must be http:// or https:// with a host.")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidConnector(
            f"Base URL {url!r} must not carry a user, password, query or fragment; "
            "put the secret in an environment variable (secret_env)."
        )
    return url


def add_connector(
    session: Session,
    name: str,
    base_url: str,
    operations: list[str],
    *,
    auth: str = "none",
    auth_header: str = "",
    secret_env: str = "",
    timeout_seconds: float = 10.0,
    retries: int = 3,
    backoff_seconds: float = 2.0,
    rate_per_minute: int = 60,
    actor: str = "",
) -> Connector:
    """Register (or replace) connector ``name``; every value is checked first."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise InvalidConnector(f"Connector name {name!r}: lower-case letters, digits and _.")
    if auth not in AUTH_KINDS:
        raise InvalidConnector(f"Authentication {auth!r} is not one of {', '.join(AUTH_KINDS)}.")
    if auth != "none" and not re.match(r"^[A-Z_][A-Z0-9_]{0,99}$", secret_env or ""):
        raise InvalidConnector(
            f"Authentication {auth} needs secret_env: the NAME of an environment variable "
            "(upper case) holding the secret; the secret itself is never stored."
        )
    if auth == "header" and not re.match(r"^[A-Za-z0-9-]{1,80}$", auth_header or ""):
        raise InvalidConnector("Authentication 'header' needs the header name (X-Api-Key).")
    if not 0 < timeout_seconds <= 120 or not 0 <= retries <= 10:
        raise InvalidConnector("The timeout is 0-120 seconds and retries 0-10.")
    if not 0 <= backoff_seconds <= 600 or not 1 <= rate_per_minute <= 100000:
        raise InvalidConnector("Backoff is 0-600 seconds and the rate 1-100000 per minute.")
    parsed = dict(parse_operation(text) for text in operations if text.strip())
    if not parsed:
        raise InvalidConnector(f"Connector {name} needs at least one operation.")
    connector = session.scalar(select(Connector).where(Connector.name == name))
    if connector is None:
        connector = Connector(name=name, created_at=clock.now())
        session.add(connector)
    connector.base_url = check_base_url(base_url)
    connector.auth, connector.auth_header, connector.secret_env = auth, auth_header, secret_env
    connector.timeout_seconds, connector.retries = float(timeout_seconds), int(retries)
    connector.backoff_seconds, connector.rate_per_minute = float(backoff_seconds), rate_per_minute
    connector.operations, connector.created_by = parsed, actor
    session.flush()
    return connector


def list_connectors(session: Session) -> list[Connector]:
    return list(session.scalars(select(Connector).order_by(Connector.name)))


def get_connector(session: Session, name: str) -> Connector:
    connector = session.scalar(select(Connector).where(Connector.name == (name or "").strip()))
    if connector is None:
        raise ConnectorNotFound(
            f"No connector {name!r} is registered; `permitflow connectors list` shows them."
        )
    return connector


def remove_connector(session: Session, name: str) -> None:
    session.delete(get_connector(session, name))
    session.flush()


def catalog(session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    """``{connector: {operation: spec}}`` of every registered connector (for validation)."""
    return {c.name: dict(c.operations) for c in list_connectors(session)}
