"""pilots and their case assignments

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 00:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pilots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=120), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('pilot_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('share', sa.Double(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('planned_end', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by', sa.String(length=80), nullable=False),
    sa.Column('staff_costs', sa.JSON(), nullable=True),
    sa.Column('prediction', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pilots'))
    )
    with op.batch_alter_table('pilots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilots_process_key'), ['process_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_pilots_status'), ['status'], unique=False)

    op.create_table('pilot_assignments',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pilot_id', sa.Integer(), nullable=False),
    sa.Column('arm', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_pilot_assignments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pilot_id'], ['pilots.id'], name=op.f('fk_pilot_assignments_pilot_id_pilots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_pilot_assignments'))
    )
    with op.batch_alter_table('pilot_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_assignments_pilot_id'), ['pilot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pilot_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_assignments_pilot_id'))
    op.drop_table('pilot_assignments')
    with op.batch_alter_table('pilots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilots_status'))
        batch_op.drop_index(batch_op.f('ix_pilots_process_key'))
    op.drop_table('pilots')
