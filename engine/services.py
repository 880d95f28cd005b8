"""The engine's one facade: everything the web app, the CLI and workers call.

Every function takes a SQLAlchemy ``session`` as its first argument; the caller opens
and commits the transaction (a request, a CLI command, a worker job).
"""

from engine.accounts import api_tokens
from engine.accounts.users import (
    create_user,
    find_user,
    get_user,
    list_users,
    set_roles,
    update_user,
)
from engine.office import documents, drafts
from engine.office.audit import task_history
from engine.office.cases import (
    cancel_case,
    case_data,
    get_case,
    list_cases,
    new_tracking_code,
    open_tasks,
    open_tasks_by_case,
    start_case,
    start_form,
)
from engine.office.cases import (
    history as case_history,
)
from engine.office.definitions import (
    deploy,
    get_definition,
    list_definitions,
    load_deployed_model,
    model_for,
    running_case_counts,
)
from engine.office.notifications import messages_for_case, send_pending
from engine.office.sla import overdue_cases, overdue_tasks
from engine.office.tasks import (
    all_open_tasks,
    applicant_responds,
    claim,
    complete_task,
    get_task,
    may_work_on,
    return_to_applicant,
    task_form,
    tasks_for_user,
    unclaim,
)
from engine.public import queues, surveys
from engine.workflow.messages import deliver as deliver_message
from engine.workflow.timers import tick

__all__ = [
    "api_tokens",
    "documents",
    "drafts",
    "queues",
    "surveys",
    "all_open_tasks",
    "applicant_responds",
    "cancel_case",
    "case_data",
    "case_history",
    "claim",
    "complete_task",
    "create_user",
    "deliver_message",
    "deploy",
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
    "tasks_for_user",
    "tick",
    "task_history",
    "unclaim",
    "update_user",
]
