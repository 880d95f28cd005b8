"""Pilots: assignment of new applications, the held-back version, promote and roll back,
and the observed comparison of both arms driven with a simulated clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import services
from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.errors import EngineError, InvalidState, NotFound
from engine.office import audit
from tests.conftest import REPO

SMALL = (REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn").read_bytes()
# the simplified version: the same service, another name and no cooling-off timer
SIMPLER = SMALL.replace(
    b'name="Small permit" isExecutable', b'name="Small permit (fast)" isExecutable'
)
KEY = "small_permit"
LATER = date.today() + timedelta(days=60)


@pytest.fixture
def office(session):
    for name, roles in (("ani", ["front_office"]), ("fajar", ["head_of_office"])):
        services.create_user(session, name, full_name=name.title(), roles=roles)
    services.deploy(session, SMALL, source="small.bpmn", deployed_by="desi")
    services.deploy(session, SIMPLER, source="small_fast.bpmn", deployed_by="desi")
    session.flush()
    return session


def start(session, by="ani", **data):
    return services.start_case(session, KEY, {"applicant_name": "Siti", **data}, started_by=by)


def pilot(session, **settings):
    settings = {
        "pilot_version": 2,
        "planned_end": LATER,
        "owner": "rudi",
        "actor": "rudi",
    } | settings
    return services.start_pilot(session, KEY, **settings)


@pytest.mark.slow
def test_half_of_a_thousand_applications_go_to_the_pilot(office):
    running = pilot(office, share=50)
    cases = [start(office, by="applicant" if i % 3 else "ani") for i in range(1000)]
    versions = [c.definition.version for c in cases]
    counts = services.pilot_arm_counts(office, running)
    assert counts["pilot"] + counts["control"] == 1000
    assert counts["pilot"] == versions.count(2)
    # 1,000 fair coin flips: 500 +- 4 standard deviations (15.8)
    assert 437 <= counts["pilot"] <= 563, counts
    assigned = audit.entries(office, action="pilot_assigned", limit=2000)
    assert len(assigned) == 1000
    arms = {e.case_id: e.data["arm"] for e in assigned}
    assert all(arms[c.id] == ("pilot" if c.definition.version == 2 else "control") for c in cases)


def test_the_pilot_version_is_held_back_until_promoted(office):
    assert services.get_definition(office, KEY).version == 2  # no pilot: the newest
    assert start(office).definition.version == 2
    running = pilot(office)
    assert services.get_definition(office, KEY).version == 1
    assert [d.version for d in services.list_definitions(office, latest_only=True)] == [1]
    explicit = services.start_case(office, KEY, {"applicant_name": "A"}, version=2)
    assert explicit.definition.version == 2  # asked for explicitly: not routed
    assert services.pilot_arm_counts(office, running) == {"pilot": 0, "control": 0}
    promoted, checks = services.promote_pilot(office, KEY, actor="rudi")
    assert promoted.status == "promoted" and promoted.ended_by == "rudi"
    assert isinstance(checks, list)
    assert services.get_definition(office, KEY).version == 2
    assert start(office).definition.version == 2
    assert audit.entries(office, action="pilot_promoted", limit=1)[0].actor == "rudi"
    with pytest.raises(InvalidState, match="already promoted"):
        services.roll_back_pilot(office, KEY, actor="rudi")


def test_rolling_back_keeps_new_applications_on_the_old_version(office):
    pilot(office, share=100)
    on_pilot = start(office)
    assert on_pilot.definition.version == 2
    services.roll_back_pilot(office, KEY, actor="rudi", reason="complaints")
    assert services.get_definition(office, KEY).version == 1
    assert all(start(office).definition.version == 1 for _ in range(5))
    assert on_pilot.status == "running"  # the pilot's own cases finish where they are
    entry = audit.entries(office, action="pilot_rolled_back", limit=1)[0]
    assert entry.actor == "rudi" and "complaints" in entry.message


def test_pilot_by_channel_office_and_window(office):
    running = pilot(office, share=100, channels=["online"], offices=["Bogor"])
    assert start(office, by="applicant", office="bogor").definition.version == 2
    assert start(office, by="applicant", office="Depok").definition.version == 1
    assert start(office, by="ani", office="Bogor").definition.version == 1
    assert services.pilot_arm_counts(office, running) == {"pilot": 1, "control": 2}
    assert services.describe_pilot(running) == "100% of online applications of office Bogor"
    services.roll_back_pilot(office, running.id, actor="rudi")
    tomorrow = default_calendar().local_date(clock.now()) + timedelta(days=1)
    pilot(office, share=100, window=(tomorrow, None))
    assert start(office).definition.version == 1  # before the window
    clock.advance(timedelta(days=1))
    assert start(office).definition.version == 2


def test_no_routing_after_the_planned_end(office):
    pilot(office, share=100, planned_end=default_calendar().local_date(clock.now()))
    clock.advance(timedelta(days=2))
    assert start(office).definition.version == 1
    assert services.get_pilot(office, KEY).status == "running"  # waiting for a decision


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"share": 0}, "share: a percentage above 0"),
        ({"share": "half"}, "share: expected a percentage"),
        ({"channels": ["fax"]}, "channel fax: choose from online, counter"),
        ({"planned_end": date(2020, 1, 1)}, "planned end 2020-01-01 has passed"),
        ({"pilot_version": 9}, "No deployed version 9"),
        ({"owner": " "}, "needs an owner"),
        ({"window": (date(2030, 2, 1), date(2030, 1, 1))}, "ends .* before it starts"),
        ({"staff_costs": {"Lane_front": "cheap"}}, "cost of lane Lane_front"),
    ],
)
def test_bad_pilot_settings_are_named(office, settings, message):
    with pytest.raises(EngineError, match=message):
        pilot(office, **settings)


def test_one_pilot_at_a_time_and_not_of_the_current_version(office):
    pilot(office)
    with pytest.raises(InvalidState, match="already has a running pilot"):
        pilot(office)
    services.promote_pilot(office, KEY, actor="rudi")
    with pytest.raises(EngineError, match="already promoted"):
        pilot(office)
    with pytest.raises(EngineError, match="older than the current version 2"):
        pilot(office, pilot_version=1)
    with pytest.raises(NotFound, match="No pilot 'other'"):
        services.get_pilot(office, "other")


def test_the_pilot_may_not_ask_the_applicant_for_more(office):
    wider = SMALL.replace(
        b'<camunda:formField id="area"',
        b'<camunda:formField id="tax_id" label="Tax" type="string"><camunda:validation>'
        b'<camunda:constraint name="required"/></camunda:validation></camunda:formField>'
        b'<camunda:formField id="area"',
    )
    services.deploy(office, wider, source="wider.bpmn")
    with pytest.raises(EngineError, match="tax_id"):
        pilot(office, pilot_version=3)
