"""Migration 0021: a deployed version keeps the DMN files deployed with it
(``process_definitions.dmn_files``); down to 0020 drops them, up again gives the
versions deployed meanwhile NULL (no files: a revised diagram goes without its tables)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from engine import services
from engine.storage import migrate
from engine.storage.tables import Base
from tests.conftest import REPO

FEATURES = REPO / "tests" / "bpmn_features"


def _alembic(connection):
    config = migrate.alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    return config


def _deploy(session):
    dmn = {"fees.dmn": (FEATURES / "fees.dmn").read_bytes()}
    data = (FEATURES / "business_rule.bpmn").read_bytes()
    definition, created = services.deploy(session, data, source="business_rule.bpmn", dmn_files=dmn)
    session.commit()
    return definition, created, dmn


def test_a_version_keeps_its_dmn_files(session):
    definition, _, dmn = _deploy(session)
    session.expire_all()
    again = services.get_definition(session, definition.key)
    assert services.decision_drafts.of_version(again) == dmn


def test_a_version_deployed_before_0021_gets_its_files_when_deployed_again(session):
    """The same BPMN and DMN files make no new version; the old one keeps the files now."""
    definition, _, dmn = _deploy(session)
    definition.dmn_files = None
    session.commit()
    same, created, _ = _deploy(session)
    assert (same.id, created) == (definition.id, False)
    assert services.decision_drafts.of_version(same) == dmn


def test_migration_0021_drops_the_files_down_and_adds_the_column_up(session, db_engine):
    definition, _, _ = _deploy(session)
    session.close()
    try:
        with db_engine.begin() as connection:
            command.downgrade(_alembic(connection), "0020")
        columns = {c["name"] for c in inspect(db_engine).get_columns("process_definitions")}
        assert "dmn_files" not in columns and "spec_json" in columns
    finally:
        migrate.upgrade(db_engine)
    with db_engine.connect() as connection:
        kept = connection.execute(
            text("SELECT key, dmn_files FROM process_definitions WHERE id = :id"),
            {"id": definition.id},
        ).one()
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert tuple(kept) == (definition.key, None)
    assert diff == []
