"""A case whose path ends at a task without outgoing flow (BPMN's implicit end) shows
fine in the inbox and on its case page."""

from __future__ import annotations

from pathlib import Path

from engine import services

MODEL = Path(__file__).parent.parent / "bpmn_features" / "implicit_end.bpmn"


def test_inbox_and_case_page_of_an_implicit_end(db, staff):
    services.deploy(db, MODEL.read_bytes(), source="implicit_end.bpmn", deployed_by="designer")
    case = services.start_case(db, "implicit_end", {}, started_by="verifier")
    db.commit()
    verifier = staff("verifier")
    inbox = verifier.get("/inbox/")
    assert inbox.status_code == 200
    assert "Notify applicant" in inbox.get_data(as_text=True)
    for task in services.tasks_for_user(db, "verifier"):
        services.complete_task(db, task.id, "verifier", {})
        db.commit()
    page = verifier.get(f"/cases/{case.tracking_code}")
    assert page.status_code == 200
    assert "Verified" in page.get_data(as_text=True)
    assert services.get_case(db, case.tracking_code).status == "completed"
