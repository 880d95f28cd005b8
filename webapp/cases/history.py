"""A case's history as staff read it: every audit action the engine writes, named in the
reader's language, with its step and lane by the procedure's ``pf:label`` translations.

:data:`ACTION_LABELS` is the one table of action names; ``tests/web/test_staff_language.py``
fails when the engine writes an action that has no entry here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.services import Case
from webapp.cases.case_data import reader_language
from webapp.incident_reasons import incident_reason
from webapp.public.formats import step

ACTION_LABELS = {
    "case_started": _l("case started"),
    "case_started_on_schedule": _l("case started on schedule"),
    "message_started_case": _l("case started by a message"),
    "scheduled_start_failed": _l("scheduled start failed"),
    "task_created": _l("task ready"),
    "task_claimed": _l("task claimed"),
    "task_unclaimed": _l("task released"),
    "task_completed": _l("task done"),
    "case_returned": _l("returned to the applicant"),
    "fields_requested": _l("data asked from the applicant"),
    "case_resumed": _l("the applicant responded"),
    "case_completed": _l("case finished"),
    "case_cancelled": _l("case cancelled"),
    "case_migrated": _l("moved to a new version"),
    "timer_fired": _l("deadline reached"),
    "message_received": _l("message received"),
    "message_not_delivered": _l("message not delivered"),
    "signal_broadcast": _l("signal sent"),
    "signal_not_broadcast": _l("signal not sent"),
    "signal_received": _l("signal received"),
    "service_call": _l("registry consulted"),
    "document_uploaded": _l("document uploaded"),
    "bill_assessed": _l("fee assessed"),
    "bill_paid": _l("fee paid"),
    "permit_issued": _l("permit issued"),
    "permit_revoked": _l("permit revoked"),
    "permit_corrected": _l("permit corrected"),
    "incident_opened": _l("stopped by an error"),
    "incident_variable_set": _l("value fixed by an administrator"),
    "incident_retried": _l("step retried"),
    "incident_skipped": _l("case moved on by an administrator"),
    "incident_cancelled": _l("case cancelled by an administrator"),
    "data_request": _l("the applicant asked about their data"),
    "data_request_answered": _l("data request answered"),
    "data_corrected": _l("data corrected"),
    "survey_submitted": _l("satisfaction survey answered"),
    "pilot_assigned": _l("assigned to a pilot"),
    "pilot_started": _l("pilot started"),
    "pilot_promoted": _l("pilot adopted"),
    "pilot_rolled_back": _l("pilot rolled back"),
    "finding_reviewed": _l("finding reviewed"),
    "deploy": _l("procedure deployed"),
}

# actions whose message is what a person wrote (a return's reason); the others carry the
# engine's English sentences, shown to English readers only
WRITTEN_BY_PEOPLE = frozenset({"case_returned"})


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    action: str  # the raw name, for the CSS class only
    label: str
    step: str
    lane: str
    message: str


def action_label(action: str) -> str:
    """The action's name in the reader's language (the raw name only if it is unknown)."""
    return str(ACTION_LABELS.get(action, action.replace("_", " ")))


def actor_name(actor: str) -> str:
    """A username as it is; the engine's own actors in the reader's language."""
    if not actor or actor == "system":
        return _("system")
    if actor == "applicant":
        return _("applicant")
    if actor.startswith("connector:"):
        return _("connector %(name)s", name=actor.removeprefix("connector:"))
    return actor


def history_rows(case: Case, entries) -> list[HistoryRow]:
    """``entries`` (the case's audit entries) named in the reader's language."""
    english = reader_language() == "en"
    return [
        HistoryRow(
            at=entry.at,
            actor=actor_name(entry.actor),
            action=entry.action,
            label=action_label(entry.action),
            step=step(case, entry.element_name) if entry.element_name else "",
            lane=step(case, entry.lane) if entry.lane else "",
            message=_message(entry, english),
        )
        for entry in entries
    ]


def _message(entry, english: bool) -> str:
    """The entry's message for this reader: the engine's English sentence to English
    readers, what a person wrote to all, an incident's reason worded in either language."""
    data = entry.data if isinstance(entry.data, dict) else {}
    fallback = entry.message if english or entry.action in WRITTEN_BY_PEOPLE else ""
    if entry.action == "incident_opened":
        return incident_reason(data.get("detail"), fallback)
    if entry.action == "incident_variable_set" and "name" in data:
        value = json.dumps(data.get("value"), ensure_ascii=False, default=str)
        return _("%(name)s set to %(value)s", name=data["name"], value=value[:200])
    if entry.action == "incident_cancelled" and entry.message != "Case cancelled":
        return entry.message  # the reason the administrator wrote
    return fallback or ""
