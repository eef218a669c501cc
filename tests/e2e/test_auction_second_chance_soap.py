"""A second chance, or a relist, over SOAP against the real server (issue 16): the winner's invoice expires
or is cancelled; the seller offers the item to the next-highest bidder, who accepts and checks out; or the
seller relists it as a fresh auction with no bids. Every fault on the way, and that it changed nothing.

Only the clock is helped along, in the database: an auction's end and an invoice's due time are moved into
the past, and the jobs the worker would run are run at once (it may run them first: the tests wait for the
outcome, never for who made it)."""
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from emall_ws.clock import utcnow
from emall_ws.db.models import Invoice
from emall_ws.db.session import Database
from emall_ws.services.auction import close_due_auctions
from emall_ws.services.invoices import expire_due_invoices
from tests.builders import set_ends_at
from tests.e2e.catalog import Member, Shop, auction_form, in_wib, new_member, new_shop
from tests.e2e.soap import detail_code, fault_code, fault_of
from tests.waiting import eventually


@dataclass(frozen=True)
class People:
    shop: Shop
    seller: Member
    other_seller: Member
    winner: Member
    runner_up: Member


@pytest.fixture(scope="module")
def people(server, mailbox) -> People:
    return People(new_shop(server), new_member(server, mailbox, seller=True, accountNumber="5550003333"),
                  new_member(server, mailbox, seller=True, accountNumber="5550004444"),
                  new_member(server, mailbox), new_member(server, mailbox))


def database(server, work):
    db = Database(server.database_url)
    try:
        return work(db)
    finally:
        db.dispose()


def won(server, people: People, bids: list[tuple[Member, int]]) -> int:
    """An auction of the seller's (reserve 1.000.000), the `bids` placed, closed; its product id."""
    catalog, auth = people.seller.service(server, "Catalog")
    product_id = catalog.sellProduct(form=auction_form(people.shop.category), **auth).productId
    for bidder, amount in bids:
        service, bidder_auth = bidder.service(server, "Auction")
        service.placeBid(productId=product_id, amount=amount, **bidder_auth)

    def close(db):
        set_ends_at(db, product_id, utcnow() - timedelta(seconds=1))
        close_due_auctions(db, utcnow())  # or the worker's job, first

    database(server, close)
    service, _ = people.seller.service(server, "Auction")
    eventually(lambda: service.getAuction(productId=product_id).status == "SOLD", "the auction closed, sold")
    return product_id


def checked_out(server, buyer: Member, product_id: int):
    service, auth = buyer.service(server, "Checkout")
    quote = service.quoteAuctionShipping(productId=product_id, **auth)
    option = min(quote.options.ShippingOption, key=lambda o: o.cost)
    return service.checkoutAuction(productId=product_id, choice={"courier": option.courier,
                                                                 "service": option.service}, **auth)


def expire(server, buyer: Member, invoice_number: str) -> None:
    def overdue(db):
        with db.unit_of_work() as session:
            session.execute(update(Invoice).where(Invoice.number == invoice_number)
                            .values(due_at=utcnow() - timedelta(seconds=1)))
        expire_due_invoices(db, utcnow())  # or the worker's job, first

    database(server, overdue)
    service, auth = buyer.service(server, "Checkout")
    eventually(lambda: service.getInvoice(invoiceNumber=invoice_number, **auth).status == "EXPIRED",
               "the invoice expired")


def non_payers(server, people: People, product_id: int) -> list[tuple[str, str]]:
    service, auth = people.shop.admin.service(server, "Auction")
    return [(n.username, n.status) for n in service.listNonPayers(**auth) if n.productId == product_id]


def refused(server, member: Member, operation: str, people: People, product_id: int, **args) -> tuple[str, str]:
    """The fault of `operation` by `member`, after checking it left the auction's record as it was."""
    before = non_payers(server, people, product_id)
    service, auth = member.service(server, "Auction")
    fault = fault_of(getattr(service, operation), productId=product_id, **args, **auth)
    assert non_payers(server, people, product_id) == before
    return fault_code(fault), detail_code(fault)


def test_an_expired_invoice_then_a_second_chance_accepted_and_checked_out(server, mailbox, people):
    p = people
    product_id = won(server, p, [(p.runner_up, 1_000_000), (p.winner, 1_050_000)])
    invoice = checked_out(server, p.winner, product_id)
    expire(server, p.winner, invoice.invoiceNumber)
    assert non_payers(server, p, product_id) == [(p.winner.username, "AWAITING_SELLER")]

    assert refused(server, p.other_seller, "offerSecondChance", p, product_id) == (
        "Client.Authorization", "NOT_YOUR_AUCTION")
    assert refused(server, p.runner_up, "offerSecondChance", p, product_id)[0] == "Client.Authorization"
    assert refused(server, p.runner_up, "acceptSecondChance", p, product_id) == (
        "Client.Authorization", "NOT_YOUR_OFFER")

    auction, seller_auth = p.seller.service(server, "Auction")
    offered = auction.offerSecondChance(productId=product_id, **seller_auth)
    assert (offered.status, offered.offerAmount) == ("OFFERED", 1_000_000)  # the runner-up's own bid
    assert offered.offeredTo == f"{p.runner_up.username[0]}***{p.runner_up.username[-1]}"
    assert offered.dueAt.utcoffset() == timedelta(hours=7)
    eventually(lambda: [m for m in mailbox.to(f"{p.runner_up.username}@example.co.id")
                        if "Kesempatan kedua" in str(m["Subject"])], "the runner-up told by email")
    assert refused(server, p.seller, "offerSecondChance", p, product_id) == (
        "Client.InvalidState", "SECOND_CHANCE_STATE")
    assert refused(server, p.winner, "acceptSecondChance", p, product_id) == (
        "Client.Authorization", "NOT_YOUR_OFFER")

    service, auth = p.runner_up.service(server, "Auction")
    accepted = service.acceptSecondChance(productId=product_id, **auth)
    assert (accepted.status, accepted.offeredTo) == ("ACCEPTED", p.runner_up.username)
    second = checked_out(server, p.runner_up, product_id)
    assert [(line.productId, line.unitPrice) for line in second.lines.InvoiceLine] == [(product_id, 1_000_000)]
    assert second.status == "UNPAID"
    checkout, winner_auth = p.winner.service(server, "Checkout")  # the non-payer cannot check it out again
    fault = fault_of(checkout.quoteAuctionShipping, productId=product_id, **winner_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "AUCTION_NOT_WON")
    fault = fault_of(auction.relist, productId=product_id, endsAt=in_wib(days=3), **seller_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "SECOND_CHANCE_STATE")
    assert "ACCEPTED" in fault.message
    assert non_payers(server, p, product_id) == [(p.winner.username, "ACCEPTED")]


def test_a_cancelled_invoice_then_a_relist_as_a_fresh_auction_with_no_bids(server, people):
    p = people
    product_id = won(server, p, [(p.winner, 1_050_000)])
    auction, seller_auth = p.seller.service(server, "Auction")
    fault = fault_of(auction.relist, productId=product_id, endsAt=in_wib(days=3), **seller_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "SECOND_CHANCE_STATE")
    assert "SOLD" in fault.message  # the winner has not failed to pay
    invoice = checked_out(server, p.winner, product_id)
    checkout, auth = p.winner.service(server, "Checkout")
    checkout.cancelInvoice(invoiceNumber=invoice.invoiceNumber, **auth)

    assert refused(server, p.other_seller, "relist", p, product_id, endsAt=in_wib(days=3)) == (
        "Client.Authorization", "NOT_YOUR_AUCTION")
    fault = fault_of(auction.offerSecondChance, productId=product_id, **seller_auth)  # nobody else bid
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "NO_ELIGIBLE_BIDDER")
    fresh = auction.relist(productId=product_id, endsAt=in_wib(days=3), **seller_auth)
    assert fresh.productId != product_id
    assert (fresh.status, fresh.bidCount, fresh.currentPrice, fresh.winner) == ("OPEN", 0, None, None)
    assert fresh.recentBids is None or not fresh.recentBids.Bid
    old = auction.getAuction(productId=product_id)
    assert (old.status, old.bidCount, old.currentPrice) == ("SOLD", 1, 1_050_000)  # its history as it was
    fault = fault_of(auction.relist, productId=product_id, endsAt=in_wib(days=3), **seller_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "SECOND_CHANCE_STATE")
    assert "RELISTED" in fault.message
    service, auth = p.runner_up.service(server, "Auction")
    placed = service.placeBid(productId=fresh.productId, amount=750_000, **auth)  # the fresh one takes bids
    assert placed.sequence == 1
