"""Pilots: assignment of new applications, the held-back version, promote and roll back,
and the observed comparison of both arms driven with a simulated clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
import yaml

from engine import services
from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.errors import EngineError, InvalidState, NotFound
from engine.office import audit
from simulations.pilot_prediction import predicted_vs_observed
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
        ({"share": 0}, "share: a percentage from 0.1 to 100"),
        ({"share": 1e-300}, "share: a percentage from 0.1 to 100"),
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


def test_the_pilot_may_not_check_the_form_more_strictly(office):
    """The portal shows the current form; a pilot arm refusing its answers would let an
    applicant resubmit until drawn into the other arm."""
    stricter = SMALL.replace(b'name="min" config="1"', b'name="min" config="100"')
    services.deploy(office, stricter, source="stricter.bpmn")
    with pytest.raises(EngineError, match="area more strictly"):
        pilot(office, pilot_version=3)


def test_promote_and_roll_back_of_one_pilot_end_it_once(office):
    running = pilot(office)
    services.promote_pilot(office, KEY, actor="rudi")
    with pytest.raises(InvalidState, match="already promoted"):
        services.roll_back_pilot(office, running.id, actor="rudi")
    actions = [e.action for e in audit.entries(office) if e.action.startswith("pilot_")]
    assert actions.count("pilot_promoted") == 1 and "pilot_rolled_back" not in actions


# -- the observed comparison, driven with a simulated clock ----------------------------

PER_ARM = 35
CONTROL_DAYS = (8, 9, 10, 11, 12)  # working days to finish; mean 10
PILOT_DAYS = (5, 6, 7, 8, 9)  # mean 7: a planted 30% cut
COSTS = {"Lane_front": 50_000, "Lane_head": 100_000}  # per hour
PREDICTION = {  # as simulations.pilot_prediction.prediction_from_job keeps it
    "job": 1,
    "name": "fast",
    "kpis": {
        "cycle_time.mean": {"baseline": 9.0e5, "scenario": 6.75e5, "relative": -0.25},
        "sla.compliance": {"baseline": 0.8, "scenario": 0.9, "relative": 0.125},
        "lane.Lane_front.waiting": {"baseline": 10.0, "scenario": 5.0, "relative": -0.5},
    },
}


def _work(session, case, *, returned: bool) -> None:
    """Register (claimed an hour) and decide (claimed an hour): the case completes."""
    from engine.office.tasks import applicant_responds, return_to_applicant

    register = services.open_tasks(session, case)[0]
    if returned:
        return_to_applicant(session, register.id, "ani", "The land certificate is unreadable")
        applicant_responds(session, case, {})
    for user, data in (("ani", {}), ("fajar", {"decision": "reject"})):
        task = services.open_tasks(session, case)[0]
        services.claim(session, task.id, user)
        clock.advance(timedelta(hours=1))
        services.complete_task(session, task.id, user, data)


def drive_pilot(session) -> dict[str, list]:
    """Start applications until each arm has PER_ARM, then finish them on planted days."""
    services.start_pilot(
        session, KEY, pilot_version=2, planned_end=LATER, owner="rudi", actor="rudi",
        share=50, staff_costs=COSTS, prediction=PREDICTION,
    )  # fmt: skip
    arms: dict[str, list] = {"control": [], "pilot": []}
    while min(len(cases) for cases in arms.values()) < PER_ARM:
        case = start(session)
        arms["pilot" if case.definition.version == 2 else "control"].append(case)
    calendar, started = default_calendar(), clock.now()
    plan = {
        case.id: (CONTROL_DAYS if arm == "control" else PILOT_DAYS)[i % 5]
        for arm, cases in arms.items()
        for i, case in enumerate(cases[:PER_ARM])
    }
    returned = {case.id for case in arms["control"][:PER_ARM:5]}  # one in five went back
    for _day in range(30):
        clock.advance(timedelta(days=1))
        elapsed = calendar.working_days_between(started, clock.now())
        for cases in arms.values():
            for case in cases:
                if plan.get(case.id) == elapsed and case.status == "running":
                    _work(session, case, returned=case.id in returned)
                    clock.advance(-timedelta(hours=2))  # every case's work starts at 9:00
    for arm, score in (("control", 3), ("pilot", 4)):
        for case in arms[arm][:10]:
            services.surveys.submit(session, case, dict.fromkeys(services.surveys.KEYS, score))
    session.flush()
    return arms


def test_the_observed_comparison_finds_a_planted_cut(office):
    drive_pilot(office)
    result = services.compare_pilot(office, KEY, min_cases=30)
    assert result.finished == {"control": PER_ARM, "pilot": PER_ARM}
    assert result.enough_data and result.verdict == "pilot_faster"
    cycle = result.row("cycle_time.mean")
    assert cycle.control.value == pytest.approx(10, abs=0.3)
    assert cycle.pilot.value == pytest.approx(7, abs=0.3)
    assert cycle.relative == pytest.approx(-0.3, abs=0.04)
    assert cycle.significant and cycle.p_value < 0.001
    assert cycle.control.low < 10 < cycle.control.high
    assert result.row("cycle_time.p50").pilot.value == 7
    assert result.row("returns.per_case").control.value == pytest.approx(7 / 35)
    assert result.row("returns.per_case").pilot.value == 0
    assert result.row("rework.per_case").difference == 0
    cost = result.row("cost.per_case")
    assert cost.control.value == pytest.approx(150_000) and not cost.significant
    ikm = result.row("ikm.index")
    assert (ikm.control.value, ikm.pilot.value) == (75.0, 100.0) and ikm.significant
    steps = {row.kpi: row for row in result.steps}
    assert set(steps) == {"task.register.waiting", "task.decide.waiting"}
    assert steps["task.decide.waiting"].pilot.value == pytest.approx(0, abs=0.001)  # hours
    assert steps["task.register.waiting"].pilot.value > 5 * 24
    data = result.as_dict()
    assert data["verdict"] == "pilot_faster" and data["rows"][0]["kpi"] == "cycle_time.mean"
    predicted = {row["kpi"]: row for row in predicted_vs_observed(PREDICTION, data)}
    assert set(predicted) == {"cycle_time.mean", "sla.compliance"}  # what both sides have
    assert predicted["cycle_time.mean"]["error"] == pytest.approx(-0.05, abs=0.04)
    assert predicted["cycle_time.mean"]["observed_significant"]


def test_too_few_finished_cases_is_not_enough_data(office, monkeypatch):
    drive_pilot(office)
    result = services.compare_pilot(office, KEY, min_cases=PER_ARM + 1)
    assert not result.enough_data and result.verdict == "not_enough_data"
    assert not any(row.significant for row in result.rows + result.steps)
    assert result.row("cycle_time.mean").relative == pytest.approx(-0.3, abs=0.04)
    monkeypatch.setenv("PERMITFLOW_PILOT_MIN_CASES", "100")
    assert services.compare_pilot(office, KEY).min_cases == 100


def test_a_fresh_pilot_has_not_enough_data(office):
    running = pilot(office)
    result = services.compare_pilot(office, running.id)
    assert result.verdict == "not_enough_data" and result.finished == {"control": 0, "pilot": 0}
    assert result.row("cycle_time.mean").control.value is None
    assert result.row("cost.per_case") is None  # no staff costs set


def test_the_test_is_the_simulated_comparisons_welch_test():
    import numpy as np

    from engine.reporting.pilot_comparison import welch_p
    from simulations.des.results import SimulationResult
    from simulations.scenarios.compare import compare

    a, b = [10.0, 12, 9, 11, 10, 13], [7.0, 8, 6, 9, 7, 8]
    simulated = compare(
        SimulationResult("p", 1, 1, [{"x": v} for v in a]),
        SimulationResult("p", 1, 1, [{"x": v} for v in b]),
    ).row("x")
    assert welch_p(np.array(a), np.array(b)) == pytest.approx(simulated.p_value)


# -- the command line ---------------------------------------------------------------


@pytest.fixture
def cli(sqlite_engine, monkeypatch):
    from click.testing import CliRunner
    from sqlalchemy.orm import Session

    from engine.cli import main

    monkeypatch.setenv(
        "PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    with Session(sqlite_engine) as session:
        for name, roles in (("ani", ["front_office"]), ("fajar", ["head_of_office"])):
            services.create_user(session, name, full_name=name.title(), roles=roles)
        services.deploy(session, SMALL, source="small.bpmn")
        services.deploy(session, SIMPLER, source="small_fast.bpmn")
        session.commit()

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    run.engine = sqlite_engine
    return run


def test_pilot_from_the_command_line(cli, tmp_path):
    from sqlalchemy.orm import Session

    out = cli("pilot", "start", KEY, "--share", "100", "--planned-end", LATER.isoformat(),
              "--owner", "rudi", "--cost", "Lane_front=50000", "--as", "rudi")  # fmt: skip
    assert "version 2 of small_permit for 100% of applications" in out
    assert "rest stay on version 1" in out
    cli("pilot", "start", KEY, "--planned-end", LATER.isoformat(), code=1)  # one at a time
    calendar = default_calendar()  # the three cases take six hours from 08:00 of a working day
    morning = datetime.combine(calendar.next_working_day(clock.now()), time(8), calendar.tz)
    clock.set_offset(morning - datetime.now(UTC))  # (from 18:00 they ended a day later)
    with Session(cli.engine) as session:
        for _ in range(3):
            case = start(session)
            _work(session, case, returned=False)
        session.commit()
    out = cli("pilot", "status", KEY)
    assert "applications: 3 pilot, 0 control" in out
    assert "Not enough data to decide: each arm needs 30 finished cases" in out
    assert "verdict: not_enough_data" in out
    data = json.loads(cli("pilot", "status", KEY, "--json", "--min-cases", "2"))
    assert data["comparison"]["finished"] == {"control": 0, "pilot": 3}
    assert data["comparison"]["rows"][0]["pilot"]["value"] == 0  # same day
    params = tmp_path / "pilot.yaml"
    out = cli("pilot", "calibrate", KEY, "--out", str(params))
    assert "from 6 completed tasks of the pilot arm" in out
    assert set(yaml.safe_load(params.read_text())["tasks"]) == {"register", "decide"}
    whole = tmp_path / "version2.yaml"  # `permitflow calibrate` on the pilot version's history
    assert "2 tasks" in cli("calibrate", KEY, "--version", "2", "--out", str(whole))
    refit = tmp_path / "refit.yaml"  # `permitflow calibrate --pilot`: the pilot arm only
    assert "2 tasks" in cli("calibrate", KEY, "--pilot", KEY, "--out", str(refit))
    assert yaml.safe_load(refit.read_text()) == yaml.safe_load(params.read_text())
    assert "running" in cli("pilot", "list")
    out = cli("pilot", "promote", KEY, "--as", "rudi")
    assert "Version 2 of small_permit is now current" in out and "Migration dry run" in out
    assert "already promoted" in cli("pilot", "rollback", KEY, code=1)
    assert "No pilot 'nothing'" in cli("pilot", "status", "nothing", code=1)
    bad = cli("pilot", "start", KEY, "--cost", "front", "--planned-end", "2030-01-01", code=2)
    assert "LANE=COST_PER_HOUR" in bad


def test_the_demo_data_has_a_pilot_with_a_result(session):
    from engine import demo

    demo.load(session, with_cases=False)  # procedures and clerks
    summary = demo.add_demo_pilot(session)
    assert summary.startswith("pilot ") and demo.add_demo_pilot(session) == ""  # once
    row = services.get_pilot(session, "resident_id_card")
    assert row.status == "running" and row.planned_end < clock.now()  # awaiting a decision
    result = services.compare_pilot(session, row.id)
    assert result.enough_data and min(result.finished.values()) >= 30
    assert result.verdict == "pilot_faster"
    assert result.row("cost.per_case").difference < 0  # one step less
    assert result.row("ikm.index").pilot.n > 10
    predicted = predicted_vs_observed(row.prediction, result.as_dict())
    assert predicted[0]["kpi"] == "cycle_time.mean" and predicted[0]["error"] is not None
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # the clock is back


def test_two_starts_at_once_give_one_running_pilot(db_engine):
    """Two app processes start a pilot of the same procedure at the same moment."""
    import threading

    from sqlalchemy.orm import Session

    with Session(db_engine) as session:
        services.deploy(session, SMALL, source="small.bpmn", deployed_by="desi")
        services.deploy(session, SIMPLER, source="small_fast.bpmn", deployed_by="desi")
        session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def start_one():
        with Session(db_engine) as session:
            barrier.wait()
            try:
                pilot(session)
                session.commit()
                outcomes.append("started")
            except InvalidState:
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=start_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "started"]
    with Session(db_engine) as session:
        assert [p.status for p in services.list_pilots(session, KEY)] == ["running"]
