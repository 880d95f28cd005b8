"""Small helpers that turn engine rows into what pages show: due dates, times, labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.services import clock, default_calendar
from webapp.tasks import forms as task_forms

VENDOR = Path(__file__).parent / "static" / "vendor"
VIEWER_FILE = "bpmn-js/bpmn-navigated-viewer.production.min.js"


@dataclass(frozen=True)
class Due:
    """A due date as a clerk reads it: 'in 3 working days', coloured near and past due."""

    at: datetime | None
    level: str  # "none" | "ok" | "near" | "overdue"
    label: str
    working_days: int | None  # negative when late


def due(at: datetime | None, now: datetime | None = None) -> Due:
    if at is None:
        return Due(None, "none", _("no due date"), None)
    now = now or clock.now()
    calendar = default_calendar()
    if at < now:
        late = (
            max(1, calendar.overdue_working_days(at, now))
            if calendar.local_date(at) < calendar.local_date(now)
            else 0
        )
        if late == 0:
            return Due(at, "overdue", _("overdue today"), 0)
        return Due(
            at,
            "overdue",
            ngettext("%(num)d working day late", "%(num)d working days late", late),
            -late,
        )
    left = calendar.working_days_between(now, at)
    if left == 0:
        return Due(at, "near", _("due today"), 0)
    level = "near" if left <= 1 else "ok"
    return Due(
        at, level, ngettext("due in %(num)d working day", "due in %(num)d working days", left), left
    )


def when(value: datetime | None, fmt: str = "medium") -> str:
    """A moment in the office's time zone (Asia/Jakarta by default)."""
    if value is None:
        return "—"
    local = value.astimezone(default_calendar().tz)
    return format_datetime(local.replace(tzinfo=None), fmt)


def xml_response(data: bytes) -> Response:
    """A BPMN file for the diagram viewer (never rendered as a page)."""
    return Response(
        data,
        mimetype="application/xml",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": "inline; filename=diagram.bpmn",
        },
    )


def viewer_installed() -> bool:
    return (VENDOR / VIEWER_FILE).is_file()


STATUS_LABELS = {
    "running": _l("in progress"),
    "returned": _l("returned to applicant"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
    "incident": _l("stopped by an error (an administrator is on it)"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["due"] = due
    app.jinja_env.filters["status_label"] = status_label

    # globals, not a context processor: imported macros see globals only
    app.jinja_env.globals["viewer_installed"] = viewer_installed()
    app.jinja_env.globals["upload_accept"] = task_forms.ACCEPT
    app.jinja_env.globals["vendor_url"] = lambda name: url_for("static", filename=f"vendor/{name}")
