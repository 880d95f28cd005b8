"""Notifications: each status change of a case puts a message in the outbox.

``send_pending`` delivers them by SMTP when ``PERMITFLOW_SMTP_HOST`` is set, else it
logs them and marks them sent; the tracking page lists them either way.
"""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.storage.tables import Case, OutboxMessage

log = logging.getLogger("permitflow.notifications")

SUBJECTS = {
    "received": "Permohonan {code} diterima / Application {code} received",
    "returned": "Permohonan {code} perlu dilengkapi / Application {code} needs your action",
    "resumed": "Permohonan {code} diproses kembali / Application {code} is being processed again",
    "completed": "Permohonan {code} selesai / Application {code} is finished",
    "cancelled": "Permohonan {code} dibatalkan / Application {code} was cancelled",
}


def status_changed(session: Session, case: Case, event: str, detail: str = "") -> OutboxMessage:
    """Queue the applicant's message for a status change of ``case``."""
    subject = SUBJECTS.get(event, "Permohonan {code}: {event}").format(
        code=case.tracking_code, event=event
    )
    body = f"{case.title}\nKode lacak / tracking code: {case.tracking_code}\nStatus: {case.status}"
    if case.current_step:
        body += f"\nLangkah saat ini / current step: {case.current_step}"
    if detail:
        body += f"\n\n{detail}"
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


def send_pending(session: Session, limit: int = 100) -> int:
    """Deliver pending messages; returns how many were handled."""
    pending = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    host = os.environ.get("PERMITFLOW_SMTP_HOST")
    for message in pending:
        message.attempts += 1
        try:
            if host and message.channel == "email" and message.recipient:
                _send_smtp(host, message)
            else:
                log.info(
                    "notification to %s: %s", message.recipient or "(no address)", message.subject
                )
            message.status = "sent"
            message.sent_at = clock.now()
        except (OSError, smtplib.SMTPException) as exc:
            message.error = str(exc)[:1000]
            message.status = "failed" if message.attempts >= 5 else "pending"
    return len(pending)


def _send_smtp(host: str, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = os.environ.get("PERMITFLOW_MAIL_FROM", "permitflow@localhost")
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    port = int(os.environ.get("PERMITFLOW_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(email)
