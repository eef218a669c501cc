"""API keys (machine credentials, their secrets sealed) and the WS-Security Nonces already seen

Two new tables, nothing else changed: an instance at 0007 runs beside them unaware, so the upgrade
needs no stop. The downgrade drops both (every API key is lost: its members create new ones).

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('seen_nonce',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_seen_nonce')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('seen_nonce', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_nonce_seen_at'), ['seen_at'], unique=False)

    op.create_table('api_key',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('sealed_secret', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('revoked_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_api_key_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_id', name=op.f('uq_api_key_key_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    # each table with its indexes (MariaDB refuses to drop the index of a foreign key on its own)
    op.drop_table('api_key')
    op.drop_table('seen_nonce')
