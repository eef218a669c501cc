"""Text search on SQLite: an FTS5 index of the products' names and descriptions, kept by triggers

SQLite only: it searched by REGEXP through every product (services.catalog_search._text_match). The
index is filled from the products already there ('rebuild'). On MariaDB/MySQL this revision does
nothing: the FULLTEXT index ix_product_text, there since the baseline, serves the search.

The statements are those of emall_ws/db/text_index.py when this revision was written, copied so that
the revision stays what it was; tests/e2e/test_migrations.py checks that they still make what a new
database gets.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CREATE = (
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
    # the products already there: read from product, as the external content it is
    "INSERT INTO product_fts (product_fts) VALUES ('rebuild')",
)
DROP = ("DROP TRIGGER product_fts_delete", "DROP TRIGGER product_fts_insert", "DROP TRIGGER product_fts_update",
        "DROP TABLE product_fts")


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for statement in CREATE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for statement in DROP:
            op.execute(statement)
