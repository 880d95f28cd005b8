"""scheduled starts: the next due start of a timer start event of a deployed procedure

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_starts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("expression", sa.String(length=500), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definitions.id"],
            name=op.f("fk_scheduled_starts_definition_id_process_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_starts")),
    )
    with op.batch_alter_table("scheduled_starts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_starts_definition_id"), ["definition_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scheduled_starts_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scheduled_starts_process_key"), ["process_key"], unique=False
        )


def downgrade() -> None:
    op.drop_table("scheduled_starts")
