"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from engine.storage import migrate
from engine.storage.tables import Base


def _head() -> str:
    return ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_current_head()


def test_migrations_match_the_models(db_engine):
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert migrate.current_revision(db_engine) == _head()


def test_one_line_of_migrations(tmp_path):
    """Every migration follows exactly one other: ``db upgrade`` never meets two heads."""
    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    assert len(script.get_heads()) == 1


def test_drafts_and_workspaces_files_are_imported(tmp_path, monkeypatch):
    """Migration 0004 moves the JSON files under ``instance/`` into the database."""
    instance = tmp_path / "instance"
    (instance / "drafts").mkdir(parents=True)
    token = "A" * 24
    (instance / "drafts" / f"{token}.bpmn").write_bytes(b"<definitions/>")
    note = {
        "source": "revised.bpmn",
        "uploaded_by": "dina",
        "uploaded_at": "2026-11-20T10:00:00+07:00",
    }
    (instance / "drafts" / f"{token}.json").write_text(json.dumps(note))
    (instance / "reformer" / "rudi").mkdir(parents=True)
    saved = {"name": "faster", "params_yaml": "arrivals: {}\n", "changes": [{"op": "staff"}]}
    (instance / "reformer" / "rudi" / "building_approval-v2.json").write_text(json.dumps(saved))
    monkeypatch.setenv("PERMITFLOW_INSTANCE_PATH", str(instance))
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        draft = conn.execute(text("SELECT source, uploaded_by, data FROM drafts")).one()
        workspace = conn.execute(
            text("SELECT username, process_key, version, name, changes FROM reformer_workspaces")
        ).one()
    assert tuple(draft) == ("revised.bpmn", "dina", b"<definitions/>")
    assert tuple(workspace[:4]) == ("rudi", "building_approval", 2, "faster")
    assert json.loads(workspace[4]) == [{"op": "staff"}]
