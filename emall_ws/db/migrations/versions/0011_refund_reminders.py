"""Refund reminders: each refund records when its seller was last reminded that it is overdue

The worker's `remind-overdue-refunds` job reminds the seller (and tells the buyer) of a refund still owed
after its due time at most once a day; `refund.reminded_at` is when it last did, NULL for every refund
written before this revision: none was reminded, so each overdue one is reminded at the job's first run.

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
