"""A suspended seller's products are off sale: out of search, not buyable, refused by the cart, checkout
and bidding (SELLER_SUSPENDED), flagged in carts; unpaid invoices to the seller are cancelled (stock back,
buyers told), paid orders stay. Reinstatement puts everything back on sale as it was."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from emall_ws.db.models import Bid, Invoice, Order
from emall_ws.domain.catalog import SearchFilters
from emall_ws.domain.errors import InvalidState
from emall_ws.services import auction, cart, catalog, catalog_search, checkout, invoices, members, quoting
from emall_ws.services.quoting import Choice
from emall_ws.services.checkout import run_checkout
from tests.builders import (AUCTION_FORM, CHECKOUT_POLICY, NOW, POLICY, REGIONS, check_out, couriers, jne_for, put,
                            quote, sell)
from tests.integration.catalog_fixtures import count
from tests.integration.checkout_fixtures import PHONES, shop, snapshot, stock, told, won_auction  # noqa: F401 (shop: a fixture)

LATER = NOW + timedelta(hours=1)


def suspend(db, shop, username="koperasi_semarang", now=NOW):
    with db.unit_of_work() as session:
        return members.suspend(session, shop.admin, username, "laporan penipuan", now)


def reinstate(db, shop, username="koperasi_semarang", now=LATER):
    with db.unit_of_work() as session:
        return members.reinstate(session, shop.admin, username, now)


def found(db, **filters) -> list[int]:
    with db.unit_of_work() as session:
        page = catalog_search.search_products(session, SearchFilters(**filters), REGIONS, NOW, POLICY)
    return [p.product_id for p in page.products]


def product(db, product_id):
    with db.unit_of_work() as session:
        return catalog.get_product(session, product_id, NOW)


def refused(db, work) -> InvalidState:
    """`work(session)` refused with SELLER_SUSPENDED, and nothing changed."""
    before = snapshot(db), count(db, Bid)
    with pytest.raises(InvalidState) as error:
        with db.unit_of_work() as session:
            work(session)
    assert error.value.code == "SELLER_SUSPENDED"
    assert (snapshot(db), count(db, Bid)) == before
    return error.value


def test_a_suspended_sellers_products_leave_search_and_are_shown_not_buyable_until_reinstated(db, shop):
    assert set(found(db)) == {shop.kopi, shop.teh, shop.batik}
    suspend(db, shop)
    assert found(db) == [shop.batik]
    assert found(db, text="kaligua") == [] and found(db, seller="koperasi_semarang") == []
    shown = product(db, shop.kopi)
    assert (shown.status, shown.action, shown.seller_suspended) == ("ACTIVE", "NONE", True)
    assert (product(db, shop.batik).action, product(db, shop.batik).seller_suspended) == ("BUY", False)
    reinstate(db, shop)
    assert set(found(db)) == {shop.kopi, shop.teh, shop.batik}
    assert (product(db, shop.kopi).action, product(db, shop.kopi).seller_suspended) == ("BUY", False)


def test_the_cart_refuses_a_suspended_sellers_products_and_flags_the_lines_it_holds(db, shop):
    buyer = shop.buyer
    put(db, buyer, shop.kopi)
    put(db, buyer, shop.batik)
    suspend(db, shop)
    error = refused(db, lambda s: cart.add_item(s, buyer, shop.teh, 1, NOW, cart.CartPolicy()))
    assert error.params == {"seller": "koperasi_semarang"}
    refused(db, lambda s: cart.update_item(s, buyer, shop.kopi, 2, NOW, cart.CartPolicy()))
    with db.unit_of_work() as session:
        shown = cart.get_cart(session, buyer)
    assert {line.state.product_id: line.flags for group in shown.groups for line in group.lines} == {
        shop.kopi: ("SELLER_SUSPENDED",), shop.batik: ()}
    assert not shown.ready_for_checkout and shown.total == 450_000  # flagged lines are not counted
    reinstate(db, shop)
    put(db, buyer, shop.teh)
    with db.unit_of_work() as session:
        assert cart.get_cart(session, buyer).ready_for_checkout


def test_checkout_and_its_quote_are_refused_while_a_seller_in_the_cart_is_suspended(db, shop):
    buyer = shop.buyer
    put(db, buyer, shop.kopi)
    put(db, buyer, shop.batik)
    quote(db, buyer)  # quoted before the suspension: the checkout is still refused
    suspend(db, shop)
    refused(db, lambda s: quoting.quote_shipping(db, buyer, None, couriers(), REGIONS, NOW, CHECKOUT_POLICY))
    refused(db, lambda s: run_checkout(db, buyer, jne_for("koperasi_semarang", "ukm_bandung"), None, REGIONS, NOW,
                                       CHECKOUT_POLICY))
    reinstate(db, shop)
    semarang, bandung = check_out(db, buyer, jne_for("koperasi_semarang", "ukm_bandung"), now=LATER)
    assert (semarang.seller, semarang.status) == ("koperasi_semarang", "UNPAID")


def test_a_seller_suspended_between_plan_and_commit_is_seen_under_the_lock(db, shop, monkeypatch):
    """The check that counts is made on the seller row locked by the checkout itself."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite: one writer at a time, the suspension would wait for this checkout")
    buyer = shop.buyer
    put(db, buyer, shop.kopi)
    quote(db, buyer)
    planned = checkout.plan_cart

    def plan_then_suspend(session, *args):
        plan = planned(session, *args)
        with db.unit_of_work() as other:  # committed before the checkout locks the seller
            members.suspend(other, shop.admin, "koperasi_semarang", "laporan penipuan", NOW)
        return plan

    monkeypatch.setattr(checkout, "plan_cart", plan_then_suspend)
    with pytest.raises(InvalidState) as error:
        run_checkout(db, buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW, CHECKOUT_POLICY)
    assert error.value.code == "SELLER_SUSPENDED" and count(db, Invoice) == 0


def test_bids_and_a_won_auctions_checkout_are_refused_while_the_seller_is_suspended(db, shop):
    open_auction = sell(db, shop.semarang, AUCTION_FORM).product_id
    won = won_auction(db, shop.semarang, shop.buyer, name="Tenun Ikat Sumba Kedua")
    quoting.quote_auction_shipping(db, shop.buyer, won, None, couriers(), REGIONS, NOW, CHECKOUT_POLICY)
    suspend(db, shop)
    refused(db, lambda s: auction.place_bid(s, shop.other, open_auction, 1_500_000, lambda: NOW))
    refused(db, lambda s: quoting.quote_auction_shipping(db, shop.buyer, won, None, couriers(), REGIONS, NOW,
                                                         CHECKOUT_POLICY))
    refused(db, lambda s: checkout.run_auction_checkout(db, shop.buyer, won, Choice(None, "jne", "REG"), None,
                                                         REGIONS, NOW, CHECKOUT_POLICY))
    reinstate(db, shop)
    with db.unit_of_work() as session:
        assert auction.place_bid(session, shop.other, open_auction, 1_500_000, lambda: LATER).amount == 1_500_000
    invoice = checkout.run_auction_checkout(db, shop.buyer, won, Choice(None, "jne", "REG"), None, REGIONS, NOW,
                                            CHECKOUT_POLICY)
    assert invoice.status == "UNPAID"


def test_suspension_cancels_unpaid_invoices_restores_stock_tells_the_buyers_and_keeps_paid_orders(db, shop):
    put(db, shop.buyer, shop.kopi, 3)
    put(db, shop.buyer, shop.batik)
    put(db, shop.other, shop.teh, 5)
    unpaid, bandung = check_out(db, shop.buyer, jne_for("koperasi_semarang", "ukm_bandung"))
    paid, = check_out(db, shop.other, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:
        row = session.scalars(select(Invoice).where(Invoice.number == paid.number)).one()
        invoices.set_invoice_status(session, row, "PAID", NOW, "test: paid", "bank:bca")
        invoices.set_order_status(session, row.order, "PAID", NOW, "test: paid", "bank:bca")
    assert stock(db, shop.kopi) == (7, "ACTIVE") and stock(db, shop.teh) == (0, "SOLD_OUT")
    suspend(db, shop, now=LATER)
    with db.unit_of_work() as session:
        status = dict(session.execute(select(Invoice.number, Invoice.status)).all())
        orders = dict(session.execute(select(Order.number, Order.status)).all())
    assert status == {unpaid.number: "CANCELLED", bandung.number: "UNPAID", paid.number: "PAID"}
    assert orders[unpaid.order_number] == "CANCELLED" and orders[paid.order_number] == "PAID"
    assert stock(db, shop.kopi) == (10, "ACTIVE") and stock(db, shop.teh) == (0, "SOLD_OUT")
    # the buyer of the cancelled invoice is told not to transfer, by email and SMS; nobody else
    assert told(db, "invoice_cancelled_seller_suspended") == {"budi@example.co.id", PHONES["buyer"]}
    assert told(db, "invoice_cancelled") == set()
    reinstate(db, shop)  # nothing comes back but the products' sale: the cancelled invoice stays cancelled
    with db.unit_of_work() as session:
        assert invoices.get_invoice(session, shop.admin, unpaid.number).status == "CANCELLED"
    assert stock(db, shop.kopi) == (10, "ACTIVE")
