"""message_waits: one row per awaited message of a task, so an event with several message
definitions (BPMN's "multiple") waits for each; its own key, the SpiffWorkflow task id in
``task_id``, unique per task and message name

The rows mirror the waiting tasks of running cases; they are copied across (each old
row's id becomes its task_id). Going back keeps one row per task (the first message
name): a case waiting for several messages there is told of one.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_TABLE = "message_waits"


def _rows(task_column: str) -> list[dict]:
    table = sa.table(
        _TABLE,
        sa.column(task_column, sa.String),
        sa.column("case_id", sa.Integer),
        sa.column("message_name", sa.String),
        sa.column("element_id", sa.String),
    )
    query = sa.select(table).order_by(table.c[task_column], table.c.message_name)
    return [dict(row._mapping) for row in op.get_bind().execute(query)]


def _drop() -> None:
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_waits_case_id"))
        batch_op.drop_index(batch_op.f("ix_message_waits_message_name"))
    op.drop_table(_TABLE)


def _columns() -> list:
    return [
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("message_name", sa.String(length=200), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_message_waits_case_id_cases"),
            ondelete="CASCADE",
        ),
    ]


def _indexes(*extra: str) -> None:
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        for column in ("case_id", "message_name", *extra):
            batch_op.create_index(batch_op.f(f"ix_message_waits_{column}"), [column], unique=False)


def _renamed(row: dict, old: str, new: str) -> dict:
    renamed = {key: value for key, value in row.items() if key != old}
    renamed[new] = row[old]
    return renamed


def upgrade() -> None:
    rows = _rows("id")  # a few rows per running case: copied through memory
    _drop()
    table = op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_waits")),
        sa.UniqueConstraint("task_id", "message_name", name=op.f("uq_message_waits_task_id")),
    )
    _indexes("task_id")
    moved = [_renamed(row, "id", "task_id") for row in rows]
    if moved:
        op.bulk_insert(table, moved)


def downgrade() -> None:
    rows = _rows("task_id")
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_waits_task_id"))
    _drop()
    table = op.create_table(
        _TABLE,
        sa.Column("id", sa.String(length=36), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_waits")),
    )
    _indexes()
    first: dict[str, dict] = {}
    for row in rows:  # one per task: the old table held one message per task
        first.setdefault(row["task_id"], row)
    kept = [_renamed(row, "task_id", "id") for row in first.values()]
    if kept:
        op.bulk_insert(table, kept)
