"""Catalogue calls the catalogue and cart tests share (the builders are in tests/builders.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from emall_ws.domain.catalog import ProductForm
from emall_ws.services import catalog
from tests.builders import NOW, POLICY


def count(db, model, *where) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def update(db, principal, product_id, now=NOW, **changes):
    with db.unit_of_work() as session:
        return catalog.update_product(session, principal, product_id, ProductForm(**changes), now, POLICY)


def withdraw(db, principal, product_id, reason="", now=NOW):
    with db.unit_of_work() as session:
        return catalog.withdraw_product(session, principal, product_id, reason, now, POLICY)
