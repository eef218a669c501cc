"""Refunds: the `refund` table and its status history, and who made each order status change

A paid order that is cancelled (rejected by its seller, or not shipped within EMALL_SHIP_DEADLINE_DAYS)
owes its buyer a refund: `refund` records it (one per order) and `refund_status_history` its moves.
`order_status_history` gains `actor` (member:<username>, admin:<username>, job:<job>), NULL on the rows
written before this revision: who made those is not known.

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refund',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('buyer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('bank_code', sa.String(length=10), nullable=True),
    sa.Column('account_number', sa.String(length=20), nullable=True),
    sa.Column('account_holder', sa.String(length=100), nullable=True),
    sa.Column('account_set_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('transfer_reference', sa.String(length=60), nullable=True),
    sa.Column('transferred_amount', sa.BigInteger(), nullable=True),
    sa.Column('transferred_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('dispute_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['member.id'], name=op.f('fk_refund_buyer_id_member')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_refund_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_refund_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['seller_id'], ['member.id'], name=op.f('fk_refund_seller_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('order_id', name=op.f('uq_refund_order_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_status_due_at'), ['status', 'due_at'], unique=False)

    op.create_table('refund_status_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('refund_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], name=op.f('fk_refund_status_history_refund_id_refund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('refund_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_status_history_refund_id'), ['refund_id'], unique=False)

    with op.batch_alter_table('order_status_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_status_history', schema=None) as batch_op:
        batch_op.drop_column('actor')
    # a table goes with its indexes (MariaDB refuses to drop one a foreign key needs)
    op.drop_table('refund_status_history')
    op.drop_table('refund')
