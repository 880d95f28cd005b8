"""What the web app and the CLI call of :mod:`engine.privacy` (``services.privacy``)."""

from __future__ import annotations

from engine.office.access import is_clerk_of, may_see_case
from engine.office.audit import data_of as audit_data
from engine.privacy import access_log, anchor, keys, retention, rights
from engine.privacy.access_log import entries as access_entries
from engine.privacy.access_log import record as log_access
from engine.privacy.access_log import verify as verify_access_log
from engine.privacy.crypto import DataKeyError, generate_key
from engine.privacy.exports import AdminProof, NotProven, rows_for_export
from engine.privacy.need_to_know import (
    case_data_for,
    masked_applicant,
    personal_fields_of,
    require_case_access,
    unmask,
)
from engine.privacy.pseudonyms import pseudonym
from engine.privacy.rights import (
    access_package,
    answer,
    correctable_fields,
    is_overdue,
    message_of,
    requests_of,
)
from engine.privacy.rights import request as request_data_right

__all__ = [
    "AdminProof",
    "NotProven",
    "DataKeyError",
    "access_entries",
    "access_log",
    "anchor",
    "access_package",
    "answer",
    "audit_data",
    "case_data_for",
    "correctable_fields",
    "generate_key",
    "is_clerk_of",
    "is_overdue",
    "keys",
    "log_access",
    "masked_applicant",
    "may_see_case",
    "message_of",
    "personal_fields_of",
    "pseudonym",
    "request_data_right",
    "requests_of",
    "require_case_access",
    "retention",
    "rows_for_export",
    "rights",
    "unmask",
    "verify_access_log",
]
