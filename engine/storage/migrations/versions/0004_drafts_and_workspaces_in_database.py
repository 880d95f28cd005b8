"""drafts and reformer workspaces in the database

Designers' drafts and reformers' workspaces were JSON files under ``instance/``,
invisible to the CLI and to a second app process. This creates their tables and
imports the files found under ``$PERMITFLOW_INSTANCE_PATH`` (default: ``instance/``
beside the code); the files are left in place.

Revision ID: 0004
Revises: 0003
"""

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
_WORKSPACE = re.compile(r"^(?P<key>.+)-v(?P<version>\d+)$")


def _instance() -> Path:
    configured = os.environ.get("PERMITFLOW_INSTANCE_PATH")
    return Path(configured) if configured else Path(__file__).resolve().parents[4] / "instance"


def upgrade() -> None:
    drafts = op.create_table(
        "drafts",
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_drafts")),
    )
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drafts_uploaded_at"), ["uploaded_at"], unique=False)
    workspaces = op.create_table(
        "reformer_workspaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("process_key", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("params_yaml", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reformer_workspaces")),
        sa.UniqueConstraint(
            "username", "process_key", "version", name=op.f("uq_reformer_workspaces_username")
        ),
    )
    instance = _instance()
    op.bulk_insert(drafts, list(_draft_rows(instance / "drafts")))
    op.bulk_insert(workspaces, list(_workspace_rows(instance / "reformer")))


def _utc(text: str | None) -> datetime:
    try:
        value = datetime.fromisoformat(text or "")
    except ValueError:
        return datetime.now(UTC).replace(tzinfo=None)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _draft_rows(folder: Path):
    for note_path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data_path = note_path.with_suffix(".bpmn")
        if not (_TOKEN.match(note_path.stem) and data_path.is_file()):
            continue
        try:
            note = json.loads(note_path.read_text())
        except (OSError, ValueError):
            continue
        yield {
            "token": note_path.stem,
            "source": str(note.get("source", ""))[:200],
            "uploaded_by": str(note.get("uploaded_by", ""))[:80],
            "uploaded_at": _utc(note.get("uploaded_at")),
            "data": data_path.read_bytes(),
        }


def _workspace_rows(folder: Path):
    files = sorted(folder.glob("*/*.json")) if folder.is_dir() else []
    for path in files:
        match = _WORKSPACE.match(path.stem)
        try:
            saved = json.loads(path.read_text(encoding="utf-8")) if match else None
        except (OSError, ValueError):
            saved = None
        if not isinstance(saved, dict):
            continue
        yield {
            "username": path.parent.name[:80],
            "process_key": match["key"][:120],
            "version": int(match["version"]),
            "name": str(saved.get("name", ""))[:200],
            "params_yaml": str(saved.get("params_yaml", "")),
            "changes": saved.get("changes") or [],
            "updated_at": datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None),
        }


def downgrade() -> None:
    op.drop_table("reformer_workspaces")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drafts_uploaded_at"))
    op.drop_table("drafts")
