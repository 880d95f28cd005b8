"""The engine's one facade: everything the web app, the CLI and workers call.

Every function takes a SQLAlchemy ``session`` as its first argument; the caller opens
and commits the transaction (a request, a CLI command, a worker job).
"""

from engine.accounts import api_tokens

# read models and helpers the web app needs besides the operations above
from engine.accounts.api_tokens import authenticate
from engine.accounts.idempotency import fingerprint as idempotency_fingerprint
from engine.accounts.idempotency import record as record_idempotent_answer
from engine.accounts.idempotency import reserve as reserve_idempotency_key
from engine.accounts.passwords import hash_password
from engine.accounts.users import (
    SYSTEM_ROLES,
    authenticate_user,
    create_user,
    end_sessions,
    find_user,
    get_user,
    list_users,
    roles_of,
    set_roles,
    update_user,
)
from engine.background import jobs
from engine.background.jobs import broker_url
from engine.background.readiness import readiness
from engine.background.ticker import start_background_ticker
from engine.bpmn.diff import diff_models
from engine.bpmn.json_schema_forms import inline_forms as inline_json_schema_forms
from engine.bpmn.model import BpmnModel, FormField
from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.integration import calls as service_calls  # registers the background calls
from engine.integration import registry as connectors  # other government systems
from engine.integration import webhooks  # case events to subscribers (signed, once each)
from engine.office import (
    decision_drafts,  # DMN files uploaded beside a BPMN draft
    documents,
    drafts,
    finding_reviews,  # reformers accept or dismiss findings
    incidents,
    payments,
    permits,
)
from engine.office.access import ADMIN_ROLE, may_see_documents, may_work_in_lane, may_work_on
from engine.office.audit import task_history
from engine.office.cases import (
    TRACKING_CODE,
    cancel_case,
    case_data,
    find_by_tracking_code,
    get_case,
    list_cases,
    new_tracking_code,
    normalize_tracking_code,
    open_tasks,
    open_tasks_by_case,
    start_case,
    start_form,
)
from engine.office.cases import (
    history as case_history,
)
from engine.office.definitions import (
    callees_first,
    check_deployable,
    decisions_beside,
    deploy,
    get_definition,
    list_definitions,
    load_deployed_model,
    model_for,
    running_case_counts,
    validate_group,
)
from engine.office.documents import case_documents, get_document, read
from engine.office.forms import describe_field, form_initial_values
from engine.office.hand_starts import StartsByItself, start_by_hand
from engine.office.labels import labels_for
from engine.office.notifications import messages_for_case, send_pending
from engine.office.payment_channel import record_payment
from engine.office.pilots import arm_counts as pilot_arm_counts
from engine.office.pilots import cases_of as pilot_cases
from engine.office.pilots import describe as describe_pilot
from engine.office.pilots import get_pilot, list_pilots, start_pilot
from engine.office.pilots import promote as promote_pilot
from engine.office.pilots import roll_back as roll_back_pilot
from engine.office.returns import (
    answerable_fields,
    applicant_responds,
    asked_fields,
    return_to_applicant,
)
from engine.office.sla import overdue_cases, overdue_tasks
from engine.office.steps import task_data
from engine.office.tasks import (
    all_open_tasks,
    claim,
    complete_task,
    get_task,
    task_form,
    tasks_for_user,
    unclaim,
)
from engine.office.templates import templates_beside
from engine.privacy import api as privacy  # UU 27/2022: need to know, access log, rights
from engine.public import queues, surveys
from engine.reporting.lane_history import lane_history
from engine.reporting.pilot_comparison import compare_pilot
from engine.reporting.stats import procedure_stats, waiting_by_task
from engine.storage.db import database_url, make_engine, session_factory
from engine.storage.db import describe_failure as describe_database_failure
from engine.storage.tables import (
    CLOCK_RUNNING,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    ApiToken,
    Case,
    CaseStatus,
    Document,
    HumanTask,
    MessageWait,
    ProcessDefinition,
    QueueTicket,
    SurveyResponse,
    User,
)
from engine.validation.process import has_errors, validate_file
from engine.workflow.called import called_definitions, called_progress
from engine.workflow.migration import migrate_cases, plan_migration
from engine.workflow.start_events import deliver_message, start_by_message, starts_by_itself
from engine.workflow.timers import tick

__all__ = [
    "record_payment",
    "TRACKING_CODE",
    "find_by_tracking_code",
    "may_work_in_lane",
    "may_see_documents",
    "privacy",
    "connectors",
    "service_calls",
    "webhooks",
    "ADMIN_ROLE",
    "payments",
    "permits",
    "templates_beside",
    "labels_for",
    "ApiToken",
    "BpmnModel",
    "Case",
    "Document",
    "FormField",
    "HumanTask",
    "MessageWait",
    "ProcessDefinition",
    "QueueTicket",
    "SYSTEM_ROLES",
    "SurveyResponse",
    "User",
    "authenticate",
    "broker_url",
    "case_documents",
    "clock",
    "database_url",
    "idempotency_fingerprint",
    "record_idempotent_answer",
    "reserve_idempotency_key",
    "readiness",
    "describe_database_failure",
    "default_calendar",
    "describe_field",
    "diff_models",
    "form_initial_values",
    "get_document",
    "has_errors",
    "hash_password",
    "jobs",
    "lane_history",
    "make_engine",
    "migrate_cases",
    "normalize_tracking_code",
    "plan_migration",
    "procedure_stats",
    "read",
    "roles_of",
    "session_factory",
    "start_background_ticker",
    "validate_file",
    "waiting_by_task",
    "compare_pilot",
    "describe_pilot",
    "get_pilot",
    "list_pilots",
    "pilot_arm_counts",
    "pilot_cases",
    "promote_pilot",
    "roll_back_pilot",
    "start_pilot",
    "CLOCK_RUNNING",
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "CaseStatus",
    "api_tokens",
    "documents",
    "drafts",
    "queues",
    "surveys",
    "all_open_tasks",
    "answerable_fields",
    "applicant_responds",
    "asked_fields",
    "authenticate_user",
    "cancel_case",
    "case_data",
    "case_history",
    "claim",
    "complete_task",
    "create_user",
    "end_sessions",
    "deliver_message",
    "called_progress",
    "called_definitions",
    "callees_first",
    "decisions_beside",
    "inline_json_schema_forms",
    "validate_group",
    "decision_drafts",
    "start_by_hand",
    "StartsByItself",
    "finding_reviews",
    "start_by_message",
    "starts_by_itself",
    "incidents",
    "deploy",
    "check_deployable",
    "find_user",
    "get_case",
    "get_definition",
    "get_task",
    "get_user",
    "list_cases",
    "list_definitions",
    "list_users",
    "load_deployed_model",
    "may_work_on",
    "messages_for_case",
    "model_for",
    "new_tracking_code",
    "open_tasks",
    "open_tasks_by_case",
    "overdue_cases",
    "overdue_tasks",
    "return_to_applicant",
    "running_case_counts",
    "send_pending",
    "set_roles",
    "start_case",
    "start_form",
    "task_form",
    "task_data",
    "tasks_for_user",
    "tick",
    "task_history",
    "unclaim",
    "update_user",
    "warm_up",
]


def warm_up() -> None:
    """What each app process would otherwise build on its first request: the office's
    working calendar with this year's and next year's holidays (its country alone)."""
    calendar = default_calendar()
    year = calendar.local_date(clock.now()).year
    calendar.load_years(year, year + 1)
