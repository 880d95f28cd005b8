"""Retention (UU 27/2022 art. 43-44): personal data is kept only as long as needed.

Each procedure keeps a finished case's personal data for ``pf:retentionYears`` of its
service standard, else ``PERMITFLOW_RETENTION_YEARS`` (default 5) years after completion,
and longer while a permit of the case is still valid (its holder may need it).
:func:`run` anonymises the cases past it: their personal form values and applicant
columns are removed, their uploaded documents deleted, the audit data of their form steps
dropped and the free texts that may describe the applicant cleared (the return reason,
reasons and error messages in the audit log, the outbox's messages, incident messages
and the reasons and values they quote),
while the case row (status, dates, outcome: the statistics) and the permit register entry
(with the holder's name masked) stay. Every anonymisation is written to the access log.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.office import audit, documents
from engine.privacy import access_log
from engine.privacy.masking import mask_name
from engine.privacy.need_to_know import personal_fields_of
from engine.storage.tables import (
    FINISHED_STATUSES,
    AuditEntry,
    Case,
    DataRequest,
    Incident,
    OutboxMessage,
    Permit,
    SurveyResponse,
)
from engine.workflow.runtime import open_case, save

DEFAULT_YEARS = 5
SYSTEM_ACTOR = "retention"


def retention_years(case: Case) -> int:
    standard = case.definition.service_standard or {}
    years = standard.get("retention_years")
    if isinstance(years, int) and years > 0:
        return years
    try:
        return max(1, int(os.environ.get("PERMITFLOW_RETENTION_YEARS", DEFAULT_YEARS)))
    except ValueError:
        return DEFAULT_YEARS


def expires_at(case: Case) -> datetime | None:
    """When the case's personal data must go (None while it is open)."""
    if case.completed_at is None:
        return None
    return case.completed_at + timedelta(days=round(365.25 * retention_years(case)))


@dataclass(frozen=True)
class Expired:
    tracking_code: str
    process_key: str
    completed_at: datetime
    expired_at: datetime


def expired_cases(session: Session, now: datetime | None = None) -> list[Case]:
    now = now or clock.now()
    query = select(Case).where(
        Case.status.in_(FINISHED_STATUSES),
        Case.completed_at < now - timedelta(days=365),  # no period is shorter than a year
        Case.anonymised_at.is_(None),
    )
    held = select(Permit.case_id).where(  # a permit still valid keeps its holder's data
        Permit.status == "valid",
        or_(Permit.valid_until.is_(None), Permit.valid_until >= now.date()),
    )
    query = query.where(Case.id.not_in(held))
    return [c for c in session.scalars(query) if (expires_at(c) or now) < now]


def run(session: Session, *, dry_run: bool = False) -> list[Expired]:
    """Anonymise every expired case (or only list them with ``dry_run``)."""
    done = []
    for case in expired_cases(session):
        expiry = expires_at(case)
        assert case.completed_at is not None and expiry is not None
        done.append(Expired(case.tracking_code, case.process_key, case.completed_at, expiry))
        if not dry_run:
            anonymise(session, case)
    return done


_last_run: datetime | None = None


def run_daily(session: Session) -> list[Expired]:
    """:func:`run` at most once a day per process (the ticker calls this every round)."""
    global _last_run
    now = clock.now()
    if _last_run is not None and timedelta(0) <= now - _last_run < timedelta(days=1):
        return []
    _last_run = now
    return run(session)


def anonymise(session: Session, case: Case) -> None:
    """Remove the personal data of one finished case, keeping its statistics."""
    personal = set(personal_fields_of(case))
    running = open_case(case)
    for task in running.workflow.get_tasks():
        for field_id in personal & set(task.data):
            task.data[field_id] = None
    for field_id in personal & set(running.workflow.data):
        running.workflow.data[field_id] = None
    save(session, running, SYSTEM_ACTOR)
    case.applicant_name = ""
    case.applicant_email = ""
    case.anonymised_at = clock.now()
    removed = documents.remove_files(session, case)
    _remove_free_text(session, case)
    access_log.record(
        session,
        "anonymised",
        actor=SYSTEM_ACTOR,
        case=case,
        field_id=",".join(sorted(personal)),
        reason=f"retention period of {retention_years(case)} year(s) ended; "
        f"{removed} document file(s) removed",
    )


# audit actions whose message is text a person typed (a reason) or an error quoting values
FREE_TEXT_ACTIONS = frozenset(
    {"case_returned", "case_cancelled", "incident_opened", "incident_cancelled"}
)


def _remove_free_text(session: Session, case: Case) -> None:
    """Clear the texts of ``case`` that may name or describe its applicant."""
    case.return_reason = None
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id)):
        if entry.action in audit.SEALED_ACTIONS:
            entry.data = None
        if entry.action in FREE_TEXT_ACTIONS:
            entry.message = ""
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)):
        message.recipient = ""
        message.body = ""
    for request in session.scalars(select(DataRequest).where(DataRequest.case_id == case.id)):
        request.message, request.answer = "", ""
    for incident in session.scalars(select(Incident).where(Incident.case_id == case.id)):
        incident.message, incident.values, incident.detail = "", None, None
    for permit in session.scalars(select(Permit).where(Permit.case_id == case.id)):
        permit.holder_name = mask_name(permit.holder_name)  # the register entry stays
        permit.status_reason = ""  # a revoke or correct reason may name the holder
    for survey in session.scalars(select(SurveyResponse).where(SurveyResponse.case_id == case.id)):
        survey.comment = ""  # the scores stay for the satisfaction index
