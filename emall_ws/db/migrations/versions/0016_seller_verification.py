"""Verified sellers: `seller_verification` and its history

A seller's status UNVERIFIED, VERIFIED or REJECTED, the reasons, the birth date the NIK check needs, when
the worker checks next.
Every seller registered before this revision gets a row, UNVERIFIED; an active one is due at once, so the
worker's first round checks it (without a birth date its NIK check waits: BIRTH_DATE_MISSING).
(`member` itself is not altered: on SQLite that rebuilds it, which the tables pointing to it refuse.)

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seller_verification',
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reasons', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_check_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('checked_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_seller_verification_member_id_member')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_seller_verification')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('seller_verification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_verification_next_check_at'), ['next_check_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_seller_verification_status'), ['status'], unique=False)

    op.create_table('seller_verification_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['seller_verification.member_id'], name=op.f('fk_seller_verification_history_member_id_seller_verification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_verification_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('seller_verification_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_verification_history_member_id'), ['member_id'], unique=False)

    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as the platform stores times
    op.execute(sa.text(
        "INSERT INTO seller_verification (member_id, status, reasons, birth_date, attempts, next_check_at, "
        "updated_at) SELECT id, 'UNVERIFIED', '', NULL, 0, CASE WHEN status = 'ACTIVE' THEN :now END, :now "
        "FROM member WHERE role = 'SELLER'").bindparams(now=now))


def downgrade() -> None:
    # a table goes with its indexes (MariaDB refuses to drop one a foreign key needs first)
    op.drop_table('seller_verification_history')
    op.drop_table('seller_verification')
