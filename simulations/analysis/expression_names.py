"""Which case data an expression or script reads and writes: the engine's own answer
(:mod:`engine.expressions.language`), used by the procedure graph."""

from __future__ import annotations

from engine.expressions.language import names_read, names_read_by_script, names_written

__all__ = ["names_read", "names_read_by_script", "names_written"]
