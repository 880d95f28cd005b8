"""Which case data an expression or script reads and writes.

The engine's :mod:`engine.expressions.language` answers this; when it cannot be imported (an
older engine), a small :mod:`ast`-based collector stands in.
"""

from __future__ import annotations

import ast
import re

_FUNCTIONS = frozenset(
    "len min max sum abs round any all int float str bool today now date days_between "
    "add_days add_working_days working_days_between due_in_working_days True False None".split()
)


def _strip_wrapper(expr: str) -> str:
    match = re.fullmatch(r"\s*\$\{(.*)\}\s*", expr, re.S)
    return match.group(1) if match else expr


def _loaded_names(tree: ast.AST) -> set[str]:
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    return {
        n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in called
    } - _FUNCTIONS


def _fallback_names_read(expr: str) -> set[str]:
    try:
        return _loaded_names(ast.parse(_strip_wrapper(expr).strip(), mode="eval"))
    except (SyntaxError, ValueError):
        return set()


def _fallback_names_written(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except (SyntaxError, ValueError):
        return set()
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _fallback_names_read_by_script(script: str) -> set[str]:
    try:
        tree = ast.parse(script)
    except (SyntaxError, ValueError):
        return set()
    augmented = {
        n.target.id
        for n in ast.walk(tree)
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
    }
    return _loaded_names(tree) | augmented


try:  # the engine's own expression analysis, when available
    from engine.expressions.language import names_read, names_read_by_script, names_written
except ImportError:  # pragma: no cover - depends on the engine's progress
    names_read = _fallback_names_read
    names_written = _fallback_names_written
    names_read_by_script = _fallback_names_read_by_script

__all__ = ["names_read", "names_read_by_script", "names_written"]
