"""Monitoring figures on a few small-permit cases in different states.

Time is pinned to Monday 3 March 2025, 08:00 in Jakarta: the two weeks after it have
no Indonesian public holiday, so working days are plain weekdays.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import services
from engine.calendar import clock
from engine.reporting import stats

V1 = (Path(__file__).parent / "engine_bpmn" / "two_lanes.bpmn").read_bytes()
T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
KEY = "small_permit"


def at(moment: datetime) -> None:
    clock.set_offset(moment - datetime.now(UTC))


def complete(session, case, element_id, username, data=None):
    (task,) = [t for t in services.open_tasks(session, case) if t.element_id == element_id]
    services.complete_task(session, task.id, username, data or {})


@pytest.fixture
def office(session):
    """Five cases started at T0, looked at eight days later (Tuesday 11 March).

    on_time: done after 3 days; late: rejected after 8 days; waiting: still at
    'Register application', claimed, overdue; cancelled; returned to the applicant.
    """
    at(T0)
    services.deploy(session, V1, source="v1.bpmn")
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    names = ("on_time", "late", "waiting", "cancelled", "returned")
    cases = {
        n: services.start_case(session, KEY, {"applicant_name": n, "area": 5}, started_by="ani")
        for n in names
    }
    at(T0 + timedelta(hours=2))
    complete(session, cases["on_time"], "register", "ani")
    at(T0 + timedelta(hours=5))
    complete(session, cases["on_time"], "decide", "budi", {"decision": "approve"})
    services.cancel_case(session, cases["cancelled"].id, actor="admin")
    (task,) = services.open_tasks(session, cases["returned"])
    services.return_to_applicant(session, task.id, "ani", "The KTP is missing")
    (task,) = services.open_tasks(session, cases["waiting"])
    services.claim(session, task.id, "ani")
    at(T0 + timedelta(days=3))
    services.tick(session)
    at(T0 + timedelta(days=8))
    complete(session, cases["late"], "register", "ani")
    complete(session, cases["late"], "decide", "budi", {"decision": "reject"})
    session.flush()
    return cases


def test_procedure_stats_counts_sla_and_cycle_times(session, office):
    assert office["on_time"].status == "completed"
    figures = stats.procedure_stats(session, KEY)
    assert {
        k: figures[k] for k in ("started", "completed", "cancelled", "running", "returned")
    } == {
        "started": 5,
        "completed": 2,
        "cancelled": 1,
        "running": 1,
        "returned": 1,
    }
    assert figures["overdue_open"] == 1
    assert figures["sla"] == {
        "on_time": 1,
        "late": 1,
        "without_due_date": 0,
        "overdue_open": 1,
        "compliance": 0.5,
        "compliance_with_overdue": 0.3333,
    }
    cycle = figures["cycle_time"]
    assert cycle["cases"] == 2
    assert cycle["mean_hours"] == pytest.approx(132, abs=0.02)
    assert cycle["median_hours"] == pytest.approx(132, abs=0.02)
    assert cycle["p90_hours"] == pytest.approx(180, abs=0.02)
    # Mon -> Thu is 3 working days, Mon -> Tue of the next week 6
    assert (cycle["mean_working_days"], cycle["p90_working_days"]) == (4.5, 5.7)


def test_procedure_stats_filters_by_version_and_start(session, office):
    assert stats.procedure_stats(session, KEY, version=1)["started"] == 5
    later = stats.procedure_stats(session, KEY, since=T0 + timedelta(hours=1))
    assert later["started"] == 0
    assert later["sla"]["compliance"] is None
    assert later["cycle_time"] == {
        "cases": 0,
        **{f"{s}_{u}": None for u in ("hours", "working_days") for s in ("mean", "median", "p90")},
    }


def test_waiting_by_task_for_a_heatmap(session, office):
    figures = stats.waiting_by_task(session, KEY)
    assert set(figures) == {"register", "decide"}
    register, decide = figures["register"], figures["decide"]
    assert register["name"] == "Register application"
    assert register["waiting"] == 2  # 'waiting' and 'returned'
    assert register["avg_wait_hours"] == pytest.approx(192, abs=0.02)
    assert register["completed"] == 2
    assert register["avg_duration_hours"] == pytest.approx((2 + 192) / 2, abs=0.02)
    assert decide["waiting"] == 0 and decide["avg_wait_hours"] is None
    assert decide["avg_duration_hours"] == pytest.approx((3 + 0) / 2, abs=0.02)


def test_lane_load(session, office):
    assert stats.lane_load(session) == [
        {
            "role": "front_office",
            "lane_name": "Front Office",
            "open": 2,
            "overdue": 1,
            "claimed": 1,
        },
        {
            "role": "head_of_office",
            "lane_name": "Head of Office",
            "open": 0,
            "overdue": 0,
            "claimed": 0,
        },
    ]
    assert stats.lane_load(session, key="other") == []
