"""access_log keyed (HMAC) chain: key_id and seq per row; permits.holder_name encrypted at
rest (wider for the ciphertext)

Existing access log rows keep their unkeyed hashes (key_id "") and get their position
(seq); ``permitflow keys rotate`` re-signs them with the key once the chain verifies.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 03:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key_id", sa.String(length=16), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("seq", sa.Integer(), server_default="0", nullable=False))
    log = sa.table("access_log", sa.column("id", sa.Integer), sa.column("seq", sa.Integer))
    conn = op.get_bind()
    ids = conn.execute(sa.select(log.c.id).order_by(log.c.id)).scalars().all()
    for position, row_id in enumerate(ids, start=1):
        conn.execute(sa.update(log).where(log.c.id == row_id).values(seq=position))
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.alter_column(
            "holder_name", existing_type=sa.String(length=200), type_=sa.String(length=500)
        )


def downgrade() -> None:
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.alter_column(
            "holder_name", existing_type=sa.String(length=500), type_=sa.String(length=200)
        )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_column("seq")
        batch_op.drop_column("key_id")
