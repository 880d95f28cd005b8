"""Personal data protection pages (UU 27/2022).

- ``/admin/privacy``: the access log (who viewed, unmasked or exported whose data), its
  hash-chain check, and the data subjects' requests with their 3 x 24 hour deadline (the
  answer to a correction request can apply the corrected values to the case's data);
- ``/track/<code>/my-data`` (private link only): the applicant downloads everything held
  about the case as a ZIP and asks for a correction.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import services
from engine.errors import InvalidFormData, InvalidState, NotFound
from webapp.access import requires
from webapp.database import commit, get_session
from webapp.public.links import find_case, private_url
from webapp.security import bounded_id
from webapp.tasks.messages import field_errors

bp = Blueprint("privacy", __name__)
CORRECT = "correct-"  # the answer form's inputs of corrected values: correct-<field id>


@bp.route("/admin/privacy")
@requires("admin")
def admin():
    session = get_session()
    code = (request.args.get("case") or "").strip()
    case = services.find_by_tracking_code(session, code) if code else None
    if code and case is None:
        flash(_("No case with the code %(code)s.", code=code), "error")
    chain = services.privacy.access_log.check(session)
    return render_template(
        "privacy/admin.html",
        breaks=chain.breaks,
        chain=chain,
        entries=services.privacy.access_entries(
            session, case_id=case.id if case else None, limit=200
        ),
        case=case,
        code=code,
        requests=services.privacy.requests_of(session),
        message_of=services.privacy.message_of,
        is_overdue=services.privacy.is_overdue,
        correctable=lambda row: services.privacy.correctable_fields(session, row),
    )


@bp.route("/admin/privacy/requests/<int:request_id>", methods=["POST"])
@requires("admin")
def answer(request_id: int):
    session = get_session()
    corrections = {  # the corrected values the office typed (empty: unchanged)
        name[len(CORRECT) :]: value.strip()
        for name, value in request.form.items()
        if name.startswith(CORRECT) and value.strip()
    }
    try:
        services.privacy.answer(
            session,
            bounded_id(request_id) or 0,
            actor=g.user.username,
            text=request.form.get("answer", ""),
            corrections=corrections,
        )
    except InvalidFormData as exc:
        if "answer" in exc.errors:
            flash(_("Write the answer to the applicant."), "error")
        for field, problem in field_errors(exc).items():
            if field != "answer":
                flash(_("Not saved: %(problem)s", problem=problem), "error")
        return redirect(url_for("privacy.admin"))
    except InvalidState as exc:
        flash(_("Not saved: %(problem)s", problem=exc.message), "error")
        return redirect(url_for("privacy.admin"))
    except NotFound:
        abort(404)
    commit()
    flash(_("Answer saved."), "success")
    if corrections:
        flash(_("The correction was applied to the case data."), "success")
    return redirect(url_for("privacy.admin"))


def _private_case(code: str):
    case, private = find_case(code, request.args.get("k"))
    if not private:
        abort(404)
    return case


@bp.route("/track/<code>/my-data")
def my_data(code: str):
    case = _private_case(code)
    session = get_session()
    return render_template(
        "privacy/my_data.html",
        case=case,
        requests=services.privacy.requests_of(session, case=case),
        private_url=private_url,
    )


@bp.route("/track/<code>/my-data.zip")
def my_data_zip(code: str):
    case = _private_case(code)
    package = services.privacy.access_package(get_session(), case)
    commit()  # the download is logged
    return Response(
        package,
        mimetype="application/zip",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="data-{case.tracking_code}.zip"',
        },
    )


@bp.route("/track/<code>/my-data/correction", methods=["POST"])
def correction(code: str):
    case = _private_case(code)
    try:
        services.privacy.request_data_right(
            get_session(), case, "correction", request.form.get("message", "")
        )
    except InvalidFormData:
        flash(_("Say which data is wrong and what is right."), "error")
        return redirect(private_url(case, "privacy.my_data"))
    commit()
    flash(_("Your correction request was sent; the office answers within 3 x 24 hours."), "success")
    return redirect(private_url(case, "privacy.my_data"))
