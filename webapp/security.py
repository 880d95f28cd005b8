"""Security headers on every response (scripts only from our own static files)."""

from __future__ import annotations

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
    app.after_request(_headers)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
