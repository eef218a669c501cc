"""Auction second chance: the `auction_second_chance` table of auction buyers who did not pay

When the buyer of a won auction does not pay (the invoice cancelled or expired), `auction_second_chance`
records them (for admins) and the seller's choice: an offer to the next-highest bidder, or a relist.
Empty at the upgrade: no invoice closed before it is taken for a non-payment after the fact.

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


def upgrade() -> None:
    op.create_table('auction_second_chance',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('product_id', ID, nullable=False),
    sa.Column('non_payer_id', ID, nullable=False),
    sa.Column('invoice_id', ID, nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', TIME, nullable=True),
    sa.Column('offered_to_id', ID, nullable=True),
    sa.Column('offer_amount', sa.BigInteger(), nullable=True),
    sa.Column('relisted_as_id', ID, nullable=True),
    sa.Column('recorded_at', TIME, nullable=False),
    sa.Column('updated_at', TIME, nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_auction_second_chance_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['non_payer_id'], ['member.id'],
                            name=op.f('fk_auction_second_chance_non_payer_id_member')),
    sa.ForeignKeyConstraint(['offered_to_id'], ['member.id'],
                            name=op.f('fk_auction_second_chance_offered_to_id_member')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_auction_second_chance_product_id_product')),
    sa.ForeignKeyConstraint(['relisted_as_id'], ['product.id'],
                            name=op.f('fk_auction_second_chance_relisted_as_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_second_chance')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_auction_second_chance_invoice_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('auction_second_chance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_second_chance_non_payer_id'), ['non_payer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_second_chance_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_second_chance_status_due_at'), ['status', 'due_at'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('auction_second_chance')
