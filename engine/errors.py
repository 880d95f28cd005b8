"""Named errors of the engine, each with a message a person can act on.

The web application and the command line map these to pages, JSON errors and exit
codes in one place; nothing below them should leak a traceback to a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class EngineError(Exception):
    """Base of every error the engine raises on purpose.

    ``message`` is English (the command line, logs and tests read it). ``reason`` and
    ``params``, when given, say the same for a user interface to word in its reader's
    language: ``ExpressionFailed("unknown name 'fee'", reason="unknown_name",
    params={"name": "fee"})``. An interface that does not know the reason shows the message.
    """

    code = "engine_error"
    reason: str | None = None

    def __init__(
        self, message: str, *, reason: str | None = None, params: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.params: dict[str, Any] = dict(params or {})

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Problem:
    """One finding of BPMN validation, tied to an element when there is one."""

    severity: str  # "error" or "warning"
    code: str
    message: str
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None
    source: str | None = None

    def describe(self) -> str:
        where = []
        if self.source:
            where.append(self.source + (f":{self.line}" if self.line else ""))
        elif self.line:
            where.append(f"line {self.line}")
        if self.element_id:
            label = self.element_id
            if self.element_name:
                label += f' "{self.element_name}"'
            where.append(label)
        prefix = ", ".join(where)
        return f"{self.severity}: {prefix + ': ' if prefix else ''}{self.message}"

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "element_id": self.element_id,
            "element_name": self.element_name,
            "line": self.line,
            "source": self.source,
        }


class InvalidBpmn(EngineError):
    """The file cannot be read as BPMN, or it has validation errors."""

    code = "invalid_bpmn"

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])


class UnsafeXml(InvalidBpmn):
    """The XML uses entities, a DTD, external references, or is too large."""

    code = "unsafe_xml"


class UnsafeExpression(EngineError):
    """An expression or script uses something outside the safe language."""

    code = "unsafe_expression"


class ExpressionFailed(EngineError):
    """A safe expression could not be evaluated on the given data."""

    code = "expression_failed"


class NotFound(EngineError):
    code = "not_found"


class ProcessNotFound(NotFound):
    code = "process_not_found"


class CaseNotFound(NotFound):
    code = "case_not_found"


class UserNotFound(NotFound):
    code = "user_not_found"


class Conflict(EngineError):
    """Someone else changed the case first; reload and try again."""

    code = "conflict"


class StaleTask(Conflict):
    """The task was completed, returned or cancelled meanwhile."""

    code = "stale_task"


class NotAllowed(EngineError):
    """The user's roles do not allow this action."""

    code = "not_allowed"


class InvalidState(EngineError):
    """The action does not fit the case's or task's current state."""

    code = "invalid_state"


class InvalidFormData(EngineError):
    """Submitted form data failed validation; ``errors`` maps field id to message.

    ``details`` maps field id to ``(label, template, params)``: the English message is
    ``label + " " + template % params``, and a user interface may translate the template.
    """

    code = "invalid_form_data"

    def __init__(self, errors: dict[str, str], details: dict[str, tuple] | None = None):
        listing = "; ".join(f"{k}: {v}" for k, v in errors.items())
        super().__init__(f"The form has {len(errors)} wrong value(s): {listing}")
        self.errors = dict(errors)
        self.details = dict(details or {})
