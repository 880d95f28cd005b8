"""Decision tables (DMN files) uploaded beside a draft BPMN file, kept until it is deployed.

A draft holds one file. The DMN files a designer uploads with a BPMN file (or for the
newest deployed version of a procedure, whose business rule tasks call them) are drafts
of their own, their source ``<token of the BPMN draft>/<file name>``, so the validation
report and the deploy read them back. A deployed version keeps its tables compiled into
its spec and, since migration 0021, its DMN files as text (``dmn_files``): a revised
diagram a reformer sends to the designers (:func:`attach_deployed`) comes with the tables
of the version it revises, since it is the same procedure's data. Nothing else attaches
them on its own: a designer's own upload names its tables. Versions deployed before keep
none (NULL); a new table for such a procedure comes with every table its business rule
tasks call.
"""

from __future__ import annotations

from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import InvalidState
from engine.office import drafts
from engine.storage.tables import Draft, ProcessDefinition

MAX_DMN_BYTES = 1024 * 1024
MAX_DMN_FILES = 10


def checked_files(files: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """The uploaded DMN files by name, refused when not ``.dmn``, too many or too large."""
    found: dict[str, bytes] = {}
    for filename, data in files:
        name = PurePath(filename.replace("\\", "/")).name[:120]
        if not name.lower().endswith(".dmn"):
            raise InvalidState(f"{name or 'The file'} is not a DMN file (.dmn).")
        if len(data) > MAX_DMN_BYTES:
            raise InvalidState(f"{name} is larger than 1 MB; a decision table is much smaller.")
        found[name] = data
    if len(found) > MAX_DMN_FILES:
        raise InvalidState(f"Upload at most {MAX_DMN_FILES} DMN files with one BPMN file.")
    return found


def attach(session: Session, token: str, files: dict[str, bytes], uploaded_by: str) -> None:
    """Keep ``files`` with the BPMN draft ``token``."""
    for name, data in files.items():
        drafts.save_draft(session, data, f"{token}/{name}", uploaded_by)


def attached(session: Session, token: str) -> dict[str, bytes]:
    """The DMN files kept with the BPMN draft ``token`` (file name -> bytes)."""
    if drafts.load_draft(session, token) is None:
        return {}
    prefix = f"{token}/"
    rows = session.scalars(select(Draft).where(Draft.source.startswith(prefix, autoescape=True)))
    return {row.source[len(prefix) :]: row.data for row in rows}


def is_attached(draft: Draft) -> bool:
    """Whether ``draft`` is a DMN file kept with a BPMN draft (not a draft of its own)."""
    return "/" in (draft.source or "")


def for_version(files: dict[str, bytes] | None) -> dict[str, str] | None:
    """The DMN files to keep with a deployed version (file name -> text), None without.

    A file that is not UTF-8 is left out (JSON holds text): its decisions still run from
    the compiled spec, and a draft made from the version is told the table is unknown.
    """
    kept = {}
    for name, data in (files or {}).items():
        try:
            kept[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return kept or None


def of_version(definition: ProcessDefinition) -> dict[str, bytes]:
    """The DMN files deployed with ``definition`` (file name -> bytes); none before 0021."""
    return {name: text.encode("utf-8") for name, text in (definition.dmn_files or {}).items()}


def attach_deployed(
    session: Session, token: str, definition: ProcessDefinition, uploaded_by: str
) -> dict[str, bytes]:
    """Keep the DMN files of the deployed ``definition`` with the BPMN draft ``token`` (a
    revised diagram of that version); returns them, empty for a version without files."""
    files = of_version(definition)
    attach(session, token, files, uploaded_by)
    return files
