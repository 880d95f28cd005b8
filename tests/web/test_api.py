"""The JSON API: tokens, the office's permission checks, errors as JSON, every endpoint."""

from __future__ import annotations

import io
import re

import pytest

from tests.web.conftest import BUILDING, BUILDING_START, revised_building

SCORES = {f"u{i}": 3 for i in range(1, 10)}


@pytest.fixture
def api(app):
    return app.test_client()


def test_a_token_is_required_and_errors_are_json(api, api_token):
    for headers in ({}, {"Authorization": "Bearer pf_nonsense"}, {"Authorization": "Basic abc"}):
        response = api.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    front = api_token("front")
    missing = api.get("/api/v1/cases/AAAA-BBBB-CCCC-DDDD", headers=front)
    assert missing.status_code == 404 and missing.json == {
        "error": {
            "code": "case_not_found",
            "message": "No case with the tracking code 'AAAA-BBBB-CCCC-DDDD'.",
        }
    }
    assert api.get("/api/v1/nope", headers=front).json["error"]["code"] == "not_found"
    assert api.delete("/api/v1/tasks", headers=front).json["error"]["code"] == "method_not_allowed"
    bad = api.post("/api/v1/cases", data="not json", headers=front)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "bad_request"


def test_the_office_permissions_apply(api, api_token):
    assert (
        api.post(
            "/api/v1/deployments",
            headers=api_token("front"),
            data={"file": (io.BytesIO(BUILDING.read_bytes()), "b.bpmn")},
        ).status_code
        == 403
    )
    assert api.get("/api/v1/tasks", headers=api_token("designer")).status_code == 403
    assert api.get("/api/v1/tasks", headers=api_token("nobody")).status_code == 403


def test_deploy_start_claim_complete_and_status(api, api_token):
    designer, front, tech = api_token("designer"), api_token("front"), api_token("tech")
    deployed = api.post(
        "/api/v1/deployments",
        headers=designer,
        data={"file": (io.BytesIO(revised_building()), "building_approval.bpmn")},
    )
    assert deployed.status_code == 201 and deployed.json["version"] == 2
    broken = api.post(
        "/api/v1/deployments", headers=designer, data={"file": (io.BytesIO(b"<x/>"), "x.bpmn")}
    )
    assert broken.status_code == 400 and broken.json["error"]["code"].startswith("invalid_bpmn")
    invalid = api.post(
        "/api/v1/cases", headers=front, json={"process": "building_approval", "data": {"nik": "1"}}
    )
    assert invalid.status_code == 422 and "nik" in invalid.json["error"]["fields"]
    started = api.post(
        "/api/v1/cases",
        headers=front,
        json={"process": "building_approval", "data": BUILDING_START},
    )
    assert started.status_code == 201 and started.json["version"] == 2
    code, task = started.json["tracking_code"], started.json["open_tasks"][0]
    assert (
        api.post(f"/api/v1/tasks/{task['id']}/claim", headers=tech).status_code == 403
    )  # another lane
    mine = api.get("/api/v1/tasks", headers=front).json["tasks"]
    assert [t["id"] for t in mine] == [task["id"]] and mine[0]["form"][0][
        "id"
    ] == "documents_received"
    claimed = api.post(f"/api/v1/tasks/{task['id']}/claim", headers=front)
    assert claimed.status_code == 200 and claimed.json["assignee"] == "front"
    done = api.post(
        f"/api/v1/tasks/{task['id']}/complete",
        headers=front,
        json={"data": {"documents_received": True}},
    )
    assert (
        done.status_code == 200 and done.json["open_tasks"][0]["element_id"] == "verify_documents"
    )
    again = api.post(f"/api/v1/tasks/{task['id']}/complete", headers=front, json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "stale_task"
    status = api.get(f"/api/v1/cases/{code.lower()}", headers=tech)
    assert status.status_code == 200 and status.json["status"] == "running"


def test_queue_survey_and_ikm(api, api_token, db, app):
    from engine import services
    from webapp.public.links import access_key

    front, nobody = api_token("front"), api_token("nobody")
    taken = api.post("/api/v1/queue/building_approval/tickets", headers=nobody)
    assert taken.status_code == 201 and taken.json["label"] == "PBG-001"
    assert api.post("/api/v1/queue/nope/tickets", headers=nobody).status_code == 404
    assert (
        api.post(
            "/api/v1/queue/building_approval/call", headers=nobody, json={"counter": "1"}
        ).status_code
        == 403
    )
    called = api.post(
        "/api/v1/queue/building_approval/call", headers=front, json={"counter": "Loket 1"}
    )
    assert called.json["ticket"]["status"] == "called"
    board = api.get("/api/v1/queue/building_approval", headers=nobody).json
    assert board["serving"][0]["counter"] == "Loket 1" and board["waiting"] == 0
    case = services.start_case(db, "building_approval", BUILDING_START)
    code = case.tracking_code
    db.commit()
    with app.test_request_context():
        key = access_key(code)  # the k of the applicant's private link
    early = api.post(
        f"/api/v1/cases/{code}/survey", headers=nobody, json={"key": key, "scores": SCORES}
    )
    assert early.status_code == 409  # the survey opens when the case is finished
    services.cancel_case(db, code, actor="front")
    db.commit()
    url = f"/api/v1/cases/{code}/survey"
    assert api.post(url, headers=nobody, json={"key": key, "scores": {"u1": 5}}).status_code == 422
    # staff with a token but without the applicant's link cannot rate in their place
    assert api.post(url, headers=front, json={"key": "0" * 32, "scores": SCORES}).status_code == 404
    assert api.post(url, headers=front, json={"scores": SCORES}).status_code in (400, 422)
    assert api.post(url, headers=nobody, json={"key": key, "scores": SCORES}).status_code == 201
    ikm = api.get("/api/v1/ikm?service=building_approval", headers=nobody).json
    assert ikm["responses"] == 1 and ikm["index"] == 75.0 and ikm["grade"] == "C"
    assert api.get("/api/v1/ikm?period=2026-13", headers=nobody).status_code == 400


def test_the_openapi_document_describes_every_operation(api, app):
    document = api.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    rules = {
        r.rule.replace("<", "{").replace(">", "}").removeprefix("/api/v1")
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("api.") and r.endpoint != "api.openapi"
    }
    assert rules == set(document["paths"])


def test_an_admin_issues_and_revokes_tokens(staff, api):
    admin = staff("admin")
    page = admin.post("/admin/api-tokens/", {"username": "front", "name": "OSS"}).get_data(
        as_text=True
    )
    token = page.split('class="new-token">')[1].split("<")[0]
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.search(r"/admin/api-tokens/(\d+)/revoke", page).group(1)
    assert admin.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
