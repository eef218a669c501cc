"""Address book and phone change: the `member_address` table and `verification_code.sent_to`

A member keeps addresses to ship to (`member_address`, quoteShipping and checkout take one by its id); a
code sent by SMS to a new phone number keeps the number (`sent_to`), the member's once the code comes back.
(`member` itself is not altered: on SQLite that rebuilds it, which the tables pointing to it refuse.)

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


def upgrade() -> None:
    op.create_table('member_address',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('member_id', ID, nullable=False),
    sa.Column('label', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('city_code', sa.String(length=5), nullable=False),
    sa.Column('created_at', TIME, nullable=False),
    sa.Column('updated_at', TIME, nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_address_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_address')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('member_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_address_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_to', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.drop_column('sent_to')
    op.drop_table('member_address')
