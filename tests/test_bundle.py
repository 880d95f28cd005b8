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
    "confirm_payment": [{"payment_received": True, "payment_reference": "NTPD-PBG-0001"}],
    "sign_permit": [{"signed": True}],
    "review_signage": [{"sign_decision": "approve"}],
    "confirm_signage_payment": [{"signage_paid": True, "payment_reference": "NTPD-REK-0001"}],
}
CALLED_ENDS = ["end_issued", "end_signage_issued"]

PATHS = {
    "signage-issued": Path(
        "signage_permit",
        {"sign_area": 3, "sign_type": "neon_box"},
        {
            "review_signage": [{"sign_decision": "approve"}],
            "confirm_signage_payment": [{"signage_paid": True}],
        },
        "Signage permit issued",
        visits=["assess_signage_tax", "confirm_signage_payment", "sign_signage_permit"],
    ),
    "signage-cancelled-unpaid": Path(
        "signage_permit",
        {"sign_area": 3},
        {"review_signage": [{"sign_decision": "approve"}]},
        "Cancelled for unpaid signage tax",
        skips=["sign_signage_permit"],
        events=[("days", 15)],
        wait_at=("confirm_signage_payment",),
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


# --- what the bundle produces: the called procedures' bills and permits ---------------------


def _run_keeping_prefilled(session, path) -> tuple:
    """Run ``path`` as the clerks do on their task pages: what the task shows filled in
    (the fee table's amounts passed to the called procedures) is kept, the rest typed."""
    case = test_procedures._start(session, path)
    answers = {k: list(v) for k, v in path.answers.items()}
    for _ in range(60):
        case = services.get_case(session, case.id)
        tasks = services.open_tasks(session, case)
        if case.status != "running" or not tasks:
            break
        task, form = tasks[0], services.task_form(tasks[0])
        shown = services.task_data(task)
        kept = {f.id: shown[f.id] for f in form if shown.get(f.id) is not None}
        queue = answers.get(task.element_id) or [{}]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        clerk = task.role.replace("_", "-")
        services.complete_task(session, task.id, clerk, fill(form) | kept | answer)
        session.commit()
    return case


def test_the_bundle_bills_each_levy_from_the_fee_table_and_issues_each_permit(clerks):
    from engine.office import payments, permits

    case = _run_keeping_prefilled(clerks, PATHS["bundle-three-permits-issued"])
    assert case.outcome == "All permits decided"
    bills = {b.process_key: b for b in payments.case_bills(clerks, case)}
    # one bill per levy, each its procedure's own: the PBG retribution and the signage tax
    assert {k: (b.amount, b.status) for k, b in bills.items()} == {
        "building_approval": (800_000, "paid"),
        "signage_permit": (50_000, "paid"),
    }
    assert bills["building_approval"].payment_reference == "NTPD-PBG-0001"
    assert bills["signage_permit"].payment_reference == "NTPD-REK-0001"
    assert all(b.assessment_document_id and b.receipt_document_id for b in bills.values())
    skpd = services.documents.get_document(clerks, bills["signage_permit"].assessment_document_id)
    assert skpd.filename.startswith("SKRD-") and skpd.case_id == case.id
    issued = {p.process_key: p for p in permits.case_permits(clerks, case)}
    # three permits, each its procedure's own PDF and number in the register
    assert set(issued) == {"business_license", "building_approval", "signage_permit"}
    assert issued["business_license"].number.startswith("PB-UMKU-")
    assert issued["business_license"].object_text == BUNDLE["company_name"]
    assert issued["building_approval"].number.startswith("PBG-")
    assert issued["building_approval"].title == "Persetujuan Bangunan Gedung (PBG)"
    assert issued["signage_permit"].number.startswith("REKLAME-")
    assert issued["signage_permit"].title == "Izin Penyelenggaraan Reklame"
    assert issued["signage_permit"].object_text == BUNDLE["business_address"]
    for permit in issued.values():
        _document, pdf = permits.permit_pdf(clerks, permit)
        assert pdf.startswith(b"%PDF")
        assert permits.verify_code(clerks, permit.code).status == "valid"
    assert len({p.number for p in issued.values()}) == len(issued)


def test_a_called_permit_takes_the_next_number_of_its_procedure(clerks):
    """Alone or in the bundle, a building approval is numbered in the one PBG sequence."""
    from engine.office import permits

    alone = _run_keeping_prefilled(
        clerks,
        Path("signage_permit", {}, PATHS["signage-issued"].answers, "Signage permit issued"),
    )
    (first,) = permits.case_permits(clerks, alone)
    bundle = _run_keeping_prefilled(clerks, PATHS["bundle-three-permits-issued"])
    second = next(
        p for p in permits.case_permits(clerks, bundle) if p.process_key == "signage_permit"
    )
    assert first.number.endswith("000001") and second.number.endswith("000002")


def test_a_rejected_called_procedure_issues_nothing_and_bills_nothing(clerks):
    from engine.office import payments, permits

    path = PATHS["bundle-building-rejected-others-issued"]
    case = _run_keeping_prefilled(clerks, path)
    assert case.outcome == "All permits decided"
    assert {b.process_key for b in payments.case_bills(clerks, case)} == {"signage_permit"}
    keys = {p.process_key for p in permits.case_permits(clerks, case)}
    assert keys == {"business_license", "signage_permit"}


def test_the_cashier_cannot_confirm_a_payment_after_the_due_date(clerks):
    from datetime import timedelta

    from engine.calendar import clock
    from engine.office import payments

    case = test_procedures._start(clerks, PATHS["signage-issued"])
    for _ in range(3):  # registration, review, assessment: the bill is due in 14 days
        (task,) = services.open_tasks(clerks, case)
        answer = {"sign_decision": "approve"} if task.element_id == "review_signage" else {}
        services.complete_task(
            clerks, task.id, task.role.replace("_", "-"), fill(services.task_form(task)) | answer
        )
        clerks.commit()
    (task,) = services.open_tasks(clerks, case)
    assert task.element_id == "confirm_signage_payment"
    clock.advance(timedelta(days=15))  # the deadline timer is due but not fired yet
    with pytest.raises(payments.PaymentPastDue, match="deadline has passed"):
        services.complete_task(clerks, task.id, "cashier", {"signage_paid": True})
    clerks.rollback()
    (bill,) = payments.case_bills(clerks, case)
    assert bill.status == "unpaid"
    assert [t.element_id for t in services.open_tasks(clerks, case)] == ["confirm_signage_payment"]


def test_a_called_permit_is_corrected_with_its_own_procedure_s_data(clerks):
    from engine.office import permits

    case = _run_keeping_prefilled(clerks, PATHS["bundle-three-permits-issued"])
    issued = {p.process_key: p for p in permits.case_permits(clerks, case)}
    pbg = issued["building_approval"]
    offered = {field_id for field_id, _label, _value in permits.correctable_fields(clerks, pbg)}
    assert {"applicant_name", "building_address", "conditions"} <= offered  # the PBG's own
    new = permits.correct(
        clerks,
        pbg.code,
        actor="head-of-office",
        reason="Alamat salah ketik",
        changes={"building_address": "Jl. Melati No. 7, Jakarta Timur"},
    )
    assert new.process_key == "building_approval" and new.number.startswith("PBG-")
    assert new.object_text == "Jl. Melati No. 7, Jakarta Timur" and new.replaces_id == pbg.id
    assert permits.verify_code(clerks, pbg.code).status == "replaced"
