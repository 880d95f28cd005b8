"""permits.status_reason encrypted at rest (a revoke or correct reason typed by staff may
name the holder or quote their NIK), and survey_responses.comment (an applicant's free
text): the values already stored sealed with the data key

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_COLUMNS = (("permits", "status_reason"), ("survey_responses", "comment"))


def _rewrite(change) -> None:
    conn = op.get_bind()
    for table_name, column in _COLUMNS:
        table = sa.table(table_name, sa.column("id", sa.Integer), sa.column(column, sa.Text))
        rows = conn.execute(sa.select(table.c.id, table.c[column]).where(table.c[column] != ""))
        for row_id, value in rows.all():
            conn.execute(table.update().where(table.c.id == row_id).values({column: change(value)}))


def upgrade() -> None:
    from engine.privacy import crypto

    _rewrite(crypto.seal_text)


def downgrade() -> None:
    from engine.privacy import crypto

    _rewrite(crypto.open_text)
