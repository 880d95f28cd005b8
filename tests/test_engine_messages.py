"""Messages between cases: a message one case throws reaches the cases waiting for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import services
from engine.errors import InvalidState

HERE = Path(__file__).parent / "engine_bpmn"


@pytest.fixture
def two_offices(session):
    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "rina", roles=["registrar"])
    services.deploy(session, (HERE / "messages.bpmn").read_bytes(), source="messages.bpmn")
    services.deploy(session, (HERE / "messages_receiver.bpmn").read_bytes(), source="receiver.bpmn")
    session.commit()
    return session


def test_thrown_message_moves_the_waiting_case(two_offices):
    s = two_offices
    waiting = services.start_case(s, "registry", {})
    assert waiting.current_step == "Waiting: Permit issued"
    issuer = services.start_case(s, "issuer", {"permit_no": "PBG-001"})
    services.complete_task(s, services.open_tasks(s, issuer)[0].id, "ani", {})
    s.commit()
    assert services.get_case(s, issuer.id).status == "completed"
    waiting = services.get_case(s, waiting.id)
    [task] = services.open_tasks(s, waiting)
    assert task.name == "Record the building"
    assert services.case_data(waiting)["permit_no"] == "PBG-001"
    assert "message_received" in [e.action for e in services.case_history(s, waiting.id)]


def test_message_to_a_case_not_waiting_is_refused(two_offices):
    s = two_offices
    case = services.start_case(s, "issuer", {})
    with pytest.raises(InvalidState, match="not waiting"):
        services.deliver_message(s, case, "permit_issued", {})
