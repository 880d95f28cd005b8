"""Constant folding at validation: a constant part that cannot be computed is refused.

``9**9**9**9``, ``"x" * 10**10`` or ``1 / 0`` use only literals, so their value is the
same in every case: validation computes each constant sub-expression with the
interpreter's own size, step and time budgets (:mod:`engine.expressions.language`),
and a part that fails there would fail in every case, so it is refused before deploy.
Calls are not folded (``today()`` changes), names never are.
"""

from __future__ import annotations

import ast

from engine.errors import EngineError, UnsafeExpression
from engine.expressions import language
from engine.expressions.functions import shorten

__all__ = ["check_constant_parts"]

_FOLDABLE = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Subscript)


def check_constant_parts(source: str, *, script: bool = False) -> None:
    """Compute every largest constant sub-expression of ``source``.

    ``source`` must already have passed :func:`language.check_expression` (or
    :func:`language.check_script` when ``script``).

    Raises
    ------
    UnsafeExpression
        Naming the constant part and why it cannot be computed, e.g. ``the constant
        part 9 ** 9 ** 9 ** 9 cannot be computed: the result of ** is too large``.
    """
    text = language.strip_wrapper(source)
    try:
        tree = ast.parse(text if not script else _dedent(text), mode="exec" if script else "eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # the language's own check reports it
    for part in _constant_parts(tree):
        expression = ast.unparse(part)
        try:
            language.evaluate(expression, {})
        except EngineError as err:
            reason = err.message.split(": ", 1)[-1]
            raise UnsafeExpression(
                f"the constant part {shorten(expression)} cannot be computed: {reason}"
            ) from None


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")


def _constant_parts(tree: ast.AST) -> list[ast.expr]:
    """The largest foldable sub-trees that read no name and call no function."""
    found: list[ast.expr] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, _FOLDABLE) and _is_constant(node):
            found.append(node)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def _is_constant(node: ast.AST) -> bool:
    return not any(isinstance(n, ast.Name | ast.Call | ast.JoinedStr) for n in ast.walk(node))
