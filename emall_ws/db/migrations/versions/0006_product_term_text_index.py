"""Text search by word prefixes: the table product_term replaces MariaDB's FULLTEXT index and SQLite's FTS5

A search walks its rarest term's rows newest first in product_term's primary key and looks the other
terms up at the same (created_at, product_id): milliseconds for every query shape, where the FULLTEXT
index read the word lists of every common word and sorted every match. The same table on both
databases, so both keep one rule (domain.search_words).

The table is filled from the products by the platform (db.product_terms.fill), which `emall-ws
migrate` runs after the revisions for a catalogue with products and no terms: also after a DBA ran
this revision's DDL from `migrate --sql`. Downgrading gives the old indexes back, filled from the products.
Unlike the revisions before it, the previous version cannot keep serving on the upgraded database (its
search needs the FULLTEXT index): docs/production.md says to stop it for this upgrade.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# revision 0005's SQLite index, as it made it (and 'rebuild' from the products on downgrade)
FTS5_CREATE = (
    """CREATE VIRTUAL TABLE product_fts USING fts5(name, description, content='product', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'")""",
    """CREATE TRIGGER product_fts_insert AFTER INSERT ON product BEGIN
        INSERT INTO product_fts (rowid, name, description) VALUES (new.id, new.name, new.description);
    END""",
    """CREATE TRIGGER product_fts_delete AFTER DELETE ON product BEGIN
        INSERT INTO product_fts (product_fts, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
    END""",
    """CREATE TRIGGER product_fts_update AFTER UPDATE OF name, description ON product BEGIN
        INSERT INTO product_fts (product_fts, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
        INSERT INTO product_fts (rowid, name, description) VALUES (new.id, new.name, new.description);
    END""",
    "INSERT INTO product_fts (product_fts) VALUES ('rebuild')",
)
FTS5_DROP = ("DROP TRIGGER product_fts_delete", "DROP TRIGGER product_fts_insert", "DROP TRIGGER product_fts_update",
             "DROP TABLE product_fts")


def upgrade() -> None:
    op.create_table('product_term',
    sa.Column('term', sa.String(length=64).with_variant(mysql.VARCHAR(length=64, collation='utf8mb4_bin'), 'mysql'), nullable=False),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('term', 'created_at', 'product_id', name=op.f('pk_product_term')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB',
    sqlite_with_rowid=False
    )
    if op.get_context().dialect.name == "sqlite":
        for statement in FTS5_DROP:
            op.execute(statement)
    else:
        op.drop_index('ix_product_text', table_name='product')


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for statement in FTS5_CREATE:
            op.execute(statement)
    else:
        op.create_index('ix_product_text', 'product', ['name', 'description'], unique=False, mysql_prefix='FULLTEXT')
    op.drop_table('product_term')
