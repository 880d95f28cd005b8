"""The API refuses to start a case of a procedure that starts by itself (409, a code and a
message saying how its cases start); the public pages do not offer it."""

from __future__ import annotations

from engine import services
from tests.test_start_events import _round


def test_the_api_refuses_a_hand_start_of_a_self_starting_procedure(app, db, api_token, citizen):
    services.deploy(db, _round(), source="round.bpmn")
    db.commit()
    api = app.test_client()
    response = api.post(
        "/api/v1/cases",
        json={"process": "inspection_round", "data": {}},
        headers=api_token("front"),
    )
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "starts_by_itself" and "timer" in error["message"]
    assert services.list_cases(db) == []
    assert citizen.get("/services/inspection_round/apply").status_code == 404
    started = api.post(
        "/api/v1/cases",
        json={"process": "building_approval", "data": {"applicant_name": "x"}},
        headers=api_token("front"),
    )
    # a plain start is still offered: the form is checked, not the kind of start
    assert started.status_code == 422 and started.json["error"]["code"] != "starts_by_itself"
