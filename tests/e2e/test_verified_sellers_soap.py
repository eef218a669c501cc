"""Verified sellers over SOAP, on a platform of its own started with EMALL_REQUIRE_VERIFIED_SELLER=1:
Catalog's getProduct and searchProducts say sellerVerified and searchProducts' verifiedOnly keeps verified
sellers' products only; Checkout's quoteShipping and checkout refuse a cart of a seller not verified
(Client.InvalidState SELLER_NOT_VERIFIED), changing nothing, and take a verified seller's."""
from __future__ import annotations

import pytest

from emall_ws.db.session import Database
from emall_ws.domain.pipelines import VerificationStatus
from tests.builders import member_id, set_verification
from tests.e2e.catalog import new_shop, stock_of
from tests.e2e.payments import Seller, buy, items, new_buyer, new_seller
from tests.e2e.server import serving
from tests.e2e.soap import client, detail_code, fault_code, fault_of


@pytest.fixture(scope="module")
def server(database_factory, tmp_path_factory, mailbox):
    """Overrides the session's platform for this module (and its `banks`): this one requires verified sellers."""
    with serving(database_factory, tmp_path_factory.mktemp("verified"), mailbox, "verified",
                 EMALL_REQUIRE_VERIFIED_SELLER="1") as running_server:
        yield running_server


def verify(server, seller: Seller, status: str) -> None:
    """The seller's verification written straight to the database: the worker's check of the partners
    (services.seller_verification) is not what is tested here, and is left nothing to check."""
    db = Database(server.database_url)
    try:
        set_verification(db, member_id(db, seller.member.username), status)
    finally:
        db.dispose()


def not_verified_fault(call, seller: Seller, **kwargs) -> None:
    fault = fault_of(call, **kwargs)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "SELLER_NOT_VERIFIED")
    assert seller.member.username in fault.message


def test_buyers_see_who_is_verified_and_checkout_takes_verified_sellers_only(server, mailbox, banks):
    shop = new_shop(server)
    verified = new_seller(server, mailbox, shop, banks, "bca")
    unverified = new_seller(server, mailbox, shop, banks, "bni")
    verify(server, verified, VerificationStatus.VERIFIED)
    verify(server, unverified, VerificationStatus.UNVERIFIED)

    public = client(server, "Catalog").service
    assert public.getProduct(productId=verified.product_id).sellerVerified is True
    assert public.getProduct(productId=unverified.product_id).sellerVerified is False
    # without verifiedOnly (a client of the older WSDL) every seller's products, as before
    everyone = items(public.searchProducts(filters={"category": shop.category}).products, "ProductSummary")
    assert [(p.productId, p.sellerVerified) for p in everyone] == [
        (unverified.product_id, False), (verified.product_id, True)]
    for flag in (False, None):
        assert len(items(public.searchProducts(filters={"category": shop.category}, verifiedOnly=flag).products,
                         "ProductSummary")) == 2
    only = items(public.searchProducts(filters={"category": shop.category}, verifiedOnly=True).products,
                 "ProductSummary")
    assert [(p.productId, p.sellerVerified) for p in only] == [(verified.product_id, True)]

    buyer = new_buyer(server, mailbox)
    cart, cart_auth = buyer.service(server, "Cart")
    cart.addItem(productId=unverified.product_id, quantity=2, **cart_auth)
    checkout, checkout_auth = buyer.service(server, "Checkout")
    not_verified_fault(checkout.quoteShipping, unverified, **checkout_auth)
    not_verified_fault(checkout.checkout, unverified, choices={"ShippingChoice": [{
        "sellerUsername": unverified.member.username, "courier": "jne", "service": "REG"}]}, **checkout_auth)
    # nothing written: no invoice, the stock and the cart as they were
    assert not items(checkout.listInvoices(**checkout_auth), "Invoice")
    assert stock_of(server, unverified.product_id) == 50
    [group] = cart.getCart(**cart_auth).groups.SellerGroup
    assert [(line.productId, line.quantity) for line in group.lines.CartLine] == [(unverified.product_id, 2)]

    # without that seller's line, the verified seller's product is bought as usual
    cart.removeItem(productId=unverified.product_id, **cart_auth)
    invoice = buy(server, buyer, verified, quantity=2)
    assert invoice.seller == verified.member.username
    assert stock_of(server, verified.product_id) == 48
