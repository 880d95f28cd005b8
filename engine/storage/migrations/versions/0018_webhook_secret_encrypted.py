"""webhook_subscribers.secret encrypted at rest (the HMAC key shared with a receiver):
wider for the ciphertext, and the secrets already stored sealed with the data key

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_SUBSCRIBERS = sa.table(
    "webhook_subscribers", sa.column("id", sa.Integer), sa.column("secret", sa.String)
)


def _rewrite(change) -> None:
    conn = op.get_bind()
    for row_id, secret in conn.execute(sa.select(_SUBSCRIBERS.c.id, _SUBSCRIBERS.c.secret)):
        conn.execute(
            _SUBSCRIBERS.update()
            .where(_SUBSCRIBERS.c.id == row_id)
            .values(secret=change(secret or ""))
        )


def upgrade() -> None:
    from engine.privacy import crypto

    with op.batch_alter_table("webhook_subscribers", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=200), type_=sa.String(length=500)
        )
    _rewrite(crypto.seal_text)


def downgrade() -> None:
    from engine.privacy import crypto

    _rewrite(crypto.open_text)
    with op.batch_alter_table("webhook_subscribers", schema=None) as batch_op:
        batch_op.alter_column(
            "secret", existing_type=sa.String(length=500), type_=sa.String(length=200)
        )
