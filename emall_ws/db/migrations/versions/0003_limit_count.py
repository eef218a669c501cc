"""Message limits: windows counted per phone number, email address and client address (limit_count)

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('limit_count',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('window_seconds', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key_hash', 'window_seconds', 'window_start', name=op.f('pk_limit_count')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('limit_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_limit_count_window_start'), ['window_start'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('limit_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_limit_count_window_start'))

    op.drop_table('limit_count')
