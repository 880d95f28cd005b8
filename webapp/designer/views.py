"""Process designers: upload, validate, compare, deploy, versions and case migration."""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.errors import InvalidBpmn, InvalidState, NotFound
from engine.services import (
    check_deployable,
    decision_drafts,
    deploy,
    get_definition,
    has_errors,
    list_definitions,
    model_for,
    running_case_counts,
    validate_file,
)
from webapp.access import requires
from webapp.database import commit, get_session
from webapp.designer.drafts import compare, list_drafts, load_draft, save_draft
from webapp.designer.migration import migrate, plan, reason_text
from webapp.presenters import xml_response
from webapp.security import bounded_id

bp = Blueprint("designer", __name__, url_prefix="/designer")


def _draft_or_404(token: str):
    draft = load_draft(token)
    if draft is None:
        abort(404)
    return draft


def _deployed(key: str):
    try:
        return get_definition(get_session(), key)
    except NotFound:
        return None


@bp.route("/")
@requires("designer")
def index():
    session = get_session()
    latest = list_definitions(session, latest_only=True)
    running = {d.key: sum(running_case_counts(session, d.key).values()) for d in latest}
    return render_template(
        "designer/index.html", latest=latest, running=running, drafts=list_drafts()
    )


def _uploaded_decisions() -> dict[str, bytes] | None:
    """The DMN files chosen beside the BPMN file; None (and a message) when refused."""
    files = [(f.filename, f.read()) for f in request.files.getlist("dmn") if f and f.filename]
    try:
        return decision_drafts.checked_files(files)
    except InvalidState:
        flash(_("Decision tables are .dmn files of at most 1 MB, ten at most."), "error")
        return None


@bp.route("/upload", methods=["POST"])
@requires("designer")
def upload():
    upload = request.files.get("bpmn")
    if upload is None or not upload.filename:
        flash(_("Choose a BPMN file to upload."), "error")
        return redirect(url_for("designer.index"))
    decisions = _uploaded_decisions()
    if decisions is None:
        return redirect(url_for("designer.index"))
    data, source = upload.read(), Path(upload.filename).name[:200]
    model, problems = validate_file(data, source, dmn_files=decisions)  # the report judges it
    if model is None:  # unreadable or unsafe XML: report it, keep nothing
        return _report_page(None, source, problems, None, decisions), 400
    return redirect(url_for("designer.report", token=_keep(data, source, decisions)))


def _keep(data: bytes, source: str, decisions: dict[str, bytes]) -> str:
    """Keep the BPMN file and its DMN files as a draft; returns its token."""
    token = save_draft(data, source, g.user.username)
    decision_drafts.attach(get_session(), token, decisions, g.user.username)
    commit()
    return token


@bp.route("/procedures/<key>/decisions", methods=["POST"])
@requires("designer")
def upload_decisions(key: str):
    """New decision tables for the newest deployed version: checked with its BPMN file."""
    definition = get_definition(get_session(), key)
    decisions = _uploaded_decisions()
    if not decisions:
        if decisions is not None:
            flash(_("Choose the DMN files to upload."), "error")
        return redirect(url_for("designer.versions", key=key))
    source = definition.source_name or f"{key}.bpmn"
    return redirect(url_for("designer.report", token=_keep(definition.bpmn_xml, source, decisions)))


@bp.route("/drafts/<token>")
@requires("designer")
def report(token: str):
    draft = _draft_or_404(token)
    decisions = decision_drafts.attached(get_session(), token)
    model, problems = check_deployable(
        get_session(), draft.data, source=draft.source, dmn_files=decisions
    )
    return _report_page(draft, draft.source, problems, model, decisions)


def _report_page(draft, source: str, problems, model, decisions: dict[str, bytes]):
    markers = {p.element_id: f"problem-{p.severity}" for p in reversed(problems) if p.element_id}
    deployed = _deployed(model.main_process().id) if model and model.processes else None
    return render_template(
        "designer/report.html",
        draft=draft,
        source=source,
        problems=problems,
        model=model,
        deployable=model is not None and not has_errors(problems),
        markers=markers,
        deployed=deployed,
        decisions=sorted(decisions),
    )


@bp.route("/drafts/<token>.bpmn")
@requires("designer")
def draft_xml(token: str):
    return xml_response(_draft_or_404(token).data)


@bp.route("/drafts/<token>/diff")
@requires("designer")
def diff(token: str):
    draft = _draft_or_404(token)
    decisions = decision_drafts.attached(get_session(), token)
    model, problems = check_deployable(
        get_session(), draft.data, source=draft.source, dmn_files=decisions
    )
    if model is None or not model.processes:
        return redirect(url_for("designer.report", token=token))
    deployed = _deployed(model.main_process().id)
    if deployed is None:
        flash(_("This procedure is not deployed yet: there is nothing to compare with."), "info")
        return redirect(url_for("designer.report", token=token))
    changes = compare(model_for(deployed), model)
    return render_template(
        "designer/diff.html",
        draft=draft,
        deployed=deployed,
        changes=changes,
        deployable=not has_errors(problems),
    )


@bp.route("/drafts/<token>/deploy", methods=["POST"])
@requires("designer")
def deploy_draft(token: str):
    draft = _draft_or_404(token)
    decisions = decision_drafts.attached(get_session(), token) or None
    try:
        definition, created = deploy(
            get_session(),
            draft.data,
            source=draft.source,
            deployed_by=g.user.username,
            dmn_files=decisions,
        )
    except InvalidBpmn as exc:  # the report lists each problem by element; nothing deployed
        get_session().rollback()
        errors = sum(1 for p in exc.problems if p.severity == "error") or 1
        flash(
            ngettext(
                "%(name)s cannot be deployed: %(num)d error, listed below.",
                "%(name)s cannot be deployed: %(num)d errors, listed below.",
                errors,
                name=draft.source,
            ),
            "error",
        )
        return redirect(url_for("designer.report", token=token))
    commit()
    if created:
        flash(
            _(
                "Deployed %(name)s as version %(version)d.",
                name=definition.name,
                version=definition.version,
            ),
            "success",
        )
    else:
        flash(
            _("This file is already deployed as version %(version)d.", version=definition.version),
            "info",
        )
    return redirect(url_for("designer.versions", key=definition.key))


@bp.route("/procedures/<key>")
@requires("designer")
def versions(key: str):
    session = get_session()
    rows = [d for d in list_definitions(session) if d.key == key]
    if not rows:
        abort(404)
    return render_template(
        "designer/versions.html",
        key=key,
        rows=rows,
        latest=rows[0],
        running=running_case_counts(session, key),
    )


@bp.route("/procedures/<key>/<id:version>/decisions/<name>")
@requires("designer")
def decision_file(key: str, version: int, name: str):
    """A DMN file deployed with a version, to edit and upload again (none before 0021)."""
    try:
        definition = get_definition(get_session(), key, version)
    except NotFound:
        abort(404)
    files = decision_drafts.of_version(definition)
    if name not in files:
        abort(404)
    response = send_file(
        io.BytesIO(files[name]), mimetype="application/xml", as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/procedures/<key>/<id:version>/migrate", methods=["GET", "POST"])
@requires("designer")
def migration(key: str, version: int):
    session = get_session()
    source, target = get_definition(session, key, version), get_definition(session, key)
    if source.version == target.version:
        flash(_("Version %(v)d is the newest: deploy a new version first.", v=version), "info")
        return redirect(url_for("designer.versions", key=key))
    if request.method == "POST":
        case_ids = [  # "²" is a digit but no number; an id past MAX_ID is no case
            case_id
            for i in request.form.getlist("case_id")
            if i.isdecimal() and (case_id := bounded_id(int(i))) is not None
        ]
        moved = migrate(
            session, key, version, target.version, actor=g.user.username, case_ids=case_ids
        )
        commit()
        flash(
            _(
                "%(count)d case(s) moved to version %(version)d.",
                count=moved,
                version=target.version,
            ),
            "success",
        )
        return redirect(url_for("designer.versions", key=key))
    checks = plan(session, key, version, target.version)
    return render_template(
        "designer/migrate.html",
        source=source,
        target=target,
        checks=checks,
        reason_text=reason_text,
    )
