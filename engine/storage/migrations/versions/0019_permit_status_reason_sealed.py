"""permits.status_reason encrypted at rest (a revoke or correct reason typed by staff may
name the holder or quote their NIK): the reasons already stored sealed with the data key

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

_PERMITS = sa.table("permits", sa.column("id", sa.Integer), sa.column("status_reason", sa.Text))


def _rewrite(change) -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_PERMITS.c.id, _PERMITS.c.status_reason).where(_PERMITS.c.status_reason != "")
    )
    for row_id, reason in rows.all():
        conn.execute(
            _PERMITS.update().where(_PERMITS.c.id == row_id).values(status_reason=change(reason))
        )


def upgrade() -> None:
    from engine.privacy import crypto

    _rewrite(crypto.seal_text)


def downgrade() -> None:
    from engine.privacy import crypto

    _rewrite(crypto.open_text)
