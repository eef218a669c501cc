"""Sellers with payout accounts, fixed-price products, fake couriers: what the checkout tests share."""
from __future__ import annotations

import math

from sqlalchemy import update

from adapters.courier import CourierAdapter, TariffOption
from adapters.errors import PartnerUnavailable
from emall_ws.data.regions import load_regions
from emall_ws.db.models import Member
from emall_ws.services import cart
from emall_ws.services.checkout import Choice, quote_shipping, run_checkout
from tests.integration.catalog_fixtures import NOW, add_member

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


def jne_for(*sellers: str, service: str = "REG") -> list[Choice]:
    return [Choice(s, "jne", service) for s in sellers]


def quote(db, buyer, ship_to=None, adapters=None, now=NOW):
    """quoteShipping: what a checkout must be preceded by."""
    return quote_shipping(db, buyer, ship_to, adapters or couriers(), REGIONS, now)


def check_out(db, buyer, choices, ship_to=None, adapters=None, now=NOW):
    """The buyer quotes shipping, then checks out at once."""
    quote(db, buyer, ship_to, adapters, now)
    return run_checkout(db, buyer, choices, ship_to, REGIONS, now)
