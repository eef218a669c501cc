"""Shipment status history: every status change of a shipment, like those of orders and invoices

A shipment that exists before this revision gets no history row: when it reached its current status
is not recorded anywhere, and a made-up row would read as a move that never happened. Its history
starts with its next status change.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shipment_status_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_shipment_status_history_shipment_id_shipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('shipment_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_status_history_shipment_id'), ['shipment_id'], unique=False)


def downgrade() -> None:
    # the table goes with its index: MariaDB refuses to drop the index alone, its foreign key needs it
    op.drop_table('shipment_status_history')
