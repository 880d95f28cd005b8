"""Logging in and out, and the user's own account (language)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from engine.services import authenticate_user, end_sessions, update_user
from webapp.access import home_url, login_user, requires, safe_next
from webapp.database import commit, get_session

bp = Blueprint("auth", __name__)


@bp.route("/start")
def home():
    if g.get("user") is None:
        return redirect(url_for("auth.login"))
    return redirect(home_url())


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html", next=safe_next(request.args.get("next")))
    username = request.form.get("username", "").strip().lower()[:80]
    limiter, ip = current_app.extensions["permitflow.login_limiter"], request.remote_addr or ""
    # one atomic check-and-count per attempt, before the password is checked, so that
    # concurrent attempts cannot all pass the check; a success forgets the attempts
    if not limiter.hit(ip, username):
        flash(_("Too many login attempts. Please wait a minute and try again."), "error")
        return render_template("auth/login.html", username=username, next=None), 429
    user = authenticate_user(get_session(), username, request.form.get("password", ""))
    if user is None:
        flash(_("Wrong username or password."), "error")
        return render_template(
            "auth/login.html", username=username, next=safe_next(request.form.get("next"))
        ), 401
    limiter.clear(ip, username)
    login_user(user)
    return redirect(safe_next(request.form.get("next")) or home_url())


@bp.route("/logout", methods=["POST"])
def logout():
    """End this session and every other one of the user (a copied cookie stops working)."""
    if g.get("user") is not None:
        end_sessions(get_session(), g.user.username)
        commit()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@requires("user")
def account():
    return render_template("auth/account.html")


@bp.route("/language", methods=["POST"])
def language():
    """Switch the language: saved on the user when logged in, else in the session."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    if g.get("user") is not None:
        update_user(get_session(), g.user.username, language=lang)
        commit()
    return redirect(safe_next(request.form.get("next")) or url_for("auth.home"))
