"""Applying online: the start form of the procedure's BPMN, with its documents.

Uploads are checked first (size, type, content); the case starts with a reference to
each file in its data, then the files are stored for the case. The applicant lands on
the private tracking page, whose link is also in the notification.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _

from engine.errors import InvalidFormData
from engine.services import ProcessDefinition, model_for, start_case, start_form
from webapp.database import commit, get_session, rollback
from webapp.public import bp, kept_uploads
from webapp.public.catalogue import COMPLAINT_KEY, current_definition
from webapp.public.formats import translate_fields
from webapp.public.links import private_url, submission_limiter
from webapp.tasks.forms import (
    field_views,
    file_fields,
    initial_values,
    store_uploads,
    submitted_values,
)
from webapp.tasks.messages import field_errors

APPLICANT = "applicant"


def form_fields(definition: ProcessDefinition):
    return start_form(model_for(definition).processes[definition.key])


def _page(
    template: str,
    definition: ProcessDefinition,
    values: dict,
    errors: dict | None = None,
    status: int = 200,
    uploads: dict | None = None,
    token: str | None = None,
):
    fields = form_fields(definition)
    token = kept_uploads.keep(uploads or {}, token)  # files are not chosen twice
    kept = {
        k: v for k, v in values.items() if k not in file_fields(fields)
    }  # files are chosen again
    return render_template(
        template,
        definition=definition,
        standard=definition.service_standard or {},
        fields=translate_fields(field_views(fields, kept, errors), definition),
        errors=errors or {},
        kept_files={k: u.filename for k, u in (uploads or {}).items()},
        kept_token=token,
    ), status


def _application(definition: ProcessDefinition, template: str, submitted_message: str):
    fields = form_fields(definition)
    if request.method == "GET":
        return _page(template, definition, initial_values(fields, {}))
    values, problems, uploads = submitted_values(fields, request.form, request.files)
    token = request.form.get("kept_uploads")
    for field_id, upload in kept_uploads.load(token).items():
        if field_id not in uploads and field_id not in problems:
            uploads[field_id] = upload
            values[field_id] = upload.reference()
    if problems:
        return _page(template, definition, values, problems, 422, uploads, token)
    if not submission_limiter.hit(request.remote_addr or "", "submit"):
        flash(
            _("Too many applications from this connection; please try again in a few minutes."),
            "error",
        )
        return _page(template, definition, values, {}, 429, uploads, token)
    session = get_session()
    try:
        case = start_case(
            session,
            definition.key,
            values,
            started_by=APPLICANT,
            version=definition.version,
            language=flask_session.get("lang", "id"),
        )
    except InvalidFormData as exc:
        rollback()
        return _page(template, definition, values, field_errors(exc), 422, uploads, token)
    store_uploads(session, case, uploads, APPLICANT)
    commit()
    kept_uploads.forget(token)
    flash(submitted_message, "success")
    return redirect(private_url(case, new=1))


@bp.route("/services/<key>/apply", methods=["GET", "POST"])
def apply(key: str):
    if key == COMPLAINT_KEY:
        return redirect(url_for("public.complain"))
    return _application(
        current_definition(key),
        "public/apply.html",
        _(
            "Your application was received. Keep the link of this page: it is your private "
            "link to follow the case and answer the office."
        ),
    )


@bp.route("/complaints/new", methods=["GET", "POST"])
def complain():
    return _application(
        current_definition(COMPLAINT_KEY),
        "public/complaint.html",
        _(
            "Your complaint was received. Keep the link of this page to follow it and read "
            "the answer."
        ),
    )
