"""Why a case stopped, in the reader's language.

The engine stores the reason of an incident as data (``Incident.detail``: a ``code``, its
``params`` and, for a script, the ``line`` and the ``part``); this module words it. A code
it does not know, and an incident opened before reasons were stored, show the engine's
English message instead (the command line always prints that message).
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

REASONS = {
    "unknown_name": _l("No value named '%(name)s': no form or step has filled it in."),
    "unknown_name_hint": _l("No value named '%(name)s' (did you mean '%(suggestion)s'?)."),
    "function_not_called": _l("'%(name)s' is a function: call it, e.g. %(name)s(...)."),
    "wrong_types": _l("'%(operator)s' cannot be used on %(left)s and %(right)s."),
    "wrong_types_plain": _l("The values are of the wrong kind for this calculation."),
    "wrong_arguments": _l("%(function)s() was given the wrong number or kind of values."),
    "division_by_zero": _l("A number is divided by zero."),
    "key_not_found": _l("The key '%(key)s' is not in the data."),
    "index_out_of_range": _l("A list has no item at that position."),
    "value_too_deep": _l("A value is too large or too deeply nested."),
    "number_too_large": _l("A number is too large."),
    "wrong_value": _l("A value does not fit this calculation."),
    "text_too_long": _l("A text is too long (over %(limit)s characters)."),
    "list_too_large": _l("A list is too large (over %(limit)s items)."),
    "complex_number": _l("The result is a complex number."),
    "keys_not_texts": _l("The keys of '%(name)s' must be texts."),
    "not_storable": _l("'%(name)s' cannot be kept in the case data: it is %(kind)s."),
    "round_digits": _l("round() takes at most %(limit)s digits."),
    "sum_numbers_only": _l("sum() adds numbers only, not %(kind)s."),
    "not_a_date": _l("%(value)s is not a date like 2026-05-01."),
    "days_not_whole": _l("The number of days must be a whole number up to %(limit)s."),
    "dates_too_far_apart": _l("The dates are more than %(limit)s days apart."),
    "too_many_steps": _l("The calculation needs more than %(limit)s steps."),
    "too_slow": _l("The calculation took longer than %(seconds)s seconds."),
    "not_subscriptable": _l("No item can be looked up in %(kind)s."),
    "timer_not_duration": _l("The timer's expression gave %(value)s, not a duration like P3D."),
    "timer_not_date": _l(
        "The timer's expression gave %(value)s, not a date and time like 2026-12-01T10:00:00+07:00."
    ),
    "timer_not_cycle": _l("The timer's expression gave %(value)s, not a repetition like R3/PT1H."),
    "timer_too_long": _l("The timer would wait %(value)s: at most %(years)s years."),
    "timer_too_late": _l("The timer's date %(value)s is not before the year %(year)s."),
    "cycle_too_fast": _l("The timer repeats %(value)s: at most once a second."),
    "cycle_too_far_behind": _l(
        "The timer's repetition %(value)s started so long ago that over %(limit)s repetitions "
        "are due at once."
    ),
    "too_many_instances": _l(
        "The number of repetitions is %(value)s: a whole number up to %(limit)s."
    ),
    "percent_format": _l("Texts cannot be formatted with the percent sign; use f-strings."),
    "no_branch": _l(
        "No condition of the paths out of the gateway is true, and it has no default path."
    ),
    "call_depth": _l(
        "Called procedures nest more than %(limit)s levels deep: they probably call each other in a cycle."
    ),
    "nests_too_deeply": _l("The procedure nests too deeply (a called procedure calling itself?)."),
    "data_not_set": _l(
        "The step passes '%(id)s' on to the data object '%(name)s', but no form or step "
        "has filled in '%(id)s' (a data object's id and the value's name must be the same)."
    ),
    "data_not_read": _l(
        "The step reads the data object '%(name)s' ('%(id)s'), which has no value yet."
    ),
    "condition_loop": _l("Conditional events keep setting each other off without anyone acting."),
    "case_spins": _l(
        "The case took %(limit)s steps without waiting for anyone: a loop whose way out is "
        "never taken, or a timer that repeats at once? Correct the procedure, move the case "
        "to the corrected version, then retry."
    ),
    "condition_never_true": _l(
        "The case waits only for conditions that nothing left in it can make true."
    ),
    "connector_failed": _l(
        "%(connector)s.%(operation)s did not answer after %(attempts)s attempt(s) (%(error)s). "
        "Retry once that system answers again."
    ),
}

KINDS = {
    "none": _l("an empty value"),
    "bool": _l("a yes/no value"),
    "number": _l("a number"),
    "text": _l("a text"),
    "list": _l("a list"),
    "dict": _l("a group of values"),
    "date": _l("a date"),
    "other": _l("a value of another kind"),
}

PARTS = {"pre-script": _l("Pre-script"), "post-script": _l("Post-script")}

RESOLUTIONS = {
    "retried": _l("retried"),
    "moved": _l("moved to another step"),
    "cancelled": _l("case cancelled"),
}


def incident_reason(detail: dict[str, Any] | None, message: str = "") -> str:
    """The reason of an incident (``detail``) in the reader's language; ``message`` (the
    engine's English sentence) when the reason is missing or unknown."""
    if not isinstance(detail, dict):
        return message
    params = detail.get("params") if isinstance(detail.get("params"), dict) else {}
    template = REASONS.get(_variant(str(detail.get("code")), params))
    if template is None:
        return message
    try:
        reason = str(template) % {key: _shown(key, value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):  # params that do not fit the wording
        return message
    return _where(detail, reason)


def _variant(code: str, params: dict) -> str:
    if code == "unknown_name" and params.get("suggestion"):
        return "unknown_name_hint"
    if code == "wrong_types" and not params.get("operator"):
        return "wrong_types_plain"
    return code


def _shown(key: str, value: Any) -> Any:
    if key in ("kind", "left", "right"):
        return str(KINDS.get(value, KINDS["other"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return format_decimal(value)
        except ArithmeticError:  # beyond decimal's precision (a count of 30 digits typed in)
            return str(value)
    return value


def _where(detail: dict, reason: str) -> str:
    """``reason`` after the script line and part it happened in, if any."""
    line, part = detail.get("line"), PARTS.get(detail.get("part") or "")
    if part is not None and isinstance(line, int):
        return _("%(part)s, line %(line)d: %(reason)s", part=part, line=line, reason=reason)
    if isinstance(line, int):
        return _("Line %(line)d of the script: %(reason)s", line=line, reason=reason)
    if part is not None:
        return _("%(part)s: %(reason)s", part=part, reason=reason)
    return reason


def resolution_label(resolution: str | None) -> str:
    """How an incident was resolved, in the reader's language."""
    if not resolution:
        return ""
    return str(RESOLUTIONS.get(resolution, resolution))


def init_app(app) -> None:
    app.jinja_env.globals.update(incident_reason=incident_reason, resolution_label=resolution_label)
