"""Administration of API tokens: issue one for a user (shown once), revoke it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from engine.errors import UserNotFound
from engine.services import ApiToken, User, api_tokens, list_users
from webapp.access import requires
from webapp.database import commit, get_session, rollback

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")


def _page(new_token: str | None = None, error: str = "", status: int = 200):
    session = get_session()
    rows = session.execute(
        select(ApiToken, User.username)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "api/tokens.html", rows=rows, users=list_users(session), new_token=new_token, error=error
    ), status


@bp.route("/", methods=["GET", "POST"])
@requires("admin")
def index():
    if request.method == "GET":
        return _page()
    name = request.form.get("name", "").strip()[:100]
    try:
        token = api_tokens.issue(get_session(), request.form.get("username", ""), name)
    except UserNotFound as exc:
        rollback()
        return _page(error=exc.message, status=422)
    commit()
    return _page(new_token=token)


@bp.route("/<id:token_id>/revoke", methods=["POST"])
@requires("admin")
def revoke(token_id: int):
    row = get_session().get(ApiToken, token_id)
    if row is None:
        abort(404)
    api_tokens.revoke_by_id(get_session(), token_id)
    commit()
    flash(_("The token %(name)s is revoked.", name=row.name or token_id), "success")
    return redirect(url_for("api_tokens.index"))
