"""The one-stop bundle for a small business, down every path, restored between steps.

The applicant applies once; three agencies review in parallel (one multi-instance task),
a decision table computes the fees, and the business licence, the building approval and
the signage permit run as call activities of the deployed procedures, each given only
the data it needs. The small signage permit is also a procedure of its own.
"""

from __future__ import annotations

import pytest

from engine import services
from engine.demo import fill
from tests import test_procedures
from tests.test_procedures import Path, run_path, run_path_from

clerks = test_procedures.clerks  # the fixture: a clerk per role, every procedure deployed

BUNDLE = {
    "applicant_name": "Siti Rahma",
    "nik": "3174000000000001",
    "phone": "081234567890",
    "email": "siti@example.id",
    "company_name": "Warung Siti",
    "nib": "1234567890123",
    "kbli": "56101",
    "risk_level": "menengah_tinggi",
    "business_category": "perdagangan",
    "business_address": "Jl. Melati No. 5, Jakarta Timur",
    "zone": "perdagangan_jasa",
    "building_function": "usaha",
    "floors": 1,
    "floor_area": 80,
    "sign_text": "Warung Siti",
    "sign_area": 2,
    "sign_type": "papan",
}
ALL_AGREE = {"agency_review": [{"agency_opinion": "agree"}]}
ISSUE_ALL = {
    "verify_documents": [{"decision": "complete"}],
    "sector_review": [{"technical_decision": "approve"}],
    "sign_license": [{"signed": True}],
    "technical_review": [{"technical_decision": "approve"}],
    "confirm_payment": [{"payment_received": True}],
    "sign_permit": [{"signed": True}],
    "review_signage": [{"sign_decision": "approve"}],
}
CALLED_ENDS = ["end_issued", "end_signage_issued"]

PATHS = {
    "signage-issued": Path(
        "signage_permit",
        {"sign_area": 3, "sign_type": "neon_box"},
        {"review_signage": [{"sign_decision": "approve"}]},
        "Signage permit issued",
        visits=["sign_signage_permit"],
    ),
    "signage-rejected": Path(
        "signage_permit",
        {"sign_type": "baliho"},
        {"review_signage": [{"sign_decision": "reject"}]},
        "Signage application rejected",
        skips=["sign_signage_permit"],
    ),
    "bundle-three-permits-issued": Path(
        "small_business_bundle",
        BUNDLE,
        ALL_AGREE | ISSUE_ALL,
        "All permits decided",
        visits=["agency_review", "sign_license", "sign_permit", "sign_signage_permit"],
    ),
    "bundle-objected-by-an-agency": Path(
        "small_business_bundle",
        BUNDLE,
        {"agency_review": [{"agency_opinion": "agree"}, {"agency_opinion": "object"}]},
        "Objected by an agency",
        skips=["register_application", "review_signage"],
    ),
    "bundle-building-rejected-others-issued": Path(
        "small_business_bundle",
        BUNDLE | {"floor_area": 300, "floors": 2},
        ALL_AGREE | ISSUE_ALL | {"technical_review": [{"technical_decision": "reject"}]},
        "All permits decided",
        visits=["sign_license", "sign_signage_permit"],
        skips=["sign_permit"],
    ),
}


@pytest.mark.parametrize("name", sorted(PATHS))
def test_bundle_path(clerks, name):
    path = PATHS[name]
    case, done = run_path(clerks, path)
    assert case.status == "completed", f"{name}: {case.status} at {case.current_step}"
    assert case.outcome == path.outcome
    assert all(v in done for v in path.visits), (path.visits, done)
    assert not any(s in done for s in path.skips), (path.skips, done)
    if path.key == "small_business_bundle" and "agency_review" in path.visits:
        assert done.count("agency_review") == 3  # one review per agency


def test_the_applicant_enters_the_data_once_and_each_procedure_gets_what_it_needs(clerks):
    case, _done = run_path(clerks, PATHS["bundle-three-permits-issued"])
    data = services.case_data(case)
    assert data["agencies"] == ["dinas_perdagangan", "dinas_pupr", "bapenda"]
    assert data["agency_opinions"] == ["agree", "agree", "agree"]
    # the fee table: 80 m2 * 10 000 and a 2 m2 board * 25 000
    assert (data["building_fee"], data["signage_fee"], data["total_fee"]) == (
        800_000,
        50_000,
        850_000,
    )
    assert data["business_license_decision"] == "approve"
    assert data["building_approval_decision"] == "approve"
    assert data["signage_permit_decision"] == "approve"


def _progress(session, case) -> dict[str, tuple[str, list[str], str]]:
    return {
        p.process_key: (p.status, p.steps, p.outcome)
        for p in services.called_progress(session, services.get_case(session, case.id))
    }


def test_the_case_shows_each_permit_s_progress(clerks):
    path = PATHS["bundle-three-permits-issued"]
    model = services.load_deployed_model(clerks, path.key)
    data = fill(services.start_form(model.processes[path.key])) | path.start
    case = services.start_case(clerks, path.key, data, started_by="applicant")
    clerks.commit()
    assert {s for s, _steps, _o in _progress(clerks, case).values()} == {"not_started"}
    done: list[str] = []
    for _ in range(4):  # registration, three agency reviews: the calls begin
        _do(clerks, case, path, done)
    progress = _progress(clerks, case)
    assert progress["business_license"] == ("running", ["Register OSS application"], "")
    assert progress["building_approval"][0:2] == ("running", ["Register application"])
    assert progress["signage_permit"] == ("running", ["Register signage application"], "")
    case, _done = run_path_from(clerks, case, path)
    assert case.status == "completed"
    progress = _progress(clerks, case)
    assert progress["business_license"] == ("completed", [], "Licence issued")
    assert progress["building_approval"] == ("completed", [], "Permit issued")
    assert progress["signage_permit"] == ("completed", [], "Signage permit issued")
    pinned = {p.process_key: p.definition.key for p in services.called_progress(clerks, case)}
    assert pinned == {k: k for k in progress}


def _do(session, case, path, done) -> None:
    task = services.open_tasks(session, services.get_case(session, case.id))[0]
    test_procedures._do_task(session, task, path, done)
    session.commit()


def test_the_clerks_of_the_called_procedures_are_clerks_of_the_bundle(clerks):
    path = PATHS["bundle-three-permits-issued"]
    model = services.load_deployed_model(clerks, path.key)
    data = fill(services.start_form(model.processes[path.key])) | path.start
    case = services.start_case(clerks, path.key, data, started_by="applicant")
    clerks.commit()
    # the verifier and the cashier work only in the called procedures' lanes
    for clerk in ("verifier", "cashier", "head-of-office", "front-office"):
        assert services.may_see_documents(clerks, clerk, case), clerk
    services.create_user(clerks, "registrar", roles=["registration_officer"])
    assert not services.may_see_documents(clerks, "registrar", case)


def test_the_demo_deploys_the_bundle_with_its_fee_table(session):
    from engine import demo

    lines = demo.load(session, with_cases=False)
    assert "small_business_bundle v1 deployed" in lines and "signage_permit v1 deployed" in lines
    definition = services.get_definition(session, "small_business_bundle")
    called = {d.key for d in services.called_definitions(definition)}
    assert called == {"business_license", "building_approval", "signage_permit"}
