"""outbox.recipient encrypted at rest (UU 27/2022): wider for the ciphertext

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "recipient", existing_type=sa.String(length=200), type_=sa.String(length=500)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "recipient", existing_type=sa.String(length=500), type_=sa.String(length=200)
        )
