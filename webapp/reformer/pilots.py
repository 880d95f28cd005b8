"""Pilots on the reformers' pages: start one from a finished scenario, watch both arms
side by side (and beside the simulated prediction), then promote or roll back.

Starting a pilot deploys the scenario's revised diagram as a new version (identical
content is not deployed twice) and holds it back for the pilot's share of the new
applications; see :mod:`engine.office.pilots`.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

import simulations.jobs as sim_jobs
from engine import services
from engine.errors import EngineError
from simulations.params.distributions import ParamsError
from simulations.pilot_prediction import predicted_vs_observed, prediction_from_job, staff_costs
from webapp.access import requires
from webapp.database import commit, get_session, rollback
from webapp.reformer.views import _job, bp

DEFAULT_WEEKS = 8


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


FORMATS = {  # how the page writes each kind of figure
    "cycle_time": lambda v: _days(v) + " " + _("wd"),
    "sla": lambda v: "–" if v is None else f"{v:.0%}",
    "cost": lambda v: "–" if v is None else "Rp " + f"{v:,.0f}".replace(",", "."),
    "ikm": lambda v: "–" if v is None else f"{v:.2f}",
    "task": lambda v: "–" if v is None else f"{v:.1f} h",
}


def fmt(kpi: str, value: float | None) -> str:
    """A figure as the page shows it: working days, shares, rupiah, hours."""
    return FORMATS.get(kpi.split(".")[0], lambda v: "–" if v is None else f"{v:.2f}")(value)


def _scenario_job(job_id: int):
    job = _job(job_id, sim_jobs.COMPARE)
    if job.status != "done":
        abort(404)
    return job


@bp.route("/pilots")
@requires("reformer")
def pilots():
    rows = services.list_pilots(get_session())
    return render_template("reformer/pilots.html", pilots=rows)


def _form_defaults() -> dict:
    return {
        "share": "50",
        "planned_end": (date.today() + timedelta(weeks=DEFAULT_WEEKS)).isoformat(),
        "owner": g.user.username,
        "channel": [],
        "offices": "",
        "window_start": "",
        "window_end": "",
    }


def _date(form, name: str, label: str, errors: dict) -> date | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = _("%(label)s: give a date like 2026-12-31.", label=label)
        return None


def _settings(form) -> tuple[dict, dict]:
    """The pilot settings from the form, and field -> message for what is wrong."""
    errors: dict[str, str] = {}
    planned_end = _date(form, "planned_end", _("Planned end"), errors)
    if planned_end is None and "planned_end" not in errors:
        errors["planned_end"] = _("Give the day the pilot should end.")
    window = (
        _date(form, "window_start", _("From"), errors),
        _date(form, "window_end", _("Until"), errors),
    )
    settings = {
        "share": (form.get("share") or "").strip().replace(",", "."),
        "planned_end": planned_end,
        "owner": (form.get("owner") or "").strip(),
        "channels": form.getlist("channel"),
        "offices": [o for o in (form.get("offices") or "").split(",") if o.strip()],
        "window": window,
    }
    return settings, errors


@bp.route("/jobs/<id:job_id>/pilot", methods=["GET", "POST"])
@requires("reformer")
def start_pilot(job_id: int):
    job = _scenario_job(job_id)
    key = job.params["key"]
    if request.method == "GET":
        return _start_page(job, _form_defaults())
    settings, errors = _settings(request.form)
    if errors:
        return _start_page(job, _values(request.form), errors, 400)
    session = get_session()
    try:
        definition, _created = services.deploy(
            session,
            job.result["revised_bpmn"].encode("utf-8"),
            source=f"{key}_scenario_{job.id}.bpmn",
            deployed_by=g.user.username,
        )
        model = services.model_for(services.get_definition(session, key, job.params["version"]))
        params = sim_jobs.parse_params(job.params.get("params_yaml", ""))
        pilot = services.start_pilot(
            session,
            key,
            pilot_version=definition.version,
            actor=g.user.username,
            staff_costs=staff_costs(params, model),
            prediction=prediction_from_job(job.id, job.params, job.result),
            **settings,
        )
        if pilot.base_version != job.params["version"]:
            raise EngineError(
                _(
                    "The scenario was built on version %(built)d, but version %(current)d is "
                    "current: build the scenario on version %(current)d.",
                    built=job.params["version"],
                    current=pilot.base_version,
                )
            )
    except (EngineError, ParamsError) as exc:
        rollback()
        return _start_page(job, _values(request.form), {"pilot": str(exc)}, 400)
    commit()
    flash(_("The pilot started: version %(v)d.", v=pilot.pilot_version), "success")
    return redirect(url_for("reformer.pilot", pilot_id=pilot.id))


def _values(form) -> dict:
    return {**form.to_dict(), "channel": form.getlist("channel")}


def _start_page(job, values, errors=None, status=200):
    definition = services.get_definition(get_session(), job.params["key"], job.params["version"])
    return render_template(
        "reformer/pilot_start.html", job=job, definition=definition, values=values,
        errors=errors or {},
    ), status  # fmt: skip


@bp.route("/pilots/<id:pilot_id>")
@requires("reformer")
def pilot(pilot_id: int):
    session = get_session()
    row = services.get_pilot(session, pilot_id)
    result = services.compare_pilot(session, row.id).as_dict()
    checks = None
    if row.status == "promoted":
        checks = services.plan_migration(session, row.process_key, row.base_version)
    return render_template(
        "reformer/pilot.html",
        pilot=row,
        rule=services.describe_pilot(row),
        arms=services.pilot_arm_counts(session, row),
        result=result,
        predicted=predicted_vs_observed(row.prediction, result),
        checks=checks,
        fmt=fmt,
        ended=row.status == "running" and row.planned_end < services.clock.now(),
        definition=services.get_definition(session, row.process_key, row.pilot_version),
    )


@bp.route("/pilots/<id:pilot_id>/promote", methods=["POST"])
@requires("reformer")
def promote_pilot(pilot_id: int):
    row, checks = services.promote_pilot(get_session(), pilot_id, actor=g.user.username)
    commit()
    movable = sum(1 for check in checks if check.can_migrate)
    flash(_("Version %(v)d is now the current version for all new applications. "
            "%(movable)d of %(open)d open case(s) of version %(base)d could move to it.",
            v=row.pilot_version, movable=movable, open=len(checks),
            base=row.base_version), "success")  # fmt: skip
    return redirect(url_for("reformer.pilot", pilot_id=row.id))


@bp.route("/pilots/<id:pilot_id>/rollback", methods=["POST"])
@requires("reformer")
def roll_back_pilot(pilot_id: int):
    reason = (request.form.get("reason") or "").strip()[:300]
    row = services.roll_back_pilot(get_session(), pilot_id, actor=g.user.username, reason=reason)
    commit()
    flash(_("The pilot was rolled back: new applications go to version %(v)d.",
            v=row.base_version), "success")  # fmt: skip
    return redirect(url_for("reformer.pilot", pilot_id=row.id))
