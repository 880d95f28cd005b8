"""Permit numbers: one sequence per procedure and year, in a configurable format.

The format is a Python format string with four fields: ``{code}`` (the service
standard's code), ``{region}`` (``PERMITFLOW_REGION``), ``{year}`` and ``{seq}``, e.g.
``PBG-{region}-{year}-{seq:06d}``. Numbers have no gaps and no duplicates: the next
number is taken by one ``UPDATE ... RETURNING`` on the sequence row, which holds the
row lock until the caller's transaction ends; a rolled-back issue gives its number back.
"""

from __future__ import annotations

import os
import string

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import EngineError
from engine.storage.tables import PermitSequence

FIELDS = frozenset({"code", "region", "year", "seq"})
DEFAULT_FORMAT = "{code}-{region}-{year}-{seq:06d}"


class InvalidNumberFormat(EngineError):
    code = "invalid_number_format"


def format_problem(text: str) -> str | None:
    """Why ``text`` cannot be a number format, or None when it can."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"the number format {text!r} cannot be read ({exc})"
    names = [name for _, name, _, _ in parsed if name is not None]
    specs = [spec for _, name, spec, _ in parsed if name is not None and spec]
    if any("{" in spec or not _small_width(spec) for spec in specs):
        return (
            f"the number format {text!r} has a field format that is nested or wider than "
            f"{MAX_WIDTH} characters; write e.g. {{seq:06d}}"
        )
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        return (
            f"the number format {text!r} uses {{{unknown[0]}}}; "
            f"only {{code}}, {{region}}, {{year}} and {{seq}} are known"
        )
    if "seq" not in names:
        return f"the number format {text!r} has no {{seq}}, so numbers would repeat"
    try:
        format_number(text, code="X", region="0", year=2000, seq=1)
    except (ValueError, TypeError) as exc:
        return f"the number format {text!r} cannot be used ({exc})"
    return None


MAX_WIDTH = 32  # characters a field may be padded to


def _small_width(spec: str) -> bool:
    digits = "".join(c for c in spec if c.isdigit())
    return len(digits) <= 3 and (not digits or int(digits) <= MAX_WIDTH)


def format_number(text: str, *, code: str, region: str, year: int, seq: int) -> str:
    return text.format(code=code, region=region, year=year, seq=seq)


def region() -> str:
    return os.environ.get("PERMITFLOW_REGION", "0000")


def next_in_sequence(session: Session, process_key: str, year: int) -> int:
    """The next number of ``process_key`` in ``year``; locked until the transaction ends."""
    for _ in range(3):
        taken = session.execute(
            update(PermitSequence)
            .where(PermitSequence.process_key == process_key, PermitSequence.year == year)
            .values(last=PermitSequence.last + 1)
            .returning(PermitSequence.last)
            .execution_options(synchronize_session=False)
        ).scalar()
        if taken is not None:
            return taken
        try:
            with session.begin_nested():
                session.add(PermitSequence(process_key=process_key, year=year, last=1))
            return 1
        except IntegrityError:
            continue  # another transaction created the row first: take the next one from it
    raise EngineError(f"No permit number could be taken for {process_key} in {year}; try again.")


def next_number(session: Session, process_key: str, year: int, fmt: str, code: str) -> str:
    """The next formatted permit number; :class:`InvalidNumberFormat` for a bad format."""
    problem = format_problem(fmt)
    if problem:
        raise InvalidNumberFormat(problem[0].upper() + problem[1:] + ".")
    seq = next_in_sequence(session, process_key, year)
    return format_number(fmt, code=code or process_key.upper(), region=region(), year=year, seq=seq)
