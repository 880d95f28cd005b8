"""Administration of connectors: the other government systems service tasks may call.

Only the hosts registered here are ever called; a BPMN names a connector and an
operation, never a URL. The page also lists the latest calls (connector, operation,
status, duration; never the data they carried).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError
from engine.services import connectors, service_calls, webhooks
from webapp.access import requires
from webapp.database import commit, get_session, rollback

bp = Blueprint("admin_connectors", __name__, url_prefix="/admin/connectors")


def _page(error: str = "", status: int = 200):
    session = get_session()
    return render_template(
        "admin_connectors/index.html",
        rows=connectors.list_connectors(session),
        calls=service_calls.recent_calls(session),
        subscribers=webhooks.list_subscribers(session),
        events=webhooks.EVENT_NAMES,
        format_operation=connectors.format_operation,
        error=error,
        form=request.form,
    ), status


@bp.route("/")
@requires("admin")
def index():
    return _page()


def _number(name: str, default: float, kind=float):
    text = request.form.get(name, "").strip()
    try:
        return kind(text) if text else default
    except ValueError:
        raise EngineError(_("%(name)s must be a number.", name=name)) from None


@bp.route("/", methods=["POST"])
@requires("admin")
def add():
    form = request.form
    try:
        connector = connectors.add_connector(
            get_session(),
            form.get("name", ""),
            form.get("base_url", ""),
            form.get("operations", "").splitlines(),
            auth=form.get("auth", "none"),
            auth_header=form.get("auth_header", "").strip(),
            secret_env=form.get("secret_env", "").strip(),
            timeout_seconds=_number("timeout_seconds", 10.0),
            retries=_number("retries", 3, int),
            backoff_seconds=_number("backoff_seconds", 2.0),
            rate_per_minute=_number("rate_per_minute", 60, int),
            actor=g.user.username,
        )
    except EngineError as exc:
        rollback()
        return _page(exc.message, 422)
    commit()
    flash(_("Connector %(name)s was saved.", name=connector.name), "success")
    return redirect(url_for("admin_connectors.index"))


@bp.route("/<name>/remove", methods=["POST"])
@requires("admin")
def remove(name: str):
    try:
        connectors.remove_connector(get_session(), name)
    except EngineError as exc:
        rollback()
        return _page(exc.message, 404)
    commit()
    flash(_("Connector %(name)s was removed.", name=name), "success")
    return redirect(url_for("admin_connectors.index"))


@bp.route("/subscribers", methods=["POST"])
@requires("admin")
def add_subscriber():
    form = request.form
    try:
        subscriber = webhooks.add_subscriber(
            get_session(),
            form.get("name", ""),
            form.get("url", ""),
            form.get("secret", ""),
            form.getlist("events"),
        )
    except EngineError as exc:
        rollback()
        return _page(exc.message, 422)
    commit()
    flash(_("Subscriber %(name)s was saved.", name=subscriber.name), "success")
    return redirect(url_for("admin_connectors.subscriber", subscriber_id=subscriber.id))


@bp.route("/subscribers/<int:subscriber_id>")
@requires("admin")
def subscriber(subscriber_id: int):
    session = get_session()
    try:
        found = webhooks.get_subscriber(session, subscriber_id)
    except EngineError:
        abort(404)
    return render_template(
        "admin_connectors/subscriber.html",
        subscriber=found,
        deliveries=webhooks.deliveries(session, found.id),
    )


@bp.route("/subscribers/<int:subscriber_id>/remove", methods=["POST"])
@requires("admin")
def remove_subscriber(subscriber_id: int):
    try:
        webhooks.remove_subscriber(get_session(), subscriber_id)
    except EngineError:
        abort(404)
    commit()
    flash(_("The subscriber was removed."), "success")
    return redirect(url_for("admin_connectors.index"))
