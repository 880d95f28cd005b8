"""Following a case: status for anyone with the code, the rest with the private link.

With the private link the applicant sees what the office asked when it returned the
case and answers there (data and documents; the SLA clock resumes), reads the
messages sent, downloads the case's documents, reads a complaint's answer and replies
to it, and rates the service once the case is finished.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine import services
from engine.errors import InvalidFormData, InvalidState
from engine.services import (
    Case,
    MessageWait,
    SurveyResponse,
    applicant_responds,
    case_data,
    deliver_message,
    get_document,
    messages_for_case,
)
from webapp.cases.case_data import document_response, document_rows
from webapp.database import commit, get_session, rollback
from webapp.presenters import due
from webapp.public import bp
from webapp.public.applications import APPLICANT
from webapp.public.formats import called_rows
from webapp.public.links import find_case, private_url
from webapp.tasks.forms import field_views, store_uploads, submitted_values
from webapp.tasks.messages import field_errors

REPLY_MESSAGE = "complainant_response"


def _private_case(code: str) -> Case:
    case, private = find_case(code, request.args.get("k"))
    if not private:
        abort(404)
    return case


def _complaint(case: Case, data: dict) -> dict:
    """What a complainant sees: the published answer, and whether a reply is awaited."""
    waiting = get_session().scalar(
        select(MessageWait.id).where(
            MessageWait.case_id == case.id, MessageWait.message_name == REPLY_MESSAGE
        )
    )
    answer = data.get("follow_up_text") if data.get("published_on") else None
    refused = data.get("reason") if data.get("verification") == "not_admissible" else None
    return {"answer": answer, "refused": refused, "awaiting_reply": waiting is not None}


def _asked(case: Case) -> list:
    """The form fields the office asked the applicant to change (only these are shown)."""
    asked = set(services.asked_fields(get_session(), case))
    return [f for f in services.answerable_fields(case) if f.id in asked]


def _page(case: Case, private: bool, errors: dict | None = None, status: int = 200):
    session = get_session()
    data = case_data(case) if private else {}
    fields = field_views(_asked(case), data, errors)
    for view in fields:
        view.required = False  # an answer sends only what changes
    rated = session.scalar(select(SurveyResponse.id).where(SurveyResponse.case_id == case.id))
    return render_template(
        "public/track.html",
        case=case,
        private=private,
        errors=errors or {},
        due=due(case.due_at) if case.status in services.CLOCK_RUNNING else None,
        messages=messages_for_case(session, case.id) if private else [],
        documents=document_rows(session, case) if private else [],
        bills=services.payments.case_bills(session, case) if private else [],
        permits=services.permits.case_permits(session, case) if private else [],
        called=called_rows(case, services.called_progress(session, case)),
        fields=fields,
        complaint=_complaint(case, data) if private else None,
        survey_open=private and case.status in services.FINISHED_STATUSES and not rated,
        private_url=private_url,
    ), status


@bp.route("/track")
def lookup():
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("public/lookup.html")
    return redirect(url_for("public.track", code=code[:40]))


@bp.route("/track/<code>")
def track(code: str):
    case, private = find_case(code, request.args.get("k"))
    return _page(case, private)


@bp.route("/track/<code>/respond", methods=["POST"])
def respond(code: str):
    """The applicant answers a return: data and documents; the case and its clock resume."""
    case = _private_case(code)
    known = {row.document.sha256 for row in document_rows(get_session(), case)}
    values, problems, uploads = submitted_values(_asked(case), request.form, request.files, known)
    if problems:
        return _page(case, True, problems, 422)
    try:
        applicant_responds(get_session(), case, values, actor=APPLICANT)
    except InvalidFormData as exc:
        rollback()
        return _page(case, True, field_errors(exc), 422)
    except InvalidState as exc:
        rollback()
        return _page(case, True, {"_form": exc.message}, 422)
    store_uploads(get_session(), case, uploads, APPLICANT)
    commit()
    flash(_("Thank you: your answer was sent and the office continues with your case."), "success")
    return redirect(private_url(case))


@bp.route("/track/<code>/reply", methods=["POST"])
def reply(code: str):
    """The complainant replies to the published answer (the complaint procedure's message)."""
    case = _private_case(code)
    text = request.form.get("reply", "").strip()[:2000]
    satisfied = request.form.get("satisfied") == "yes"
    try:
        deliver_message(
            get_session(),
            case,
            REPLY_MESSAGE,
            {"reply": text, "satisfied": satisfied},
            actor=APPLICANT,
        )
    except InvalidState as exc:
        rollback()
        return _page(case, True, {"_reply": exc.message}, 409)
    commit()
    flash(_("Thank you: your reply was sent to the office."), "success")
    return redirect(private_url(case))


@bp.route("/track/<code>/documents/<id:document_id>")
def document(code: str, document_id: int):
    case = _private_case(code)
    return document_response(get_document(get_session(), document_id, case))
