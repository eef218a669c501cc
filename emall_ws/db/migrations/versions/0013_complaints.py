"""Complaints: the `complaint` table and its status history

A buyer's complaint about a shipped or delivered order (one per order): the seller's offer, the return's
waybill, and the remedy it was resolved with. `complaint_status_history` records each move and who made it.

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


def upgrade() -> None:
    op.create_table('complaint',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('order_id', ID, nullable=False),
    sa.Column('buyer_id', ID, nullable=False),
    sa.Column('seller_id', ID, nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('respond_by', TIME, nullable=False),
    sa.Column('offer', sa.String(length=20), nullable=True),
    sa.Column('offer_amount', sa.BigInteger(), nullable=True),
    sa.Column('seller_message', sa.String(length=500), nullable=True),
    sa.Column('return_courier', sa.String(length=10), nullable=True),
    sa.Column('return_waybill', sa.String(length=40), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.Column('decision_amount', sa.BigInteger(), nullable=True),
    sa.Column('resolution_note', sa.String(length=200), nullable=True),
    sa.Column('created_at', TIME, nullable=False),
    sa.Column('updated_at', TIME, nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['member.id'], name=op.f('fk_complaint_buyer_id_member')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_complaint_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['seller_id'], ['member.id'], name=op.f('fk_complaint_seller_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint')),
    sa.UniqueConstraint('order_id', name=op.f('uq_complaint_order_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status_respond_by'), ['status', 'respond_by'], unique=False)

    op.create_table('complaint_status_history',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('complaint_id', ID, nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', TIME, nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'],
                            name=op.f('fk_complaint_status_history_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('complaint_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_status_history_complaint_id'), ['complaint_id'], unique=False)


def downgrade() -> None:
    # a table goes with its indexes (MariaDB refuses to drop one a foreign key needs)
    op.drop_table('complaint_status_history')
    op.drop_table('complaint')
