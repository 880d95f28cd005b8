"""The safe expression language of conditions, script tasks and timers.

Nothing from an uploaded BPMN file is ever handed to ``eval`` or ``exec``. Source is
parsed with :mod:`ast`, checked against a whitelist of node types, and interpreted
by the small walker below (:class:`_Interpreter`):

- literals, names of case data, arithmetic, comparisons, ``and``/``or``/``not``,
  ``x if c else y``, subscripts and slices (``applicant["name"]``), set literals,
  plain f-strings (``f"{a}-{b}"``, without conversions or format specs);
- calls of the functions in :data:`FUNCTIONS` only, by name;
- **no attribute access at all** (``x.y`` is refused whatever ``y`` is: case data are
  plain dicts and lists, read with subscripts), no names starting with ``_``, no
  imports, lambdas, comprehensions, ``:=``, ``**`` unpacking or ``%`` formatting;
- bounded sizes and time: source length, nesting depth, integer size, string and
  container size, steps and wall-clock time per evaluation (the ``MAX_*`` constants
  here and in :mod:`engine.expressions.functions`).

A script is lines of ``name = expression`` or ``name += expression`` (also ``-=``
and the other arithmetic operators); blank lines and comments are allowed.
"""

from __future__ import annotations

import ast
import difflib
import gc
import operator
import textwrap
import threading
import time
from collections import ChainMap
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from engine.calendar import clock
from engine.errors import ExpressionFailed, UnsafeExpression
from engine.expressions.functions import (
    FUNCTIONS,
    TIMER_KINDS,
    TRUSTED_HELPERS,
    check_power,
    check_repeat,
    check_value,
    failure_message,
    failure_reason,
    iso_literal_kind,
    kind_of,
    shorten,
    storable,
    timer_literal_problem,
    with_zone,
)

__all__ = [
    "FUNCTIONS",
    "check_expression",
    "check_script",
    "check_timer_expression",
    "evaluate",
    "execute_script",
    "names_read",
    "names_read_by_script",
    "names_written",
    "strip_wrapper",
    "timer_value",
]

MAX_SOURCE_LENGTH = 10_000  # characters of one expression or script
MAX_DEPTH = 100  # nesting of the syntax tree
MAX_STEPS = 20_000  # syntax-tree nodes evaluated per expression or script
TIME_LIMIT = 0.2  # CPU seconds per expression or script, outside the date helpers

_BINOPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARYOPS: dict[type, Any] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARISONS: dict[type, Any] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
# how the operators are written, for the reasons of failures (``'>' on text and number``)
_SYMBOLS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}


def _wrong_types(err: TypeError, symbol: str, left: Any, right: Any) -> ExpressionFailed:
    """The failure of an operator given values of kinds it cannot combine (``None > 500``)."""
    return ExpressionFailed(
        f"wrong types: {err}",
        reason="wrong_types",
        params={"operator": symbol, "left": kind_of(left), "right": kind_of(right)},
    )


_ALLOWED_NODES = frozenset(
    {
        ast.Expression,
        ast.Assign,
        ast.AugAssign,
        ast.Constant,
        ast.Name,
        ast.Load,
        ast.Store,
        ast.List,
        ast.Tuple,
        ast.Set,
        ast.Dict,
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.Compare,
        ast.IfExp,
        ast.Subscript,
        ast.Slice,
        ast.Call,
        ast.keyword,
        ast.JoinedStr,
        ast.FormattedValue,
        *_BINOPS,
        *_UNARYOPS,
        *_COMPARISONS,
    }
)
_CALL_SHAPE = "only the listed functions can be called, by name, e.g. len(x)"
_CONSTANT_TYPES = (str, int, float, bool, type(None))
_KEYWORDS = frozenset({"default", "start", "ndigits", "base"})
_OPERATOR_SYMBOLS = {
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.MatMult: "@",
}
_REFUSALS = {
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.Starred: "* unpacking is not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}


# -- static check -------------------------------------------------------------------


def _check_tree(tree: ast.AST) -> None:
    """Raise UnsafeExpression at the first node outside the language."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeExpression(f"the expression is nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    problems = [problem for node in ast.walk(tree) if (problem := _problem(node))]
    if problems:  # name the attribute or function of `x.y()` rather than the call's shape
        raise UnsafeExpression(next((p for p in problems if p != _CALL_SHAPE), problems[0]))


def _problem(node: ast.AST) -> str | None:
    """What is not allowed about ``node`` itself, or None."""
    if isinstance(node, ast.Attribute):
        return f"attribute '{node.attr}' is not allowed (read dict fields as x[\"field\"])"
    if type(node) in _OPERATOR_SYMBOLS:
        return f"the operator '{_OPERATOR_SYMBOLS[type(node)]}' is not allowed"
    if isinstance(node, ast.Import | ast.ImportFrom):
        return "imports are not allowed"
    if type(node) not in _ALLOWED_NODES:
        return _REFUSALS.get(type(node), f"{type(node).__name__} is not allowed")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        return f"name '{node.id}' is not allowed (names must not start with '_')"
    if isinstance(node, ast.Constant) and not isinstance(node.value, _CONSTANT_TYPES):
        return f"a {type(node.value).__name__} constant is not allowed"
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            return _CALL_SHAPE
        if node.func.id not in FUNCTIONS:
            return f"function '{node.func.id}' is not available"
    if isinstance(node, ast.keyword) and node.arg not in _KEYWORDS:
        return f"keyword argument '{node.arg or '**'}' is not allowed"
    if isinstance(node, ast.FormattedValue) and (node.conversion != -1 or node.format_spec):
        return "conversions (!r) and format specifications in f-strings are not allowed"
    if isinstance(node, ast.Dict) and None in node.keys:
        return "** unpacking is not allowed"
    return None


# -- evaluation -----------------------------------------------------------------------

#: CPU time each thread spent in the garbage collector: not the expression's doing. A
#: collection of a large process (a web worker's cached workflows) took 0.2 s and failed
#: a script ``n = n + 1`` as "took longer than 0.2 s".
_collector = threading.local()


def _count_collection(phase: str, info: dict) -> None:
    if phase == "start":
        _collector.began = time.thread_time()
    elif hasattr(_collector, "began"):
        spent = time.thread_time() - _collector.began
        _collector.spent = getattr(_collector, "spent", 0.0) + spent


gc.callbacks.append(_count_collection)


def _cpu_time() -> float:
    """The thread's CPU time outside garbage collections."""
    return time.thread_time() - getattr(_collector, "spent", 0.0)


class _Interpreter:
    """Evaluates checked syntax trees on case data, within a step and time budget."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.steps = 0
        # the thread's CPU time, not the wall clock: a busy machine (another process,
        # another worker thread) does not make an expression fail, a costly one does
        self.deadline = _cpu_time() + TIME_LIMIT

    def eval(self, node: ast.AST) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise ExpressionFailed(
                f"evaluation needs more than {MAX_STEPS} steps",
                reason="too_many_steps",
                params={"limit": MAX_STEPS},
            )
        # the clock every 16 nodes: reading a thread's CPU time is a system call (1.4 us),
        # and one node's own work is bounded by the size limits of functions.py
        if not self.steps & 15 and _cpu_time() > self.deadline:
            raise ExpressionFailed(
                f"evaluation took longer than {TIME_LIMIT} s",
                reason="too_slow",
                params={"seconds": TIME_LIMIT},
            )
        return _HANDLERS[type(node)](self, node)

    def name(self, node: ast.Name) -> Any:
        if node.id in self.data:
            return self.data[node.id]
        if node.id in FUNCTIONS:
            raise ExpressionFailed(
                f"'{node.id}' is a function: call it, e.g. {node.id}(...)",
                reason="function_not_called",
                params={"name": node.id},
            )
        close = difflib.get_close_matches(node.id, [str(k) for k in self.data], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        params = {"name": node.id, **({"suggestion": close[0]} if close else {})}
        raise ExpressionFailed(
            f"unknown name '{node.id}'{hint}", reason="unknown_name", params=params
        )

    def binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        if isinstance(op, ast.Pow):
            check_power(left, right)
        elif isinstance(op, ast.Mult):
            check_repeat(left, right)
            check_repeat(right, left)
        elif isinstance(op, ast.Mod) and isinstance(left, str):
            raise UnsafeExpression(
                "formatting texts with % is not allowed; use f-strings", reason="percent_format"
            )
        try:
            result = _BINOPS[type(op)](left, right)
        except TypeError as err:
            raise _wrong_types(err, _SYMBOLS.get(type(op), ""), left, right) from None
        return check_value(result)

    def bool_op(self, node: ast.BoolOp) -> Any:
        value = None
        for operand in node.values:
            value = self.eval(operand)
            if bool(value) == isinstance(node.op, ast.Or):
                return value
        return value

    def compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator)
            try:
                holds = _COMPARISONS[type(op)](left, right)
            except TypeError as err:
                raise _wrong_types(err, _SYMBOLS.get(type(op), ""), left, right) from None
            if not holds:
                return False
            left = right
        return True

    def subscript(self, node: ast.Subscript) -> Any:
        container = self.eval(node.value)
        key = self.eval(node.slice)
        if not isinstance(container, dict | list | tuple | str):
            raise ExpressionFailed(
                f"a {type(container).__name__} has no items to subscript",
                reason="not_subscriptable",
                params={"kind": kind_of(container)},
            )
        return container[key]

    def call(self, node: ast.Call) -> Any:
        name = node.func.id  # type: ignore[attr-defined]
        args = [self.eval(arg) for arg in node.args]
        kwargs = {str(kw.arg): self.eval(kw.value) for kw in node.keywords}
        started = _cpu_time()
        try:
            return check_value(FUNCTIONS[name](*args, **kwargs))
        except TypeError as err:  # wrong arguments, or values of kinds it cannot use
            raise ExpressionFailed(
                f"wrong types: {err}", reason="wrong_arguments", params={"function": name}
            ) from None
        finally:
            if name in TRUSTED_HELPERS:  # e.g. the first load of the holiday tables
                self.deadline += _cpu_time() - started

    def joined_str(self, node: ast.JoinedStr) -> str:
        parts = [
            str(part.value) if isinstance(part, ast.Constant) else str(self.eval(part.value))  # type: ignore[attr-defined]
            for part in node.values
        ]
        return check_value("".join(parts))


_HANDLERS: dict[type, Any] = {
    ast.Constant: lambda ev, n: n.value,
    ast.Name: _Interpreter.name,
    ast.List: lambda ev, n: check_value([ev.eval(e) for e in n.elts]),
    ast.Tuple: lambda ev, n: check_value(tuple(ev.eval(e) for e in n.elts)),
    ast.Set: lambda ev, n: check_value({ev.eval(e) for e in n.elts}),
    ast.Dict: lambda ev, n: check_value(
        {ev.eval(k): ev.eval(v) for k, v in zip(n.keys, n.values, strict=True)}
    ),
    ast.BinOp: lambda ev, n: ev.binop(n.op, ev.eval(n.left), ev.eval(n.right)),
    ast.UnaryOp: lambda ev, n: _UNARYOPS[type(n.op)](ev.eval(n.operand)),
    ast.BoolOp: _Interpreter.bool_op,
    ast.Compare: _Interpreter.compare,
    ast.IfExp: lambda ev, n: ev.eval(n.body) if ev.eval(n.test) else ev.eval(n.orelse),
    ast.Subscript: _Interpreter.subscript,
    ast.Slice: lambda ev, n: slice(
        *(None if part is None else ev.eval(part) for part in (n.lower, n.upper, n.step))
    ),
    ast.Call: _Interpreter.call,
    ast.JoinedStr: _Interpreter.joined_str,
}


# -- parsing -----------------------------------------------------------------------


def strip_wrapper(expression: str) -> str:
    """``decision == "approve"`` from ``${decision == "approve"}``; else stripped as is.

    Inside ``${...}`` or ``#{...}`` (Camunda's JUEL) the operators JUEL writes differently are read as
    this language writes them (:func:`from_juel`): ``${!approved && fee > 0}`` is
    ``not approved and fee > 0``.
    """
    text = (expression or "").strip()
    if text.startswith(("${", "#{")) and text.endswith("}"):  # JUEL: immediate, deferred
        text = from_juel(text[2:-1].strip())
    return text


#: JUEL's word operators and literals, as this language writes them
_JUEL_WORDS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "true": "True",
    "false": "False",
    "null": "None",
}


def from_juel(text: str) -> str:
    """A JUEL expression's operators in this language: ``!`` (not before ``=``) is
    ``not``, ``&&`` is ``and``, ``||`` is ``or``; the words ``eq ne lt gt le ge`` are
    comparisons and ``true false null`` are ``True False None``. Quoted strings are left
    as they are; anything else JUEL has (``empty``, method calls) stays for the parser
    to refuse by name."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "'\"":
            end = i + 1
            while end < len(text) and text[end] != char:
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("&&", i) or text.startswith("||", i):
            out.append(" and " if char == "&" else " or ")
            i += 2
        elif char == "!" and not text.startswith("!=", i):
            out.append(" not ")
            i += 1
        elif char.isalpha() or char == "_":
            end = i
            while end < len(text) and (text[end].isalnum() or text[end] == "_"):
                end += 1
            word = text[i:end]
            after_name = i > 0 and (text[i - 1] in "._" or text[i - 1].isalnum())
            out.append(word if after_name else _JUEL_WORDS.get(word, word))
            i = end
        else:
            out.append(char)
            i += 1
    return "".join(out).strip()


def _parse(source: str, mode: str, what: str) -> ast.AST:
    if len(source) > MAX_SOURCE_LENGTH:
        raise UnsafeExpression(f"the {what} is longer than {MAX_SOURCE_LENGTH} characters")
    if not source.strip():
        raise UnsafeExpression(f"the {what} is empty")
    if mode == "exec":
        # scripts are often indented inside the XML element; a common indent is not code
        source = textwrap.dedent(source).strip("\n")
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError as err:
        where = f" at line {err.lineno}" if mode == "exec" and err.lineno else ""
        raise UnsafeExpression(
            f"not a valid {what}{where}: {err.msg}, in {shorten(source)}"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise UnsafeExpression(f"the {what} is too deeply nested or malformed") from None


@lru_cache(maxsize=1024)
def _parsed_expression(expression: str) -> ast.expr:
    """The checked syntax tree of an expression (cached: conditions repeat a lot)."""
    source = strip_wrapper(expression)
    tree = _parse(source, "eval", "expression")
    try:
        _check_tree(tree)
    except UnsafeExpression as err:
        raise UnsafeExpression(f"{err.message}, in {shorten(source)}") from None
    return tree.body  # type: ignore[attr-defined]


@lru_cache(maxsize=256)
def _parsed_script(script: str) -> tuple[tuple[int, str, ast.stmt], ...]:
    """``(line number, line text, statement)`` per statement of a checked script."""
    tree = _parse(script, "exec", "script")
    statements = []
    for stmt in tree.body:  # type: ignore[attr-defined]
        line = ast.get_source_segment(script, stmt) or ""
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            problem = "imports are not allowed"
        elif _targets(stmt) is None:
            problem = "only assignments 'name = expression' are allowed in scripts"
        else:
            try:
                _check_tree(stmt)
                problem = None
            except UnsafeExpression as err:
                problem = err.message
        if problem:
            where = f"line {stmt.lineno} of the script ({shorten(line)})"
            refusal = UnsafeExpression(f"{where}: {problem}")
            refusal.line_number, refusal.error_line = stmt.lineno, line  # type: ignore[attr-defined]
            raise refusal
        statements.append((stmt.lineno, line, stmt))
    return tuple(statements)


def _targets(stmt: ast.stmt) -> list[str] | None:
    """The assigned names of ``a = b = expr`` / ``a += expr``; None for anything else."""
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AugAssign):
        targets = [stmt.target]
    else:
        return None
    if not all(isinstance(t, ast.Name) for t in targets):
        return None
    return [t.id for t in targets]  # type: ignore[attr-defined]


# -- public API -------------------------------------------------------------------


def check_expression(expression: str) -> None:
    """Refuse an expression that uses anything outside the safe language.

    Raises
    ------
    UnsafeExpression
        With a message naming what is not allowed, e.g. ``attribute '__class__' is not
        allowed`` or ``function 'open' is not available``.
    """
    _parsed_expression(expression)


def check_script(script: str) -> None:
    """Refuse a script that is not lines of safe ``name = expression`` assignments.

    Raises
    ------
    UnsafeExpression
        Naming the line and what is not allowed on it.
    """
    _parsed_script(script)


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """The value of ``expression`` (plain or ``${...}``) on the case data ``data``.

    Raises
    ------
    UnsafeExpression
        The expression uses something outside the language.
    ExpressionFailed
        It cannot be evaluated on these data: unknown name, division by zero, wrong
        types, a result too large, or the time budget ran out.
    """
    node = _parsed_expression(expression)
    try:
        return _Interpreter(data).eval(node)
    except Exception as err:
        cls = UnsafeExpression if isinstance(err, UnsafeExpression) else ExpressionFailed
        source = shorten(strip_wrapper(expression))
        reason, params = failure_reason(err)
        raise cls(
            f"cannot evaluate {source}: {failure_message(err)}", reason=reason, params=params
        ) from None


def execute_script(script: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run a script on ``data`` and return the names it assigned with their values.

    ``data`` is not changed: the caller merges the result into the task data. Later
    lines see earlier assignments. Dates are stored as ISO strings, tuples as lists;
    a value that cannot be stored in case data (e.g. a set) fails the line.

    Raises
    ------
    UnsafeExpression, ExpressionFailed
        As :func:`evaluate`; the error has ``line_number`` and ``error_line``
        attributes naming the failing line.
    """
    assigned: dict[str, Any] = {}
    interpreter = _Interpreter(ChainMap(assigned, data))
    for number, line, stmt in _parsed_script(script):
        try:
            value = interpreter.eval(stmt.value)  # type: ignore[attr-defined]
            if isinstance(stmt, ast.AugAssign):
                value = interpreter.binop(stmt.op, interpreter.eval(stmt.target), value)
            for name in _targets(stmt) or ():
                assigned[name] = storable(value, name)
        except Exception as err:
            cls = UnsafeExpression if isinstance(err, UnsafeExpression) else ExpressionFailed
            reason, params = failure_reason(err)
            failure = cls(
                f"cannot run line {number} of the script ({shorten(line)}): {failure_message(err)}",
                reason=reason,
                params=params,
            )
            failure.line_number, failure.error_line = number, line  # type: ignore[union-attr]
            raise failure from None
    return assigned


def names_read(expression: str) -> set[str]:
    """Names of case data an expression reads (function names it calls excluded)."""
    return _names_loaded(_parsed_expression(expression))


def names_written(script: str) -> set[str]:
    """Names a script assigns."""
    return {name for _, _, stmt in _parsed_script(script) for name in _targets(stmt) or ()}


def names_read_by_script(script: str) -> set[str]:
    """Names a script reads from the case data: those read before it assigns them."""
    read: set[str] = set()
    written: set[str] = set()
    for _, _, stmt in _parsed_script(script):
        used = _names_loaded(stmt.value)  # type: ignore[attr-defined]
        if isinstance(stmt, ast.AugAssign):
            used.add(stmt.target.id)  # type: ignore[union-attr]
        read |= used - written
        written.update(_targets(stmt) or ())
    return read


def _names_loaded(tree: ast.AST) -> set[str]:
    called = {
        id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)
    }  # the function names of calls are not data
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and id(node) not in called
    }


# -- timers -----------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in TIMER_KINDS:
        raise ValueError(f"timer kind must be one of {', '.join(TIMER_KINDS)}, got {kind!r}")


def check_timer_expression(kind: str, expression: str) -> None:
    """Accept a bare ISO 8601 literal of ``kind`` (``duration``, ``date``, ``cycle``).

    ``P3D``, ``2026-12-01T10:00:00+07:00`` and ``R3/PT1H`` are taken as strings, so
    they need no quotes; anything else must be a safe expression. A quoted literal
    is checked like a bare one.

    Raises
    ------
    UnsafeExpression
        The expression is outside the language, or is a literal that is not an ISO
        8601 value of this kind.
    """
    _check_kind(kind)
    text = strip_wrapper(expression)
    if iso_literal_kind(text) is not None:
        _check_literal_kind(kind, text)
        return
    node = _parsed_expression(expression)
    if isinstance(node, ast.Constant):
        _check_literal_kind(kind, str(node.value))


def _check_literal_kind(kind: str, text: str) -> None:
    found = iso_literal_kind(text)
    if found != kind:
        examples = {
            "duration": "P3D or PT4H",
            "date": "2026-12-01T10:00:00+07:00",
            "cycle": "R3/PT1H",
        }
        raise UnsafeExpression(
            f"a timer {kind} must be an ISO 8601 {kind} such as {examples[kind]}, "
            f"got {shorten(text)}"
        )
    problem = timer_literal_problem(kind, text)
    if problem is not None:
        raise UnsafeExpression(problem.message)


def timer_value(kind: str, expression: str, data: Mapping[str, Any]) -> str:
    """The ISO 8601 string a timer of ``kind`` waits for: the literal, or its value.

    A date-time without an offset, or a bare date, is taken in the office's time zone (not the
    server's), so ``2026-12-01`` is midnight WIB.

    Raises
    ------
    UnsafeExpression, ExpressionFailed
        As :func:`evaluate`; also when the value is not an ISO 8601 ``kind``.
    """
    _check_kind(kind)
    text = strip_wrapper(expression)
    value: Any = text
    if iso_literal_kind(text) != kind:
        value = evaluate(expression, data)
        if kind == "date" and hasattr(value, "isoformat"):
            value = value.isoformat()
        if not isinstance(value, str) or iso_literal_kind(value) != kind:
            raise ExpressionFailed(
                f"the timer expression {shorten(text)} gave {shorten(repr(value))}, "
                f"not an ISO 8601 {kind}",
                reason=f"timer_not_{kind}",
                params={"value": shorten(repr(value))},
            )
    problem = timer_literal_problem(kind, value, clock.now())
    if problem is not None:
        raise problem
    return with_zone(value.strip()) if kind == "date" else value.strip()
