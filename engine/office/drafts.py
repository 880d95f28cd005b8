"""Work in progress kept in the database: designers' drafts and reformers' workspaces.

A draft is an uploaded BPMN file waiting to be deployed (a designer's upload, or a
revised diagram a reformer sent to the designers), named by a random token. A
workspace is the what-if scenario a reformer is editing for one procedure version.
Both live in the database, so every app process and the CLI see the same.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.storage.tables import Draft, ReformerWorkspace

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")


def save_draft(session: Session, data: bytes, source: str, uploaded_by: str) -> str:
    """Keep ``data`` as a draft; returns its token."""
    token = secrets.token_urlsafe(18)
    session.add(
        Draft(
            token=token,
            source=source[:200],
            uploaded_by=uploaded_by[:80],
            uploaded_at=clock.now(),
            data=data,
        )
    )
    session.flush()
    return token


def load_draft(session: Session, token: str) -> Draft | None:
    """The draft named ``token``, or None for an unknown or malformed token."""
    if not _TOKEN.match(token or ""):
        return None
    return session.get(Draft, token)


def list_drafts(session: Session, limit: int = 20) -> list[Draft]:
    """The newest drafts waiting for a designer."""
    query = select(Draft).order_by(Draft.uploaded_at.desc(), Draft.token).limit(limit)
    return list(session.scalars(query))


def load_workspace(session: Session, username: str, key: str, version: int) -> dict | None:
    """The saved scenario of ``username`` for ``key`` version ``version``, or None."""
    row = _workspace(session, username, key, version)
    if row is None:
        return None
    return {"name": row.name, "params_yaml": row.params_yaml, "changes": list(row.changes)}


def save_workspace(
    session: Session,
    username: str,
    key: str,
    version: int,
    *,
    name: str,
    params_yaml: str,
    changes: list[dict[str, Any]],
) -> None:
    """Create or replace the scenario of ``username`` for ``key`` version ``version``."""
    row = _workspace(session, username, key, version)
    if row is None:
        row = ReformerWorkspace(username=username, process_key=key, version=int(version))
        session.add(row)
    row.name, row.params_yaml, row.changes = name[:200], params_yaml, list(changes)
    row.updated_at = clock.now()
    session.flush()


def _workspace(session: Session, username: str, key: str, version: int) -> ReformerWorkspace | None:
    query = select(ReformerWorkspace).where(
        ReformerWorkspace.username == username,
        ReformerWorkspace.process_key == key,
        ReformerWorkspace.version == int(version),
    )
    return session.scalars(query).first()
