"""Catalogue and cart set-up over SOAP, as a client would: an admin's category, sellers, buyers, listings."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, TypeVar

from sqlalchemy import update

from emall_ws.clock import WIB, utcnow
from emall_ws.db.models import Member as MemberRow
from emall_ws.db.models import Product
from emall_ws.db.session import Database
from tests.builders import FixtureMember, create_auction, create_member, set_ends_at
from tests.e2e.members import as_member, form, login, register_and_activate, seller_form
from tests.e2e.soap import client, unique, with_token

Seen = TypeVar("Seen")

ADMIN_PASSWORD = "operator12345"


def create_admin(server) -> str:
    """An admin made by the operator's command (there is no SOAP way to become one)."""
    username = unique("admin")
    env = dict(os.environ, EMALL_DATABASE_URL=server.database_url, EMALL_ADMIN_PASSWORD=ADMIN_PASSWORD)
    subprocess.run([sys.executable, "-m", "emall_ws.cli", "create-admin", "--username", username,
                    "--email", f"{username}@kemenkopukm.go.id"], env=env, check=True, timeout=120,
                   capture_output=True)
    return username


@dataclass
class Member:
    username: str
    token: str

    def service(self, server, name: str):
        """(service proxy, keyword arguments carrying this member's session token)."""
        return as_member(server, name, self.token)


@dataclass(frozen=True)
class Shop:
    """An admin and a category of their own: where every e2e module that lists products starts."""
    admin: Member
    category: str


def new_shop(server) -> Shop:
    admin_name = create_admin(server)
    admin = Member(admin_name, login(server, admin_name, ADMIN_PASSWORD))
    return Shop(admin, new_category(server, admin))


def new_member(server, mailbox, seller: bool = False, **overrides) -> Member:
    values = register_and_activate(server, mailbox, (seller_form if seller else form)(**overrides))
    return Member(values["username"], login(server, values["username"]))


def stock_of(server, product_id: int) -> int:
    """The product's stock as the catalogue shows it to anyone."""
    return client(server, "Catalog").service.getProduct(productId=product_id).stock


def new_category(server, admin: Member) -> str:
    catalog, auth = admin.service(server, "Catalog")
    code = unique("kategori-")
    return catalog.createCategory(code=code, name=f"Kategori {code}", **auth).code


def in_wib(**delta) -> datetime:
    return (datetime.now(WIB) + timedelta(**delta)).replace(microsecond=0)


def fixed_form(category: str, **overrides) -> dict:
    values = dict(name="Keripik Tempe Malang", description="Keripik tempe renyah khas Malang, 250 gram.",
                  category=category, weightGrams=300, saleMethod="FIXED", price=25_000, stock=12,
                  photoUrls=["https://cdn.example.id/keripik-1.jpg", "https://cdn.example.id/keripik-2.jpg"])
    values.update(overrides)
    return values


def auction_form(category: str, **overrides) -> dict:
    values = dict(name="Lukisan Kaca Cirebon", description="Lukisan kaca tangan, tokoh wayang, 40 x 60 cm.",
                  category=category, weightGrams=2500, saleMethod="AUCTION", startPrice=750_000,
                  minIncrement=25_000, reservePrice=1_000_000, endsAt=in_wib(days=2),
                  photoUrls=["https://cdn.example.id/lukisan.jpg"])
    values.update(overrides)
    return values


def while_ended_not_closed(server, make_auction: Callable[[], int], look: Callable[[int], Seen],
                           attempts: int = 10) -> tuple[int, Seen]:
    """(product id, what `look` returned) for an auction past its end time that the worker has not
    closed while it was looked at. The end time is moved into the past; the worker closes due
    auctions every second here, so it may close this one before or during the look, which then
    proves nothing: the look is made again on a fresh auction from `make_auction`."""
    auction = client(server, "Auction").service
    db = Database(server.database_url)
    try:
        for _ in range(attempts):
            product_id = make_auction()
            set_ends_at(db, product_id, utcnow() - timedelta(seconds=1))
            if auction.getAuction(productId=product_id).status != "ENDED":
                continue
            seen = look(product_id)
            if auction.getAuction(productId=product_id).status == "ENDED":  # still open: the look counts
                return product_id, seen
    finally:
        db.dispose()
    raise AssertionError(f"the worker closed each of {attempts} auctions while it was looked at")


def racing_stock(db: Database, units: int, name: str = "Kopi Gayo 250 g") -> tuple[FixtureMember, int]:
    """(a seller with a payee account, a fixed-price product of theirs with `units` in stock), made
    in the database: the races' set-up, not what they test."""
    seller = create_member(db, unique("racestall"), "SELLER")
    with db.unit_of_work() as session:
        session.execute(update(MemberRow).where(MemberRow.id == seller.id).values(
            bank_code="bri", account_number="002101000123503", account_holder="Toko Balapan"))
    product_id = create_auction(db, seller.id, sale_method="FIXED", start_price=45_000, name=name)
    with db.unit_of_work() as session:
        session.get(Product, product_id).stock = units
    return seller, product_id


def ready_to_check_out(server, username: str, product_id: int, seller: str, quantity: int = 1):
    """The member logged in, `quantity` of the product in their cart and the seller's first shipping
    option taken: (Checkout service, keyword arguments with the token, the choices to check out)."""
    token = login(server, username)
    cart, checkout = client(server, "Cart"), client(server, "Checkout")
    cart.service.addItem(productId=product_id, quantity=quantity, **with_token(cart, "Cart", token))
    auth = with_token(checkout, "Checkout", token)
    option = checkout.service.quoteShipping(**auth)[0].options.ShippingOption[0]
    choice = {"sellerUsername": seller, "courier": option.courier, "service": option.service}
    return checkout.service, auth, {"ShippingChoice": [choice]}
