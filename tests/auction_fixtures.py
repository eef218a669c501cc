"""Auction test data written straight into a database: members, a category, auction products.

Until Catalog.sellProduct exists the auction tests need products from somewhere; these helpers write
the rows that listing would write (an ACTIVE auction with its first history row), and nothing else.
Members are made ACTIVE at once, with a real Argon2id hash so that they can log in over SOAP.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from emall_ws.clock import utcnow
from emall_ws.db.models import Category, Member, Product, ProductStatusHistory
from emall_ws.db.session import Database
from emall_ws.services.auth import BUYER, Principal
from tests.builders import PASSWORDS

PASSWORD = "rahasia123"
_serial = itertools.count(1)
_hash: dict[str, str] = {}  # one Argon2id hash per password


@dataclass(frozen=True)
class FixtureMember:
    id: int
    username: str
    email: str
    role: str

    @property
    def principal(self) -> Principal:
        return Principal(self.id, self.username, self.role)


def _password_hash(password: str) -> str:
    if password not in _hash:
        _hash[password] = PASSWORDS.hash(password)
    return _hash[password]


def create_member(db: Database, username: str | None = None, role: str = BUYER, *, status: str = "ACTIVE",
                  password: str = PASSWORD, phone: str = "+6281234567890") -> FixtureMember:
    username = username or f"bidder{next(_serial)}"
    email = f"{username}@example.co.id"
    now = utcnow()
    with db.unit_of_work() as session:
        member = Member(username=username, username_key=username.lower(), email=email,
                        email_key=email.lower(), password_hash=_password_hash(password),
                        name=f"Member {username}", address="Jl. Gatot Subroto Kav. 94", phone=phone,
                        province_code="31", city_code="31.74", role=role, status=status,
                        nik="3174011501900001" if role == "SELLER" else None,
                        created_at=now, activated_at=now if status == "ACTIVE" else None)
        session.add(member)
        session.flush()
        return FixtureMember(member.id, username, email, role)


def member_id(db: Database, username: str) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(Member.id).where(Member.username_key == username.lower()))


def _category(session, code: str = "kerajinan") -> int:
    found = session.scalar(select(Category.id).where(Category.code == code))
    if found is not None:
        return found
    category = Category(code=code, name="Kerajinan Tangan", created_at=utcnow())
    session.add(category)
    session.flush()
    return category.id


def create_auction(db: Database, seller_id: int, *, start_price: int = 100_000, min_increment: int = 5_000,
                   reserve_price: int | None = None, ends_at: datetime | None = None,
                   name: str = "Kain Tenun Ikat Sumba", sale_method: str = "AUCTION",
                   status: str = "ACTIVE") -> int:
    """A listed auction (or, with sale_method="FIXED", a fixed-price product); returns its id."""
    now = utcnow()
    with db.unit_of_work() as session:
        seller = session.get(Member, seller_id)
        auction = sale_method == "AUCTION"
        product = Product(
            seller_id=seller_id, category_id=_category(session), name=name,
            description="Tenun ikat tangan dari Sumba Timur, pewarna alami.", weight_grams=800,
            sale_method=sale_method, status=status, seller_province_code=seller.province_code,
            seller_city_code=seller.city_code,
            price=None if auction else start_price, stock=None if auction else 5,
            start_price=start_price if auction else None, min_increment=min_increment if auction else None,
            reserve_price=reserve_price if auction else None,
            ends_at=(ends_at or now + timedelta(days=3)) if auction else None,
            current_price=None, bid_count=0, created_at=now, updated_at=now)
        session.add(product)
        session.flush()
        session.add(ProductStatusHistory(product_id=product.id, from_status=None, to_status=status,
                                         reason="listed (test fixture)", changed_at=now))
        return product.id


def set_ends_at(db: Database, product_id: int, ends_at: datetime) -> None:
    """Moves an auction's end, e.g. into the past to let it end without waiting."""
    with db.unit_of_work() as session:
        session.get(Product, product_id).ends_at = ends_at
