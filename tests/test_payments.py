"""Retribution bills of the building approval: assessed, notified, paid, receipted."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from engine import services
from engine.calendar import clock
from engine.office import audit, payments
from engine.storage.tables import OutboxMessage
from tests.conftest import PROCESSES

APPLICATION = {
    "applicant_name": "Siti Rahayu",
    "nik": "3174000000000001",
    "phone": "081234567890",
    "email": "siti@example.id",
    "building_address": "Jl. Merdeka No. 10, Bandung",
    "building_function": "hunian",
    "floors": 1,
    "floor_area": 120,
    "land_certificate": "shm.pdf",
    "building_plan": "plan.pdf",
}
ANSWERS = {
    "register_application": {"documents_received": True},
    "verify_documents": {"decision": "complete"},
    "technical_review": {"technical_decision": "approve"},
    "fee_assessment": {"fee_amount": 1_500_000, "fee_basis": "120 m2 x indeks"},
}


@pytest.fixture
def office(session, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_REGION", "3273")
    services.create_user(session, "admin", roles=["admin"])
    services.deploy(session, (PROCESSES / "building_approval.bpmn").read_bytes(), source="pbg")
    session.commit()
    return session


def work(session, case, until: str):
    """Complete the case's tasks with ``ANSWERS`` until ``until`` is the open task (after
    committing the start: the applicant's data is fetched from the registry then)."""
    session.commit()
    for _ in range(10):
        (task,) = services.open_tasks(session, case)
        if task.element_id == until:
            return task
        services.complete_task(session, task.id, "admin", ANSWERS[task.element_id])
    raise AssertionError(f"{until} never came")


def billed(session):
    case = services.start_case(session, "building_approval", APPLICATION, started_by="web")
    work(session, case, "confirm_payment")
    session.commit()
    (bill,) = payments.case_bills(session, case)
    return case, bill


def test_an_assessed_fee_becomes_a_bill_with_code_due_date_skrd_and_notice(office):
    assessed = clock.now()
    case, bill = billed(office)
    assert bill.amount == 1_500_000 and bill.status == "unpaid"
    year = assessed.astimezone(payments.pdf.WIB).year
    assert bill.billing_code == f"3273{year}000001"
    assert abs(bill.due_at - (assessed + timedelta(days=14))) < timedelta(minutes=1)
    skrd = services.documents.get_document(office, bill.assessment_document_id)
    assert skrd.filename == f"SKRD-{bill.billing_code}.pdf" and skrd.case_id == case.id
    notice = [m for m in services.messages_for_case(office, case.id) if "retribusi" in m.subject]
    assert len(notice) == 1
    assert "Rp 1.500.000" in notice[0].body and bill.billing_code in notice[0].body
    assert "Application" not in notice[0].subject  # Indonesian applicant: written once


def test_an_english_applicant_gets_the_notice_in_english(office):
    case = services.start_case(office, "building_approval", APPLICATION, started_by="web")
    case.language = "en"
    work(office, case, "confirm_payment")
    message = office.query(OutboxMessage).filter_by(case_id=case.id).all()[-1]
    assert message.subject.startswith("Application") and "Amount: Rp 1.500.000" in message.body


def test_a_channel_payment_moves_the_case_on_and_makes_a_receipt(office):
    case, bill = billed(office)
    result = services.record_payment(
        office, bill.billing_code, 1_500_000, "NTPD-001", channel="bankjatim", actor="bankjatim"
    )
    assert not result.already and bill.status == "paid" and bill.channel == "bankjatim"
    receipt = services.documents.get_document(office, bill.receipt_document_id)
    assert receipt.filename.startswith("Kuitansi-")
    (task,) = services.open_tasks(office, case)
    assert task.element_id == "sign_permit"
    again = services.record_payment(
        office, bill.billing_code, 1_500_000, "NTPD-001", channel="bankjatim", actor="bankjatim"
    )
    assert again.already and len(services.open_tasks(office, case)) == 1


@pytest.mark.parametrize(
    "amount, message",
    [(1_000_000, "does not match"), ("1500000", "does not match"), (True, "does not match")],
)
def test_a_wrong_amount_is_refused(office, amount, message):
    _, bill = billed(office)
    with pytest.raises(payments.PaymentRefused, match=message):
        services.record_payment(office, bill.billing_code, amount, "R1", channel="x", actor="x")
    assert bill.status == "unpaid"


def test_a_late_payment_is_refused_and_a_used_reference_too(office):
    _, bill = billed(office)
    _, other = billed(office)
    services.record_payment(office, other.billing_code, 1_500_000, "R1", channel="x", actor="x")
    with pytest.raises(payments.PaymentRefused, match="already used"):
        services.record_payment(office, bill.billing_code, 1_500_000, "R1", channel="x", actor="x")
    clock.set_offset(timedelta(days=15))
    with pytest.raises(payments.PaymentRefused, match="deadline has passed"):
        services.record_payment(office, bill.billing_code, 1_500_000, "R2", channel="x", actor="x")


def test_the_cashier_confirms_a_payment_at_the_counter(office):
    case, bill = billed(office)
    (task,) = services.open_tasks(office, case)
    services.complete_task(
        office, task.id, "admin", {"payment_received": True, "payment_reference": "LKT-9"}
    )
    assert bill.status == "paid" and bill.channel == "cashier" and bill.payment_reference == "LKT-9"
    assert bill.receipt_document_id is not None


def test_monitoring_sums_billed_paid_and_overdue(office):
    _, paid = billed(office)
    billed(office)
    services.record_payment(office, paid.billing_code, 1_500_000, "R1", channel="x", actor="x")
    clock.set_offset(timedelta(days=20))
    (row,) = payments.summary(office)
    assert row == {
        "process_key": "building_approval",
        "bills": 2,
        "billed": 3_000_000,
        "paid": 1_500_000,
        "overdue": 1_500_000,
    }


def test_channel_signatures(monkeypatch):
    monkeypatch.setenv("PERMITFLOW_PAYMENT_CHANNELS", "bankjatim:s3cret, qris:other")
    body = b'{"billing_code": "1"}'
    good = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert payments.signature_ok("bankjatim", body, good)
    assert not payments.signature_ok("qris", body, good)
    assert not payments.signature_ok("bankjatim", body + b" ", good)
    assert not payments.signature_ok("unknown", body, good)


def test_callbacks_at_the_same_moment_pay_a_bill_once(office):
    """Two channels report a payment of one bill at once: one is paid, the other refused."""
    import threading

    from sqlalchemy.orm import Session

    case, bill = billed(office)
    code, engine = bill.billing_code, office.get_bind()
    barrier, outcomes = threading.Barrier(2), []

    def pay(reference):
        with Session(engine) as session:
            barrier.wait()
            try:
                services.record_payment(
                    session, code, 1_500_000, reference, channel="bank", actor="bank"
                )
                session.commit()
                outcomes.append("paid")
            except payments.PaymentRefused as exc:
                session.rollback()
                outcomes.append("refused" if "already paid" in exc.message else exc.message)

    threads = [threading.Thread(target=pay, args=(f"RACE-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid", "refused"]
    office.expire_all()
    paid = [e for e in audit.entries(office) if e.action == "bill_paid"]
    assert len(paid) == 1
