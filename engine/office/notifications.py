"""Notifications: each status change of a case puts a message in the outbox.

``send_pending`` delivers them by SMTP when ``PERMITFLOW_SMTP_HOST`` is set, else it
logs them and marks them sent; the tracking page lists them either way.

Delivery is exactly-once as far as the office can make it, with several tickers on one
database: each message is *claimed* in its own short transaction (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, and a lease, ``claimed_until``, that a conditional UPDATE takes
on every database), sent with no transaction open, then marked sent with the server's
answer. A ticker killed between sending and marking leaves the message ``sending``;
after the lease it is sent again with the same ``Message-ID``, so the applicant's mail
program shows it once. A message that fails is retried with a growing pause
(``next_attempt_at``) and marked ``failed`` after :data:`MAX_ATTEMPTS`, or at once
when retrying cannot help (an address that is not one); it never holds up the others.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.office.labels import labels_for
from engine.storage.tables import Case, OutboxMessage

log = logging.getLogger("permitflow.notifications")

# the applicant's language (Case.language) -> event -> subject; written once, not doubled
SUBJECTS = {
    "id": {
        "received": "Permohonan {code} diterima",
        "returned": "Permohonan {code} perlu dilengkapi",
        "resumed": "Permohonan {code} diproses kembali",
        "completed": "Permohonan {code} selesai",
        "cancelled": "Permohonan {code} dibatalkan",
    },
    "en": {
        "received": "Application {code} received",
        "returned": "Application {code} needs your action",
        "resumed": "Application {code} is being processed again",
        "completed": "Application {code} is finished",
        "cancelled": "Application {code} was cancelled",
    },
}
BODY = {
    "id": ("Kode lacak", "Status", "Langkah saat ini"),
    "en": ("Tracking code", "Status", "Current step"),
}
STATUS_NAMES = {
    "id": {
        "running": "sedang diproses",
        "returned": "menunggu kelengkapan dari Anda",
        "incident": "sedang diproses",
        "completed": "selesai",
        "cancelled": "dibatalkan",
    },
    "en": {"running": "in progress", "returned": "waiting for you", "incident": "in progress"},
}

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)  # far longer than one SMTP exchange (10 s timeout)
FIRST_PAUSE = timedelta(minutes=1)  # then 2, 4, 8 ... minutes
LONGEST_PAUSE = timedelta(hours=1)


class PermanentFailure(Exception):
    """Sending cannot succeed by retrying (e.g. the recipient is not an email address)."""


def status_changed(session: Session, case: Case, event: str, detail: str = "") -> OutboxMessage:
    """Queue the applicant's message for a status change of ``case``."""
    language = "en" if case.language == "en" else "id"
    subject = (
        SUBJECTS[language]
        .get(event, "{code}: {event}")
        .format(code=case.tracking_code, event=event)
    )
    code_label, status_label, step_label = BODY[language]
    status = STATUS_NAMES[language].get(str(case.status), str(case.status))
    labels = labels_for(case.definition)
    body = f"{case.title}\n{code_label}: {case.tracking_code}\n{status_label}: {status}"
    if case.current_step:
        body += f"\n{step_label}: {labels.step(case.current_step, language)}"
    if detail:
        shown = labels.step(detail, language) if event == "completed" else detail
        body += f"\n\n{shown}"
    return enqueue(session, case, subject, body)


def enqueue(session: Session, case: Case, subject: str, body: str) -> OutboxMessage:
    """A message to the applicant of ``case`` in the outbox (email when the applicant
    gave an address, else logged), sent once by the ticker."""
    message = OutboxMessage(
        created_at=clock.now(),
        case_id=case.id,
        channel="email" if case.applicant_email else "log",
        recipient=case.applicant_email,
        subject=subject,
        body=body,
    )
    session.add(message)
    return message


def messages_for_case(session: Session, case_id: int) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Claim:
    """A message this ticker holds until ``until``; nobody else sends it meanwhile."""

    id: int
    until: datetime


def send_pending(session: Session, limit: int = 100) -> int:
    """Deliver up to ``limit`` due messages one by one; returns how many were handled.

    Commits ``session`` (the caller's pending changes first): every claim and every
    result is its own transaction, and no transaction is open while a message is sent.
    """
    session.commit()
    handled = 0
    while handled < limit:
        claim = claim_next(session)
        session.commit()
        if claim is None:
            break
        message = session.get(OutboxMessage, claim.id, populate_existing=True)
        if message is None:  # deleted meanwhile
            continue
        try:
            provider_id = deliver(message)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
            _record_failure(session, claim, message, exc)
        else:
            _record_sent(session, claim, provider_id)
        session.commit()
        handled += 1
    return handled


def claim_next(session: Session) -> Claim | None:
    """Take the oldest due message for this ticker (the caller commits at once)."""
    now = clock.now()
    due = and_(
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(
            OutboxMessage.status == "pending",
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
        ),
    )
    query = select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for _ in range(3):  # on SQLite another ticker may take the row between read and update
        message_id = session.scalar(query)
        if message_id is None:
            return None
        until = now + LEASE
        taken: CursorResult = session.execute(  # type: ignore[assignment]
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, due)
            .values(status="sending", claimed_until=until, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            return Claim(message_id, until)
    return None


def _mine(claim: Claim):
    return (
        (OutboxMessage.id == claim.id)
        & (OutboxMessage.status == "sending")
        & (OutboxMessage.claimed_until == claim.until)
    )


def _record_sent(session: Session, claim: Claim, provider_id: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(_mine(claim))
        .values(
            status="sent",
            sent_at=clock.now(),
            provider_id=provider_id[:300],
            error=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def _record_failure(session: Session, claim: Claim, message: OutboxMessage, exc: Exception) -> None:
    attempts = message.attempts
    permanent = isinstance(exc, PermanentFailure) or attempts >= MAX_ATTEMPTS
    if not isinstance(exc, (PermanentFailure, OSError, smtplib.SMTPException)):
        log.exception("notification %s could not be sent", claim.id)
    pause = min(FIRST_PAUSE * 2 ** (attempts - 1), LONGEST_PAUSE)
    session.execute(
        update(OutboxMessage)
        .where(_mine(claim))
        .values(
            status="failed" if permanent else "pending",
            error=f"{type(exc).__name__}: {exc}"[:1000],
            next_attempt_at=None if permanent else clock.now() + pause,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire_all()


def message_id_for(message: OutboxMessage) -> str:
    """The message's ``Message-ID``: the same on every attempt, unique per message."""
    sender = os.environ.get("PERMITFLOW_MAIL_FROM", "permitflow@localhost")
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    return f"<notification-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def deliver(message: OutboxMessage) -> str:
    """Send one message; returns the provider's id of it (the server's answer)."""
    host = os.environ.get("PERMITFLOW_SMTP_HOST")
    if host and message.channel == "email" and message.recipient:
        return _send_smtp(host, message)
    log.info("notification to %s: %s", message.recipient or "(no address)", message.subject)
    return "logged"


def _recipient(address: str) -> str:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise PermanentFailure(f"{address!r} is not an email address: {exc}") from None


def _send_smtp(host: str, message: OutboxMessage) -> str:
    sender = os.environ.get("PERMITFLOW_MAIL_FROM", "permitflow@localhost")
    recipient = _recipient(message.recipient)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = recipient
    email["Subject"] = message.subject.replace("\r", " ").replace("\n", " ")
    email["Message-ID"] = message_id_for(message)
    email.set_content(message.body)
    port = int(os.environ.get("PERMITFLOW_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.ehlo_or_helo_if_needed()
        code, answer = smtp.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, answer, sender)
        code, answer = smtp.rcpt(recipient)
        if 500 <= code < 600:
            raise PermanentFailure(f"the mail server refused {recipient}: {code} {answer!r}")
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, answer)})
        code, answer = smtp.data(email.as_bytes())
        if code != 250:
            raise smtplib.SMTPDataError(code, answer)
    queued = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return f"{email['Message-ID']} {queued}"
