"""The landing page and the service catalogue: each procedure's published service standard.

Always the newest deployed version: its standard, its start form, its drawn diagram.
"""

from __future__ import annotations

from flask import abort, render_template

from engine.errors import ProcessNotFound
from engine.services import (
    ProcessDefinition,
    get_definition,
    list_definitions,
    starts_by_itself,
)
from webapp.database import get_session
from webapp.presenters import xml_response
from webapp.public import bp

COMPLAINT_KEY = "complaint"


def current_definition(key: str) -> ProcessDefinition:
    """The newest version of a deployed procedure, else 404."""
    try:
        definition = get_definition(get_session(), key)
    except ProcessNotFound:
        abort(404)
    if starts_by_itself(definition):  # an inspection round on schedule: not a public service
        abort(404)
    return definition


def services() -> list[ProcessDefinition]:
    """The published services: procedures an applicant starts (not those that start on
    a schedule or by a message), the complaint last."""
    published = [
        d for d in list_definitions(get_session(), latest_only=True) if not starts_by_itself(d)
    ]
    return sorted(published, key=lambda d: d.key == COMPLAINT_KEY)


@bp.route("/")
def index():
    return render_template("public/index.html", services=services())


@bp.route("/services/")
def catalogue():
    return render_template("public/services.html", services=services())


@bp.route("/services/<key>")
def service(key: str):
    definition = current_definition(key)
    return render_template(
        "public/service.html",
        definition=definition,
        standard=definition.service_standard or {},
        is_complaint=definition.key == COMPLAINT_KEY,
    )


@bp.route("/services/<key>/diagram.bpmn")
def diagram(key: str):
    """The current version's diagram, drawn on the service page (public information)."""
    return xml_response(current_definition(key).bpmn_xml)
