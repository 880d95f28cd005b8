"""One rule for "overdue": a returned case has its clock paused, so it is overdue nowhere."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.cli import main
from engine.reporting.stats import lane_load, procedure_stats

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


def _office(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn", deployed_by="designer")
    returned = services.start_case(
        session, "small_permit", {"applicant_name": "Siti", "area": 1}, started_by="ani"
    )
    running = services.start_case(
        session, "small_permit", {"applicant_name": "Budi", "area": 2}, started_by="ani"
    )
    session.commit()
    task = next(t for t in services.tasks_for_user(session, "ani") if t.case_id == returned.id)
    services.return_to_applicant(session, task.id, "ani", "Please attach the land certificate")
    session.commit()
    clock.advance(timedelta(days=60))  # both are far past their 5 working days
    return returned, running


def test_a_returned_case_is_not_overdue_in_the_engine(session):
    returned, running = _office(session)
    assert [c.id for c in services.list_cases(session, overdue=True)] == [running.id]
    assert [c.id for c in services.overdue_cases(session)] == [running.id]
    assert {t.case_id for t in services.overdue_tasks(session)} == {running.id}
    assert procedure_stats(session, "small_permit")["overdue_open"] == 1
    assert sum(lane["overdue"] for lane in lane_load(session, "small_permit")) == 1


def test_a_returned_case_is_not_overdue_on_the_command_line(sqlite_engine, monkeypatch):
    monkeypatch.setenv(
        "PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False)
    )
    with Session(sqlite_engine) as session:
        returned, running = _office(session)
        expected = running.tracking_code
    result = CliRunner().invoke(main, ["cases", "--overdue", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [c["tracking_code"] for c in json.loads(result.output)] == [expected]
