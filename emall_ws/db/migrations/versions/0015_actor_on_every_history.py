"""Who made each change: `actor` on the member, product, invoice and shipment status histories

As the order, refund and complaint histories already do: member:<username>, admin:<username>, job:<job>,
bank:<code>, courier:<code>, operator. NULL on the rows written before this revision: who made those is
not known.

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

HISTORIES = ('member_status_history', 'product_status_history', 'invoice_status_history', 'shipment_status_history')


def upgrade() -> None:
    for table in HISTORIES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('actor', sa.String(length=80), nullable=True))


def downgrade() -> None:
    for table in reversed(HISTORIES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('actor')
