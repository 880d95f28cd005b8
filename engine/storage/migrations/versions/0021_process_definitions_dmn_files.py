"""process_definitions.dmn_files: the DMN files deployed with a version (file name ->
text), so a revised diagram sent by a reformer goes to the designers with the decision
tables its business rule tasks call, and a designer can download them

Versions deployed before have NULL: their tables live only compiled into the spec.
Going back drops the files (the specs keep working).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 08:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_definitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dmn_files", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+); a batch copy would drop and recreate
        # process_definitions, which the cases' foreign keys refuse while cases exist
        op.execute("ALTER TABLE process_definitions DROP COLUMN dmn_files")
    else:
        op.drop_column("process_definitions", "dmn_files")
