"""The satisfaction survey of a finished case, and the public IKM page.

Nine elements of PermenPANRB 14/2017 scored 1-4, once per case, by the applicant
(private link). The IKM page shows per service and period the NRR of each element,
the index with weight 1/9 and with the regulation's 0.111, times 25, and the grade.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.errors import InvalidFormData, InvalidState
from engine.services import surveys
from webapp.database import commit, get_session, rollback
from webapp.public import bp
from webapp.public.catalogue import services
from webapp.public.ikm_periods import period_bounds, period_options
from webapp.public.links import find_case, private_url


def elements() -> list[tuple[str, str]]:
    english = str(get_locale()) == "en"
    return [(key, name_en if english else name_id) for key, name_id, name_en in surveys.ELEMENTS]


def grade_label(grade: str | None) -> str:
    english = str(get_locale()) == "en"
    return next((en if english else id_ for _low, g, id_, en in surveys.GRADES if g == grade), "")


def _form(case, errors: dict | None = None, status: int = 200):
    scores = {k: request.form.get(k, "") for k in surveys.KEYS} if request.method == "POST" else {}
    return render_template(
        "public/survey.html",
        case=case,
        elements=elements(),
        errors=errors or {},
        scores=scores,
        comment=request.form.get("comment", ""),
        scale=[(1, _("Poor")), (2, _("Fair")), (3, _("Good")), (4, _("Very good"))],
        action=private_url(case, "public.survey"),
    ), status


@bp.route("/track/<code>/survey", methods=["GET", "POST"])
def survey(code: str):
    case, private = find_case(code, request.args.get("k"))
    if not private:
        abort(404)
    if request.method == "GET":
        return _form(case)
    try:
        surveys.submit(get_session(), case, request.form.to_dict(), request.form.get("comment", ""))
    except InvalidFormData as exc:
        rollback()
        return _form(case, exc.errors, 422)
    except InvalidState as exc:
        rollback()
        return _form(case, {"_form": exc.message}, 409)
    commit()
    flash(_("Thank you for rating our service."), "success")
    return redirect(private_url(case))


@bp.route("/ikm")
def ikm():
    keys = {d.key: d for d in services()}
    service = request.args.get("service") or None
    period = request.args.get("period", "")
    bounds = period_bounds(period)
    if (service is not None and service not in keys) or bounds is None:
        abort(404)
    result = surveys.ikm(get_session(), service, *bounds)
    per_service = (
        [(d, surveys.ikm(get_session(), d.key, *bounds)) for d in keys.values()]
        if not service
        else []
    )
    return render_template(
        "public/ikm.html",
        result=result,
        services=keys.values(),
        service=service,
        period=period,
        periods=period_options(),
        elements=elements(),
        grade_label=grade_label(result.grade),
        per_service=per_service,
        grade_of=grade_label,
    )
