"""The engine's tables, as SQLAlchemy 2 typed models. Schema changes go through Alembic."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores UTC without zone (SQLite has none); always returns tz-aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class SealedText(TypeDecorator):
    """Personal text encrypted at rest (:mod:`engine.privacy.crypto`); reads return it clear."""

    impl = String(500)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        from engine.privacy import crypto

        return crypto.seal_text(value) if value else value

    def process_result_value(self, value: str | None, dialect) -> str | None:
        from engine.privacy import crypto

        return crypto.open_text(value) if value else value


class SealedLongText(SealedText):
    """:class:`SealedText` in a ``TEXT`` column (free text that may name a person)."""

    impl = Text  # type: ignore[assignment]
    cache_ok = True


class SealedJSON(TypeDecorator):
    """JSON encrypted at rest as ``{"sealed": ...}``; reads return the value clear.

    A value already sealed (``{"sealed": ...}``) is stored as it is, and a stored value
    that is not sealed (written before this type) reads as it is.
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> Any:
        from engine.privacy import crypto

        if value is None or _is_sealed(value):
            return value
        return {"sealed": crypto.seal_text(json.dumps(value, default=str))}

    def process_result_value(self, value: Any, dialect) -> Any:
        from engine.privacy import crypto

        if _is_sealed(value):
            return json.loads(crypto.open_text(value["sealed"]))
        return value


def _is_sealed(value: Any) -> bool:
    """Whether ``value`` is one :class:`SealedJSON` wrote: a case value called ``sealed``
    (``{"sealed": "abc"}``, an incident's values) is not, and is sealed like any other."""
    from engine.privacy import crypto

    return (
        isinstance(value, dict)
        and set(value) == {"sealed"}
        and isinstance(value["sealed"], str)
        and value["sealed"].startswith(crypto.TEXT_PREFIX)
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime]
    # a session cookie carries the generation it was made in; logging out or a new
    # password moves it on, so every older cookie of the user stops working
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(80), primary_key=True)
    user: Mapped[User] = relationship(back_populates="roles")


class ProcessDefinition(Base):
    """One deployed version of a procedure; the parsed spec is stored once here."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_process_definitions_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_name: Mapped[str] = mapped_column(String(300), default="")
    bpmn_xml: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    spec_json: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # zlib-compressed spec
    serializer_version: Mapped[str] = mapped_column(String(20))
    service_standard: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lanes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # lane id -> {name, role}
    templates: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # href -> document template
    # the DMN files deployed with it (file name -> text); None before migration 0021
    dmn_files: Mapped[dict[str, str] | None] = mapped_column(JSON, deferred=True)
    deployed_by: Mapped[str] = mapped_column(String(80), default="")
    deployed_at: Mapped[datetime]


class CaseStatus(StrEnum):
    """Where a case stands. The one list of case statuses; a StrEnum, so rows hold text."""

    RUNNING = "running"  # the office is working on it
    RETURNED = "returned"  # back with the applicant: the SLA clock is paused
    INCIDENT = "incident"  # stopped by an error an admin must resolve: the clock runs
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# cases not yet finished
OPEN_STATUSES = (CaseStatus.RUNNING, CaseStatus.RETURNED, CaseStatus.INCIDENT)
# open cases whose SLA clock runs, so they can be overdue (a returned case is paused)
CLOCK_RUNNING = (CaseStatus.RUNNING, CaseStatus.INCIDENT)
FINISHED_STATUSES = (CaseStatus.COMPLETED, CaseStatus.CANCELLED)


class Case(Base):
    """A running or finished instance of a procedure version."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(
        String(20), index=True
    )  # running|returned|incident|completed|cancelled
    title: Mapped[str] = mapped_column(String(300), default="")
    applicant_name: Mapped[str] = mapped_column(SealedText, default="")  # encrypted
    applicant_email: Mapped[str] = mapped_column(SealedText, default="")  # encrypted
    anonymised_at: Mapped[datetime | None]  # retention removed its personal data
    started_by: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    paused_working_days: Mapped[int] = mapped_column(default=0)
    return_reason: Mapped[str | None] = mapped_column(SealedLongText)  # encrypted
    current_step: Mapped[str] = mapped_column(String(500), default="")
    outcome: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), default="id", server_default="id")
    state: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed workflow state, no spec
    serializer_version: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    definition: Mapped[ProcessDefinition] = relationship(lazy="select")

    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """One row per open user task (its id is SpiffWorkflow's task id)."""

    __tablename__ = "human_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    lane_id: Mapped[str | None] = mapped_column(String(200))
    lane_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(80), index=True)
    assignee: Mapped[str | None] = mapped_column(String(80), index=True)
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    case: Mapped[Case] = relationship(lazy="joined")


class Timer(Base):
    """A waiting timer event of a case and when it is due."""

    __tablename__ = "timers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    due_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]


class MessageWait(Base):
    """A case waiting for a named message (intermediate catch, receive, boundary, start).

    One task may wait for several messages (an event with several message definitions,
    BPMN's "multiple"): one row per message, unique per task and message name.
    """

    __tablename__ = "message_waits"
    __table_args__ = (UniqueConstraint("task_id", "message_name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(36), index=True)  # SpiffWorkflow task id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(200), index=True)
    element_id: Mapped[str] = mapped_column(String(200))


class ScheduledStart(Base):
    """The next due start of a deployed procedure's timer start event: the ticker claims
    it (moving ``due_at`` on with a compare-and-set, so two tickers start one case) and
    starts a case of the version."""

    __tablename__ = "scheduled_starts"

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("process_definitions.id", ondelete="CASCADE"), index=True
    )
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    expression: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(index=True)
    remaining: Mapped[int | None]  # starts after this one; None: repeats without end
    started: Mapped[int] = mapped_column(default=0)


class AuditEntry(Base):
    """Append-only: who did what, when, with which data."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_case_at", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(200))
    element_name: Mapped[str] = mapped_column(String(300), default="")
    lane: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(SealedLongText, default="")  # may quote a person
    data: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON)  # encrypted


class OutboxMessage(Base):
    """A notification to send (email when SMTP is configured, else logged)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20), default="email")
    recipient: Mapped[str] = mapped_column(SealedText, default="")  # encrypted (an email)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(SealedLongText, default="")  # encrypted
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[datetime | None]  # a ticker's lease while it sends
    next_attempt_at: Mapped[datetime | None]  # the pause after a failed attempt
    provider_id: Mapped[str | None] = mapped_column(String(300))  # Message-ID and server answer


class IdempotentRequest(Base):
    """The answer to an API write sent with an ``Idempotency-Key``, kept for retries."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body
    status: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Document(Base):
    """An uploaded document of a case: the file lives outside the workflow state."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    field_id: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(80), default="")
    uploaded_at: Mapped[datetime]


class QueueTicket(Base):
    """A queue number taken at the kiosk for one service on one day."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("service", "day", "number", name="uq_queue_tickets_service_day_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(120), index=True)
    day: Mapped[str] = mapped_column(String(10), index=True)  # local ISO date
    number: Mapped[int]
    status: Mapped[str] = mapped_column(
        String(20), default="waiting"
    )  # waiting|called|served|skipped
    counter: Mapped[str | None] = mapped_column(String(40))
    taken_at: Mapped[datetime]
    called_at: Mapped[datetime | None]
    served_at: Mapped[datetime | None]


class SurveyResponse(Base):
    """One IKM satisfaction survey (PermenPANRB 14/2017), at most one per case."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), unique=True
    )
    service: Mapped[str] = mapped_column(String(120), index=True)
    submitted_at: Mapped[datetime]
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)  # element key -> 1..4
    comment: Mapped[str] = mapped_column(SealedLongText, default="")  # encrypted


class ApiToken(Base):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(default=False)


class Job(Base):
    """A piece of background work (a simulation run...), its progress and result."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed
    progress: Mapped[float] = mapped_column(default=0.0)  # 0..1
    message: Mapped[str] = mapped_column(String(300), default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # the lease of the process running it (engine.background.jobs): who, last sign of life
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")


class Draft(Base):
    """An uploaded BPMN file waiting for a designer (e.g. a reformer's revised diagram)."""

    __tablename__ = "drafts"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by: Mapped[str] = mapped_column(String(80), default="")
    uploaded_at: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ReformerWorkspace(Base):
    """The what-if scenario a reformer is editing for one procedure version."""

    __tablename__ = "reformer_workspaces"
    __table_args__ = (UniqueConstraint("username", "process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    process_key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    params_yaml: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime]


class PermitSequence(Base):
    """The last permit number given per procedure and year (no gaps, no duplicates)."""

    __tablename__ = "permit_sequences"

    process_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Permit(Base):
    """A document the office issued (a permit...), its public code, PDF and status."""

    __tablename__ = "permits"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="permit")
    element_id: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(80), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # random; the QR's target
    title: Mapped[str] = mapped_column(String(300), default="")
    holder_name: Mapped[str] = mapped_column(SealedText, default="")  # encrypted
    object_text: Mapped[str] = mapped_column(String(500), default="")
    office_name: Mapped[str] = mapped_column(String(200), default="")
    signer: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[datetime]
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="valid")  # valid|revoked|replaced
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    signed: Mapped[bool] = mapped_column(default=False)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("permits.id"))
    status_reason: Mapped[str] = mapped_column(SealedLongText, default="")  # encrypted
    status_by: Mapped[str] = mapped_column(String(80), default="")
    status_at: Mapped[datetime | None]


class Bill(Base):
    """A retribution assessed for a case: amount, billing code, due date and payment."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    element_id: Mapped[str] = mapped_column(String(200), default="")
    billing_code: Mapped[str] = mapped_column(String(40), unique=True)
    amount: Mapped[int]  # whole Rupiah
    description: Mapped[str] = mapped_column(String(500), default="")
    assessed_by: Mapped[str] = mapped_column(String(80), default="")
    assessed_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(
        String(20), default="unpaid", index=True
    )  # unpaid|paid|cancelled
    paid_at: Mapped[datetime | None]
    channel: Mapped[str] = mapped_column(String(40), default="")
    payment_reference: Mapped[str | None] = mapped_column(String(80), unique=True)
    confirmed_by: Mapped[str] = mapped_column(String(80), default="")
    assessment_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )
    receipt_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )


class Incident(Base):
    """A case stopped by an error while running: where, why, the values seen, who fixed it."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))  # SpiffWorkflow task id
    element_id: Mapped[str] = mapped_column(String(200), default="")
    element_name: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(40))  # expression|no_branch|call_depth|engine
    message: Mapped[str] = mapped_column(SealedLongText, default="")  # encrypted
    expression: Mapped[str | None] = mapped_column(Text)
    # the names the expression read, with their values: encrypted (a NIK, a name)
    values: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON)
    # why, as data a page words in its reader's language: {"code", "params", "line", "part"}
    detail: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON)  # encrypted (may quote)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|resolved
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80), default="")
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(String(40))  # retried|moved|cancelled
    case: Mapped[Case] = relationship(lazy="joined")


class Pilot(Base):
    """A new version tried on a share of new applications (:mod:`engine.office.pilots`)."""

    __tablename__ = "pilots"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    base_version: Mapped[int]
    pilot_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), index=True)  # running|promoted|rolled_back
    share: Mapped[float]  # percent of the eligible new applications
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # channels, offices, window
    owner: Mapped[str] = mapped_column(String(80), default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime]
    planned_end: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str] = mapped_column(String(80), default="")
    staff_costs: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # lane id -> per hour
    prediction: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the simulated scenario


class PilotAssignment(Base):
    """The arm (pilot or control) a case started in while a pilot ran."""

    __tablename__ = "pilot_assignments"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    arm: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200), default="")


class AccessLogEntry(Base):
    """Who viewed, unmasked or exported whose personal data: append-only, hash-chained.

    Each row's ``hash`` covers its content and the previous row's hash
    (:mod:`engine.privacy.access_log`), so a deleted or altered row breaks the chain.
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)  # viewed|unmasked|exported|...
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: rows never change
    case_code: Mapped[str] = mapped_column(String(32), default="")
    field_id: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the chain key's id ("" = a row hashed without a key, before migration 0016)
    key_id: Mapped[str] = mapped_column(String(16), default="", server_default="")
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 1, 2, 3...


class DataRequest(Base):
    """A data subject's request about a case (UU 27/2022): access or correction."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # access|correction
    message: Mapped[str] = mapped_column(Text, default="")  # encrypted
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|answered
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str] = mapped_column(String(80), default="")
    answer: Mapped[str] = mapped_column(SealedLongText, default="")  # encrypted


class Connector(Base):
    """Another government system an admin registered (:mod:`engine.integration`).

    Only these hosts are ever called: a service task names a connector and one of its
    ``operations`` (name -> method, path, request and response fields), never a URL.
    The secret is named by an environment variable and never stored.
    """

    __tablename__ = "connectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    auth: Mapped[str] = mapped_column(String(20), default="none")  # none|bearer|header|basic
    auth_header: Mapped[str] = mapped_column(String(80), default="")  # for auth="header"
    secret_env: Mapped[str] = mapped_column(String(100), default="")
    timeout_seconds: Mapped[float] = mapped_column(default=10.0)
    retries: Mapped[int] = mapped_column(default=3)  # attempts after the first
    backoff_seconds: Mapped[float] = mapped_column(default=2.0)  # doubled each retry
    rate_per_minute: Mapped[int] = mapped_column(default=60)
    operations: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(80), default="")


class ServiceCallRow(Base):
    """A service task's call to a connector, claimed once with a lease (like the outbox)."""

    __tablename__ = "service_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    connector: Mapped[str] = mapped_column(String(80))
    operation: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    last_status: Mapped[int | None]  # the HTTP status of the last answer
    error: Mapped[str | None] = mapped_column(Text)


class ConnectorCallLog(Base):
    """Every external call: connector, operation, status, duration; no personal data."""

    __tablename__ = "connector_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    connector: Mapped[str] = mapped_column(String(80), index=True)
    operation: Mapped[str] = mapped_column(String(80))
    case_id: Mapped[int | None] = mapped_column(Integer)
    http_status: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20))  # ok|error|refused
    duration_ms: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(300), default="")


class WebhookSubscriber(Base):
    """Another system that receives case events as HMAC-signed webhooks.

    Its URL must be on a registered connector's host (:mod:`engine.integration.webhooks`).
    """

    __tablename__ = "webhook_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(SealedText)  # the HMAC key shared, encrypted at rest
    events: Mapped[list[Any]] = mapped_column(JSON)  # started|returned|decided|permit_issued
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One event for one subscriber, claimed with a lease and sent once (like the outbox)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscriber_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscribers.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))  # the audit entry that raised it
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)


class FindingReview(Base):
    """A reformer's decision on one finding of one procedure version: accepted or
    dismissed, with the reason (:mod:`engine.office.finding_reviews`)."""

    __tablename__ = "finding_reviews"
    __table_args__ = (UniqueConstraint("process_key", "version", "finding_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    version: Mapped[int]
    finding_key: Mapped[str] = mapped_column(String(500))  # kind:sorted element ids
    decision: Mapped[str] = mapped_column(String(10))  # accept|dismiss
    reason: Mapped[str] = mapped_column(String(1000))
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime]
