"""Regressions for the problems an internal security review found (each reproduced first)."""

from __future__ import annotations

import html
import json
import re

from engine import services
from engine.accounts.users import create_user
from tests.web.conftest import _HASH, BUILDING_START, COMPLAINT, pdf


def test_document_reference_survives_the_answer_form(app):
    """A quote in an uploaded file's name must not break the hidden field (nor inject attributes)."""
    stored = {
        "name": 'sertifikat" form="x" style="a.pdf',
        "size": 9,
        "type": "application/pdf",
        "sha256": "ab" * 32,
    }
    field = {
        "id": "land_certificate",
        "label": "Sertifikat",
        "type": "file",
        "value": stored,
        "required": True,
        "readonly": False,
        "options": [],
        "constraints": {},
        "error": None,
    }
    with app.test_request_context():
        macros = app.jinja_env.get_template("_macros.html").module
        page = str(macros.form_field(field))
    hidden = re.search(r'<input type="hidden" name="land_certificate" value="([^"]*)"', page)
    assert hidden, page
    assert json.loads(html.unescape(hidden.group(1))) == stored
    assert 'form="x"' not in page


def test_only_the_cases_clerks_can_resume_it(staff, db):
    services.deploy(db, COMPLAINT.read_bytes(), source="complaint.bpmn")
    create_user(db, "complaints", roles=["complaint_admin"], password_hash=_HASH)
    case = services.start_case(db, "building_approval", BUILDING_START)
    db.commit()  # the applicant's data is fetched from the registry once the start is committed
    services.return_to_applicant(db, services.open_tasks(db, case)[0].id, "admin", "Lengkapi KTP")
    db.commit()
    outsider = staff("complaints")
    assert outsider.post(f"/cases/{case.tracking_code}/resume").status_code == 403
    db.expire_all()
    assert services.get_case(db, case.id).status == "returned"
    assert staff("front").post(f"/cases/{case.tracking_code}/resume").status_code == 302


def test_huge_and_nul_identifiers_are_not_found_not_errors(staff, citizen):
    big = 2**64
    for path in (
        f"/queue/tickets/{big}",
        "/services/a%00b",
        f"/diagrams/building_approval/{big}.bpmn",
    ):
        assert citizen.get(path).status_code in (400, 404), path
    admin = staff("admin")
    for path in (
        f"/reformer/jobs/{big}",
        f"/reformer/jobs/{big}.json",
        f"/designer/procedures/building_approval/{big}/migrate",
        "/tasks/a%00b",
        "/inbox/?procedure=a%00b",
    ):
        assert admin.get(path).status_code in (400, 404), path
    # an impossible id in a filter is ignored, like an empty one
    assert admin.get(f"/monitoring/building_approval?version={big}").status_code == 200
    assert admin.get(f"/cases/?version={big}").status_code == 200
    assert admin.post(f"/admin/api-tokens/{big}/revoke").status_code == 404


def test_nul_in_a_form_is_refused_clearly(citizen):
    data = {
        **BUILDING_START,
        "applicant_name": "Siti\x00",
        "land_certificate": pdf("a.pdf"),
        "building_plan": pdf("b.pdf"),
    }
    response = citizen.post(
        "/services/building_approval/apply", data, form_page="/services/building_approval/apply"
    )
    assert response.status_code == 400


def test_successful_logins_do_not_use_up_the_limit(staff):
    user = staff()
    assert [user.login("front").status_code for _ in range(8)] == [302] * 8


def test_queue_numbers_are_rate_limited(citizen, app):
    from webapp.public.links import queue_limiter

    queue_limiter.limit = 3
    codes = [
        citizen.post(
            "/queue/take", {"service": "building_approval"}, form_page="/queue/"
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [302, 302, 302] and codes[-1] == 429
    app.config["KIOSK_ADDRESSES"] = {"127.0.0.1"}  # the office's kiosk is never limited
    assert (
        citizen.post(
            "/queue/take", {"service": "building_approval"}, form_page="/queue/"
        ).status_code
        == 302
    )


def test_usernames_cannot_be_only_dots(db):
    import pytest

    from engine.errors import EngineError

    for name in ("..", ".", ".hidden"):
        with pytest.raises(EngineError):
            create_user(db, name)
