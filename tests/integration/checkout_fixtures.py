"""Sellers with payout accounts, fixed-price products, fake couriers: what the checkout tests share."""
from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from adapters.courier import CourierAdapter, TariffOption
from adapters.errors import PartnerUnavailable
from emall_ws.data.regions import load_regions
from emall_ws.db.models import (CartLine, Invoice, InvoiceStatusHistory, Member, Notification, Order, OrderLine,
                                OrderStatusHistory, Product, ShippingQuote)
from emall_ws.services import cart
from emall_ws.services.checkout import run_checkout
from emall_ws.services.quoting import Choice, quote_shipping
from tests.integration.catalog_fixtures import AUCTION_FORM, FIXED_FORM, NOW, add_category, add_member, sell

REGIONS = load_regions()


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


def add_seller(db, username: str, city: str, bank: str = "bca", account: str = "1234567890", **member):
    seller = add_member(db, username, "SELLER", city=city, **member)
    with db.unit_of_work() as session:
        session.execute(update(Member).where(Member.id == seller.member_id).values(
            bank_code=bank, account_number=account, account_holder=f"KOPERASI {username.upper()}"))
    return seller


def put(db, buyer, product_id, quantity=1):
    with db.unit_of_work() as session:
        cart.add_item(session, buyer, product_id, quantity, NOW, cart.CartPolicy())


def won_auction(db, seller, winner, amount: int = 2_100_000, **form) -> int:
    """An auction of `seller` closed with `winner` at `amount`, as the closing job leaves it: its id."""
    product_id = sell(db, seller, AUCTION_FORM, **form).product_id
    with db.unit_of_work() as session:
        product = session.get(Product, product_id)
        product.status, product.winner_id, product.current_price, product.closed_at = (
            "CLOSED", winner.member_id, amount, NOW)
    return product_id


def jne_for(*sellers: str, service: str = "REG") -> list[Choice]:
    return [Choice(s, "jne", service) for s in sellers]


def quote(db, buyer, ship_to=None, adapters=None, now=NOW):
    """quoteShipping: what a checkout must be preceded by."""
    return quote_shipping(db, buyer, ship_to, adapters or couriers(), REGIONS, now)


def check_out(db, buyer, choices, ship_to=None, adapters=None, now=NOW):
    """The buyer quotes shipping, then checks out at once."""
    quote(db, buyer, ship_to, adapters, now)
    return run_checkout(db, buyer, choices, ship_to, REGIONS, now)


DAY = timedelta(hours=24)
PHONES = {"semarang": "+6281100000001", "bandung": "+6281100000002", "buyer": "+6281100000003",
          "other": "+6281100000004"}


@pytest.fixture
def shop(db):
    """Two sellers with payout accounts (Semarang: kopi and teh; Bandung: batik), two buyers, an admin."""
    add_category(db)
    # everyone their own phone, so that an SMS to each side is a row of its own
    semarang = add_seller(db, "koperasi_semarang", "33.74", "bca", "1111111111", phone=PHONES["semarang"])
    bandung = add_seller(db, "ukm_bandung", "32.73", "mandiri", "2222222222", phone=PHONES["bandung"])
    return {
        "semarang": semarang, "bandung": bandung, "buyer": add_member(db, "budi", "BUYER", phone=PHONES["buyer"]),
        "other": add_member(db, "ani", "BUYER", phone=PHONES["other"]), "admin": add_member(db, "admin1", "ADMIN"),
        "kopi": sell(db, semarang, FIXED_FORM).product_id,  # 85.000, 300 g, stock 10
        "teh": sell(db, semarang, FIXED_FORM, name="Teh Kaligua", price=40_000, weight_grams=150, stock=5).product_id,
        "batik": sell(db, bandung, FIXED_FORM, name="Batik Tulis", price=450_000, weight_grams=500,
                      stock=2).product_id,
    }


def stock(db, product_id):
    with db.unit_of_work() as session:
        product = session.get(Product, product_id)
        return product.stock, product.status


def snapshot(db):
    """Everything a refused checkout must leave as it was."""
    with db.unit_of_work() as session:
        return (sorted(session.execute(select(Product.id, Product.stock, Product.status)).all()),
                sorted(session.execute(select(CartLine.buyer_id, CartLine.product_id, CartLine.quantity)).all()),
                sorted(session.execute(select(Invoice.number, Invoice.status, Invoice.stock_restored)).all()),
                sorted(session.execute(select(Order.number, Order.status)).all()),
                *(session.scalar(select(func.count()).select_from(m))
                  for m in (Order, OrderLine, Invoice, Notification, InvoiceStatusHistory, OrderStatusHistory,
                            ShippingQuote)))


def told(db, template):
    """The recipients (emails and phones) of every notification from `template`."""
    with db.unit_of_work() as session:
        return set(session.scalars(select(Notification.recipient).where(Notification.template == template)))
