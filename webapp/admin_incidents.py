"""Administration of incidents: cases an error stopped, and how an admin resolves them.

The page shows where the case stopped, the expression and the values it saw; the
admin fixes a value (checked like the form field of that name), retries, moves the
case to another element, or cancels it. Every action is audited by the engine.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import EngineError, InvalidFormData, NotFound
from engine.services import incidents
from webapp.access import requires
from webapp.database import commit, get_session, rollback
from webapp.public.formats import step
from webapp.tasks.messages import field_errors

bp = Blueprint("admin_incidents", __name__, url_prefix="/admin/incidents")

KINDS = {
    "expression": _l("A condition or script could not be evaluated"),
    "no_branch": _l("No path out of the gateway fits the case data"),
    "call_depth": _l("Call activities nest too deeply"),
    "engine": _l("The engine could not run this step"),
    "connector": _l("Another government system did not answer"),
}


def _incident(incident_id: int):
    try:
        return incidents.get_incident(get_session(), incident_id)
    except NotFound:
        abort(404)


@bp.route("/")
@requires("admin")
def index():
    session = get_session()
    show_all = request.args.get("all") == "1"
    rows = incidents.list_incidents(session, status=None if show_all else "open")
    counts = incidents.counts_by_procedure(session)
    return render_template(
        "admin_incidents/index.html", rows=rows, counts=counts, show_all=show_all, kinds=KINDS
    )


@bp.route("/<id:incident_id>")
@requires("admin")
def show(incident_id: int, error: str = "", status: int = 200):
    incident = _incident(incident_id)
    choices = incidents.move_choices(get_session(), incident)
    return render_template(
        "admin_incidents/show.html",
        incident=incident,
        choices=choices,
        kinds=KINDS,
        error=error,
        form=request.form,
    ), status


def _act(incident_id: int, action, done: str, *, stay: bool = False):
    """Run ``action``; on a refusal show the page again with the message."""
    incident = _incident(incident_id)
    try:
        new = action(incident)
    except InvalidFormData as exc:
        rollback()
        return show(incident_id, "; ".join(field_errors(exc).values()), 422)
    except EngineError as exc:
        rollback()
        return show(incident_id, exc.message, 422)
    commit()
    if new is not None and getattr(new, "kind", None) in KINDS:
        flash(_("The case stopped again: %(what)s.", what=KINDS[new.kind]), "error")
        return redirect(url_for("admin_incidents.show", incident_id=new.id))
    flash(done, "success")
    if stay:
        return redirect(url_for("admin_incidents.show", incident_id=incident.id))
    return redirect(url_for("admin_incidents.index"))


@bp.route("/<id:incident_id>/set-var", methods=["POST"])
@requires("admin")
def set_var(incident_id: int):
    name, value = request.form.get("name", "").strip(), request.form.get("value", "")

    def action(incident):
        incidents.set_variable(get_session(), incident.id, name, value, actor=g.user.username)
        return None

    return _act(incident_id, action, _("%(name)s was saved. Retry to go on.", name=name), stay=True)


@bp.route("/<id:incident_id>/retry", methods=["POST"])
@requires("admin")
def retry(incident_id: int):
    return _act(
        incident_id,
        lambda incident: incidents.retry(get_session(), incident.id, actor=g.user.username),
        _("The step was retried and the case goes on."),
    )


@bp.route("/<id:incident_id>/skip", methods=["POST"])
@requires("admin")
def skip(incident_id: int):
    target = request.form.get("to", "")
    incident = _incident(incident_id)
    label = dict(incidents.move_choices(get_session(), incident)).get(target, target)
    return _act(
        incident_id,
        lambda incident: incidents.skip(get_session(), incident.id, target, actor=g.user.username),
        _("The case was moved to %(element)s.", element=step(incident.case, label)),
    )


@bp.route("/<id:incident_id>/cancel", methods=["POST"])
@requires("admin")
def cancel(incident_id: int):
    reason = request.form.get("reason", "").strip()[:500]

    def action(incident):
        incidents.cancel(get_session(), incident.id, actor=g.user.username, reason=reason)
        return None

    return _act(incident_id, action, _("The case was cancelled."))
