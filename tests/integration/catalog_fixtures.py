"""Members, categories and products written straight to the test database, for the catalogue and cart tests."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select

from emall_ws.db.models import Member
from emall_ws.domain.catalog import CatalogPolicy, ProductForm
from emall_ws.services import catalog
from emall_ws.services.auth import Principal

NOW = datetime(2026, 11, 28, 3, 0, 0)
POLICY = CatalogPolicy()


def add_member(db, username: str, role: str = "SELLER", city: str = "31.74", phone: str = "+6281234567890") -> Principal:
    with db.unit_of_work() as session:
        member = Member(username=username, username_key=username.lower(), email=f"{username}@example.co.id",
                        email_key=f"{username}@example.co.id", password_hash="x", name=username.title(),
                        address="Jl. Merdeka 1", phone=phone, province_code=city[:2], city_code=city,
                        role=role, status="ACTIVE", created_at=NOW, activated_at=NOW)
        session.add(member)
        session.flush()
        return Principal(member.id, username, role)


def add_category(db, code: str = "makanan", name: str = "Makanan & Minuman") -> None:
    with db.unit_of_work() as session:
        catalog.create_category(session, code, name, NOW, POLICY)


FIXED_FORM = ProductForm(name="Kopi Gayo Arabika 250 g", description="Kopi arabika dari dataran tinggi Gayo, Aceh.",
                         category="makanan", weight_grams=300, sale_method="FIXED", price=85_000, stock=10,
                         photo_urls=("https://cdn.example.id/kopi-1.jpg", "https://cdn.example.id/kopi-2.jpg"))
AUCTION_FORM = ProductForm(name="Tenun Ikat Sumba Antik", description="Kain tenun ikat tangan, motif kuda.",
                           category="makanan", weight_grams=800, sale_method="AUCTION", start_price=1_500_000,
                           min_increment=50_000, reserve_price=2_000_000, ends_at=NOW + timedelta(days=3))


def sell(db, seller: Principal, form: ProductForm = FIXED_FORM, now: datetime = NOW, **changes):
    with db.unit_of_work() as session:
        return catalog.sell_product(session, seller, replace(form, **changes), now, POLICY)


def count(db, model, *where) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))



def update(db, principal, product_id, now=NOW, **changes):
    with db.unit_of_work() as session:
        return catalog.update_product(session, principal, product_id, ProductForm(**changes), now, POLICY)


def withdraw(db, principal, product_id, reason="", now=NOW):
    with db.unit_of_work() as session:
        return catalog.withdraw_product(session, principal, product_id, reason, now, POLICY)
