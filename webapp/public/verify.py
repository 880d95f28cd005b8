"""Public verification of issued permits: the QR code's target, and checking a PDF.

``/verify/<code>`` says whether the permit is valid, revoked, replaced, expired or
unknown, with its number, type, object, office, dates, the holder's masked name and
the document's SHA-256. Anyone may upload a PDF to learn whether it is exactly the
document the office issued. Lookups are rate-limited per address and codes are random
(100 bits), so the register cannot be enumerated. The head of office revokes a permit
from the same page, with a reason that the page then shows.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError, InvalidState, NotAllowed, NotFound
from engine.services import permits
from webapp.access import requires
from webapp.database import commit, get_session, rollback
from webapp.extensions import LoginLimiter
from webapp.public import bp

verify_limiter = LoginLimiter()  # verification lookups and uploads per address
MAX_PDF = 10 * 1024 * 1024


def _limited() -> None:
    if not verify_limiter.hit(request.remote_addr or "", "verify"):
        abort(429)


def _uploaded_pdf() -> bytes | None:
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        return None
    data = upload.read(MAX_PDF + 1)
    return data if len(data) <= MAX_PDF else b""


def _page(code: str | None, check=None, status: int = 200):
    verdict = permits.verify_code(get_session(), code) if code else None
    if verdict is not None and verdict.status == "unknown" and status == 200:
        status = 404
    may_revoke = bool(g.get("user") and {"head_of_office", "admin"} & g.user.role_names and verdict)
    correctable = (
        permits.correctable_fields(get_session(), verdict.permit)
        if may_revoke and verdict and verdict.permit and verdict.status == "valid"
        else []
    )
    return render_template(
        "public/verify.html",
        code=code,
        verdict=verdict,
        check=check,
        may_revoke=may_revoke,
        correctable=correctable,
    ), status


@bp.route("/verify", methods=["GET", "POST"])
def verify_form():
    """Enter a code, or upload a PDF to check without one."""
    if request.method == "GET":
        code = request.args.get("code", "").strip()
        return redirect(url_for("public.verify", code=code[:40])) if code else _page(None)
    _limited()
    data = _uploaded_pdf()
    if not data:
        return _page(
            None, {"genuine": False, "reason": "no_file" if data is None else "too_big"}, 422
        )
    return _page(None, permits.verify_file(get_session(), data))


@bp.route("/verify/<code>", methods=["GET", "POST"])
def verify(code: str):
    _limited()
    code = permits.normalize_code(code)
    if request.method == "GET":
        return _page(code)
    data = _uploaded_pdf()
    if not data:
        return _page(
            code, {"genuine": False, "reason": "no_file" if data is None else "too_big"}, 422
        )
    return _page(code, permits.verify_file(get_session(), data, code))


def refusal(exc: EngineError) -> str:
    """Why a revocation or correction was refused, in the reader's language."""
    if isinstance(exc, permits.ReasonMissing):
        return _("Give the reason: it is shown on the public verification page.")
    if isinstance(exc, permits.PermitNotValid):
        return _("This permit is no longer valid: it cannot be revoked or corrected.")
    if isinstance(exc, NotAllowed):
        return _("Only the head of office may revoke or correct a permit.")
    if isinstance(exc, NotFound):
        return _("No permit has this verification code.")
    return exc.message


@bp.route("/verify/<code>/revoke", methods=["POST"])
@requires("staff")
def revoke(code: str):
    """The head of office revokes a permit; the reason stays with the office (sealed), the
    public page says only that and when the permit was revoked."""
    try:
        permits.revoke(
            get_session(), code, actor=g.user.username, reason=request.form.get("reason", "")
        )
    except EngineError as exc:
        rollback()
        flash(refusal(exc), "error")
        return redirect(url_for("public.verify", code=code))
    commit()
    flash(_("The permit was revoked; this page now says so."), "success")
    return redirect(url_for("public.verify", code=code))


@bp.route("/verify/<code>/correct", methods=["POST"])
@requires("staff")
def correct(code: str):
    """The head of office corrects a permit: a new document replaces it, naming it."""
    session = get_session()
    try:
        old = permits.get_permit(session, code)
        changes = {
            field_id: request.form.get(f"change-{field_id}", "").strip()
            for field_id, _label, value in permits.correctable_fields(session, old)
            if request.form.get(f"change-{field_id}", value).strip() != value
        }
        if not changes:
            raise InvalidState(_("Change at least one value to correct the permit."))
        new = permits.correct(
            session,
            code,
            actor=g.user.username,
            reason=request.form.get("reason", ""),
            changes=changes,
        )
    except EngineError as exc:
        rollback()
        flash(refusal(exc), "error")
        return redirect(url_for("public.verify", code=code))
    commit()
    flash(_("A corrected permit %(number)s replaces the old one.", number=new.number), "success")
    return redirect(url_for("public.verify", code=new.code))
