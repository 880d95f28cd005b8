"""Per-field form messages in the user's language.

The engine says what is wrong with a value as an English template and its parameters
(``InvalidFormData.details``); this module translates the template and puts the field's
label in front. The templates are listed here so the catalog extraction finds them.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from engine.errors import InvalidFormData

TEMPLATES = (
    _l("must be text"),
    _l("must be a whole number"),
    _l("is too large a number"),
    _l("must be a number"),
    _l("must be yes or no"),
    _l("must be a date like 2026-12-31"),
    _l("must be one of: %(names)s"),
    _l("must be an uploaded document"),
    _l("must be at least %(count)s characters"),
    _l("must be at most %(count)s characters"),
    _l("cannot be checked: the form's pattern is invalid"),
    _l("does not match the required format"),
    _l("must be at least %(value)s"),
    _l("must be at most %(value)s"),
    _l("must be on or after %(value)s"),
    _l("must be on or before %(value)s"),
    _l("is required"),
    _l("must be one email address, like nama@contoh.id"),
    _l("was not asked for: the office asked for %(names)s"),
)


def field_errors(error: InvalidFormData) -> dict[str, str]:
    """Field id -> "<label> <translated problem>" (the engine's English text as fallback)."""
    messages = dict(error.errors)
    for field_id, (label, template, params) in error.details.items():
        messages[field_id] = f"{label} {gettext(template, **params)}"
    return messages
