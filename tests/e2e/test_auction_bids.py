"""The Auction service over SOAP against the real server: bidding, reading, faults, closing.

Auctions are listed with Catalog.sellProduct, as a seller would; only the clock is helped along
(an auction cannot be listed to end in the past, so tests move its end in the database).
"""
from dataclasses import dataclass
from datetime import timedelta

import pytest
import suds.client
import zeep
from zeep.wsse.username import UsernameToken

from tests.e2e.catalog import Member, auction_form, fixed_form, new_member, new_shop, while_ended_not_closed
from tests.e2e.members import PASSWORD, login
from tests.e2e.soap import client, detail_code, fault_code, fault_of, field_errors
from tests.waiting import eventually

START, STEP = 750_000, 25_000  # auction_form's start price and increment; its reserve is 1,000,000


def email_of(member: Member) -> str:
    return f"{member.username}@example.co.id"  # as tests.e2e.members.form makes it


def mask(username: str) -> str:
    return f"{username[0]}***{username[-1]}"


def wait_for_subject(mailbox, address: str, text: str, timeout: float = 30):
    return eventually(lambda: [m for m in mailbox.to(address) if text in str(m["Subject"])],
                      lambda: f"a message to {address} about {text!r}: "
                              f"{[str(m['Subject']) for m in mailbox.to(address)]}",
                      timeout)


@dataclass(frozen=True)
class AuctionShop:
    seller: Member
    category: str
    fixed: int  # the seller's fixed-price product
    buyers: list[Member]


@pytest.fixture(scope="module")
def shop(server, mailbox) -> AuctionShop:
    category = new_shop(server).category
    seller = new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    fixed = catalog.sellProduct(form=fixed_form(category), **auth).productId
    return AuctionShop(seller, category, fixed, [new_member(server, mailbox) for _ in range(2)])


def new_auction(server, shop, **overrides) -> int:
    catalog, auth = shop.seller.service(server, "Catalog")
    return catalog.sellProduct(form=auction_form(shop.category, **overrides), **auth).productId


def bid(server, member: Member, product_id, amount):
    service, auth = member.service(server, "Auction")
    return service.placeBid(productId=product_id, amount=amount, **auth)


def test_bids_raise_the_price_and_the_outbid_leader_gets_an_email(server, mailbox, shop):
    budi, siti = shop.buyers
    product_id = new_auction(server, shop)
    first = bid(server, budi, product_id, START)
    assert (first.sequence, first.amount, first.bidCount, first.minimumNextBid) == (1, START, 1, START + STEP)
    assert first.placedAt.utcoffset() == first.endsAt.utcoffset() == timedelta(hours=7)  # WIB

    second = bid(server, siti, product_id, START + 2 * STEP)  # more than the minimum is fine
    assert (second.sequence, second.minimumNextBid) == (2, START + 3 * STEP)

    message = wait_for_subject(mailbox, email_of(budi), "telah dilampaui")[-1]
    body = message.get_body(("plain",)).get_content()
    assert "Rp 750.000" in body and "Rp 800.000" in body and "Rp 825.000" in body and "WIB" in body

    shown = client(server, "Auction").service.getAuction(productId=product_id)  # no login needed
    assert (shown.status, shown.currentPrice, shown.bidCount, shown.minimumNextBid) == \
        ("OPEN", START + 2 * STEP, 2, START + 3 * STEP)
    assert (shown.leader, shown.hasReserve, shown.reserveMet) == (mask(siti.username), True, False)
    assert (shown.startPrice, shown.minIncrement, shown.winner, shown.closedAt) == (START, STEP, None, None)
    assert shown.endsAt.utcoffset() == timedelta(hours=7)
    assert [(b.sequence, b.amount, b.bidder) for b in shown.recentBids.Bid] == [
        (2, START + 2 * STEP, mask(siti.username)), (1, START, mask(budi.username))]


def test_list_bids_pages_the_history_newest_first(server, shop):
    budi, siti = shop.buyers
    product_id = new_auction(server, shop)
    for index in range(5):
        bid(server, (budi, siti)[index % 2], product_id, START + index * STEP)
    auction = client(server, "Auction").service
    page1 = auction.listBids(productId=product_id, page=1, pageSize=2)
    page3 = auction.listBids(productId=product_id, page=3, pageSize=2)
    assert (page1.total, page1.page, page1.pageSize) == (5, 1, 2)
    assert [(b.sequence, b.amount) for b in page1.bids.Bid] == [(5, START + 4 * STEP), (4, START + 3 * STEP)]
    assert [(b.sequence, b.bidder) for b in page3.bids.Bid] == [(1, mask(budi.username))]
    assert all(b.placedAt.utcoffset() == timedelta(hours=7) for b in page1.bids.Bid)
    capped = auction.listBids(productId=product_id, pageSize=500)  # capped as searchProducts caps it
    assert (capped.page, capped.pageSize, len(capped.bids.Bid)) == (1, 200, 5)


@pytest.mark.parametrize("paging, field", [(dict(page=0), "page"), (dict(page=-1), "page"),
                                           (dict(pageSize=0), "pageSize"), (dict(pageSize=-5), "pageSize")])
def test_list_bids_refuses_a_page_below_one_naming_the_field(server, shop, paging, field):
    product_id = new_auction(server, shop)
    bid(server, shop.buyers[0], product_id, START)
    auction = client(server, "Auction").service
    before = zeep.helpers.serialize_object(auction.getAuction(productId=product_id))
    fault = fault_of(auction.listBids, productId=product_id, **paging)
    assert fault_code(fault) == "Client.Validation"
    assert {name: code for name, (code, _) in field_errors(fault).items()} == {field: "MIN_VALUE"}
    assert zeep.helpers.serialize_object(auction.getAuction(productId=product_id)) == before


def test_a_bid_with_ws_security_instead_of_a_session_token(server, shop):
    budi = shop.buyers[0]
    product_id = new_auction(server, shop)
    service = client(server, "Auction", wsse=UsernameToken(budi.username, PASSWORD)).service
    assert service.placeBid(productId=product_id, amount=START).sequence == 1


def bids_shown(bids) -> list[tuple[str, bool | None]]:
    return [(b.bidder, b.yours) for b in (bids.Bid if bids else [])]


def test_a_member_sending_the_session_header_is_told_their_bids_and_lead_and_no_one_else_is(server, shop):
    budi, siti = shop.buyers
    product_id = new_auction(server, shop)
    bid(server, budi, product_id, START)
    bid(server, siti, product_id, START + STEP)

    service, auth = siti.service(server, "Auction")  # getAuction declares no SessionHeader: sent anyway
    mine, page = service.getAuction(productId=product_id, **auth), service.listBids(productId=product_id, **auth)
    assert (mine.youLead, mine.youWon, mine.leader) == (True, False, siti.username)
    assert bids_shown(mine.recentBids) == bids_shown(page.bids) == [(siti.username, True), (mask(budi.username), False)]
    assert (page.youLead, page.youWon) == (True, False)

    service, auth = budi.service(server, "Auction")
    his = service.getAuction(productId=product_id, **auth)
    assert (his.youLead, his.leader) == (False, mask(siti.username))
    assert bids_shown(his.recentBids) == [(mask(siti.username), False), (budi.username, True)]

    anyone = client(server, "Auction").service.getAuction(productId=product_id)
    assert (anyone.youLead, anyone.youWon, anyone.leader) == (None, None, mask(siti.username))
    assert bids_shown(anyone.recentBids) == [(mask(siti.username), None), (mask(budi.username), None)]
    by_wsse = client(server, "Auction", wsse=UsernameToken(siti.username, PASSWORD)).service
    assert by_wsse.listBids(productId=product_id).youLead is True


def test_reading_with_a_wrong_session_token_is_refused_not_answered_as_to_anyone(server, shop):
    product_id = new_auction(server, shop)
    bid(server, shop.buyers[0], product_id, START)
    anyone = client(server, "Auction").service
    before = zeep.helpers.serialize_object(anyone.getAuction(productId=product_id))
    service, auth = Member("nobody", "not-a-token").service(server, "Auction")
    for call in (service.getAuction, service.listBids):
        fault = fault_of(call, productId=product_id, **auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "BAD_SESSION")
    assert zeep.helpers.serialize_object(anyone.getAuction(productId=product_id)) == before


def test_suds_reads_an_auction_too(server, shop):
    product_id = new_auction(server, shop)
    bid(server, shop.buyers[1], product_id, START)
    shown = suds.client.Client(server.wsdl_url("Auction"), cache=None).service.getAuction(productId=product_id)
    assert (shown.status, shown.bidCount, shown.currentPrice) == ("OPEN", 1, START)


@pytest.mark.parametrize("case, faultcode, code", [
    ("too low", "Client.Conflict", "BID_TOO_LOW"),
    ("equal to the current price", "Client.Conflict", "BID_TOO_LOW"),
    ("own product", "Client.Authorization", "OWN_AUCTION"),
    ("unknown product", "Client.NotFound", "AUCTION_PRODUCT_NOT_FOUND"),
    ("fixed price", "Client.InvalidState", "NOT_AN_AUCTION"),
    ("zero", "Client.Validation", "VALIDATION_FAILED"),
    ("negative", "Client.Validation", "VALIDATION_FAILED"),
    ("no product", "Client.Validation", "VALIDATION_FAILED"),
    ("no login", "Client.Authentication", "AUTHENTICATION_REQUIRED"),
    ("bad token", "Client.Authentication", "BAD_SESSION"),
])
def test_a_refused_bid_gets_its_own_fault_and_changes_nothing(server, shop, case, faultcode, code):
    budi, siti = shop.buyers
    product_id = new_auction(server, shop)
    bid(server, budi, product_id, START)
    who, target, amount = {
        "too low": (siti, product_id, START + STEP - 1),
        "equal to the current price": (siti, product_id, START),
        "own product": (shop.seller, product_id, 5_000_000),
        "unknown product": (siti, 10**12, 5_000_000),
        "fixed price": (siti, shop.fixed, 5_000_000),
        "zero": (siti, product_id, 0),
        "negative": (siti, product_id, -START),
        "no product": (siti, None, 5_000_000),
        "no login": (None, product_id, 5_000_000),
        "bad token": (Member("x", "not-a-token"), product_id, 5_000_000),
    }[case]
    auction = client(server, "Auction").service
    before = auction.getAuction(productId=product_id)
    if who is None:
        fault = fault_of(auction.placeBid, productId=target, amount=amount)
    else:
        service, auth = who.service(server, "Auction")
        fault = fault_of(service.placeBid, productId=target, amount=amount, **auth)
    assert (fault_code(fault), detail_code(fault)) == (faultcode, code)
    assert auction.getAuction(productId=product_id) == before
    if case == "too low":
        assert "Rp 775.000" in fault.message
    if case in ("zero", "negative"):
        assert field_errors(fault)["amount"][0] == "BID_AMOUNT_NOT_POSITIVE"
    if case == "no product":
        (code, message), = field_errors(fault).values()
        assert list(field_errors(fault)) == ["productId"] and code == "REQUIRED" and "wajib diisi" in message


def test_an_amount_that_is_not_a_number_is_a_schema_fault(server, shop):
    """zeep would refuse to send it, so the envelope is posted by hand, as any client could."""
    import urllib.error
    import urllib.request

    token = login(server, shop.buyers[0].username)
    envelope = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:a="urn:emall-kukm:auction"><soapenv:Header><a:SessionHeader><a:token>'
        f'{token}</a:token></a:SessionHeader></soapenv:Header><soapenv:Body><a:placeBid>'
        '<a:productId>1</a:productId><a:amount>sejuta</a:amount></a:placeBid></soapenv:Body>'
        '</soapenv:Envelope>')
    request = urllib.request.Request(f"{server.url}/ws/Auction", data=envelope.encode(), method="POST",
                                     headers={"Content-Type": "text/xml; charset=utf-8",
                                              "SOAPAction": '"placeBid"'})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    body = raised.value.read().decode()
    assert raised.value.code == 500 and "Client.Validation" in body and "SCHEMA_INVALID" in body


def test_reading_an_unknown_or_fixed_price_product_is_a_fault(server, shop):
    auction = client(server, "Auction").service
    for call in (auction.getAuction, auction.listBids):
        assert detail_code(fault_of(call, productId=10**12)) == "AUCTION_PRODUCT_NOT_FOUND"
        assert detail_code(fault_of(call, productId=shop.fixed)) == "NOT_AN_AUCTION"


def test_too_late_then_closed_sold_with_the_winner_and_seller_told(server, mailbox, shop):
    budi, siti = shop.buyers

    def auction_at_the_reserve() -> int:
        product_id = new_auction(server, shop)
        bid(server, budi, product_id, START)
        bid(server, siti, product_id, 1_000_000)  # reaches the reserve
        return product_id

    product_id, fault = while_ended_not_closed(server, auction_at_the_reserve,
                                               lambda product_id: fault_of(bid, server, budi, product_id, 2_000_000))
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "AUCTION_ENDED")

    auction = client(server, "Auction").service
    eventually(lambda: auction.getAuction(productId=product_id).status != "ENDED",
               "the worker's close-auctions job (every second) closed the auction")
    shown = auction.getAuction(productId=product_id)
    assert (shown.status, shown.winner, shown.currentPrice, shown.reserveMet) == \
        ("SOLD", mask(siti.username), 1_000_000, True)
    assert shown.minimumNextBid is None and shown.closedAt.utcoffset() == timedelta(hours=7)
    won = wait_for_subject(mailbox, email_of(siti), "memenangkan lelang")[-1].get_body(("plain",)).get_content()
    assert "Rp 1.000.000" in won and "checkout" in won
    sold = wait_for_subject(mailbox, email_of(shop.seller), "terjual")[-1].get_body(("plain",)).get_content()
    assert mask(siti.username) in sold and "Rp 1.000.000" in sold
    fault = fault_of(bid, server, budi, product_id, 2_000_000)
    assert detail_code(fault) == "AUCTION_ENDED"
