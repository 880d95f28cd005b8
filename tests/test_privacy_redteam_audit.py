"""Personal data the red team found in clear (issue 13): a message's payload in the audit
log, and the applicant's survey comment."""

from __future__ import annotations

from sqlalchemy import text

from engine import services
from engine.office import audit
from engine.privacy import retention
from engine.public import surveys
from tests.test_engine_messages import _registry, offices  # noqa: F401  (fixtures)
from tests.test_privacy import _data_key, office, start  # noqa: F401
from tests.test_privacy_free_text import raw_bytes

NAME = "Wahyu Kurniasih"


def test_a_message_payload_is_sealed_in_the_audit_log(offices):  # noqa: F811
    waiting = _registry(offices, "PBG-001")
    payload = {"permit_no": "PBG-001", "issued_by": NAME}
    services.deliver_message(offices, waiting, "permit_issued", payload)
    offices.commit()
    stored = offices.execute(text("SELECT data FROM audit_log")).scalars().all()
    assert stored and all(NAME not in str(value) for value in stored)
    offices.expire_all()
    [entry] = audit.entries(offices, action="message_received")
    assert NAME in str(entry.data)  # read back clear through the column's type
    assert "message_received" in audit.SEALED_ACTIONS  # so retention clears it


def test_a_survey_comment_is_sealed_and_cleared_by_retention(office):  # noqa: F811
    case = start(office)
    services.cancel_case(office, case.id, actor="rina", reason="ditarik pemohon")
    office.commit()
    case = services.get_case(office, case.id)
    scores = {f"u{i}": 4 for i in range(1, 10)}
    response = surveys.submit(office, case, scores, comment=f"Saya {NAME}, puas")
    office.commit()
    office.expire_all()
    assert NAME in response.comment and NAME.encode() not in raw_bytes(office)
    retention.anonymise(office, case)
    office.commit()
    office.expire_all()
    assert response.comment == "" and response.scores == scores
