"""A SpiffWorkflow script engine that runs only the safe expression language.

SpiffWorkflow's default engine hands conditions and scripts to Python's ``eval`` and
``exec``; :class:`SafeScriptEngine` routes them to :mod:`engine.expressions.language`
instead, so an uploaded BPMN file can never run code on the server.

- gateway conditions, multi-instance expressions and the like go to
  :func:`engine.expressions.language.evaluate` on the task data;
- script tasks go to :func:`engine.expressions.language.execute_script`, whose assignments
  are merged into the task data; so do SpiffArena's pre- and post-scripts
  (:mod:`engine.workflow.pre_post_scripts`);
- timer expressions go to :func:`engine.expressions.language.timer_value`, so a bare ISO
  8601 literal (``P3D``, ``R3/PT1H``) works without quotes;
- service tasks are refused.

Errors surface as SpiffWorkflow's ``WorkflowTaskException`` naming the expression or
the script line; the original :class:`~engine.errors.UnsafeExpression` or
:class:`~engine.errors.ExpressionFailed` is its ``__cause__``.
"""

from __future__ import annotations

import ast
from collections import ChainMap
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
)

from engine.errors import EngineError, ExpressionFailed
from engine.expressions import language as expressions

_TIMER_KINDS = (
    (TimeDateEventDefinition, "date"),
    (DurationTimerEventDefinition, "duration"),
    (CycleTimerEventDefinition, "cycle"),
)
#: the most instances a multi-instance activity may have (its count may come from a form:
#: a hundred million hung a sequential loop and exhausted memory for a parallel one)
MAX_INSTANCES = 1000
SERVICE_TASKS_REFUSED = (
    "service tasks are not supported: permitflow runs no external calls from BPMN "
    "files; use a user task, or a script task that sets case data"
)


def _data(context: dict[str, Any], external_context: dict[str, Any] | None) -> Any:
    """Task data first, then data objects (as SpiffWorkflow's own environment does)."""
    return ChainMap(context, external_context) if external_context else context


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes with the safe language; no Python globals at all."""

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None):
        return expressions.evaluate(expression, _data(context, external_context))

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        context.update(expressions.execute_script(script, _data(context, external_context)))
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise EngineError(SERVICE_TASKS_REFUSED)


class SafeScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine, restricted to :mod:`engine.expressions.language`.

    Examples
    --------
    >>> engine = SafeScriptEngine()
    >>> engine.environment.evaluate("fee * 2", {"fee": 50_000})
    100000
    """

    def __init__(self, environment: BasePythonScriptEngineEnvironment | None = None):
        super().__init__(environment=environment or SafeEnvironment())

    def validate(self, expression: str) -> None:
        """Raise UnsafeExpression when ``expression`` is outside the safe language.

        Text that is not an expression at all raises ``SyntaxError``, as SpiffWorkflow's
        DMN engine expects (``> 500`` in a decision cell is then read as ``input > 500``).
        """
        try:
            ast.parse(expressions.strip_wrapper(expression), mode="eval")
        except (ValueError, RecursionError, MemoryError):
            pass  # check_expression says what is wrong
        expressions.check_expression(expression)

    def evaluate(self, task: Any, expression: str, external_context: dict | None = None) -> Any:
        """The value of a condition or expression; the ISO string of a timer."""
        try:
            kind = timer_kind(task, expression)
            if kind is not None:
                data = _data(task.data, external_context)
                return expressions.timer_value(kind, expression, data)
            value = self.environment.evaluate(expression, task.data, external_context)
            if expression == getattr(task.task_spec, "cardinality", None):
                _check_cardinality(value)
            return value
        except EngineError as err:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {err}",
                task=task,
                exception=err,
                error_line=expression,
            ) from err

    def execute(self, task: Any, script: str, external_context: dict | None = None) -> bool:
        """Run a script task's script, merging its assignments into the task data."""
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except EngineError as err:
            raise WorkflowTaskException(
                str(err),
                task=task,
                exception=err,
                line_number=getattr(err, "line_number", None),
                error_line=getattr(err, "error_line", None),
            ) from err

    def execute_extension_script(self, task: Any, script: str, what: str) -> None:
        """Run a pre- or post-script (SpiffArena's extension) as a script task's script.

        ``what`` ("pre-script", "post-script") leads the error, so an incident says which
        script of the element failed: "pre-script: cannot run line 1 of the script ...".
        """
        try:
            self.environment.execute(script, task.data, {})
        except EngineError as err:
            try:
                failure = type(err)(f"{what}: {err}")
            except TypeError:  # an error class built from something else than a message
                failure = ExpressionFailed(f"{what}: {err}")
            line_number = getattr(err, "line_number", None)
            error_line = getattr(err, "error_line", None)
            failure.line_number, failure.error_line = line_number, error_line  # type: ignore[attr-defined]
            failure.reason, failure.params = err.reason, dict(getattr(err, "params", {}))
            failure.script_part = what  # type: ignore[attr-defined]
            raise WorkflowTaskException(
                str(failure),
                task=task,
                exception=failure,
                line_number=line_number,
                error_line=error_line,
            ) from failure

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        """Refuse: permitflow does not call external services from BPMN."""
        raise WorkflowTaskException(SERVICE_TASKS_REFUSED, task=task)


def _check_cardinality(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INSTANCES:
        raise ExpressionFailed(
            f"the loop cardinality must be a whole number from 0 to {MAX_INSTANCES}, got "
            f"{expressions.shorten(repr(value))}",
            reason="too_many_instances",
            params={
                "value": value if isinstance(value, int) else repr(value)[:40],
                "limit": MAX_INSTANCES,
            },
        )


def timer_kind(task: Any, expression: str) -> str | None:
    """``"date"``, ``"duration"`` or ``"cycle"`` when ``expression`` is a timer's.

    SpiffWorkflow evaluates timer expressions through the script engine without
    saying so; the event definition of the task (or one of a multiple-event
    definition's) tells.
    """
    definition = getattr(task.task_spec, "event_definition", None)
    candidates = [definition, *(getattr(definition, "event_definitions", None) or ())]
    for candidate in candidates:
        for cls, kind in _TIMER_KINDS:
            if isinstance(candidate, cls) and candidate.expression == expression:
                return kind
    return None
