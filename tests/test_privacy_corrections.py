"""An accepted correction request changes the case's data (UU 27/2022 art. 6, 30): the
office gives the right value, checked as the form checks it, applied and recorded."""

from __future__ import annotations

import pytest

from engine import services
from engine.errors import InvalidFormData, InvalidState
from engine.privacy import access_log
from tests.test_privacy import NIK, PERMIT, _data_key, office, task_of  # noqa: F401
from tests.test_privacy_free_text import raw_bytes

WITH_ADDRESS = PERMIT.replace(
    b'<camunda:formField id="members"',
    b'<camunda:formField id="address" label="Alamat" type="string" pf:personal="true"/>\n'
    b'      <camunda:formField id="members"',
)
OLD, NEW = "Jl. Melati 3, Bandung", "Jl. Mawar 12, Bandung"


@pytest.fixture
def requested(office):  # noqa: F811
    services.deploy(office, WITH_ADDRESS, source="kk.bpmn", deployed_by="dewi")
    data = {"applicant_name": "Siti Rahma", "nik": NIK, "address": OLD, "members": 3}
    case = services.start_case(office, "kk_permit", data, started_by="")
    row = services.privacy.request_data_right(
        office, case, "correction", "Alamat saya Jl. Mawar 12, bukan Melati 3"
    )
    office.commit()
    return case, row


def test_an_accepted_correction_is_applied_to_the_case_data(office, requested):  # noqa: F811
    case, row = requested
    assert ("address", "Alamat") in services.privacy.correctable_fields(office, row)
    services.privacy.answer(
        office, row.id, actor="admin", text=f"Diperbaiki: {NEW}", corrections={"address": NEW}
    )
    office.commit()
    office.expire_all()
    case = services.get_case(office, case.tracking_code)
    assert services.case_data(case)["address"] == NEW
    assert services.privacy.case_data_for(office, "rina", case, task=task_of(office, "rina"))
    [entry] = [e for e in services.case_history(office, case.id) if e.action == "data_corrected"]
    assert entry.actor == "admin" and "Alamat" in entry.message
    assert services.privacy.audit_data(entry) == {
        "request": row.id,
        "corrected": {"address": NEW},
        "previous": {"address": OLD},
    }
    [logged] = [e for e in access_log.entries(office, case_id=case.id) if e.action == "corrected"]
    assert (logged.actor, logged.field_id) == ("admin", "address")
    office.close()
    assert NEW.encode() not in raw_bytes(office)  # stored encrypted, the answer too
    assert services.privacy.requests_of(office)[0].answer == f"Diperbaiki: {NEW}"
    assert services.privacy.requests_of(office, open_only=True) == []
    with pytest.raises(InvalidState, match="answered already"):
        services.privacy.answer(office, row.id, actor="admin", text="again")


def test_a_correction_is_checked_as_the_form_checks_it(office, requested):  # noqa: F811
    case, row = requested
    for wrong, field in (({"members": "banyak"}, "members"), ({"colour": "red"}, "colour")):
        with pytest.raises(InvalidFormData) as raised:
            services.privacy.answer(
                office, row.id, actor="admin", text="Diperbaiki", corrections=wrong
            )
        assert field in raised.value.errors
    assert services.case_data(case)["members"] == 3
    assert services.privacy.requests_of(office, open_only=True) == [row]  # still open


def test_a_corrected_name_changes_the_applicant_column(office, requested):  # noqa: F811
    case, row = requested
    services.privacy.answer(
        office, row.id, actor="admin", text="Ok", corrections={"applicant_name": "Siti Rahmah"}
    )
    office.commit()
    assert services.get_case(office, case.tracking_code).applicant_name == "Siti Rahmah"
