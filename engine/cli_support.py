"""What the ``permitflow`` command modules share: one way to turn a user's mistake into a
one-line message, and one way to open the database (the caller's transaction)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from engine.errors import EngineError


def friendly(*also: type[Exception]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a command: an :class:`EngineError` (and the ``also`` errors) becomes a
    click error with its message, never a traceback."""
    caught = (EngineError, *also)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except caught as exc:
                raise click.ClickException(str(exc)) from None

        return wrapper

    return decorate


def session():
    """A session on the configured database, committed when the block ends."""
    from engine.storage.db import session_scope

    return session_scope()
