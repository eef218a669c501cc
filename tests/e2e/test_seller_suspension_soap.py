"""Member.suspendMember over SOAP takes a seller's products off sale: out of search, not buyable, refused
by the cart, checkout and bidding (Client.InvalidState SELLER_SUSPENDED), flagged in carts; the seller's
unpaid invoice is cancelled, its stock back and its buyer told by email and SMS. reinstateMember puts
the products back on sale."""
from __future__ import annotations

import pytest
import zeep

from tests.e2e.catalog import Shop, auction_form, new_shop, stock_of
from tests.e2e.payments import buy, items, new_buyer, new_seller
from tests.e2e.soap import client, detail_code, fault_code, fault_of
from tests.waiting import eventually


@pytest.fixture(scope="module")
def shop(server, mailbox) -> Shop:
    return new_shop(server)


def suspended_fault(call, **kwargs) -> None:
    fault = fault_of(call, **kwargs)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "SELLER_SUSPENDED")


def test_a_suspended_seller_is_off_sale_until_reinstated(server, mailbox, shop, banks):
    seller = new_seller(server, mailbox, shop, banks, "bca")
    catalog, seller_auth = seller.service(server, "Catalog")
    auction_id = catalog.sellProduct(form=auction_form(shop.category), **seller_auth).productId
    first, second = new_buyer(server, mailbox), new_buyer(server, mailbox)
    unpaid = buy(server, first, seller, quantity=3)
    cart, cart_auth = second.service(server, "Cart")
    cart.addItem(productId=seller.product_id, quantity=1, **cart_auth)
    checkout, checkout_auth = second.service(server, "Checkout")
    checkout.quoteShipping(**checkout_auth)
    assert stock_of(server, seller.product_id) == 47

    members, admin_auth = shop.admin.service(server, "Member")
    assert members.suspendMember(username=seller.member.username, reason="laporan penipuan",
                                 **admin_auth).status == "SUSPENDED"
    public = client(server, "Catalog").service
    shown = public.getProduct(productId=seller.product_id)
    assert (shown.status, shown.action, shown.sellerSuspended) == ("ACTIVE", "NONE", True)
    assert not items(public.searchProducts(filters={"seller": seller.member.username}).products, "ProductSummary")
    # the cart flags the line, and refuses more of it; checkout and bids are refused; nothing changed
    [line] = cart.getCart(**cart_auth).groups.SellerGroup[0].lines.CartLine
    assert [flag.code for flag in line.flags.Flag] == ["SELLER_SUSPENDED"]
    suspended_fault(cart.addItem, productId=seller.product_id, quantity=1, **cart_auth)
    suspended_fault(checkout.checkout, choices={"ShippingChoice": []}, **checkout_auth)
    auction, bid_auth = second.service(server, "Auction")
    suspended_fault(auction.placeBid, productId=auction_id, amount=750_000, **bid_auth)
    assert auction.getAuction(productId=auction_id).bidCount == 0
    assert cart.getCart(**cart_auth).groups.SellerGroup[0].lines.CartLine[0].quantity == 1
    # the unpaid invoice is cancelled, its stock back, its buyer told not to transfer
    first_checkout, first_auth = first.service(server, "Checkout")
    assert first_checkout.getInvoice(invoiceNumber=unpaid.invoiceNumber, **first_auth).status == "CANCELLED"
    assert stock_of(server, seller.product_id) == 50
    mail = eventually(lambda: [m for m in mailbox.to(first.email) if "penjual ditangguhkan" in str(m["Subject"])],
                      "the cancellation email", 30, interval=0.1)[0]
    assert unpaid.invoiceNumber in mail.get_body(("plain",)).get_content()
    gateway = zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service
    eventually(lambda: [s for s in (gateway.listMessages(msisdn=first.msisdn) or [])
                        if unpaid.invoiceNumber in s.text and "ditangguhkan" in s.text],
               "the cancellation SMS", 30, interval=0.2)

    members.reinstateMember(username=seller.member.username, **admin_auth)
    assert public.getProduct(productId=seller.product_id).action == "BUY"
    assert cart.addItem(productId=seller.product_id, quantity=1, **cart_auth).readyForCheckout
    assert auction.placeBid(productId=auction_id, amount=750_000, **bid_auth).amount == 750_000
