"""A message no waiting case takes starts a case of the procedure whose message start
event catches it (BPMN; Camunda's message correlation does the same), from outside or
thrown by another case; only the declared payload travels."""

from __future__ import annotations

import pytest

from engine import services
from tests.test_bpmn_coverage import complete, deploy, inbox, restored


@pytest.fixture
def office(session):
    services.create_user(session, "vera", roles=["verifier"])
    session.commit()
    deploy(session, "message_intake.bpmn")
    deploy(session, "message_forwarder.bpmn")
    return session


def _intake_cases(session) -> list:
    return [c for c in services.list_cases(session) if c.definition.key == "message_intake"]


def test_a_thrown_message_no_case_waits_for_starts_a_case(office):
    desk = services.start_case(office, "message_forwarder", {})
    office.commit()
    complete(
        office,
        desk,
        "vera",
        "Register the complaint",
        {"complaint_text": "The road is blocked", "reporter_nik": "3201010101010001"},
    )
    assert restored(office, desk).status == "completed"
    [intake] = _intake_cases(office)
    assert services.case_data(restored(office, intake)) == {"complaint": "The road is blocked"}
    assert inbox(office, intake, "vera") == ["Answer the complaint"]
    [entry] = [
        e
        for e in services.case_history(office, restored(office, desk).id)
        if e.action == "message_started_case"
    ]
    assert restored(office, intake).tracking_code in entry.message


def test_a_message_from_outside_without_a_case_starts_one(office):
    [case] = services.deliver_message(office, None, "complaint_forwarded", {"text": "Noise"})
    office.commit()
    assert services.case_data(restored(office, case)) == {"complaint": "Noise"}
