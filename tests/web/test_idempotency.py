"""``Idempotency-Key`` on API writes: a retry gets the original answer (issue 11).

A retried completion whose response was lost used to come back as an ambiguous 409.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import services
from engine.calendar import clock
from engine.errors import Conflict
from tests.web.conftest import BUILDING_START


@pytest.fixture
def api(app):
    return app.test_client()


def _start(api, headers, key: str | None = None):
    extra = {"Idempotency-Key": key} if key else {}
    return api.post(
        "/api/v1/cases",
        headers=headers | extra,
        json={"process": "building_approval", "data": BUILDING_START},
    )


def test_a_retried_completion_gets_the_first_answer_not_a_409(api, api_token):
    front = api_token("front")
    task = _start(api, front).json["open_tasks"][0]["id"]
    body = {"data": {"documents_received": True}}
    once = front | {"Idempotency-Key": "complete-7f3c"}
    first = api.post(f"/api/v1/tasks/{task}/complete", headers=once, json=body)
    retry = api.post(f"/api/v1/tasks/{task}/complete", headers=once, json=body)
    assert first.status_code == 200
    assert (retry.status_code, retry.json) == (200, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    without_key = api.post(f"/api/v1/tasks/{task}/complete", headers=front, json=body)
    assert without_key.status_code == 409  # a new request, not a retry


def test_a_retried_start_makes_one_case(api, api_token):
    front = api_token("front")
    first, retry = _start(api, front, "start-1"), _start(api, front, "start-1")
    assert first.status_code == 201 and retry.json == first.json
    other = _start(api, front, "start-2")
    assert other.json["tracking_code"] != first.json["tracking_code"]
    # another user's key of the same name is another key
    second_clerk = _start(api, api_token("admin"), "start-1")
    assert second_clerk.json["tracking_code"] != first.json["tracking_code"]


def test_a_key_reused_for_another_request_is_refused(api, api_token):
    front = api_token("front")
    assert _start(api, front, "k-1").status_code == 201
    task = api.get("/api/v1/tasks", headers=front).json["tasks"][0]["id"]
    reused = api.post(f"/api/v1/tasks/{task}/claim", headers=front | {"Idempotency-Key": "k-1"})
    assert reused.status_code == 400
    assert reused.json["error"]["code"] == "idempotency_key_reused"


def test_bad_keys_and_expired_keys(api, api_token):
    front = api_token("front")
    bad = _start(api, front, "has space")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_idempotency_key"
    first = _start(api, front, "daily")
    clock.advance(timedelta(hours=25))  # answers are kept for a day
    assert _start(api, front, "daily").json["tracking_code"] != first.json["tracking_code"]


def test_a_conflict_is_not_kept_so_a_retry_runs_again(api, api_token):
    front, admin = api_token("front"), api_token("admin")
    task = _start(api, front).json["open_tasks"][0]["id"]
    assert api.post(f"/api/v1/tasks/{task}/claim", headers=admin).status_code == 200
    key = front | {"Idempotency-Key": "claim-1"}
    assert api.post(f"/api/v1/tasks/{task}/claim", headers=key).status_code == 409
    retry = api.post(f"/api/v1/tasks/{task}/claim", headers=key)
    assert retry.status_code == 409 and "Idempotent-Replayed" not in retry.headers


def test_the_same_key_twice_at_once_runs_once(db):
    """The reservation is committed before the request runs; a copy meanwhile is a 409."""
    user = services.find_user(db, "front")
    print_ = services.idempotency_fingerprint("POST", "/api/v1/cases", b"{}")
    assert services.reserve_idempotency_key(db, user.id, "twice", print_) is None
    with pytest.raises(Conflict, match="still running"):
        services.reserve_idempotency_key(db, user.id, "twice", print_)
    services.record_idempotent_answer(db, user.id, "twice", 201, b'{"ok": true}')
    replay = services.reserve_idempotency_key(db, user.id, "twice", print_)
    assert (replay.status, replay.body) == (201, b'{"ok": true}')
