"""Administration: users, their roles, and which users work each BPMN lane's role."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError
from engine.services import (
    SYSTEM_ROLES,
    create_user,
    find_user,
    hash_password,
    list_definitions,
    list_users,
    set_roles,
    update_user,
)
from webapp.access import requires
from webapp.database import commit, get_session, rollback

LANGUAGES = ("id", "en")  # engine.accounts.users.update_user refuses others

bp = Blueprint("admin", __name__, url_prefix="/admin")
MIN_PASSWORD = 8


def _lane_roles() -> dict[str, list[tuple[str, str, int]]]:
    """Role key -> [(procedure name, lane name, version)] over the newest deployed versions.

    System roles are never lane roles (deployment refuses them; a version deployed
    before that check must not let this page grant ``admin``).
    """
    roles: dict[str, list[tuple[str, str, int]]] = {}
    for definition in list_definitions(get_session(), latest_only=True):
        for lane in (definition.lanes or {}).values():
            if lane["role"].strip().lower() in SYSTEM_ROLES:
                continue
            roles.setdefault(lane["role"], []).append(
                (definition.name, lane["name"], definition.version)
            )
    return roles


def _all_roles() -> list[str]:
    held = {role for user in list_users(get_session()) for role in user.role_names}
    return sorted(set(_lane_roles()) | held - set(SYSTEM_ROLES)) + list(SYSTEM_ROLES)


def _form_page(user=None, error: str = "", status: int = 200):
    return render_template(
        "admin/user_form.html",
        user=user,
        roles=_all_roles(),
        error=error,
        form=request.form,
        lane_roles=_lane_roles(),
    ), status


@bp.route("/users")
@requires("admin")
def users():
    return render_template("admin/users.html", users=list_users(get_session()))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin")
def new_user():
    if request.method == "GET":
        return _form_page()
    password = request.form.get("password", "")
    if len(password) < MIN_PASSWORD:
        return _form_page(
            error=_("The password needs at least %(n)d characters.", n=MIN_PASSWORD), status=422
        )
    try:
        user = create_user(
            get_session(),
            request.form.get("username", "").strip(),
            full_name=request.form.get("full_name", "").strip(),
            email=request.form.get("email", "").strip(),
            roles=request.form.getlist("roles"),
            password_hash=hash_password(password),
        )
    except EngineError as exc:
        rollback()
        return _form_page(error=exc.message, status=422)
    language = request.form.get("language")
    update_user(get_session(), user.username, language=language if language in LANGUAGES else "id")
    commit()
    flash(_("User %(name)s was created.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<username>", methods=["GET", "POST"])
@requires("admin")
def edit_user(username: str):
    user = find_user(get_session(), username)
    if user is None:
        abort(404)
    if request.method == "GET":
        return _form_page(user)
    roles = set(request.form.getlist("roles"))
    active = request.form.get("is_active") == "on"
    if user.username == g.user.username and ("admin" not in roles or not active):
        return _form_page(
            user, _("You cannot remove your own admin role or deactivate yourself."), 422
        )
    password = request.form.get("password", "")
    if password and len(password) < MIN_PASSWORD:
        return _form_page(
            user, _("The password needs at least %(n)d characters.", n=MIN_PASSWORD), 422
        )
    set_roles(get_session(), username, roles)
    language = request.form.get("language")
    try:
        update_user(
            get_session(),
            username,
            full_name=request.form.get("full_name", user.full_name).strip()[:200],
            email=request.form.get("email", user.email).strip()[:200],
            is_active=active,
            language=language if language in LANGUAGES else None,
            password_hash=hash_password(password) if password else None,
        )
    except EngineError as exc:
        rollback()
        return _form_page(find_user(get_session(), username), exc.message, 422)
    commit()
    flash(_("User %(name)s was saved.", name=username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/lanes", methods=["GET", "POST"])
@requires("admin")
def lanes():
    session = get_session()
    lane_roles, users = _lane_roles(), list_users(session)
    if request.method == "POST":
        role = request.form.get("role", "")
        if role not in lane_roles:  # system roles are not lane roles: never granted here
            abort(400)
        chosen = set(request.form.getlist("users"))
        for user in users:
            if (role in user.role_names) != (user.username in chosen):
                set_roles(session, user.username, user.role_names ^ {role})
        commit()
        flash(_("Who works the role %(role)s was saved.", role=role), "success")
        return redirect(url_for("admin.lanes"))
    return render_template("admin/lanes.html", lane_roles=lane_roles, users=users)
