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
from flask_babel import lazy_gettext as _l

import simulations.jobs as sim_jobs  # registers the simulation job kinds
from engine.errors import InvalidFormData, NotFound
from engine.services import (
    decision_drafts,
    drafts,
    finding_reviews,
    get_definition,
    jobs,
    list_definitions,
    model_for,
)
from simulations.analysis.graph import process_graph
from simulations.analysis.history import condition_names, history_from_audit
from simulations.analysis.procedure import analyze
from simulations.params.distributions import ParamsError
from webapp.access import requires
from webapp.database import commit, get_session
from webapp.presenters import xml_response
from webapp.reformer import words
from webapp.reformer import workspace as data
from webapp.security import bounded_id

bp = Blueprint("reformer", __name__, url_prefix="/reformer")
KINDS = (sim_jobs.ANALYSIS, sim_jobs.COMPARE)


def _version(key: str, version: int):
    definition = get_definition(get_session(), key, version)
    return definition, model_for(definition)


def _history(key: str, version: int, model):
    """The version's finished work from the audit log, keeping only what conditions read."""
    keep = condition_names(process_graph(model.main_process()))
    return history_from_audit(get_session(), key, version, keep=keep)


def _job(job_id: int, kind: str | None = None):
    try:
        job = jobs.get(get_session(), job_id)
    except NotFound:
        abort(404)
    if job.kind not in KINDS or (kind and job.kind != kind):
        abort(404)
    return job


def _job_names(job) -> dict[str, str]:
    """Names of the steps of the procedure a job simulates (none when it is gone)."""
    try:
        definition, model = _version(job.params["key"], job.params["version"])
    except (KeyError, NotFound):
        return {}
    return words.names_of(model, definition)


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
    job = (
        _job(bounded_id(request.args.get("job", type=int)) or 0, sim_jobs.ANALYSIS)
        if "job" in request.args
        else None
    )
    if job is not None and (job.params.get("key"), job.params.get("version")) != (key, version):
        abort(404)
    simulated = job is not None and job.status == "done"
    if simulated:  # the job's report; else the analysis with the version's history, now
        report = job.result["analysis"]
    else:
        report = analyze(model, history=_history(key, version, model)).as_dict()
    markers, overlays = data.heat(job.result["heatmap"]) if simulated else ({}, [])
    names = words.names_of(model, definition)
    findings = _reviewed(report["findings"], names, key, version)
    return render_template(
        "reformer/analysis.html",
        progress_text=words.progress(job.message, names) if job is not None else "",
        definition=definition,
        report=report,
        findings=findings,
        job=job,
        labels=data.METRICS,
        markers=data.finding_markers(findings["open"], model) | markers,
        overlays=overlays,
        has_history=data.history_kpis(get_session(), key) is not None,
    )


def _reviewed(findings: list[dict], names: dict, key: str, version: int) -> dict[str, list[dict]]:
    """The findings in words, each with this version's decision (or an earlier version's
    as a hint): ``open`` (undecided or accepted, the headline) and ``dismissed``."""
    decided = finding_reviews.decisions(get_session(), key, version)
    earlier = finding_reviews.earlier_decisions(get_session(), key, version)
    shown = [words.finding_view(f, names) for f in findings]
    for f in shown:
        f["review"] = decided.get(f["key"])
        f["hint"] = None if f["review"] else earlier.get(f["key"])
    dismissed = [f for f in shown if f["review"] and f["review"].decision == "dismiss"]
    return {"open": [f for f in shown if f not in dismissed], "dismissed": dismissed}


@bp.route("/<key>/<id:version>/findings", methods=["POST"])
@requires("reformer")
def review_finding(key: str, version: int):
    """Accept or dismiss one finding of this version, with a reason the next reformer reads."""
    _version(key, version)
    form = request.form
    try:
        finding_reviews.record(
            get_session(),
            key,
            version,
            form.get("finding", ""),
            form.get("decision", ""),
            form.get("reason", ""),
            g.user.username,
        )
    except InvalidFormData as exc:
        field = next(iter(exc.errors))
        if field == "reason" and form.get("reason", "").strip():
            field = "long_reason"
        flash(str(_REVIEW_ERRORS.get(field, str(exc))), "error")
    else:
        commit()
        done = _("Finding accepted.") if form["decision"] == "accept" else _("Finding dismissed.")
        flash(done, "success")
    return redirect(url_for("reformer.analysis", key=key, version=version, **_job_arg()))


def _job_arg() -> dict:
    job = request.form.get("job", type=int)
    return {"job": job} if job else {}


_REVIEW_ERRORS = {
    "reason": _l(
        "Give the reason why you accept or dismiss this finding: the next reformer reads it."
    ),
    "long_reason": _l("The reason is too long: at most 1000 characters."),
    "decision": _l("Choose Accept or Dismiss."),
    "finding": _l("This finding is not known: reload the analysis and try again."),
}


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
    names = words.names_of(model, definition)
    findings = [f.as_dict() for f in analyze(model).findings if f.suggested_change]
    return render_template(
        "reformer/scenario.html",
        definition=definition,
        workspace=workspace,
        changes_text=request.form.get("changes_yaml", data.changes_yaml(workspace.changes)),
        described=[words.describe_change(c, names) for c in workspace.changes],
        choices=data.model_choices(model, names),
        op_fields=data.OP_FIELDS,
        ops=words.OPS,
        errors=errors or {},
        suggestions=[words.finding_view(f, names) for f in findings],
        quick=sim_jobs.QUICK,
    ), status


def _validate(model, workspace, names: dict[str, str] | None = None) -> dict[str, str]:
    """Field -> message for the parameters and the changes (empty when both are fine)."""
    try:
        params = sim_jobs.parse_params(workspace.params_yaml)
    except ParamsError as exc:
        return {"params": str(exc)}
    try:
        sim_jobs.check_scenario(model, params, workspace.changes)
    except ParamsError as exc:
        return {"changes": words.refused(exc, names or {})}
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
        error = words.refused(exc, words.names_of(model, definition))
        return _scenario_page(definition, model, workspace, {"changes": error}, 400)
    errors = _validate(model, workspace, words.names_of(model, definition))
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
        error = words.refused(exc, words.names_of(model, definition))
        flash(_("This change cannot be added: %(error)s", error=error), "error")
        return redirect(url_for("reformer.scenario", key=key, version=version))
    workspace.changes.append(change)
    error = next(
        iter(_validate(model, workspace, words.names_of(model, definition)).values()), None
    )
    if error:
        flash(_("This change cannot be added: %(error)s", error=error), "error")
    else:
        data.save_workspace(g.user.username, key, version, workspace)
        described = words.describe_change(change, words.names_of(model, definition))
        flash(_("Change added: %(change)s", change=described), "success")
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
    errors = _validate(model, workspace, words.names_of(model, definition))
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
    names = words.names_of(model, definition)
    changes = [words.describe_change(c, names) for c in job.params.get("changes", [])]
    context = {"job": job, "definition": definition, "changes": changes}
    context["progress_text"] = words.progress(job.message, names)
    if job.status == "done":
        headline, other = data.kpi_rows(job.result["comparison"], names)
        heat = {side: data.heat(job.result["heatmap"][side]) for side in ("baseline", "scenario")}
        charts = words.charts(job.result["comparison"], names)
        context |= {"headline": headline, "other": other, "heat": heat, "charts": charts}
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
        message=words.progress(job.message, _job_names(job)),
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
    session, user = get_session(), g.user.username
    token = drafts.save_draft(session, job.result["revised_bpmn"].encode("utf-8"), source, user)
    try:  # the decision tables of the revised version go with it: the same procedure's data
        definition = get_definition(session, job.params["key"], job.params["version"])
    except NotFound:
        pass
    else:
        decision_drafts.attach_deployed(session, token, definition, user)
    commit()
    flash(
        _(
            "The revised diagram was sent to the designers as %(source)s. They review, compare and deploy it.",
            source=source,
        ),
        "success",
    )
    return redirect(url_for("reformer.job", job_id=job_id))
