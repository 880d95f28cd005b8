"""incidents.detail: why a case stopped, as data a page words in its reader's language
(``{"code": "unknown_name", "params": {"name": "floor_area"}}``), sealed like the message;
and incidents.values (the values the failed expression read: a NIK, a name) sealed too,
the values already stored sealed with the data key

Incidents opened before have a NULL detail: their pages show the stored English message.
Going back drops the column (the messages stay) and opens the values again.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:20:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _rewrite_values(change) -> None:
    conn = op.get_bind()
    table = sa.table("incidents", sa.column("id", sa.Integer), sa.column("values", sa.JSON))
    rows = conn.execute(sa.select(table.c.id, table.c["values"]))
    for row_id, values in rows.all():
        if values is not None:
            conn.execute(table.update().where(table.c.id == row_id).values(values=change(values)))


def _is_sealed(values) -> bool:
    from engine.privacy import crypto

    return (
        isinstance(values, dict)
        and set(values) == {"sealed"}
        and str(values["sealed"]).startswith(crypto.TEXT_PREFIX)
    )


def _seal(values):
    from engine.privacy import crypto

    if _is_sealed(values):
        return values
    return {"sealed": crypto.seal_text(json.dumps(values, default=str))}


def _open(values):
    from engine.privacy import crypto

    if _is_sealed(values):
        return json.loads(crypto.open_text(values["sealed"]))
    return values


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    _rewrite_values(_seal)


def downgrade() -> None:
    _rewrite_values(_open)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column in place (3.35+), as 0021 does, without a batch copy
        op.execute("ALTER TABLE incidents DROP COLUMN detail")
    else:
        op.drop_column("incidents", "detail")
