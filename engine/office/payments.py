"""Retribution: a fee assessed in a task becomes a bill; payments confirm it.

The assessing element names the field holding the amount (``pf:bill="fee_amount"``);
the task that waits for the payment names its boolean field (``pf:confirmsPayment=
"payment_received"``), and the timer on that task gives the due date. When the fee
is assessed the bill gets a billing code (``PERMITFLOW_BILLING_FORMAT``, default
``{region}{year}{seq:06d}``, one sequence per year), the assessment letter (SKRD, from
the version's ``skrd`` template) and a notification with how to pay
(``PERMITFLOW_PAYMENT_INSTRUCTIONS``). A payment channel's callback or the cashier
confirms it: idempotent by the channel's payment reference, the amount must match,
and after the due date a payment is refused. The receipt is a PDF (``receipt``
template).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpmn.model import Node, Process
from engine.calendar import clock
from engine.errors import EngineError, InvalidState, NotFound
from engine.office import audit, documents, notifications, numbering, pdf
from engine.office.permits import case_of
from engine.storage.tables import Bill, Case, ProcessDefinition, Timer

if TYPE_CHECKING:
    from engine.office.steps import Step

BILLING_SEQUENCE = "~billing"  # "~" is in no BPMN id, so no procedure shares it
DEFAULT_BILLING_FORMAT = "{region}{year}{seq:06d}"
ISSUER = "permitflow"


class PaymentRefused(EngineError):
    """A payment that cannot be accepted: wrong amount, too late, unknown bill..."""

    code = "payment_refused"


class PaymentPastDue(PaymentRefused):
    """A payment reported or confirmed after the bill's due date (the channels' API keeps
    answering it as ``payment_refused``, 422)."""

    def __init__(self, bill: Bill) -> None:
        self.billing_code, self.due_at = bill.billing_code, bill.due_at
        super().__init__(
            f"Bill {bill.billing_code} was due on {pdf.long_date(bill.due_at, 'en')}; "
            "the payment deadline has passed and it can no longer be paid."
        )


def check_payable(session: Session, bill: Bill, reference: str) -> None:
    """Refuse a payment of ``bill`` after its due date, or with a reference another bill
    was paid with (a channel's or the cashier's)."""
    if bill.due_at is not None and clock.now() > bill.due_at:
        raise PaymentPastDue(bill)
    used = select(Bill.id).where(Bill.payment_reference == reference, Bill.id != bill.id)
    if session.scalar(used):
        raise PaymentRefused(f"Payment reference {reference} was already used for another bill.")


def billing_code(session: Session, year: int) -> str:
    fmt = os.environ.get("PERMITFLOW_BILLING_FORMAT", DEFAULT_BILLING_FORMAT)
    problem = numbering.format_problem(fmt)
    if problem:
        raise EngineError(f"PERMITFLOW_BILLING_FORMAT: {problem}.")
    seq = numbering.next_in_sequence(session, BILLING_SEQUENCE, year)
    return numbering.format_number(fmt, code="", region=numbering.region(), year=year, seq=seq)


def instructions() -> str:
    return os.environ.get(
        "PERMITFLOW_PAYMENT_INSTRUCTIONS",
        "Bayar di teller atau ATM Bank Daerah, mobile banking, atau QRIS dengan kode bayar ini.",
    )


def confirming_task(process: Process) -> Node | None:
    for node in process.nodes.values():
        if "confirmsPayment" in node.properties:
            return node
    return None


def _deadline_timer(process: Process, confirming: Node | None) -> str | None:
    if confirming is None:
        return None
    for node in process.boundary_events(confirming.id):
        if "timer" in node.event_definitions:
            return node.id
    return None


def _due_at(session: Session, case: Case, process: Process) -> datetime | None:
    timer_id = _deadline_timer(process, confirming_task(process))
    if timer_id is None:
        return None
    return session.scalar(
        select(func.min(Timer.due_at)).where(Timer.case_id == case.id, Timer.element_id == timer_id)
    )


def bill_due(session: Session, case: Case, completed: list[Step], actor: str) -> list[Bill]:
    """Bill the fees assessed by completed ``pf:bill`` elements; mark cashier payments.

    Each procedure bills its own fees: a called procedure's bill carries its process key,
    and its cashier's confirmation pays only its bills (the one-stop bundle's building
    retribution and signage tax are two bills, two levies with their own letters).
    """
    billed = {(b.process_key, b.element_id): b for b in case_bills(session, case)}
    made = []
    for step in completed:
        properties, where = step.node.properties, (step.process_key, step.element_id)
        if "bill" in properties and where not in billed:
            billed[where] = assess(session, case, step, actor)
            made.append(billed[where])
        field = properties.get("confirmsPayment")
        if field and step.data.get(field) is True:
            for (key, _element), bill in billed.items():
                if key == step.process_key and bill.status == "unpaid":
                    _confirm_at_counter(session, bill, step.data, actor)
    return made


def _confirm_at_counter(session: Session, bill: Bill, data: dict[str, Any], actor: str) -> None:
    """The cashier confirms a payment at the counter: refused after the due date."""
    reference = str(data.get("payment_reference") or f"CASHIER-{bill.billing_code}")[:80]
    check_payable(session, bill, reference)
    mark_paid(session, bill, int(bill.amount), reference, "cashier", actor)


def assess(session: Session, case: Case, step: Step, actor: str) -> Bill:
    """The bill of the amount in ``data[pf:bill]``, with its SKRD and a notification."""
    node, data = step.node, step.data
    try:
        amount = int(data.get(node.properties["bill"]) or 0)
    except (TypeError, ValueError):
        raise InvalidState(f"The fee {node.properties['bill']!r} is not a whole amount.") from None
    now = clock.now()
    bill = Bill(
        case_id=case.id,
        process_key=step.process_key,
        element_id=node.id,
        billing_code=billing_code(session, now.astimezone(pdf.WIB).year),
        amount=amount,
        description=str(data.get(node.properties.get("billBasis", "fee_basis")) or "")[:500],
        assessed_by=actor,
        assessed_at=now,
        due_at=_due_at(session, case, step.process),
        status="unpaid" if amount > 0 else "paid",
    )
    session.add(bill)
    session.flush()
    bill.assessment_document_id = _document(session, case, bill, "skrd", data, step.definition)
    audit.record(
        session,
        "bill_assessed",
        actor=actor,
        case_id=case.id,
        element_id=node.id,
        element_name=node.name,
        message=f"{pdf.rupiah(amount)}, billing code {bill.billing_code}",
        data={"billing_code": bill.billing_code, "amount": amount},
    )
    if amount > 0:
        _notify(session, case, bill)
    return bill


def _document(
    session: Session,
    case: Case,
    bill: Bill,
    name: str,
    data: dict,
    definition: ProcessDefinition | None = None,
) -> int | None:
    """Render ``name`` of the billing version (the case's, or the called procedure's that
    assessed the bill) for ``bill``; None when it has none."""
    stored = ((definition or case.definition).templates or {}).get(name)
    if not stored:
        return None
    context = {
        **{k: v for k, v in data.items() if isinstance(k, str) and not k.startswith("_")},
        "bill": bill_view(bill),
        "case": {"tracking_code": case.tracking_code, "applicant_name": case.applicant_name},
        "office": {"name": _office(), "region": numbering.region()},
        "today": clock.now().astimezone(pdf.WIB).date(),
    }
    html = pdf.render_html(stored["text"], context, case.language)
    label = "SKRD" if name == "skrd" else "Kuitansi"
    document = documents.store(
        session,
        case,
        f"{label}-{bill.billing_code}.pdf",
        pdf.html_to_pdf(html),
        field_id=f"issued:{name}",
        uploaded_by=ISSUER,
    )
    return document.id


def _office() -> str:
    from engine.office.permits import office_name

    return office_name()


def bill_view(bill: Bill) -> dict[str, Any]:
    return {
        "billing_code": bill.billing_code,
        "amount": bill.amount,
        "amount_text": pdf.rupiah(bill.amount),
        "due_at": bill.due_at,
        "due_on": pdf.long_date(bill.due_at) if bill.due_at else "",
        "status": bill.status,
        "paid_at": bill.paid_at,
        "reference": bill.payment_reference or "",
        "channel": bill.channel,
        "instructions": instructions(),
    }


def _notify(session: Session, case: Case, bill: Bill) -> None:
    due = f" paling lambat {pdf.long_date(bill.due_at)}" if bill.due_at else ""
    if case.language == "en":
        due = f" by {pdf.long_date(bill.due_at, 'en')}" if bill.due_at else ""
        subject = f"Application {case.tracking_code}: please pay the retribution"
        body = (
            f"{case.title}\nAmount: {pdf.rupiah(bill.amount)}\nBilling code: "
            f"{bill.billing_code}\nPay{due}.\n{instructions()}"
        )
    else:
        subject = f"Permohonan {case.tracking_code}: silakan bayar retribusi"
        body = (
            f"{case.title}\nJumlah: {pdf.rupiah(bill.amount)}\nKode bayar: "
            f"{bill.billing_code}\nBayar{due}.\n{instructions()}"
        )
    notifications.enqueue(session, case, subject, body)


def billing_source(case: Case, bill: Bill) -> tuple[ProcessDefinition, Process]:
    """The version and process that assessed ``bill`` (a called procedure's too)."""
    from engine.office import steps  # steps -> definitions -> validation -> permits

    sources = steps.sources(case.definition)
    return sources.get(bill.process_key) or (case.definition, sources[case.process_key][1])


def case_bills(session: Session, case: Case) -> list[Bill]:
    return list(session.scalars(select(Bill).where(Bill.case_id == case.id).order_by(Bill.id)))


def get_bill(session: Session, code: str) -> Bill:
    bill = session.scalar(select(Bill).where(Bill.billing_code == (code or "").strip()[:40]))
    if bill is None:
        raise NotFound(f"No bill with billing code {code!r}.")
    return bill


# -- payments ----------------------------------------------------------------------------


def channel_secret(channel: str) -> bytes | None:
    """The shared secret of a payment channel (``PERMITFLOW_PAYMENT_CHANNELS=name:secret,...``)."""
    for entry in os.environ.get("PERMITFLOW_PAYMENT_CHANNELS", "").split(","):
        name, _, secret = entry.strip().partition(":")
        if name and secret and name == channel:
            return secret.encode()
    return None


def signature_ok(channel: str, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is the hex HMAC-SHA256 of ``body`` with the channel's secret."""
    secret = channel_secret(channel)
    if secret is None or not signature:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


@dataclass(frozen=True)
class PaymentResult:
    bill: Bill
    already: bool  # the same payment was reported before (idempotent repeat)


def mark_paid(
    session: Session, bill: Bill, amount: int, reference: str, channel: str, actor: str
) -> None:
    bill.status, bill.paid_at = "paid", clock.now()
    bill.payment_reference, bill.channel, bill.confirmed_by = reference, channel[:40], actor[:80]
    session.flush()
    case = case_of(session, bill.case_id)
    definition = billing_source(case, bill)[0]
    bill.receipt_document_id = _document(session, case, bill, "receipt", {}, definition)
    audit.record(
        session,
        "bill_paid",
        actor=actor,
        case_id=bill.case_id,
        message=f"{pdf.rupiah(amount)} paid via {channel}, reference {reference}",
        data={"billing_code": bill.billing_code, "reference": reference, "channel": channel},
    )


def summary(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[dict[str, Any]]:
    """Billed, paid and overdue amounts per procedure, for bills assessed in the period."""
    now = clock.now()
    query = select(Bill)
    if since is not None:
        query = query.where(Bill.assessed_at >= since)
    if until is not None:
        query = query.where(Bill.assessed_at < until)
    rows: dict[str, dict[str, Any]] = {}
    for bill in session.scalars(query):
        row = rows.setdefault(
            bill.process_key,
            {"process_key": bill.process_key, "bills": 0, "billed": 0, "paid": 0, "overdue": 0},
        )
        row["bills"] += 1
        row["billed"] += bill.amount
        if bill.status == "paid":
            row["paid"] += bill.amount
        elif bill.due_at is not None and bill.due_at < now:
            row["overdue"] += bill.amount
    return sorted(rows.values(), key=lambda row: row["process_key"])


def period_bounds(text: str | None) -> tuple[datetime | None, datetime | None, str]:
    """``2026`` or ``2026-12`` -> its start and end (WIB) and the text; empty: everything."""
    text = (text or "").strip()
    parts = text.split("-")
    try:
        year = int(parts[0]) if text else None
        month = int(parts[1]) if len(parts) == 2 else None
        if len(parts) > 2 or (year is not None and not 2000 <= year <= 2100):
            raise ValueError
        if year is None:
            return None, None, ""
        start = datetime(year, month or 1, 1, tzinfo=pdf.WIB)
    except (ValueError, IndexError):
        raise InvalidState(
            f"The period {text[:20]!r} is not a year (2026) or a month (2026-12)."
        ) from None
    if month is None:
        end = datetime(year + 1, 1, 1, tzinfo=pdf.WIB)
    else:
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=pdf.WIB)
    return start, end, text
