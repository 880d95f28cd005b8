"""A payment reported by a payment channel: the bill is marked paid and the case moves
past its payment task.

Kept apart from :mod:`engine.office.payments` (bills, assessment, receipts), which the
task functions use when a fee is assessed: completing the payment task needs
:mod:`engine.office.tasks`, so this module sits above both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.office import payments, pdf, tasks
from engine.office.permits import case_of
from engine.storage import db
from engine.storage.tables import Bill, HumanTask


def record_payment(
    session: Session, code: str, amount: Any, reference: str, *, channel: str, actor: str
) -> payments.PaymentResult:
    """A payment reported by ``channel``; the case then moves past its payment task."""
    reference = (reference or "").strip()[:80]
    if not reference:
        raise payments.PaymentRefused("A payment needs the channel's payment reference.")
    bill = payments.get_bill(session, code)
    db.lock_row(session, bill)  # callbacks at the same moment: one pays, the rest see it paid
    if bill.payment_reference == reference:
        return payments.PaymentResult(bill, True)
    if bill.status != "unpaid":
        raise payments.PaymentRefused(f"Bill {bill.billing_code} is already {bill.status}.")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount != bill.amount:
        raise payments.PaymentRefused(
            f"The amount {amount!r} does not match the bill: {pdf.rupiah(bill.amount)} is due."
        )
    payments.check_payable(session, bill, reference)
    payments.mark_paid(session, bill, amount, reference, channel, actor)
    _complete_payment_task(session, bill, reference, actor)
    return payments.PaymentResult(bill, False)


def _complete_payment_task(session: Session, bill: Bill, reference: str, actor: str) -> None:
    case = case_of(session, bill.case_id)
    process = payments.billing_source(case, bill)[1]  # a called procedure's own task
    confirming = payments.confirming_task(process)
    if confirming is None:
        return
    task = session.scalar(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.element_id == confirming.id)
    )
    if task is None:
        return
    fields = {f.id for f in confirming.form_fields}
    data = {confirming.properties["confirmsPayment"]: True, "payment_reference": reference}
    tasks.complete_task(
        session, task.id, actor, {k: v for k, v in data.items() if k in fields}, as_system=True
    )
