"""Per-procedure monitoring: cases started and finished, SLA, cycle time, waiting heatmap."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from engine.errors import EngineError, NotFound
from engine.services import get_definition, incidents, list_definitions, overdue_cases, payments
from webapp.access import requires
from webapp.database import get_session
from webapp.monitoring.figures import heat, procedure_figures, waiting_figures
from webapp.security import bounded_id

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@bp.route("/")
@requires("monitor")
def index():
    session = get_session()
    latest = list_definitions(session, latest_only=True)
    figures = {d.key: procedure_figures(session, d.key) for d in latest}
    try:  # billed, paid and overdue retribution per procedure in the period asked
        since, until, period = payments.period_bounds(request.args.get("period"))
        period_error = None
    except EngineError as exc:
        since, until, period, period_error = None, None, "", exc.message
    return render_template(
        "monitoring/index.html",
        latest=latest,
        figures=figures,
        retribution=payments.summary(session, since=since, until=until),
        period=period,
        period_error=period_error,
        names={d.key: d.name for d in latest},
        overdue=len(overdue_cases(session)),
        incidents=incidents.counts_by_procedure(session),
    )


@bp.route("/<key>")
@requires("monitor")
def procedure(key: str):
    session = get_session()
    version = bounded_id(request.args.get("version", type=int))
    try:
        definition = get_definition(session, key, version)
    except NotFound:
        abort(404)
    versions = [d.version for d in list_definitions(session) if d.key == key]
    waiting = waiting_figures(session, key, version)
    markers, overlays = heat(waiting)
    return render_template(
        "monitoring/procedure.html",
        definition=definition,
        version=version,
        versions=versions,
        figures=procedure_figures(session, key, version),
        waiting=sorted(waiting.items(), key=lambda item: -(item[1].get("waiting") or 0)),
        markers=markers,
        overlays=overlays,
    )
