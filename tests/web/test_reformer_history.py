"""The reformer's analysis page shows the findings of the version's history (issue 14, item 5)."""

from __future__ import annotations

from datetime import timedelta

from engine import services
from engine.calendar import clock
from tests.web.conftest import TWO_LANES


def test_an_approval_that_never_refused_is_shown_from_the_versions_history(db, staff):
    services.deploy(db, TWO_LANES.read_bytes(), source="two_lanes.bpmn", deployed_by="designer")
    for index in range(30):
        case = services.start_case(db, "small_permit", {"applicant_name": f"P{index}", "area": 2})
        services.complete_task(db, services.open_tasks(db, case)[0].id, "front", {})
        clock.advance(timedelta(hours=1))
        task = services.open_tasks(db, case)[0]
        services.complete_task(db, task.id, "head", {"decision": "approve"})
    db.commit()
    page = staff("reformer").get("/reformer/small_permit/1").get_data(as_text=True)
    assert "tidak pernah menolak permohonan (30 permohonan)" in page
