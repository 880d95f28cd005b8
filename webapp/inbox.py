"""The clerk's inbox: ready tasks of my lanes and the ones I claimed, overdue first."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from engine.services import list_definitions, privacy, tasks_for_user
from webapp.access import lane_roles, requires
from webapp.cases.case_data import lane_names
from webapp.database import get_session
from webapp.presenters import due
from webapp.public.formats import standard_text

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.route("/")
@requires("clerk")
def index():
    session = get_session()
    key = request.args.get("procedure") or None
    tasks = tasks_for_user(session, g.user.username, key=key)
    rows = [(task, due(task.due_at)) for task in tasks]
    rows.sort(
        key=lambda row: (
            row[1].level != "overdue",
            row[0].assignee != g.user.username,
            row[0].due_at is None,
            row[0].due_at or row[0].created_at,
        )
    )
    definitions = list_definitions(session, latest_only=True)
    procedures = {d.key: standard_text(d, "name", d.name) for d in definitions}
    return render_template(
        "inbox/index.html",
        rows=rows,
        masked_applicant=privacy.masked_applicant,  # names masked in lists (UU 27/2022)
        procedures=procedures,
        selected=key,
        lanes=sorted({lane_names(definitions).get(r, r) for r in lane_roles(g.user.role_names)}),
        mine=sum(1 for task in tasks if task.assignee == g.user.username),
    )
