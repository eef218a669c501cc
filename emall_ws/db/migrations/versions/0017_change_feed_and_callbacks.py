"""Change feed and callbacks: `change_event`, `event_sequence`, `event_subscription`, `event_delivery`

Each change told to each member it concerns, numbered in commit order (the one `event_sequence` row, made
when first needed); members' callback endpoints and the log of every delivery to them.

Revision ID: 0017
Revises: 0016
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_sequence',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sequence')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('change_event',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('invoice_number', sa.String(length=40), nullable=True),
    sa.Column('order_number', sa.String(length=40), nullable=True),
    sa.Column('courier', sa.String(length=10), nullable=True),
    sa.Column('waybill', sa.String(length=40), nullable=True),
    sa.Column('product_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_event')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('change_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_event_member_id_seq'), ['member_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_event_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('event_subscription',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('types', sa.String(length=500), nullable=False),
    sa.Column('sealed_secret', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('delivered_seq', sa.BigInteger(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('suspended_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('ended_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_event_subscription_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_subscription')),
    sa.UniqueConstraint('subscription_id', name=op.f('uq_event_subscription_subscription_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('event_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_subscription_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_subscription_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)

    op.create_table('event_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=True),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('attempted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['event_subscription.id'], name=op.f('fk_event_delivery_subscription_id_event_subscription')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_delivery')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_delivery_subscription_id_id'), ['subscription_id', 'id'], unique=False)



def downgrade() -> None:
    # a table goes with its indexes (MariaDB refuses to drop one a foreign key needs first)
    op.drop_table('event_delivery')
    op.drop_table('event_subscription')
    op.drop_table('change_event')
    op.drop_table('event_sequence')
