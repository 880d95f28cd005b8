"""Cases: the list with filters, a case page with its diagram and history, diagrams, documents."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import services
from engine.errors import InvalidFormData, NotAllowed
from engine.services import (
    applicant_responds,
    case_history,
    get_case,
    get_definition,
    get_document,
    list_cases,
    list_definitions,
    messages_for_case,
    open_tasks,
    open_tasks_by_case,
)
from webapp.access import requires
from webapp.cases.case_data import (
    data_items,
    document_response,
    document_rows,
    lane_names,
    may_see_documents,
)
from webapp.cases.history import history_rows
from webapp.database import commit, get_session
from webapp.presenters import due, xml_response
from webapp.public.formats import called_rows
from webapp.security import bounded_id

bp = Blueprint("cases", __name__)

STATUSES = tuple(s.value for s in services.CaseStatus)


def _filters() -> dict:
    args = request.args
    return {
        "procedure": args.get("procedure") or None,
        "version": bounded_id(args.get("version", type=int)),
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "overdue": args.get("overdue") == "1",
        "lane": args.get("lane") or None,
    }


@bp.route("/cases/")
@requires("staff")
def index():
    session = get_session()
    f = _filters()
    cases = list_cases(
        session,
        status=f["status"],
        key=f["procedure"],
        version=f["version"],
        lane=f["lane"],
        overdue=f["overdue"],
    )
    open_by_case = open_tasks_by_case(session, [c.id for c in cases])
    definitions = list_definitions(session, latest_only=True)
    lanes = sorted({lane["role"] for d in definitions for lane in (d.lanes or {}).values()})
    return render_template(
        "cases/index.html",
        cases=cases,
        filters=f,
        open_by_case=open_by_case,
        procedures={d.key: d.name for d in definitions},
        lanes=lanes,
        lane_names=lane_names(definitions),
        statuses=STATUSES,
        due=due,
        masked_applicant=_applicant_column,
    )


def _applicant_column(case) -> str:
    """The applicant's initials for the case's clerks; nothing for anyone else."""
    if not services.privacy.is_clerk_of(g.user.role_names, case):
        return ""
    return services.privacy.masked_applicant(case)


@bp.route("/cases/<ref>")
@requires("staff")
def show(ref: str):
    return _show(get_session(), get_case(get_session(), ref))


@bp.route("/cases/<ref>/unmask", methods=["POST"])
@requires("staff")
def unmask(ref: str):
    """Show one personal value in clear: an explicit action with a reason, logged."""
    session = get_session()
    case = get_case(session, ref)
    field = request.form.get("field", "")
    try:
        services.privacy.unmask(
            session, g.user.username, case, field, request.form.get("reason", "")
        )
    except NotAllowed:
        abort(403)
    except InvalidFormData:
        flash(_("Say why you need to see this value (5 characters or more)."), "error")
        return redirect(url_for("cases.show", ref=case.tracking_code))
    commit()
    return _show(session, case, unmasked=(field,))


def _show(session, case, unmasked: tuple[str, ...] = ()):
    """The case page; its data only for the case's clerks, personal values masked."""
    try:
        data = services.privacy.case_data_for(session, g.user.username, case, unmasked=unmasked)
    except NotAllowed:
        data = None  # need to know: a designer or reformer sees no case data
    personal = services.privacy.personal_fields_of(case) if data is not None else {}
    tasks = open_tasks(session, case)
    incident = services.incidents.open_incident_of(session, case)
    markers = {t.element_id: "current" for t in tasks}
    if incident is not None:
        markers[incident.element_id] = "current"
    return render_template(
        "cases/show.html",
        case=case,
        incident=incident,
        items=data_items(case, data) if data is not None else None,
        hideable=sorted(
            key
            for key in personal
            if data and data.get(key) not in (None, "") and key not in unmasked
        ),
        labels={key: field.label for key, field in personal.items()},
        unmasked=unmasked,
        applicant=case.applicant_name if data is not None else "",
        masked_applicant=services.privacy.masked_applicant(case) if data is not None else "",
        documents=document_rows(session, case)
        if may_see_documents(session, g.user.username, case)
        else None,
        tasks=tasks,
        history=history_rows(case, case_history(session, case.id)),
        messages=messages_for_case(session, case.id),
        case_due=due(case.due_at) if case.status in services.CLOCK_RUNNING else None,
        markers=markers,
        called=called_rows(case, services.called_progress(session, case)),  # a bundle's
        permits=services.permits.case_permits(session, case),
    )


@bp.route("/cases/<ref>/resume", methods=["POST"])
@requires("clerk")
def resume(ref: str):
    """The applicant answered a return at the counter: the case and its clock resume."""
    session = get_session()
    case = get_case(session, ref)
    if not may_see_documents(session, g.user.username, case):
        abort(403)  # only the clerks of the case's procedure
    case = applicant_responds(session, case, actor=g.user.username)
    commit()
    flash(_("Case %(code)s is in progress again.", code=case.tracking_code), "success")
    return redirect(url_for("cases.show", ref=case.tracking_code))


@bp.route("/cases/<ref>/documents/<id:document_id>")
@requires("staff")
def document(ref: str, document_id: int):
    """A document of the case, for its clerks only (as an attachment, never inline)."""
    session = get_session()
    case = get_case(session, ref)
    if not may_see_documents(session, g.user.username, case):
        abort(403)
    document = get_document(session, document_id, case)
    response = document_response(document)
    services.privacy.log_access(
        session,
        "downloaded",
        actor=g.user.username,
        case=case,
        field_id=document.field_id,
        reason=document.filename,
    )
    commit()  # who downloaded whose document is in the access log
    return response


@bp.route("/diagrams/<key>/<id:version>.bpmn")
@requires("staff")
def diagram(key: str, version: int):
    return xml_response(get_definition(get_session(), key, version).bpmn_xml)
