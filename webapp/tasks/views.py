"""A task page: case data, documents, the BPMN form, claim, complete, return; history beside."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import services
from engine.errors import Conflict, InvalidFormData, InvalidState, NotAllowed, StaleTask
from engine.services import (
    HumanTask,
    case_history,
    claim,
    complete_task,
    get_case,
    may_work_on,
    return_to_applicant,
    task_form,
    task_history,
    unclaim,
)
from webapp.access import requires
from webapp.cases.case_data import (
    data_items,
    document_rows,
    form_fields_of,
    lane_role_of,
    localized,
    localized_fields,
)
from webapp.cases.history import history_rows
from webapp.database import commit, get_session, rollback
from webapp.presenters import due, status_label, when
from webapp.public.formats import step
from webapp.tasks.forms import field_views, initial_values, store_uploads, submitted_values
from webapp.tasks.messages import field_errors

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _open_task(task_id: str) -> HumanTask | None:
    task = get_session().get(HumanTask, task_id)
    if task is not None and not may_work_on(get_session(), g.user.username, task):
        abort(403)  # another lane's task: never shown, never completed
    return task


def _page(task: HumanTask, values: dict, errors: dict | None = None, status: int = 200):
    session = get_session()
    documents = document_rows(session, task.case)
    return render_template(
        "tasks/show.html",
        task=task,
        case=task.case,
        due=due(task.due_at),
        fields=localized_fields(task.case, field_views(task_form(task), values, errors)),
        items=data_items(  # personal values masked except this task's own fields
            task.case,
            services.privacy.case_data_for(session, g.user.username, task.case, task=task),
        ),
        documents=documents,
        history=history_rows(task.case, case_history(session, task.case_id)),
        errors=errors or {},
        return_fields=[
            {"id": f.id, "label": localized(task.case, f.id, f.label or f.id)}
            for f in services.answerable_fields(task.case)
        ],
    ), status


def _gone(task_id: str, values: dict | None = None, message: str = ""):
    """The task is no longer open: say who finished it, keep what was typed."""
    session = get_session()
    trail = task_history(session, task_id)
    if not trail:
        abort(404)
    case = get_case(session, trail[-1].case_id)
    role = lane_role_of(case, trail[-1].element_id)
    if not services.may_work_in_lane(g.user.role_names, role):
        abort(403)
    done = next(
        (e for e in reversed(trail) if e.action in ("task_completed", "case_returned")), None
    )
    fields = localized_fields(
        case, field_views(form_fields_of(case, trail[-1].element_id), values or {})
    )
    return render_template(
        "tasks/stale.html",
        case=case,
        entry=trail[-1],
        done=done,
        fields=fields,
        message=message,
        typed=bool(values),
    ), 409


@bp.route("/<task_id>")
@requires("clerk")
def show(task_id: str):
    task = _open_task(task_id)
    if task is None:
        return _gone(task_id)
    # the task's own data: a called procedure's task shows what was passed to it
    page = _page(task, initial_values(task_form(task), services.task_data(task)))
    commit()  # the access log's "viewed" row for the personal fields this task shows
    return page


@bp.route("/<task_id>/complete", methods=["POST"])
@requires("clerk")
def complete(task_id: str):
    task = _open_task(task_id)
    if task is None:
        return _gone(task_id, request.form.to_dict())
    known = {row.document.sha256 for row in document_rows(get_session(), task.case)}
    values, problems, uploads = submitted_values(
        task_form(task), request.form, request.files, known
    )
    if problems:
        return _page(task, values, problems, 422)
    try:
        complete_task(get_session(), task_id, g.user.username, values)
        store_uploads(get_session(), task.case, uploads, g.user.username)
    except InvalidFormData as exc:
        rollback()
        return _page(task, values, field_errors(exc), 422)
    except services.payments.PaymentRefused as exc:
        rollback()
        return _page(task, values, {"_form": _payment_refused(exc)}, 409)
    except (Conflict, InvalidState, NotAllowed) as exc:
        rollback()
        if isinstance(exc, StaleTask) or get_session().get(HumanTask, task_id) is None:
            return _gone(task_id, values, exc.message)
        if isinstance(exc, InvalidState) and task.case.status != services.CaseStatus.RUNNING:
            return _page(task, values, {"_form": _case_not_running(task)}, 409)  # in words
        return _page(task, values, {"_form": exc.message}, 409)
    commit()
    if task.case.status == services.CaseStatus.INCIDENT:  # the work is saved; the next step failed
        flash(
            _(
                "Your work on '%(task)s' was saved, but case %(code)s stopped at the next "
                "step (%(step)s). An administrator has been told and will resolve it.",
                task=step(task.case, task.name),
                code=task.case.tracking_code,
                step=step(task.case, task.case.current_step.removeprefix("Incident: ")),
            ),
            "error",
        )
        return redirect(url_for("inbox.index"))
    flash(
        _(
            "Done: '%(task)s' of case %(code)s is completed.",
            task=step(task.case, task.name),
            code=task.case.tracking_code,
        ),
        "success",
    )
    return redirect(url_for("inbox.index"))


def _case_not_running(task: HumanTask) -> str:
    return _(
        "'%(task)s' cannot be completed now: case %(code)s is %(status)s.",
        task=step(task.case, task.name),
        code=task.case.tracking_code,
        status=status_label(task.case.status),
    )


def _payment_refused(exc) -> str:
    """The cashier's confirmation refused, in the clerk's language."""
    if isinstance(exc, services.payments.PaymentPastDue):
        return _(
            "Bill %(code)s was due on %(day)s: the payment deadline has passed, so this "
            "payment can no longer be confirmed. The application lapses for non-payment.",
            code=exc.billing_code,
            day=when(exc.due_at),
        )
    return _("The payment cannot be confirmed: %(reason)s", reason=exc.message)


@bp.route("/<task_id>/claim", methods=["POST"])
@requires("clerk")
def take(task_id: str):
    if _open_task(task_id) is None:
        return _gone(task_id)
    try:
        claim(get_session(), task_id, g.user.username)
    except Conflict as exc:
        rollback()
        flash(exc.message, "error")
        return redirect(url_for("inbox.index"))
    commit()
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<task_id>/unclaim", methods=["POST"])
@requires("clerk")
def release(task_id: str):
    if _open_task(task_id) is None:
        return _gone(task_id)
    unclaim(get_session(), task_id, g.user.username)
    commit()
    flash(_("The task is back in the lane's inbox."), "info")
    return redirect(url_for("inbox.index"))


@bp.route("/<task_id>/return", methods=["POST"])
@requires("clerk")
def send_back(task_id: str):
    task = _open_task(task_id)
    if task is None:
        return _gone(task_id)
    reason = request.form.get("reason", "")
    try:
        return_to_applicant(
            get_session(), task_id, g.user.username, reason, fields=request.form.getlist("fields")
        )
    except InvalidState as exc:
        rollback()
        return _page(task, request.form.to_dict(), {"_return": exc.message}, 422)
    commit()
    flash(
        _("Case %(code)s was returned to the applicant.", code=task.case.tracking_code), "success"
    )
    return redirect(url_for("inbox.index"))
