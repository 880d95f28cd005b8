"""Reformers: analyse a procedure version, edit a what-if scenario, simulate it in the
background, compare it with today, and send the revised diagram to the designers."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

import simulations.jobs as sim_jobs  # registers the simulation job kinds
from engine.errors import NotFound
from engine.services import get_definition, jobs, list_definitions, model_for
from simulations.analysis.procedure import analyze
from simulations.params.distributions import ParamsError
from webapp.access import requires
from webapp.database import commit, get_session
from webapp.designer.drafts import save_draft
from webapp.presenters import xml_response
from webapp.reformer import workspace as data
from webapp.security import bounded_id

bp = Blueprint("reformer", __name__, url_prefix="/reformer")
KINDS = (sim_jobs.ANALYSIS, sim_jobs.COMPARE)


def _version(key: str, version: int):
    definition = get_definition(get_session(), key, version)
    return definition, model_for(definition)


def _job(job_id: int, kind: str | None = None):
    try:
        job = jobs.get(get_session(), job_id)
    except NotFound:
        abort(404)
    if job.kind not in KINDS or (kind and job.kind != kind):
        abort(404)
    return job


def _start(kind: str, params: dict) -> int:
    """Record a job, commit, and hand it to a worker (Celery or a thread of this app)."""
    job = jobs.create(get_session(), kind, params, created_by=g.user.username)
    commit()
    jobs.submit(job.id, current_app.extensions["permitflow.engine"])
    return job.id


def _run_settings(form) -> dict:
    def number(name: str) -> int:
        value = form.get(name, type=int)
        return value if value and value > 0 else sim_jobs.QUICK[name]

    return {name: number(name) for name in ("cases", "replications", "seed")}


@bp.route("/")
@requires("reformer")
def index():
    rows = list_definitions(get_session())
    keys = {}
    for d in rows:
        keys.setdefault(d.key, []).append(d)
    return render_template("reformer/index.html", keys=keys)


@bp.route("/<key>/<id:version>")
@requires("reformer")
def analysis(key: str, version: int):
    definition, model = _version(key, version)
    report = analyze(model).as_dict()
    job = (
        _job(bounded_id(request.args.get("job", type=int)) or 0, sim_jobs.ANALYSIS)
        if "job" in request.args
        else None
    )
    if job is not None and (job.params.get("key"), job.params.get("version")) != (key, version):
        abort(404)
    simulated = job is not None and job.status == "done"
    if simulated:
        report = job.result["analysis"]
    markers, overlays = data.heat(job.result["heatmap"]) if simulated else ({}, [])
    return render_template(
        "reformer/analysis.html",
        definition=definition,
        report=report,
        job=job,
        labels=data.METRICS,
        markers=data.finding_markers(report["findings"], model) | markers,
        overlays=overlays,
        has_history=data.history_kpis(get_session(), key) is not None,
    )


@bp.route("/<key>/<id:version>/analyze", methods=["POST"])
@requires("reformer")
def analyze_with_simulation(key: str, version: int):
    definition, model = _version(key, version)
    workspace = data.load_workspace(g.user.username, key, version)
    try:
        sim_jobs.parse_params(workspace.params_yaml)
    except ParamsError as exc:
        flash(_("The simulation parameters have a mistake: %(error)s", error=str(exc)), "error")
        return redirect(url_for("reformer.scenario", key=key, version=version))
    params = {
        "key": key,
        "version": version,
        "bpmn_xml": definition.bpmn_xml.decode("utf-8"),
        "params_yaml": workspace.params_yaml,
        "history_kpis": data.history_kpis(get_session(), key),
        **_run_settings(request.form),
    }
    job_id = _start(sim_jobs.ANALYSIS, params)
    return redirect(url_for("reformer.analysis", key=key, version=version, job=job_id))


def _scenario_page(definition, model, workspace, errors=None, status=200):
    suggestions = [f for f in analyze(model).findings if f.suggested_change]
    return render_template(
        "reformer/scenario.html",
        definition=definition,
        workspace=workspace,
        changes_text=request.form.get("changes_yaml", data.changes_yaml(workspace.changes)),
        choices=data.model_choices(model),
        op_fields=data.OP_FIELDS,
        errors=errors or {},
        suggestions=suggestions,
        quick=sim_jobs.QUICK,
    ), status


def _validate(model, workspace) -> dict[str, str]:
    """Field -> message for the parameters and the changes (empty when both are fine)."""
    try:
        params = sim_jobs.parse_params(workspace.params_yaml)
    except ParamsError as exc:
        return {"params": str(exc)}
    try:
        sim_jobs.check_scenario(model, params, workspace.changes)
    except ParamsError as exc:
        return {"changes": str(exc)}
    return {}


@bp.route("/<key>/<id:version>/scenario", methods=["GET", "POST"])
@requires("reformer")
def scenario(key: str, version: int):
    definition, model = _version(key, version)
    workspace = data.load_workspace(g.user.username, key, version)
    if request.method == "GET":
        return _scenario_page(definition, model, workspace)
    workspace.name = request.form.get("name", "").strip()[:120] or workspace.name
    workspace.params_yaml = request.form.get("params_yaml", "")
    try:
        workspace.changes = sim_jobs.parse_changes(request.form.get("changes_yaml", ""))
    except ParamsError as exc:
        return _scenario_page(definition, model, workspace, {"changes": str(exc)}, 400)
    errors = _validate(model, workspace)
    if errors:
        return _scenario_page(definition, model, workspace, errors, 400)
    data.save_workspace(g.user.username, key, version, workspace)
    flash(_("The scenario was saved."), "success")
    return redirect(url_for("reformer.scenario", key=key, version=version))


@bp.route("/<key>/<id:version>/scenario/changes", methods=["POST"])
@requires("reformer")
def add_change(key: str, version: int):
    definition, model = _version(key, version)
    workspace = data.load_workspace(g.user.username, key, version)
    try:
        text = request.form.get("change")
        change = sim_jobs.parse_change_json(text) if text else data.change_from_form(request.form)
    except (ValueError, ParamsError) as exc:  # ScenarioError is a ParamsError
        flash(_("This change cannot be added: %(error)s", error=str(exc)), "error")
        return redirect(url_for("reformer.scenario", key=key, version=version))
    workspace.changes.append(change)
    error = next(iter(_validate(model, workspace).values()), None)
    if error:
        flash(_("This change cannot be added: %(error)s", error=error), "error")
    else:
        data.save_workspace(g.user.username, key, version, workspace)
        flash(
            _("Change added: %(change)s", change=data.changes_yaml([change]).strip("-\n {}")),
            "success",
        )
    return redirect(url_for("reformer.scenario", key=key, version=version))


@bp.route("/<key>/<id:version>/scenario/changes/<int(max=999):index>/delete", methods=["POST"])
@requires("reformer")
def remove_change(key: str, version: int, index: int):
    _version(key, version)
    workspace = data.load_workspace(g.user.username, key, version)
    if 0 <= index < len(workspace.changes):
        workspace.changes.pop(index)
        data.save_workspace(g.user.username, key, version, workspace)
    return redirect(url_for("reformer.scenario", key=key, version=version))


@bp.route("/<key>/<id:version>/run", methods=["POST"])
@requires("reformer")
def run(key: str, version: int):
    definition, model = _version(key, version)
    workspace = data.load_workspace(g.user.username, key, version)
    errors = _validate(model, workspace)
    if errors:
        return _scenario_page(definition, model, workspace, errors, 400)
    params = {
        "key": key,
        "version": version,
        "source": definition.source_name or f"{key}.bpmn",
        "bpmn_xml": definition.bpmn_xml.decode("utf-8"),
        "params_yaml": workspace.params_yaml,
        "changes": workspace.changes,
        "name": workspace.name,
        **_run_settings(request.form),
    }
    return redirect(url_for("reformer.job", job_id=_start(sim_jobs.COMPARE, params)))


@bp.route("/jobs/<id:job_id>")
@requires("reformer")
def job(job_id: int):
    job = _job(job_id, sim_jobs.COMPARE)
    key, version = job.params["key"], job.params["version"]
    definition, model = _version(key, version)
    context = {"job": job, "definition": definition, "changes": job.params.get("changes", [])}
    if job.status == "done":
        headline, other = data.kpi_rows(job.result["comparison"], model)
        heat = {side: data.heat(job.result["heatmap"][side]) for side in ("baseline", "scenario")}
        context |= {"headline": headline, "other": other, "heat": heat}
    return render_template("reformer/job.html", **context)


@bp.route("/jobs/<id:job_id>.json")
@requires("reformer")
def job_status(job_id: int):
    job = _job(job_id)
    return jsonify(
        id=job.id,
        kind=job.kind,
        status=job.status,
        progress=round(job.progress or 0, 3),
        message=job.message,
        error=job.error,
        finished=job.status in ("done", "failed"),
    )


@bp.route("/jobs/<id:job_id>/revised.bpmn")
@requires("reformer")
def revised(job_id: int):
    job = _job(job_id, sim_jobs.COMPARE)
    if job.status != "done":
        abort(404)
    return xml_response(job.result["revised_bpmn"].encode("utf-8"))


@bp.route("/jobs/<id:job_id>/send", methods=["POST"])
@requires("reformer")
def send_to_designers(job_id: int):
    job = _job(job_id, sim_jobs.COMPARE)
    if job.status != "done":
        abort(404)
    source = f"{Path(job.params.get('source') or job.params['key']).stem}_scenario_{job.id}.bpmn"
    save_draft(job.result["revised_bpmn"].encode("utf-8"), source, g.user.username)
    flash(
        _(
            "The revised diagram was sent to the designers as %(source)s. They review, compare and deploy it.",
            source=source,
        ),
        "success",
    )
    return redirect(url_for("reformer.job", job_id=job_id))
