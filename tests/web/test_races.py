"""Races over HTTP end in a 409 that names the winner, never a 500 (issue 11)."""

from __future__ import annotations

from tests.web.conftest import BUILDING_START


def test_claiming_over_the_api_a_task_completed_meanwhile_is_a_409_naming_who(app, api_token):
    api = app.test_client()
    front, admin = api_token("front"), api_token("admin")
    started = api.post(
        "/api/v1/cases",
        headers=front,
        json={"process": "building_approval", "data": BUILDING_START},
    )
    task = started.json["open_tasks"][0]["id"]
    done = api.post(
        f"/api/v1/tasks/{task}/complete",
        headers=admin,
        json={"data": {"documents_received": True}},
    )
    assert done.status_code == 200
    for action in ("claim", "complete"):
        late = api.post(f"/api/v1/tasks/{task}/{action}", headers=front, json={})
        assert late.status_code == 409, late.json
        assert late.json["error"]["code"] == "stale_task"
        assert "completed by admin meanwhile" in late.json["error"]["message"]
