"""Documents the office writes: sandboxed Jinja templates rendered to PDF by WeasyPrint.

Templates are HTML + CSS deployed with the procedure (``pf:documentTemplate``). They
run in Jinja's immutable sandbox with autoescaping, so case data cannot inject markup
or reach Python internals, and WeasyPrint fetches nothing but inline ``data:`` URLs
(no files, no network), so a template cannot read the server's disk.
"""

from __future__ import annotations

import base64
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import segno
from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.errors import EngineError

WIB = ZoneInfo("Asia/Jakarta")
MONTHS_ID = (
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
).split()
MONTHS_EN = (
    "January February March April May June July August September October November December"
).split()


class DocumentError(EngineError):
    code = "document_error"


def rupiah(value) -> str:
    """``1500000`` -> ``Rp 1.500.000`` (Indonesian grouping, no decimals)."""
    try:
        amount = round(float(value))
    except (TypeError, ValueError):
        return str(value)
    return "Rp " + f"{amount:,}".replace(",", ".")


def long_date(value, language: str = "id") -> str:
    """``2026-12-01`` -> ``1 Desember 2026`` (``1 December 2026`` in English); WIB."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(WIB).date() if value.tzinfo else value.date()
    if not isinstance(value, date):
        return "" if value is None else str(value)
    months = MONTHS_EN if language == "en" else MONTHS_ID
    return f"{value.day} {months[value.month - 1]} {value.year}"


MAX_REPEAT = 100_000  # the longest string or list a template may build with ``*``


class _DocumentSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, also bounding ``*`` (``'a' * 10**12`` would exhaust memory)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            raise SecurityError("a template may not raise to a power")
        if operator == "*" and any(isinstance(v, str | list | tuple) for v in (left, right)):
            count = right if isinstance(left, str | list | tuple) else left
            size = len(left if isinstance(left, str | list | tuple) else right)
            if isinstance(count, int) and count * max(size, 1) > MAX_REPEAT:
                raise SecurityError(f"a template may build at most {MAX_REPEAT:,} characters")
        return super().call_binop(context, operator, left, right)


def _environment(language: str = "id") -> ImmutableSandboxedEnvironment:
    env = _DocumentSandbox(autoescape=True)
    env.filters["rupiah"] = rupiah
    env.filters["long_date"] = lambda value: long_date(value, language)
    return env


def placeholders(source: str, name: str = "template") -> set[str]:
    """The top-level names a template reads; :class:`DocumentError` if it cannot be read."""
    try:
        tree = _environment().parse(source)
    except TemplateSyntaxError as exc:
        raise DocumentError(f"{name}, line {exc.lineno}: {exc.message}") from None
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        raise DocumentError(
            f"{name}, line {node.lineno}: a template stands alone; it may not include, import "
            "or extend other templates"
        )
    return set(meta.find_undeclared_variables(tree))


def render_html(source: str, context: dict, language: str = "id") -> str:
    try:
        return _environment(language).from_string(source).render(**context)
    except TemplateSyntaxError as exc:
        raise DocumentError(f"The document template, line {exc.lineno}: {exc.message}") from None
    except Exception as exc:  # noqa: BLE001 - a template error must name itself, not crash
        raise DocumentError(f"The document template cannot be filled in: {exc}") from None


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an inline SVG image for templates (``<img src=...>``)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (fonts from the system; only ``data:`` URLs are fetched)."""
    from weasyprint import HTML  # imported late: loading Pango takes a moment
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
