"""The paper's Table III, rows 4 and 1, over SOAP against the real server.

Row 4: a seller offers one product at a fixed price and one by auction; the fixed one shows the buy
button ("tombol beli"), the auction one the bid button and bid form ("tombol tawar").
Row 1: a buyer puts the fixed-price product into the shopping cart; the cart shows it, ready for checkout.
"""
import pytest
import suds.client

from tests.e2e.catalog import auction_form, create_admin, fixed_form, new_category, new_member
from tests.e2e.catalog import ADMIN_PASSWORD, Member
from tests.e2e.members import login
from tests.e2e.soap import client, detail_code, fault_code, fault_of


@pytest.fixture(scope="module")
def listed(server, mailbox):
    """Row 4's set-up: an admin's category, an active seller, and the seller's two listings."""
    admin_name = create_admin(server)
    category = new_category(server, Member(admin_name, login(server, admin_name, ADMIN_PASSWORD)))
    seller = new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    fixed = catalog.sellProduct(form=fixed_form(category), **auth)
    auction = catalog.sellProduct(form=auction_form(category), **auth)
    return {"seller": seller, "category": category, "fixed": fixed, "auction": auction}


def test_row_4_fixed_price_shows_buy_and_auction_shows_bid(server, listed):
    catalog = client(server, "Catalog").service  # anyone may look, no login needed
    fixed = catalog.getProduct(productId=listed["fixed"].productId)
    auction = catalog.getProduct(productId=listed["auction"].productId)

    assert (fixed.saleMethod, fixed.status, fixed.action) == ("FIXED", "ACTIVE", "BUY")
    assert (fixed.price, fixed.stock, fixed.weightGrams) == (25_000, 12, 300)
    assert fixed.photoUrls == ["https://cdn.example.id/keripik-1.jpg", "https://cdn.example.id/keripik-2.jpg"]
    assert fixed.sellerUsername == listed["seller"].username and fixed.categoryCode == listed["category"]

    assert (auction.saleMethod, auction.status, auction.action) == ("AUCTION", "ACTIVE", "BID")
    assert (auction.price, auction.startPrice, auction.minIncrement) == (750_000, 750_000, 25_000)
    assert (auction.bidCount, auction.currentPrice, auction.stock) == (0, None, None)
    assert auction.hasReserve is True and auction.reserveMet is False
    assert auction.endsAt.utcoffset().total_seconds() == 7 * 3600  # WIB on the wire
    assert auction.endsAt == listed["auction"].endsAt


def test_row_4_both_are_found_with_their_actions(server, listed):
    found = client(server, "Catalog").service.searchProducts(
        filters={"seller": listed["seller"].username}, page=1, pageSize=10)
    actions = {p.productId: p.action for p in found.products.ProductSummary}
    assert actions == {listed["fixed"].productId: "BUY", listed["auction"].productId: "BID"}


def test_row_4_the_auction_takes_bids_not_cart_lines(server, mailbox, listed):
    bidder = new_member(server, mailbox)
    cart, auth = bidder.service(server, "Cart")
    fault = fault_of(cart.addItem, productId=listed["auction"].productId, quantity=1, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "AUCTION_NOT_FOR_CART")

    auction_service, auth = bidder.service(server, "Auction")
    placed = auction_service.placeBid(productId=listed["auction"].productId, amount=750_000, **auth)
    assert placed.amount == 750_000
    shown = client(server, "Catalog").service.getProduct(productId=listed["auction"].productId)
    assert (shown.action, shown.bidCount, shown.currentPrice, shown.price) == ("BID", 1, 750_000, 750_000)
    assert shown.reserveMet is False  # below the reserve; the reserve amount is never shown


def test_row_1_the_fixed_price_product_goes_into_the_cart_ready_for_checkout(server, mailbox, listed):
    buyer = new_member(server, mailbox)
    cart, auth = buyer.service(server, "Cart")
    answer = cart.addItem(productId=listed["fixed"].productId, quantity=2, **auth)
    assert answer.readyForCheckout is True

    shown = cart.getCart(**auth)  # a later call sees the same: the cart is kept on the server
    group, = shown.groups.SellerGroup
    line, = group.lines.CartLine
    assert group.sellerUsername == listed["seller"].username
    assert (line.productId, line.name, line.quantity) == (listed["fixed"].productId, "Keripik Tempe Malang", 2)
    assert (line.unitPrice, line.lineTotal, line.weightGrams) == (25_000, 50_000, 600)
    assert line.photoUrl == "https://cdn.example.id/keripik-1.jpg" and not line.flags
    assert (group.subtotal, shown.total, shown.weightGrams, shown.itemCount) == (50_000, 50_000, 600, 2)
    assert shown.readyForCheckout is True


def test_row_1_and_4_with_a_second_client_stack(server, listed):
    """suds, an independent SOAP client, reads the same product page."""
    suds_catalog = suds.client.Client(server.wsdl_url("Catalog"), cache=None)
    product = suds_catalog.service.getProduct(productId=listed["fixed"].productId)
    assert (product.action, product.price) == ("BUY", 25_000)
