"""The case page of a cancelled transaction and of a case waiting on a condition names
the events by their names, never by their element ids (tests/bpmn_features models)."""

from __future__ import annotations

from engine import services
from tests.test_bpmn_coverage import FEATURES
from tests.web.test_public_language import visible_text


def _run(db, name: str, key: str, steps: list[tuple[str, dict]]):
    data = (FEATURES / name).read_bytes()
    services.deploy(db, data, source=name, deployed_by="designer")
    for username, role in [("vera", "verifier"), ("tina", "technical"), ("hana", "head")]:
        services.create_user(db, username, roles=[role])
    case = services.start_case(db, key, {})
    db.commit()
    for element_id, form in steps:
        db.expire_all()
        [task] = [
            t
            for t in services.open_tasks(db, services.get_case(db, case.id))
            if t.element_id == element_id
        ]
        services.complete_task(
            db, task.id, {"verifier": "vera", "technical": "tina", "head": "hana"}[task.role], form
        )
        db.commit()
    return case


def test_a_cancelled_transaction_shows_its_names(db, staff):
    case = _run(
        db, "transaction_cancel.bpmn", "transaction_cancel", [("inspect", {"site_fit": False})]
    )
    text = visible_text(staff("admin").get(f"/cases/{case.tracking_code}").get_data(as_text=True))
    assert "Inform the applicant" in text
    for raw in ("cancel_check", "check_start", "end_refused", "cancelEventDefinition"):
        assert raw not in text


def test_a_case_waiting_on_a_condition_shows_the_events_name(db, staff):
    steps = [("collect", {"documents_complete": False}), ("confirm", {"documents_complete": False})]
    case = _run(db, "conditional_catch.bpmn", "conditional_catch", steps)
    text = visible_text(staff("admin").get(f"/cases/{case.tracking_code}").get_data(as_text=True))
    assert "Documents complete" in text
    assert "conditionalEventDefinition" not in text and "Waiting:" not in text
