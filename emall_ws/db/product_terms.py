"""Keeps product_term (models.ProductTerm), the text search's index, in step with the products.

Every flush of a session that adds a product, or changes a product's name, description or creation
time, rewrites that product's terms in the same transaction, so a search never sees a product without
its words or with words it no longer has, whoever changed it through the models. `fill` makes the terms
of a whole catalogue: `emall-ws migrate` runs it for a catalogue that has products and no terms yet (a
database upgraded to revision 0006 or 0007, by `migrate` or by a DBA running `migrate --sql`), and a bulk load
that bypasses the models calls it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from emall_ws.db.models import Product, ProductTerm
from emall_ws.domain.search_words import prefixes, signature

_INDEXED = ("name", "description", "created_at")  # what a product's terms are made of
_FILL_CHUNK = 1000  # products per INSERT: ~75,000 terms of bench/catalog.py's catalogue


def rows(product: Any) -> list[dict[str, Any]]:
    """The product_term rows of a product (a Product, or a row with its id, name, description, created_at)."""
    bits = signature(product.name, product.description)
    return [dict(term=term, created_at=product.created_at, product_id=product.id, signature=bits)
            for term in prefixes(product.name, product.description)]


@event.listens_for(Session, "after_flush")
def _keep(session: Session, _flush_context) -> None:
    """The terms of the products this flush added or whose words changed (the lists and histories
    still show what the flush did): a changed product's old terms out, by the table's key, its new in."""
    added = [obj for obj in session.new if isinstance(obj, Product)]
    changed = []
    for product in (obj for obj in session.dirty if isinstance(obj, Product)):
        histories = {name: inspect(product).attrs[name].history for name in _INDEXED}
        if any(history.has_changes() for history in histories.values()):
            changed.append((product, {name: [*h.deleted, *h.unchanged][0] for name, h in histories.items()}))
    if not added and not changed:  # most flushes: no product's words touched, no statement
        return
    connection = session.connection()
    for product, old in changed:
        forget(connection, product.id, **old)
    if terms := [row for product in added + [p for p, _old in changed] for row in rows(product)]:
        connection.execute(insert(ProductTerm), terms)


def forget(connection: Connection, product_id: int, name: str, description: str, created_at: datetime) -> None:
    """Deletes a product's terms by the table's key, from the words they were made of: what deleting a
    product must do as well, since no foreign key names it."""
    connection.execute(delete(ProductTerm).where(
        ProductTerm.product_id == product_id, ProductTerm.created_at == created_at,
        ProductTerm.term.in_(prefixes(name, description))))


def fill(connection: Connection) -> int:
    """Every product's terms, made again from scratch a chunk of products at a time; the number of products."""
    connection.execute(delete(ProductTerm))
    done, after = 0, 0
    while chunk := connection.execute(
            select(Product.id, Product.name, Product.description, Product.created_at)
            .where(Product.id > after).order_by(Product.id).limit(_FILL_CHUNK)).all():
        connection.execute(insert(ProductTerm), [row for product in chunk for row in rows(product)])
        done, after = done + len(chunk), chunk[-1].id
    return done


def missing(connection: Connection) -> bool:
    """Whether the catalogue has products and no terms: a database whose terms were never made."""
    return (connection.scalar(select(Product.id).limit(1)) is not None
            and connection.scalar(select(ProductTerm.product_id).limit(1)) is None)
