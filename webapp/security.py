"""Security headers on every response (scripts only from our own static files), and
requests refused before any view runs: NUL characters, JSON nested too deeply."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids fit a 32-bit integer column on every database


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id; anything larger is simply not found (404)."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def bounded_id(value: int | None) -> int | None:
    """A query-string id, or None when it cannot be one (too large, zero, negative)."""
    return value if value is not None and 0 < value <= MAX_ID else None


MAX_JSON_DEPTH = 32  # levels of nested arrays and objects in a JSON body


def nesting_depth(value: Any) -> int:
    """How deep lists and dicts nest in ``value`` (without recursing, so any value is safe)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend(
                (v, level + 1) for v in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def _refuse_deep_json() -> None:
    """A JSON body nested deeper than :data:`MAX_JSON_DEPTH` is refused with a message.

    Python's parser raises RecursionError past about a thousand levels, and recursive
    walks of the data (the NUL check, copies, the workflow serializer) fail earlier: both
    gave a 500 and a traceback of thousands of lines.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return
    try:
        too_deep = nesting_depth(json.loads(request.get_data(cache=True))) > MAX_JSON_DEPTH
    except RecursionError:
        too_deep = True
    except ValueError:
        return  # not JSON: the view says so
    if too_deep:
        abort(
            400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels of arrays and objects."
        )


def _refuse_nul() -> None:
    """NUL characters are never meaningful input (and PostgreSQL refuses them in text)."""
    if "\x00" in request.path or any("\x00" in k + v for k, v in request.args.items(multi=True)):
        abort(400)
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        if any("\x00" in value for value in request.form.values()):
            abort(400)


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # bpmn-js sets style attributes on SVG
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    if response.mimetype in ("application/xml", "text/xml"):
        # a BPMN file is data: never a page on our origin, even if it carries XHTML
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.before_request(_refuse_nul)
    app.before_request(_refuse_deep_json)
    app.after_request(_headers)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
