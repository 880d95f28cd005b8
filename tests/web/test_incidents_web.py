"""Incidents in the web app: the clerk sees a clear message, the admin resolves it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import services

SITE = Path(__file__).resolve().parents[1] / "engine_bpmn" / "incident.bpmn"


@pytest.fixture
def stopped(db):
    """A site permit whose registration was completed in the browser by the front office."""
    services.deploy(db, SITE.read_bytes(), source="incident.bpmn")
    case = services.start_case(db, "site_permit", {"applicant_name": "Siti"})
    db.commit()
    return case


def _register(staff, db, case):
    front = staff("front")
    [task] = services.open_tasks(db, case)
    response = front.post(f"/tasks/{task.id}/complete", {}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _incident_id(page: str) -> str:
    return re.search(r'href="/admin/incidents/(\d+)"', page).group(1)


def test_the_clerk_sees_a_clear_message_not_an_error_page(staff, db, stopped):
    page = _register(staff, db, stopped)
    assert "stopped at the next step" in page or "berhenti" in page
    db.expire_all()
    assert services.get_case(db, stopped.id).status == "incident"


def test_admin_fixes_the_value_retries_and_the_case_goes_on(staff, db, stopped):
    _register(staff, db, stopped)
    admin = staff("admin")
    listing = admin.get("/admin/incidents/").get_data(as_text=True)
    assert stopped.tracking_code in listing and "site_permit" in listing
    number = _incident_id(listing)
    page = admin.get(f"/admin/incidents/{number}").get_data(as_text=True)
    assert "floor_area &gt; 500" in page and "Tidak ada nilai bernama" in page
    refused = admin.post(f"/admin/incidents/{number}/set-var", {"name": "floor_area", "value": "x"})
    assert refused.status_code == 422 and "Floor area (m2)" in refused.get_data(as_text=True)
    saved = admin.post(f"/admin/incidents/{number}/set-var", {"name": "floor_area", "value": "650"})
    assert saved.status_code == 302
    retried = admin.post(f"/admin/incidents/{number}/retry", follow_redirects=True)
    assert retried.status_code == 200
    db.expire_all()
    case = services.get_case(db, stopped.id)
    assert case.status == "running" and case.current_step == "Technical review"
    history = [e.action for e in services.case_history(db, case.id)]
    assert "incident_variable_set" in history and "incident_retried" in history
    assert "Tidak ada insiden." in admin.get("/admin/incidents/").get_data(as_text=True)


def test_admin_moves_or_cancels(staff, db, stopped):
    _register(staff, db, stopped)
    admin = staff("admin")
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    wrong = admin.post(f"/admin/incidents/{number}/skip", {"to": "nowhere"})
    assert wrong.status_code == 422 and "cannot move" in wrong.get_data(as_text=True)
    assert admin.post(f"/admin/incidents/{number}/skip", {"to": "end_small"}).status_code == 302
    db.expire_all()
    assert services.get_case(db, stopped.id).outcome == "Small building registered"
    other = services.start_case(db, "site_permit", {"applicant_name": "Budi"})
    db.commit()
    _register(staff, db, other)
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    assert admin.post(f"/admin/incidents/{number}/cancel", {"reason": "dup"}).status_code == 302
    db.expire_all()
    assert services.get_case(db, other.id).status == "cancelled"
    assert admin.post(f"/admin/incidents/{number}/retry").status_code == 422  # resolved


@pytest.mark.parametrize("username", ["front", "tech", "designer", "reformer", "nobody"])
def test_only_admins_see_incidents(staff, username):
    assert staff(username).get("/admin/incidents/").status_code == 403
    assert staff(username).post("/admin/incidents/1/retry").status_code == 403


def test_an_unknown_incident_is_a_404(staff):
    admin = staff("admin")
    assert admin.get("/admin/incidents/99").status_code == 404
    assert admin.get("/admin/incidents/99999999999999999999999").status_code == 404


def test_monitoring_counts_open_incidents_per_procedure(staff, db, stopped):
    _register(staff, db, stopped)
    page = staff("reformer").get("/monitoring/").get_data(as_text=True)
    assert "1 insiden terbuka" in page


def test_the_api_answers_with_the_stopped_case(client_api, db, stopped):
    [task] = services.open_tasks(db, stopped)
    response = client_api.post(f"/api/v1/tasks/{task.id}/complete", json={"data": {}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "incident" and body["current_step"] == "Incident: Large building?"


@pytest.fixture
def client_api(app, api_token):
    client = app.test_client()
    headers = api_token("front")

    class Api:
        def post(self, url, **kwargs):
            return client.post(url, headers=headers, **kwargs)

    return Api()


def test_the_case_page_says_where_the_case_stopped(staff, db, stopped):
    _register(staff, db, stopped)
    page = staff("admin").get(f"/cases/{stopped.tracking_code}").get_data(as_text=True)
    assert "berhenti di Large building?" in page and "/admin/incidents/" in page
    clerk_page = staff("front").get(f"/cases/{stopped.tracking_code}").get_data(as_text=True)
    assert "berhenti di Large building?" in clerk_page and "/admin/incidents/" not in clerk_page
