"""The shipped business licence and building approval take the applicant's identity from
the population registry and the business from OSS-RBA (engine.integration.stubs).

The applicant types the NIK (and the NIB); a service task right after the start fetches
the rest, and the document verifier sees it read-only beside the application, with the
registry's reason when the NIK does not match.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.demo import fill
from engine.errors import InvalidBpmn
from engine.integration import stubs
from engine.storage.tables import ServiceCallRow
from tests.conftest import PROCESSES

KNOWN_NIK, KNOWN_NIB = "3273010101900001", "9120001234567"
PERSON = stubs.PEOPLE[KNOWN_NIK]


@pytest.fixture
def office(session):
    services.create_user(session, "front", roles=["front_office"])
    services.create_user(session, "verifier", roles=["verifier"])
    for key in ("business_license", "building_approval"):
        path = PROCESSES / f"{key}.bpmn"
        services.deploy(session, path.read_bytes(), source=path.name)
    session.commit()
    return session


def apply(session, key: str, **typed):
    """Start a case with the applicant's form filled as the portal would, and commit it:
    its calls are made once it is committed (at once in tests)."""
    model = services.load_deployed_model(session, key)
    data = fill(services.start_form(model.processes[key])) | typed
    case = services.start_case(session, key, data, started_by="web")
    session.commit()
    return services.get_case(session, case.id)


def verifier_sees(session, case) -> dict:
    """The read-only values on the verifier's form, after the front office registered."""
    [task] = services.open_tasks(session, case)
    assert task.element_id == "register_application"
    services.complete_task(session, task.id, "front", fill(services.task_form(task)))
    session.commit()
    [task] = services.open_tasks(session, services.get_case(session, case.id))
    assert task.element_id == "verify_documents" and task.role == "verifier"
    fields = services.task_form(task)
    shown = services.form_initial_values(fields, services.task_data(task))
    return {f.id: shown.get(f.id) for f in fields if f.readonly}


def test_the_licence_is_filled_from_the_population_registry_and_oss(office):
    case = apply(office, "business_license", nik=KNOWN_NIK, nib=KNOWN_NIB)
    shown = verifier_sees(office, case)
    assert shown["registry_name"] == PERSON["name"] == "SITI RAHAYU"
    assert shown["registry_address"] == PERSON["address"]
    assert shown["registry_birth_date"] == "1990-01-01"
    assert shown["nik_match"] is True and not shown["registry_note"]
    assert shown["oss_business_name"] == "CV MAJU BERSAMA"
    assert shown["oss_kbli"] == "47111, 56101"
    assert shown["oss_risk_level"] == "menengah rendah" and shown["nib_found"] is True
    calls = office.query(ServiceCallRow).filter_by(case_id=case.id).all()
    assert sorted((c.connector, c.operation, c.status) for c in calls) == [
        ("oss", "nib_lookup", "done"),
        ("population", "nik_lookup", "done"),
    ]


def test_a_mismatch_shows_the_verifier_why_and_the_case_can_be_returned(office):
    case = apply(office, "building_approval", nik="3273999999999999")
    shown = verifier_sees(office, case)
    assert shown["nik_match"] is False and not shown["registry_name"]
    assert shown["registry_note"] == "NIK tidak terdaftar di database kependudukan"
    [task] = services.open_tasks(office, services.get_case(office, case.id))
    returned = services.return_to_applicant(
        office,
        task.id,
        "verifier",
        "NIK tidak terdaftar di Dukcapil: periksa NIK Anda.",
        fields=["nik"],
    )
    office.commit()
    assert returned.status == "returned"


def test_the_fetched_values_cannot_be_typed_over_on_the_verifier_s_form(office):
    case = apply(office, "business_license", nik=KNOWN_NIK, nib="1111111111111")
    shown = verifier_sees(office, case)
    assert shown["nib_found"] is False and shown["oss_note"] == "NIB tidak ditemukan di OSS"
    [task] = services.open_tasks(office, services.get_case(office, case.id))
    services.complete_task(
        office, task.id, "verifier", {"decision": "complete", "registry_name": "SOMEONE ELSE"}
    )
    office.commit()
    data = services.case_data(services.get_case(office, case.id))
    assert data["registry_name"] == "SITI RAHAYU"


def test_the_connectors_must_be_registered_before_the_procedures_deploy(session):
    services.connectors.remove_connector(session, "oss")
    with pytest.raises(InvalidBpmn) as refused:
        services.deploy(session, (PROCESSES / "business_license.bpmn").read_bytes(), source="x")
    assert "fetch_business" in str(refused.value) or "oss" in str(refused.value)
