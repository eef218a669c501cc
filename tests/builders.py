"""What tests build again and again, in one place and typed: members, sellers with a payout account,
categories, products, carts, checked-out and paid orders, and the shop most service tests start from,
written through the services at the fixed moment NOW; and, for the auction tests and the e2e tests
that need rows a server can serve, members who can log in and auctions written straight to the tables
(an ACTIVE auction with its first history row), at the real time."""
from __future__ import annotations

import itertools
import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select, update

from adapters.courier import CourierAdapter, TariffOption
from adapters.errors import PartnerUnavailable
from emall_ws.data.regions import load_regions
from emall_ws.clock import utcnow
from emall_ws.db.models import AuthSession, Category, Invoice, Member, Product, ProductStatusHistory, SellerVerification
from emall_ws.db.session import Database
from emall_ws.domain.catalog import CatalogPolicy, ProductForm
from emall_ws.passwords import Passwords
from emall_ws.services import cart, catalog
from emall_ws.domain.members import BUYER
from emall_ws.services.auth import Credentials, Principal, token_hash
from emall_ws.services.quoting import CheckoutPolicy, Choice, quote_shipping
from emall_ws.services.checkout import run_checkout
from emall_ws.services.invoices import set_invoice_status, set_order_status

# Argon2's cheapest parameters: a suite that registers thousands of members must not spend minutes
# hashing (tests/unit/test_passwords.py checks the real parameters)
TEST_PASSWORD_HASH = "cheapest"
PASSWORDS = Passwords(TEST_PASSWORD_HASH)

NOW = datetime(2026, 11, 28, 3, 0, 0)
POLICY = CatalogPolicy()
CHECKOUT_POLICY = CheckoutPolicy()
REGIONS = load_regions()

FIXED_FORM = ProductForm(name="Kopi Gayo Arabika 250 g", description="Kopi arabika dari dataran tinggi Gayo, Aceh.",
                         category="makanan", weight_grams=300, sale_method="FIXED", price=85_000, stock=10,
                         photo_urls=("https://cdn.example.id/kopi-1.jpg", "https://cdn.example.id/kopi-2.jpg"))
AUCTION_FORM = ProductForm(name="Tenun Ikat Sumba Antik", description="Kain tenun ikat tangan, motif kuda.",
                           category="makanan", weight_grams=800, sale_method="AUCTION", start_price=1_500_000,
                           min_increment=50_000, reserve_price=2_000_000, ends_at=NOW + timedelta(days=3))


# --- members ----------------------------------------------------------------------------------------

def add_member(db: Database, username: str, role: str = "SELLER", city: str = "31.74",
               phone: str = "+6281234567890") -> Principal:
    """An ACTIVE member (no usable password: services are called with its Principal)."""
    with db.unit_of_work() as session:
        member = Member(username=username, username_key=username.lower(), email=f"{username}@example.co.id",
                        email_key=f"{username}@example.co.id", password_hash="x", name=username.title(),
                        address="Jl. Merdeka 1", phone=phone, province_code=city[:2], city_code=city,
                        role=role, status="ACTIVE", created_at=NOW, activated_at=NOW)
        session.add(member)
        session.flush()
        return Principal(member.id, username, role)


def signed_in(db: Database, member: Principal, now: datetime = NOW) -> Credentials:
    """The credentials of a session `member` opened at `now` (a SessionHeader's token), written straight."""
    token = secrets.token_urlsafe(16)
    with db.unit_of_work() as session:
        session.add(AuthSession(member_id=member.member_id, token_hash=token_hash(token), created_at=now,
                                expires_at=now + timedelta(days=1)))
    return Credentials(token=token)


def add_seller(db: Database, username: str, city: str, bank: str = "bca", account: str = "1234567890",
               **member) -> Principal:
    """A seller with a payout account (what a checkout's invoice names)."""
    seller = add_member(db, username, "SELLER", city=city, **member)
    with db.unit_of_work() as session:
        session.execute(update(Member).where(Member.id == seller.member_id).values(
            bank_code=bank, account_number=account, account_holder=f"KOPERASI {username.upper()}"))
    return seller


def set_verification(db: Database, seller_id: int, status: str) -> None:
    """The seller's verification row written straight (made if the seller has none, as add_seller's
    sellers have not) with `status`, and nothing left for the worker to check: a round that claimed
    the row before this write no longer holds its lease, so it cannot overwrite the status."""
    with db.unit_of_work() as session:
        row = session.get(SellerVerification, seller_id)
        if row is None:
            row = SellerVerification(member_id=seller_id, reasons="", attempts=0)
            session.add(row)
        row.status, row.next_check_at, row.updated_at = status, None, utcnow()


# --- the catalogue ----------------------------------------------------------------------------------

def add_category(db: Database, code: str = "makanan", name: str = "Makanan & Minuman") -> None:
    with db.unit_of_work() as session:
        catalog.create_category(session, code, name, NOW, POLICY)


def sell(db: Database, seller: Principal, form: ProductForm = FIXED_FORM, now: datetime = NOW, **changes):
    """The product `form` (with `changes`) listed by `seller`: its view (product_id ...)."""
    with db.unit_of_work() as session:
        return catalog.sell_product(session, seller, replace(form, **changes), now, POLICY)


# --- carts, checkouts, paid orders --------------------------------------------------------------------

class FakeCourier(CourierAdapter):
    """Tariffs by weight (per started kilogram), recording every request."""

    def __init__(self, courier: str, per_kg: int = 9_000):
        self.courier = courier
        self.per_kg = per_kg
        self.calls: list[tuple[str, str, int]] = []

    def get_tariff(self, origin_city_code, destination_city_code, weight_grams):
        self.calls.append((origin_city_code, destination_city_code, weight_grams))
        kg = max(1, math.ceil(weight_grams / 1000))
        return [TariffOption("REG", "Reguler", self.per_kg * kg, 3),
                TariffOption("YES", "Yakin Esok Sampai", 2 * self.per_kg * kg, 1)]

    def track(self, waybill):
        raise NotImplementedError


class DownCourier(FakeCourier):
    def get_tariff(self, origin_city_code, destination_city_code, weight_grams):
        raise PartnerUnavailable(f"courier:{self.courier}", "down")


def couriers() -> dict[str, CourierAdapter]:
    return {"jne": FakeCourier("jne"), "pos": FakeCourier("pos", 7_000), "tiki": DownCourier("tiki")}


def put(db: Database, buyer: Principal, product_id: int, quantity: int = 1) -> None:
    """`quantity` of the product in the buyer's cart."""
    with db.unit_of_work() as session:
        cart.add_item(session, buyer, product_id, quantity, NOW, cart.CartPolicy())


def jne_for(*sellers: str, service: str = "REG") -> list[Choice]:
    return [Choice(s, "jne", service) for s in sellers]


def quote(db: Database, buyer: Principal, ship_to=None, adapters=None, now: datetime = NOW):
    """quoteShipping: what a checkout must be preceded by."""
    return quote_shipping(db, buyer, ship_to, adapters or couriers(), REGIONS, now, CHECKOUT_POLICY)


def check_out(db: Database, buyer: Principal, choices, ship_to=None, adapters=None, now: datetime = NOW):
    """The buyer quotes shipping, then checks out at once."""
    quote(db, buyer, ship_to, adapters, now)
    return run_checkout(db, buyer, choices, ship_to, REGIONS, now, CHECKOUT_POLICY)


def pay(db: Database, invoice_number: str, now: datetime = NOW) -> None:
    """The invoice and its order PAID, through the one status function of each (as a matched
    mutation leaves them, without a bank)."""
    with db.unit_of_work() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == invoice_number)).one()
        set_invoice_status(session, invoice, "PAID", now, "paid (test)", "bank:bca")
        set_order_status(session, invoice.order, "PAID", now, "paid (test)", "bank:bca")


class PlacedOrder(NamedTuple):
    order_number: str
    invoice_number: str


def order_for(db: Database, buyer: Principal, product_id: int, seller_username: str, *, paid: bool = True,
              now: datetime = NOW) -> PlacedOrder:
    """One of the product in the buyer's cart, checked out with JNE REG, paid unless told otherwise."""
    put(db, buyer, product_id)
    [invoice] = check_out(db, buyer, jne_for(seller_username), now=now)
    if paid:
        pay(db, invoice.number, now)
    return PlacedOrder(invoice.order_number, invoice.number)


# --- the shop most service tests start from -----------------------------------------------------------

@dataclass(frozen=True)
class Shop:
    """Two sellers (Semarang 33.74, Bandung 32.73), a buyer, and their products' ids; what a test
    file needs more of (a second buyer, an admin, more products) is filled in, else None."""
    semarang: Principal
    bandung: Principal
    buyer: Principal
    kopi: int  # Semarang's: 85.000, 300 g
    batik: int  # Bandung's
    other: Principal | None = None  # a second buyer
    admin: Principal | None = None
    teh: int | None = None  # Semarang's: 40.000, 150 g, stock 5
    tenun: int | None = None  # Bandung's auction

    def product_id(self, product: str | int) -> int:
        """The id of the product named `product` here (kopi ...); an int is an id already."""
        return getattr(self, product) if isinstance(product, str) else product


# --- members who log in, and auctions, written straight to the tables at the real time ----------------

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
