"""connectors to other government systems, service task calls and the call log

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 01:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("auth", sa.String(length=20), nullable=False),
        sa.Column("auth_header", sa.String(length=80), nullable=False),
        sa.Column("secret_env", sa.String(length=100), nullable=False),
        sa.Column("timeout_seconds", sa.Double(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("backoff_seconds", sa.Double(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("operations", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connectors")),
        sa.UniqueConstraint("name", name=op.f("uq_connectors_name")),
    )
    op.create_table(
        "service_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("connector", sa.String(length=80), nullable=False),
        sa.Column("operation", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_service_calls_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_calls")),
    )
    with op.batch_alter_table("service_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_calls_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_calls_status"), ["status"], unique=False)
    op.create_table(
        "connector_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("connector", sa.String(length=80), nullable=False),
        sa.Column("operation", sa.String(length=80), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_calls")),
    )
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connector_calls_connector"), ["connector"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("connector_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connector_calls_connector"))
    op.drop_table("connector_calls")
    with op.batch_alter_table("service_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_calls_status"))
        batch_op.drop_index(batch_op.f("ix_service_calls_case_id"))
    op.drop_table("service_calls")
    op.drop_table("connectors")
