r"""Checking submitted form data against the form fields read from BPMN.

Fields come from Camunda Modeler's ``camunda:formData`` (see the Forms section of
``docs/bpmn-conventions.md``). Values arrive as strings from web forms or as JSON
types from the API and command line; :func:`validate_form` accepts both and returns
plain JSON values (dates stay ``YYYY-MM-DD`` strings), or raises
:class:`~engine.errors.InvalidFormData` with one message per wrong field, naming the
field by its label.

Patterns run on RE2 (``google-re2``), whose matching time is linear in the length of the
value: a pattern such as ``^(\w+\s?)*$`` cannot freeze the server. RE2 has no
backreferences or lookaround, and its ``\d`` and ``\w`` are ASCII only
(:mod:`engine.validation.forms` reports patterns it cannot run). Numbers in constraint
configurations and in submitted values are ASCII digits: ``"²"`` or ``"١٢"`` are not
numbers here, although Python's ``str.isdigit`` and ``int`` accept them.

Fields named ``email`` or ``..._email`` (or with the property ``format=email``) must
hold one email address (checked with ``email-validator``, without a DNS look-up), so
no newline or second address ever reaches a mail header.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import re2
from email_validator import EmailNotValidError, validate_email

from engine.bpmn.model import FormField
from engine.errors import InvalidFormData

MAX_PATTERN_LENGTH = 200
MAX_MATCHED_LENGTH = 10_000
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1  # Camunda's long is a Java long

_TRUE = frozenset({"true", "on", "1", "yes", "y", "ya"})
_FALSE = frozenset({"false", "off", "0", "no", "n", "tidak", ""})
MAX_EMAIL_LENGTH = 200  # the cases table keeps 200 characters of the applicant's email
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE = re.compile(r"[0-9]{1,9}")
_MISSING = object()


class _Wrong(ValueError):
    """A value failed a check; the text completes "<label> ...".

    ``template`` and ``params`` are kept apart so a user interface can translate the
    message (``InvalidFormData.details``); ``str()`` gives the English text.
    """

    def __init__(self, template: str, **params: Any):
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


def _label(field: FormField) -> str:
    return field.label.strip() or field.id


# -- coercion, one function per type ---------------------------------------------


def _to_string(value: Any, field: FormField) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Wrong("must be text")


def _to_long(value: Any, field: FormField) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Wrong("must be a whole number")
    if not LONG_MIN <= value <= LONG_MAX:
        raise _Wrong("is too large a number")
    return value


def _to_double(value: Any, field: FormField) -> float:
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        value = float(value.strip())
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Wrong("must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if math.isnan(number):
        raise _Wrong("must be a number")
    if math.isinf(number):
        raise _Wrong("is too large a number")
    return number


def _to_boolean(value: Any, field: FormField) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = value.strip().lower() if isinstance(value, str) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Wrong("must be yes or no")


def _to_date(value: Any, field: FormField) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _Wrong("must be a date like 2026-12-31")


def _to_enum(value: Any, field: FormField) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip() in {v.id for v in field.enum_values}:
        return value.strip()
    names = ", ".join(v.name or v.id for v in field.enum_values)
    raise _Wrong("must be one of: %(names)s", names=names)


def _to_file(value: Any, field: FormField) -> str | dict:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, Mapping) and value:
        return dict(value)
    raise _Wrong("must be an uploaded document")


def is_email_field(field: FormField) -> bool:
    """Whether ``field`` holds an email address (by its id or ``format`` property)."""
    name = field.id.lower()
    return name == "email" or name.endswith("_email") or field.properties.get("format") == "email"


def check_email(text: str) -> str:
    """``text`` as one email address, or :class:`ValueError` saying what is wrong."""
    if len(text) > MAX_EMAIL_LENGTH:
        raise ValueError(f"is longer than {MAX_EMAIL_LENGTH} characters")
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


def parse_whole(text: str) -> int:
    """A constraint's whole number in ASCII digits (``int`` would accept ``"١٢"``)."""
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text)


def parse_integer(text: str) -> int:
    """A constraint's signed whole number in ASCII digits."""
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"not a whole number: {text!r}")
    return int(text)


def parse_number(text: str) -> float:
    """A constraint's number in ASCII digits (``float`` would accept ``"١٢"``)."""
    if not _DECIMAL.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return float(text)


_COERCERS: dict[str, Callable[[Any, FormField], Any]] = {
    "string": _to_string,
    "long": _to_long,
    "double": _to_double,
    "boolean": _to_boolean,
    "date": _to_date,
    "enum": _to_enum,
    "file": _to_file,
}


def _coerce(field: FormField, value: Any) -> Any:
    """The value as the field's type; unknown types are treated as text."""
    return _COERCERS.get(field.type, _to_string)(value, field)


# -- constraints -----------------------------------------------------------------


def _config(field: FormField, name: str, parse: Callable[[str], Any]) -> Any:
    """The parsed configuration of a constraint, None when absent or unreadable.

    A malformed configuration is a design error that BPMN validation reports; it
    must not stop people from submitting forms.
    """
    text = field.constraints.get(name)
    if text is None:
        return None
    try:
        return parse(text.strip())
    except ValueError:
        return None


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot check values, or None when it can."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return (
            f"the pattern {pattern!r} is not a valid regular expression for RE2 ({reason}); "
            "patterns run in linear time, so backreferences and lookaround are not offered"
        )
    return None


@lru_cache(maxsize=256)
def _compile_pattern(pattern: str) -> Any:
    """The compiled RE2 pattern, or None when it is too long or cannot be compiled."""
    if pattern_problem(pattern) is not None:
        return None
    return re2.compile(pattern, _RE2_OPTIONS)


def _check_text(field: FormField, value: str) -> None:
    minlength = _config(field, "minlength", parse_whole)
    maxlength = _config(field, "maxlength", parse_whole)
    if minlength is not None and len(value) < minlength:
        raise _Wrong("must be at least %(count)s characters", count=minlength)
    if maxlength is not None and len(value) > maxlength:
        raise _Wrong("must be at most %(count)s characters", count=maxlength)
    if "pattern" in field.constraints:
        compiled = _compile_pattern(field.constraints["pattern"])
        if compiled is None:
            raise _Wrong("cannot be checked: the form's pattern is invalid")
        if len(value) > MAX_MATCHED_LENGTH or not compiled.fullmatch(value):
            raise _Wrong("does not match the required format")
    if is_email_field(field) and value:
        try:
            check_email(value)
        except ValueError:
            raise _Wrong("must be one email address, like nama@contoh.id") from None


def _check_range(
    field: FormField, value: Any, parse: Callable[[str], Any], words: tuple[str, str]
) -> None:
    low, high = _config(field, "min", parse), _config(field, "max", parse)
    if low is not None and value < low:
        raise _Wrong(words[0], value=field.constraints["min"].strip())
    if high is not None and value > high:
        raise _Wrong(words[1], value=field.constraints["max"].strip())


def _iso_date(text: str) -> str:
    return date.fromisoformat(text).isoformat()


def _check_constraints(field: FormField, value: Any) -> None:
    """Raise :class:`_Wrong` for the first constraint ``value`` breaks."""
    if field.type in ("long", "double"):
        _check_range(
            field, value, parse_number, ("must be at least %(value)s", "must be at most %(value)s")
        )
    elif field.type == "date":
        _check_range(
            field,
            value,
            _iso_date,
            ("must be on or after %(value)s", "must be on or before %(value)s"),
        )
    elif isinstance(value, str) and field.type not in ("enum", "file"):
        _check_text(field, value)


# -- public API ------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is _MISSING or value is None or (isinstance(value, str) and not value.strip())


def _default(field: FormField) -> Any:
    """The field's default value as its type, or ``_MISSING``."""
    if field.default is None:
        return _MISSING
    try:
        return _coerce(field, field.default)
    except _Wrong:
        return _MISSING


def _clean(field: FormField, raw: Any, partial: bool) -> Any:
    """One field's cleaned value, ``_MISSING`` to leave it out; raises :class:`_Wrong`."""
    if _is_empty(raw) and field.type == "boolean":
        return False  # an unticked checkbox is not sent at all
    if _is_empty(raw):
        if field.required and not partial:
            raise _Wrong("is required")
        return _default(field)
    value = _coerce(field, raw)
    _check_constraints(field, value)
    return value


def validate_form(
    fields: Sequence[FormField], submitted: Mapping[str, Any], *, partial: bool = False
) -> dict[str, Any]:
    """The cleaned values of a submitted form, keyed by field id.

    Strings and JSON types are both accepted ('12' and 12 for a ``long``). Keys that
    are not fields are dropped; readonly fields are never taken from the submission.
    A missing optional field gets its default, else is left out; a missing boolean
    is False (an unticked checkbox), which satisfies ``required`` as in Camunda.
    ``partial=True`` (saving a draft) skips the ``required`` check.

    Raises :class:`~engine.errors.InvalidFormData` mapping each wrong field's id to
    one message such as "Floor area (m2) must be a whole number".
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    details: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for field in fields:
        if field.readonly:
            continue
        try:
            value = _clean(field, submitted.get(field.id, _MISSING), partial)
        except _Wrong as wrong:
            errors[field.id] = f"{_label(field)} {wrong}"
            details[field.id] = (_label(field), wrong.template, wrong.params)
            continue
        if value is not _MISSING:
            cleaned[field.id] = value
    if errors:
        raise InvalidFormData(errors, details)
    return cleaned


def form_initial_values(fields: Sequence[FormField], data: Mapping[str, Any]) -> dict[str, Any]:
    """Values to pre-fill a form: the case data under each field id, else its default.

    Fields with neither are left out.
    """
    values: dict[str, Any] = {}
    for field in fields:
        if data.get(field.id) is not None:
            values[field.id] = data[field.id]
        elif (default := _default(field)) is not _MISSING:
            values[field.id] = default
    return values


def _describe_constraints(field: FormField) -> dict[str, Any]:
    """Constraint configurations, numbers as numbers where they parse."""
    numeric: dict[str, Callable[[str], Any]] = {"minlength": parse_whole, "maxlength": parse_whole}
    if field.type == "long":
        numeric |= {"min": parse_integer, "max": parse_integer}
    elif field.type == "double":
        numeric |= {"min": parse_number, "max": parse_number}
    described: dict[str, Any] = {}
    for name, config in field.constraints.items():
        if name in ("required", "readonly"):
            continue
        if name not in numeric:
            described[name] = config
        elif (parsed := _config(field, name, numeric[name])) is not None:
            described[name] = parsed  # an unreadable number is ignored, as when checking
    return described


def describe_field(field: FormField) -> dict[str, Any]:
    """A JSON-friendly description of a field for the web app and the API.

    Keys: id, label, type, required, readonly, constraints (other than required and
    readonly), options ([{id, name}] for enums, else empty), default (as the field's
    type, or None) and properties.
    """
    default = _default(field)
    return {
        "id": field.id,
        "label": _label(field),
        "type": field.type,
        "required": field.required,
        "readonly": field.readonly,
        "constraints": _describe_constraints(field),
        "options": [{"id": v.id, "name": v.name or v.id} for v in field.enum_values],
        "default": None if default is _MISSING else default,
        "properties": dict(field.properties),
    }
