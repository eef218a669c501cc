"""SQLite's text index of the products, for catalogue search (services.catalog_search._text_match);
MariaDB has its FULLTEXT index instead (models.Product's ix_product_text).

An external-content FTS5 table over product(name, description): it holds the index only and reads
the text from product itself, so nothing is stored twice; triggers keep it current on every INSERT,
DELETE and change of a name or description, whoever writes. It is no model (Base.metadata does not
list it, schema.sql is MariaDB's): models.py has create_all make it with the product table on SQLite,
and revision 0005 makes it in a database that existed before (with its own copy of these statements,
as revisions are frozen; tests/e2e/test_migrations.py checks that both make the same).

Tokenizer, chosen to draw the lines MariaDB's FULLTEXT parser and domain.catalog.search_terms draw:
unicode61 takes letters, digits (and private-use characters) for word characters and tokenchars adds
"_"; anything else breaks words, so a prefix query finds a term at the start of a word only ("kopi"
finds "Kopiah" and "es-kopi", never "Bukopi"; "teh_tarik" is one word). Case is folded.
remove_diacritics 2 ignores accents ("kopi" finds "Kópi", and "kópi" finds "kopi"), as MariaDB's
utf8mb4_unicode_ci collation does; the REGEXP scan this index replaced did not.

A revision that rebuilds the product table on SQLite (batch_alter_table copies it and drops the old
one) drops these triggers with it, and the index would silently fall behind: such a revision must
create them again; `emall-ws migrate` fails while any is missing (migrate.upgrade).
"""
from __future__ import annotations

from sqlalchemy import Connection

NAME = "product_fts"
# the virtual table and the shadow tables FTS5 keeps its index in (no _content: the text is product's)
TABLES = frozenset({NAME, *(f"{NAME}_{shadow}" for shadow in ("data", "idx", "docsize", "config"))})
TRIGGERS = frozenset({f"{NAME}_insert", f"{NAME}_delete", f"{NAME}_update"})

CREATE = (
    f"""CREATE VIRTUAL TABLE {NAME} USING fts5(name, description, content='product', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'")""",
    f"""CREATE TRIGGER {NAME}_insert AFTER INSERT ON product BEGIN
        INSERT INTO {NAME} (rowid, name, description) VALUES (new.id, new.name, new.description);
    END""",
    # an external-content index forgets a row by being told the text it indexed, the old values
    f"""CREATE TRIGGER {NAME}_delete AFTER DELETE ON product BEGIN
        INSERT INTO {NAME} ({NAME}, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
    END""",
    # only a change of the text: stock, status, bids and prices leave the index alone
    f"""CREATE TRIGGER {NAME}_update AFTER UPDATE OF name, description ON product BEGIN
        INSERT INTO {NAME} ({NAME}, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
        INSERT INTO {NAME} (rowid, name, description) VALUES (new.id, new.name, new.description);
    END""",
)
DROP = (*(f"DROP TRIGGER IF EXISTS {trigger}" for trigger in sorted(TRIGGERS)), f"DROP TABLE IF EXISTS {NAME}")


def match_query(terms: tuple[str, ...]) -> str:
    """The FTS5 query requiring every term as the start of a word, in the name or the description:
    "kopi"* AND "gayo"*. Quoted, so no term is ever read as FTS5 syntax (AND, OR, NOT, NEAR, a
    column filter); the terms hold word characters only anyway (domain.catalog.search_terms)."""
    return " AND ".join('"{}"*'.format(term.replace('"', '""')) for term in terms)


def missing(connection: Connection) -> list[str]:
    """The index's table and triggers not in this SQLite database."""
    present = set(connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars())
    return sorted((TRIGGERS | {NAME}) - present)
