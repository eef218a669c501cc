"""Verified sellers as buyers meet them, against the test database: sellerVerified on a product and each
search result (a seller without a verification row is not verified), searchProducts' verifiedOnly on
each of the search's paths, and EMALL_REQUIRE_VERIFIED_SELLER refusing a cart of a seller not verified
at quoteShipping and checkout, changing nothing."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event

from emall_ws.config import Settings
from emall_ws.domain.catalog import SearchFilters
from emall_ws.domain.errors import InvalidState
from emall_ws.domain.pipelines import VerificationStatus
from emall_ws.services import catalog, catalog_search
from emall_ws.services.checkout import run_checkout
from emall_ws.services.quoting import CheckoutPolicy, quote_shipping
from tests.builders import (CHECKOUT_POLICY, NOW, POLICY, REGIONS, add_category, add_seller, couriers, jne_for, put,
                            quote, sell, set_verification)
from tests.integration.catalog_fixtures import update
from tests.integration.checkout_fixtures import shop, snapshot, stock  # noqa: F401 (shop: a fixture)

REQUIRED = replace(CHECKOUT_POLICY, require_verified_seller=True)


def product(db, product_id: int) -> catalog.ProductView:
    with db.unit_of_work() as session:
        return catalog.get_product(session, product_id, NOW)


def search(db, **filters) -> list[tuple[int, bool]]:
    """(product id, sellerVerified) of each result, in the page's order."""
    with db.unit_of_work() as session:
        page = catalog_search.search_products(session, SearchFilters(**filters), REGIONS, NOW, POLICY)
    return [(p.product_id, p.seller_verified) for p in page.products]


# --- sellerVerified and verifiedOnly -----------------------------------------------------------------

def test_a_product_says_its_seller_is_verified_only_once_the_verification_is_verified(db, shop):
    assert product(db, shop.kopi).seller_verified is False  # add_seller's sellers have no row at all
    for status, verified in ((VerificationStatus.UNVERIFIED, False), (VerificationStatus.REJECTED, False),
                             (VerificationStatus.VERIFIED, True)):
        set_verification(db, shop.semarang.member_id, status)
        assert product(db, shop.kopi).seller_verified is verified, status
        assert product(db, shop.teh).seller_verified is verified, status
        assert product(db, shop.batik).seller_verified is False, status  # the other seller's
    # the seller's own answers (sellProduct, updateProduct) say it too
    assert sell(db, shop.semarang, name="Gula Aren Cair").seller_verified is True
    assert update(db, shop.semarang, shop.kopi, price=90_000).seller_verified is True
    assert sell(db, shop.bandung, name="Tenun Garut").seller_verified is False


def test_search_results_say_whether_their_seller_is_verified_and_verified_only_keeps_those(db, shop):
    set_verification(db, shop.semarang.member_id, VerificationStatus.VERIFIED)
    set_verification(db, shop.bandung.member_id, VerificationStatus.REJECTED)
    everyone = search(db)
    assert everyone == [(shop.batik, False), (shop.teh, True), (shop.kopi, True)]  # newest first
    assert search(db, verified_only=False) == everyone
    assert search(db, verified_only=True) == [(shop.teh, True), (shop.kopi, True)]
    # on every path the search takes: a text's terms driving it, a filter's index walked, a price filter
    # (every product of the shop is described as Gayo coffee; only the names differ)
    assert search(db, text="gayo") == everyone
    assert search(db, text="gayo", verified_only=True) == [(shop.teh, True), (shop.kopi, True)]
    assert search(db, text="batik", verified_only=True) == []
    assert search(db, text="teh kaligua", verified_only=True) == [(shop.teh, True)]
    assert search(db, seller="ukm_bandung", verified_only=True) == []
    assert search(db, seller="koperasi_semarang", text="arabika", verified_only=True) == [
        (shop.teh, True), (shop.kopi, True)]
    assert search(db, city="33.74", min_price=50_000, verified_only=True) == [(shop.kopi, True)]
    assert search(db, sort="PRICE_DESC", verified_only=True) == [(shop.kopi, True), (shop.teh, True)]


def test_verified_only_leaves_out_sellers_without_a_verification_row(db, shop):
    assert search(db, verified_only=True) == []
    set_verification(db, shop.bandung.member_id, VerificationStatus.VERIFIED)
    assert search(db, verified_only=True) == [(shop.batik, True)]
    assert search(db, text="batik", verified_only=True) == [(shop.batik, True)]


# --- EMALL_REQUIRE_VERIFIED_SELLER ------------------------------------------------------------------

def test_the_setting_is_off_by_default_and_reaches_the_checkout_policy():
    assert CheckoutPolicy.from_settings(Settings.from_env({})).require_verified_seller is False
    for raw, on in (("1", True), ("yes", True), ("0", False)):
        settings = Settings.from_env({"EMALL_REQUIRE_VERIFIED_SELLER": raw})
        assert CheckoutPolicy.from_settings(settings).require_verified_seller is on


def refused(call, seller: str) -> None:
    with pytest.raises(InvalidState) as error:
        call()
    assert (error.value.code, error.value.params) == ("SELLER_NOT_VERIFIED", {"seller": seller})


def test_with_the_setting_on_checkout_refuses_a_cart_of_a_seller_not_verified_and_changes_nothing(db, shop):
    buyer = shop.buyer
    set_verification(db, shop.semarang.member_id, VerificationStatus.VERIFIED)
    put(db, buyer, shop.kopi, 2)
    put(db, buyer, shop.batik)  # ukm_bandung: no verification row
    quote(db, buyer)  # quoted while the setting was off
    before = snapshot(db)
    refused(lambda: run_checkout(db, buyer, jne_for("koperasi_semarang", "ukm_bandung"), None, REGIONS, NOW,
                                 REQUIRED), "ukm_bandung")
    # a quote is refused too, before any courier is asked
    adapters = couriers()
    refused(lambda: quote_shipping(db, buyer, None, adapters, REGIONS, NOW, REQUIRED), "ukm_bandung")
    assert adapters["jne"].calls == []
    set_verification(db, shop.bandung.member_id, VerificationStatus.REJECTED)
    refused(lambda: run_checkout(db, buyer, jne_for("koperasi_semarang", "ukm_bandung"), None, REGIONS, NOW,
                                 REQUIRED), "ukm_bandung")
    # no invoice, order, history or notification; stock, cart and quotes as they were
    assert snapshot(db) == before
    assert stock(db, shop.kopi) == (10, "ACTIVE")


def test_the_first_seller_not_verified_is_named_by_username(db, shop):
    put(db, shop.buyer, shop.kopi)
    put(db, shop.buyer, shop.batik)
    refused(lambda: quote_shipping(db, shop.buyer, None, couriers(), REGIONS, NOW, REQUIRED), "koperasi_semarang")


def test_with_the_setting_on_a_verified_sellers_cart_checks_out(db, shop):
    buyer = shop.buyer
    set_verification(db, shop.semarang.member_id, VerificationStatus.VERIFIED)
    put(db, buyer, shop.kopi, 2)
    quote_shipping(db, buyer, None, couriers(), REGIONS, NOW, REQUIRED)
    [invoice] = run_checkout(db, buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW, REQUIRED)
    assert (invoice.seller, invoice.status) == ("koperasi_semarang", "UNPAID")
    assert stock(db, shop.kopi) == (8, "ACTIVE")


def test_with_the_setting_off_any_sellers_cart_checks_out(db, shop):
    buyer = shop.buyer
    set_verification(db, shop.bandung.member_id, VerificationStatus.REJECTED)
    put(db, buyer, shop.kopi)  # koperasi_semarang: no verification row
    put(db, buyer, shop.batik)
    quote(db, buyer)
    invoices = run_checkout(db, buyer, jne_for("koperasi_semarang", "ukm_bandung"), None, REGIONS, NOW,
                            CHECKOUT_POLICY)
    assert [i.seller for i in invoices] == ["koperasi_semarang", "ukm_bandung"]


def test_a_product_page_and_a_search_read_the_verification_in_their_own_statement(db, shop):
    """No query per product: a page of results whose sellers are verified or not is one SELECT, and so is
    a product page."""
    add_category(db, "kerajinan", "Kerajinan Tangan")
    set_verification(db, shop.semarang.member_id, VerificationStatus.VERIFIED)
    for n in range(5):
        sell(db, add_seller(db, f"penjual{n}", "32.73"), name=f"Anyaman Bambu {n}", category="kerajinan")
    selects: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert [verified for _, verified in search(db)] == [False] * 6 + [True, True]
        assert len(selects) == 1, selects
        assert product(db, shop.kopi).seller_verified is True
        assert len(selects) == 2, selects
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
