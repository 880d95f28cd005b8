"""The reformers' pilot pages: start a pilot from a finished scenario, watch it, promote
or roll back; bad settings are messages next to the form, never a server error."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from engine import services
from engine.background import jobs
from tests.web.conftest import TWO_LANES

KEY = "small_permit"
ANALYSIS = f"/reformer/{KEY}/1"
REMOVE_REGISTRATION = {"op": "remove_task", "task": "register"}
SMALL = {"cases": "120", "replications": "2", "seed": "3"}
LATER = (date.today() + timedelta(weeks=6)).isoformat()


def start(db):
    case = services.start_case(db, KEY, {"applicant_name": "Siti"}, started_by="front")
    db.commit()
    return case


@pytest.fixture
def scenario_job(app, staff, db, monkeypatch):
    """A reformer and a finished scenario comparison (run at once, on the app's database)."""
    services.deploy(db, TWO_LANES.read_bytes(), source="small.bpmn", deployed_by="designer")
    db.commit()
    monkeypatch.setattr(jobs, "submit", lambda job_id, engine=None: jobs.run(job_id, engine))
    reformer = staff("reformer")
    reformer.post(f"{ANALYSIS}/scenario/changes", data={"change": json.dumps(REMOVE_REGISTRATION)})
    response = reformer.post(f"{ANALYSIS}/run", data=SMALL)
    return reformer, response.headers["Location"]


def test_a_pilot_starts_from_a_scenario_and_is_promoted(scenario_job, db):
    reformer, job_url = scenario_job
    assert f"{job_url}/pilot" in reformer.get(job_url).get_data(as_text=True)
    form = reformer.get(f"{job_url}/pilot")
    assert form.status_code == 200 and 'name="planned_end"' in form.get_data(as_text=True)
    response = reformer.post(
        f"{job_url}/pilot",
        data={"share": "100", "planned_end": LATER, "owner": "rudi", "channel": "counter"},
    )
    assert response.status_code == 302, response.get_data(as_text=True).split("<main")[-1][:3000]
    pilot_url = response.headers["Location"]
    assert services.get_definition(db, KEY).version == 1  # held back
    assert start(db).definition.version == 2  # the counter's applications go to the pilot
    page = reformer.get(pilot_url).get_data(as_text=True)
    assert "not-enough-data" in page and 'data-kpi="cycle_time.mean"' in page
    assert "Data belum cukup untuk memutuskan" in page  # Indonesian by default
    assert 'class="card predicted"' in page  # the scenario's prediction beside it
    assert "pilot-running" in page and "promote-form" in page
    assert pilot_url in reformer.get("/reformer/pilots").get_data(as_text=True)

    response = reformer.post(f"{pilot_url}/promote", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "pilot-promoted" in page and 'class="card migration"' in page
    assert "promote-form" not in page
    db.expire_all()
    assert services.get_definition(db, KEY).version == 2
    assert reformer.post(f"{pilot_url}/promote").status_code == 409  # once


@pytest.mark.parametrize(
    "form, message",
    [
        ({"share": "0"}, "share: a percentage from 0.1 to 100"),
        ({"share": "lots"}, "share: expected a percentage"),
        ({"planned_end": ""}, "planned_end"),
        ({"planned_end": "31/12/2026"}, "2026-12-31"),
        ({"planned_end": "2020-01-01"}, "has passed"),
        ({"window_start": "2030-02-01", "window_end": "2030-01-01"}, "before it starts"),
        ({"channel": "fax"}, "channel fax"),
        ({"owner": ""}, "owner"),
    ],
)
def test_bad_pilot_settings_are_messages(scenario_job, db, form, message):
    reformer, job_url = scenario_job
    data = {"share": "50", "planned_end": LATER, "owner": "rudi"} | form
    response = reformer.post(f"{job_url}/pilot", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert services.list_pilots(db) == []
    assert [d.version for d in services.list_definitions(db) if d.key == KEY] == [1]


def test_a_pilot_is_rolled_back(scenario_job, db):
    reformer, job_url = scenario_job
    response = reformer.post(f"{job_url}/pilot", data={"share": "50", "planned_end": LATER,
                                                       "owner": "rudi"})  # fmt: skip
    pilot_url = response.headers["Location"]
    response = reformer.post(f"{pilot_url}/rollback", data={"reason": "complaints"},
                             follow_redirects=True)  # fmt: skip
    assert "pilot-rolled_back" in response.get_data(as_text=True)
    db.expire_all()
    assert start(db).definition.version == 1


@pytest.mark.parametrize("username", ["front", "designer", "nobody"])
def test_only_reformers_see_pilots(staff, db, username):
    services.deploy(db, _simpler(), source="b2.bpmn")
    services.start_pilot(db, "building_approval", pilot_version=2, planned_end=date.today()
                         + timedelta(days=9), owner="rudi", actor="rudi")  # fmt: skip
    db.commit()
    user = staff(username)
    for method, url in [
        ("get", "/reformer/pilots"),
        ("get", "/reformer/pilots/1"),
        ("post", "/reformer/pilots/1/promote"),
        ("post", "/reformer/pilots/1/rollback"),
    ]:
        assert getattr(user, method)(url).status_code == 403, url
    assert services.get_pilot(db, 1).status == "running"


def _simpler() -> bytes:
    from tests.web.conftest import revised_building

    return revised_building()


def test_the_portal_shows_one_service_and_routes_online_applications(app, db):
    from tests.web.conftest import Staff

    services.deploy(db, TWO_LANES.read_bytes(), source="small.bpmn")
    services.deploy(db, TWO_LANES.read_bytes().replace(b"Register application", b"Register"),
                    source="small2.bpmn")  # fmt: skip
    services.start_pilot(db, KEY, pilot_version=2, planned_end=date.today() + timedelta(days=9),
                         owner="rudi", actor="rudi", share=100, channels=["online"])  # fmt: skip
    db.commit()
    citizen = Staff(app.test_client())
    citizen.fresh_token(f"/services/{KEY}/apply")
    response = citizen.post(f"/services/{KEY}/apply", data={"applicant_name": "Siti", "area": "5"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    case = services.list_cases(db, key=KEY)[0]
    assert case.definition.version == 2 and case.started_by == "applicant"
    assert start(db).definition.version == 1  # the counter is not in this pilot
