"""Baseline: the schema as initdb made it before revisions existed

Revision ID: 0001
Revises: 
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('code', name=op.f('uq_category_code')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('failed_try',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_try')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('failed_try', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_try_kind_at'), ['kind', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_failed_try_kind_key_hash_at'), ['kind', 'key_hash', 'at'], unique=False)

    op.create_table('member',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('username_key', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('city_code', sa.String(length=5), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('nib', sa.String(length=13), nullable=True),
    sa.Column('bank_code', sa.String(length=10), nullable=True),
    sa.Column('account_number', sa.String(length=20), nullable=True),
    sa.Column('account_holder', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('activated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('email_key', name=op.f('uq_member_email_key')),
    sa.UniqueConstraint('username_key', name=op.f('uq_member_username_key')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_city_code'), ['city_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_status'), ['status'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_key', sa.String(length=150), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('provider_id', sa.String(length=100), nullable=True),
    sa.Column('delivery_status', sa.String(length=30), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('sent_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('event_key', 'recipient', 'channel', name=op.f('uq_notification_event_key_recipient_channel')),
    sa.UniqueConstraint('reference', name=op.f('uq_notification_reference')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)

    op.create_table('payee_account_poll',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bank', sa.String(length=10), nullable=False),
    sa.Column('account_number', sa.String(length=20), nullable=False),
    sa.Column('read_until', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('leased_until', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('last_checked_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payee_account_poll')),
    sa.UniqueConstraint('bank', 'account_number', name=op.f('uq_payee_account_poll_bank_account_number')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('registry_business',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_registry_business')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('registry_tmodel',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('overview_url', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_registry_tmodel')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('registry_tmodel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_tmodel_name'), ['name'], unique=False)

    op.create_table('auth_session',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('expires_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('ended_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_auth_session_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_session_token_hash')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_member_id'), ['member_id'], unique=False)

    op.create_table('member_status_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_status_history_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('member_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_status_history_member_id'), ['member_id'], unique=False)

    op.create_table('product',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('seller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('sale_method', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('seller_province_code', sa.String(length=2), nullable=False),
    sa.Column('seller_city_code', sa.String(length=5), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('start_price', sa.BigInteger(), nullable=True),
    sa.Column('min_increment', sa.BigInteger(), nullable=True),
    sa.Column('reserve_price', sa.BigInteger(), nullable=True),
    sa.Column('ends_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('current_price', sa.BigInteger(), nullable=True),
    # MariaDB refuses NOT NULL on a generated column (create_all leaves it out there too)
    sa.Column('list_price', sa.BigInteger(), sa.Computed('coalesce(price, current_price, start_price)', persisted=True),
              nullable=op.get_bind().dialect.name == "mysql"),
    sa.Column('bid_count', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('winner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('closed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_product_stock_not_negative')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_product_category_id_category')),
    sa.ForeignKeyConstraint(['leader_id'], ['member.id'], name=op.f('fk_product_leader_id_member')),
    sa.ForeignKeyConstraint(['seller_id'], ['member.id'], name=op.f('fk_product_seller_id_member')),
    sa.ForeignKeyConstraint(['winner_id'], ['member.id'], name=op.f('fk_product_winner_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_seller_id_status_created_at'), ['seller_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status_category_id_created_at'), ['status', 'category_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status_created_at'), ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status_list_price'), ['status', 'list_price'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status_sale_method_ends_at'), ['status', 'sale_method', 'ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status_seller_city_code_created_at'), ['status', 'seller_city_code', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_status_seller_province_code_created_at'), ['status', 'seller_province_code', 'created_at'], unique=False)
    if op.get_bind().dialect.name == "mysql":  # MariaDB's text search; SQLite has no such index
        op.create_index('ix_product_text', 'product', ['name', 'description'], unique=False, mysql_prefix='FULLTEXT')

    op.create_table('registry_service',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('business_key', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['business_key'], ['registry_business.key'], name=op.f('fk_registry_service_business_key_registry_business')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_registry_service')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('registry_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_service_business_key'), ['business_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_service_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_service_name'), ['name'], unique=False)

    op.create_table('shipping_quote',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('buyer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('origin_city_code', sa.String(length=5), nullable=False),
    sa.Column('destination_city_code', sa.String(length=5), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('courier', sa.String(length=10), nullable=False),
    sa.Column('service', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=100), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.Column('etd_days', sa.Integer(), nullable=False),
    sa.Column('quoted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('expires_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['member.id'], name=op.f('fk_shipping_quote_buyer_id_member')),
    sa.ForeignKeyConstraint(['seller_id'], ['member.id'], name=op.f('fk_shipping_quote_seller_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipping_quote')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('shipping_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipping_quote_buyer_id_seller_id'), ['buyer_id', 'seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shipping_quote_seller_id'), ['seller_id'], unique=False)

    op.create_table('verification_code',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('expires_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('used_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_verification_code_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_code')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_code_member_id_purpose'), ['member_id', 'purpose'], unique=False)

    op.create_table('bid',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bidder_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('placed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['member.id'], name=op.f('fk_bid_bidder_id_member')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_bid_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bid')),
    sa.UniqueConstraint('product_id', 'amount', name=op.f('uq_bid_product_id_amount')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_bidder_id'), ['bidder_id'], unique=False)

    op.create_table('cart_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('buyer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('price_when_added', sa.BigInteger(), nullable=False),
    sa.Column('added_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['member.id'], name=op.f('fk_cart_line_buyer_id_member')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_cart_line_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_line')),
    sa.UniqueConstraint('buyer_id', 'product_id', name=op.f('uq_cart_line_buyer_id_product_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('cart_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_line_product_id'), ['product_id'], unique=False)

    op.create_table('product_photo',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_photo_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_photo')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('product_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_photo_product_id'), ['product_id'], unique=False)

    op.create_table('product_status_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_status_history_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('product_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_status_history_product_id'), ['product_id'], unique=False)

    op.create_table('purchase_order',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('buyer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('courier', sa.String(length=10), nullable=False),
    sa.Column('courier_service', sa.String(length=30), nullable=False),
    sa.Column('shipping_cost', sa.BigInteger(), nullable=False),
    sa.Column('etd_days', sa.Integer(), nullable=False),
    sa.Column('ship_name', sa.String(length=100), nullable=False),
    sa.Column('ship_address', sa.String(length=500), nullable=False),
    sa.Column('ship_city_code', sa.String(length=5), nullable=False),
    sa.Column('origin_city_code', sa.String(length=5), nullable=False),
    sa.Column('goods_total', sa.BigInteger(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('auction_product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('updated_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['auction_product_id'], ['product.id'], name=op.f('fk_purchase_order_auction_product_id_product')),
    sa.ForeignKeyConstraint(['buyer_id'], ['member.id'], name=op.f('fk_purchase_order_buyer_id_member')),
    sa.ForeignKeyConstraint(['seller_id'], ['member.id'], name=op.f('fk_purchase_order_seller_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order')),
    sa.UniqueConstraint('auction_product_id', name=op.f('uq_purchase_order_auction_product_id')),
    sa.UniqueConstraint('number', name=op.f('uq_purchase_order_number')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_seller_id'), ['seller_id'], unique=False)

    op.create_table('registry_binding',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('service_key', sa.String(length=255), nullable=False),
    sa.Column('tmodel_key', sa.String(length=255), nullable=False),
    sa.Column('access_point', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['service_key'], ['registry_service.key'], name=op.f('fk_registry_binding_service_key_registry_service')),
    sa.ForeignKeyConstraint(['tmodel_key'], ['registry_tmodel.key'], name=op.f('fk_registry_binding_tmodel_key_registry_tmodel')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_registry_binding')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('registry_binding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_binding_service_key'), ['service_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_binding_tmodel_key'), ['tmodel_key'], unique=False)

    op.create_table('invoice',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('buyer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payee_bank', sa.String(length=10), nullable=False),
    sa.Column('payee_account', sa.String(length=20), nullable=False),
    sa.Column('payee_holder', sa.String(length=100), nullable=False),
    sa.Column('goods_total', sa.BigInteger(), nullable=False),
    sa.Column('shipping_cost', sa.BigInteger(), nullable=False),
    sa.Column('unique_code', sa.Integer(), nullable=False),
    sa.Column('amount_due', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('open_code_key', sa.String(length=60), nullable=True),
    sa.Column('open_amount_key', sa.String(length=60), nullable=True),
    sa.Column('stock_restored', sa.Boolean(), nullable=False),
    sa.Column('issued_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('due_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('paid_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('closed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['member.id'], name=op.f('fk_invoice_buyer_id_member')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_invoice_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['seller_id'], ['member.id'], name=op.f('fk_invoice_seller_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_invoice_number')),
    sa.UniqueConstraint('open_amount_key', name=op.f('uq_invoice_open_amount_key')),
    sa.UniqueConstraint('open_code_key', name=op.f('uq_invoice_open_code_key')),
    sa.UniqueConstraint('order_id', name=op.f('uq_invoice_order_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_buyer_id_issued_at'), ['buyer_id', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_payee_bank_payee_account_amount_due'), ['payee_bank', 'payee_account', 'amount_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_seller_id_issued_at'), ['seller_id', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_status_due_at'), ['status', 'due_at'], unique=False)

    op.create_table('order_line',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_order_line_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_order_line_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_line')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_line_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_line_product_id'), ['product_id'], unique=False)

    op.create_table('order_status_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_order_status_history_order_id_purchase_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('order_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_status_history_order_id'), ['order_id'], unique=False)

    op.create_table('shipment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('courier', sa.String(length=10), nullable=False),
    sa.Column('waybill', sa.String(length=40), nullable=False),
    sa.Column('courier_change_reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('courier_status', sa.String(length=100), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('received_by', sa.String(length=100), nullable=True),
    sa.Column('delivered_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('shipped_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('next_check_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('leased_until', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('last_checked_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=True),
    sa.Column('last_check_error', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], name=op.f('fk_shipment_order_id_purchase_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment')),
    sa.UniqueConstraint('courier', 'waybill', name=op.f('uq_shipment_courier_waybill')),
    sa.UniqueConstraint('order_id', name=op.f('uq_shipment_order_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shipment_final_next_check_at'), ['final', 'next_check_at'], unique=False)

    op.create_table('bank_mutation',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bank', sa.String(length=10), nullable=False),
    sa.Column('account_number', sa.String(length=20), nullable=False),
    sa.Column('mutation_id', sa.String(length=40), nullable=False),
    sa.Column('posted_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('type', sa.String(length=2), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('read_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('match_status', sa.String(length=12), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_bank_mutation_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_mutation')),
    sa.UniqueConstraint('bank', 'account_number', 'mutation_id', name=op.f('uq_bank_mutation_bank_account_number_mutation_id')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_bank_mutation_invoice_id')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('bank_mutation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_mutation_match_status_read_at'), ['match_status', 'read_at'], unique=False)

    op.create_table('invoice_status_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('changed_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_status_history_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_status_history')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('invoice_status_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_status_history_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('shipment_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('shipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipment.id'], name=op.f('fk_shipment_event_shipment_id_shipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_event')),
    sa.UniqueConstraint('shipment_id', 'fingerprint', name=op.f('uq_shipment_event_shipment_id_fingerprint')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )


def downgrade() -> None:
    op.drop_table('shipment_event')
    with op.batch_alter_table('invoice_status_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_status_history_invoice_id'))

    op.drop_table('invoice_status_history')
    with op.batch_alter_table('bank_mutation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_mutation_match_status_read_at'))

    op.drop_table('bank_mutation')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipment_final_next_check_at'))

    op.drop_table('shipment')
    with op.batch_alter_table('order_status_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_status_history_order_id'))

    op.drop_table('order_status_history')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_line_product_id'))
        batch_op.drop_index(batch_op.f('ix_order_line_order_id'))

    op.drop_table('order_line')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_status_due_at'))
        batch_op.drop_index(batch_op.f('ix_invoice_seller_id_issued_at'))
        batch_op.drop_index(batch_op.f('ix_invoice_seller_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_payee_bank_payee_account_amount_due'))
        batch_op.drop_index(batch_op.f('ix_invoice_issued_at'))
        batch_op.drop_index(batch_op.f('ix_invoice_buyer_id_issued_at'))
        batch_op.drop_index(batch_op.f('ix_invoice_buyer_id'))

    op.drop_table('invoice')
    with op.batch_alter_table('registry_binding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_binding_tmodel_key'))
        batch_op.drop_index(batch_op.f('ix_registry_binding_service_key'))

    op.drop_table('registry_binding')
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_seller_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_order_buyer_id'))

    op.drop_table('purchase_order')
    with op.batch_alter_table('product_status_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_status_history_product_id'))

    op.drop_table('product_status_history')
    with op.batch_alter_table('product_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_photo_product_id'))

    op.drop_table('product_photo')
    with op.batch_alter_table('cart_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_line_product_id'))

    op.drop_table('cart_line')
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_bidder_id'))

    op.drop_table('bid')
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_code_member_id_purpose'))

    op.drop_table('verification_code')
    with op.batch_alter_table('shipping_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shipping_quote_seller_id'))
        batch_op.drop_index(batch_op.f('ix_shipping_quote_buyer_id_seller_id'))

    op.drop_table('shipping_quote')
    with op.batch_alter_table('registry_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_service_name'))
        batch_op.drop_index(batch_op.f('ix_registry_service_category'))
        batch_op.drop_index(batch_op.f('ix_registry_service_business_key'))

    op.drop_table('registry_service')
    if op.get_bind().dialect.name == "mysql":
        op.drop_index('ix_product_text', 'product')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_status_seller_province_code_created_at'))
        batch_op.drop_index(batch_op.f('ix_product_status_seller_city_code_created_at'))
        batch_op.drop_index(batch_op.f('ix_product_status_sale_method_ends_at'))
        batch_op.drop_index(batch_op.f('ix_product_status_list_price'))
        batch_op.drop_index(batch_op.f('ix_product_status_created_at'))
        batch_op.drop_index(batch_op.f('ix_product_status_category_id_created_at'))
        batch_op.drop_index(batch_op.f('ix_product_seller_id_status_created_at'))

    op.drop_table('product')
    with op.batch_alter_table('member_status_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_status_history_member_id'))

    op.drop_table('member_status_history')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_member_id'))

    op.drop_table('auth_session')
    with op.batch_alter_table('registry_tmodel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_tmodel_name'))

    op.drop_table('registry_tmodel')
    op.drop_table('registry_business')
    op.drop_table('payee_account_poll')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_status_next_attempt_at'))

    op.drop_table('notification')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_status'))
        batch_op.drop_index(batch_op.f('ix_member_city_code'))

    op.drop_table('member')
    with op.batch_alter_table('failed_try', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_try_kind_key_hash_at'))
        batch_op.drop_index(batch_op.f('ix_failed_try_kind_at'))

    op.drop_table('failed_try')
    op.drop_table('category')
