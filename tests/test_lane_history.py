"""Lane figures from the real history: waiting vs working time per lane."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import services
from engine.calendar import clock
from engine.reporting.lane_history import lane_history

TWO_LANES = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()


def test_waiting_and_working_time_per_lane(session):
    clock.set_offset(timedelta(0))
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
    case = services.start_case(session, "small_permit", {"applicant_name": "Siti", "area": 1})
    register = services.open_tasks(session, case)[0]
    clock.advance(timedelta(hours=3))  # waits 3 h in the front office
    services.claim(session, register.id, "ani")
    clock.advance(timedelta(hours=1))  # and is worked on for 1 h
    services.complete_task(session, register.id, "ani", {})
    decide = services.open_tasks(session, case)[0]
    clock.advance(timedelta(hours=2))  # the head decides without claiming: all waiting
    services.complete_task(session, decide.id, "budi", {"decision": "reject"})
    session.commit()
    figures = lane_history(session, "small_permit")
    front, head = figures["Lane_front"], figures["Lane_head"]
    assert front["waiting_hours"] == pytest.approx(3.0, abs=0.01) and front[
        "working_hours"
    ] == pytest.approx(1.0, abs=0.01)
    assert front["waiting_share"] == pytest.approx(0.75, abs=0.01) and front["staff"] == 1
    assert 0 < front["utilisation"] <= 1
    assert head["waiting_share"] == pytest.approx(1.0) and head["tasks"] == 1
    assert lane_history(session, "nope_no_cases") == {}
