"""incidents.detail: why a case stopped, as data a page words in its reader's language
(``{"code": "unknown_name", "params": {"name": "floor_area"}}``), sealed like the message

Incidents opened before have NULL: their pages show the stored English message.
Going back drops the column (the messages stay).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+), as 0021 does, without a batch copy
        op.execute("ALTER TABLE incidents DROP COLUMN detail")
    else:
        op.drop_column("incidents", "detail")
