"""A won auction whose buyer does not pay (issue 16): the non-payer on record, the seller's second-chance offer
to the next-highest bidder or a relist, the bidder's answer, the worker's default at each deadline, and
every refusal changing nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import AuctionSecondChance, Bid, Invoice, Notification, Order, OrderLine, Product
from emall_ws.domain.errors import InvalidState, NotAuthorized, ValidationFailed
from emall_ws.services import auction, checkout, invoices, quoting, second_chance
from emall_ws.services.quoting import Choice
from emall_ws.services.second_chance import SecondChancePolicy
from tests.builders import AUCTION_FORM, CHECKOUT_POLICY, NOW, POLICY, REGIONS, add_member, couriers, sell
from tests.integration.checkout_fixtures import DAY, shop  # noqa: F401 (shop: a fixture)

CLOSED = AUCTION_FORM.ends_at + timedelta(seconds=1)
WINDOW = SecondChancePolicy().window  # two days
JNE = Choice(None, "jne", "REG")


@pytest.fixture
def sari(db):
    return add_member(db, "sari", "BUYER", phone="+6281100000005")


def closed_auction(db, shop, sari, bids=None) -> int:  # noqa: F811 (shop: a fixture)
    """Semarang's auction (reserve 2.000.000) closed with budi the winner at 2.100.000; ani's own highest
    bid 2.050.000, sari's 2.000.000."""
    product_id = sell(db, shop.semarang, AUCTION_FORM).product_id
    people = {"budi": shop.buyer, "ani": shop.other, "sari": sari}
    for who, amount in bids or [("ani", 1_900_000), ("sari", 2_000_000), ("ani", 2_050_000), ("budi", 2_100_000)]:
        with db.unit_of_work() as session:
            auction.place_bid(session, people[who], product_id, amount, lambda: NOW)
    assert auction.close_due_auctions(db, CLOSED) == 1
    return product_id


def checked_out(db, buyer, product_id, now=CLOSED):
    quoting.quote_auction_shipping(db, buyer, product_id, None, couriers(), REGIONS, now, CHECKOUT_POLICY)
    return checkout.run_auction_checkout(db, buyer, product_id, JNE, None, REGIONS, now, CHECKOUT_POLICY)


def unpaid(db, shop, sari, bids=None, cancel_at=CLOSED + timedelta(hours=1)) -> int:  # noqa: F811
    """The closed auction, its winner's invoice cancelled by the winner at `cancel_at`."""
    product_id = closed_auction(db, shop, sari, bids)
    invoice = checked_out(db, shop.buyer, product_id)
    with db.unit_of_work() as session:
        invoices.cancel_invoice(session, shop.buyer, invoice.number, cancel_at)
    return product_id


def call(db, work, *args):
    with db.unit_of_work() as session:
        return work(session, *args)


def chances(db, product_id) -> list[tuple]:
    with db.unit_of_work() as session:
        return session.execute(select(AuctionSecondChance.non_payer_id, AuctionSecondChance.status,
                                      AuctionSecondChance.due_at, AuctionSecondChance.offered_to_id,
                                      AuctionSecondChance.offer_amount, AuctionSecondChance.relisted_as_id)
                               .where(AuctionSecondChance.product_id == product_id)
                               .order_by(AuctionSecondChance.id)).all()


def told(db, template) -> list[tuple]:
    with db.unit_of_work() as session:
        return session.execute(select(Notification.recipient, Notification.channel)
                               .where(Notification.template == template).order_by(Notification.id)).all()


def snapshot(db):
    """Everything a refused operation must leave as it was."""
    with db.unit_of_work() as session:
        return (session.execute(select(AuctionSecondChance.__table__)).all(),
                session.execute(select(Product.id, Product.status, Product.bid_count, Product.winner_id)
                                .order_by(Product.id)).all(),
                *(session.scalar(select(func.count()).select_from(m)) for m in (Notification, Order, Invoice, Bid)))


# --- the non-payer on record, and the seller's choice --------------------------------------------------

def test_a_cancelled_winner_invoice_records_the_non_payer_and_asks_the_seller(db, shop, sari):
    product_id = unpaid(db, shop, sari)
    cancelled = CLOSED + timedelta(hours=1)
    assert chances(db, product_id) == [(shop.buyer.member_id, "AWAITING_SELLER", cancelled + WINDOW, None, None,
                                        None)]
    assert told(db, "auction_unpaid") == [("koperasi_semarang@example.co.id", "EMAIL")]
    with pytest.raises(InvalidState) as refused:  # the winner who did not pay cannot check out again
        checked_out(db, shop.buyer, product_id, cancelled)
    assert refused.value.code == "AUCTION_NOT_WON"
    [shown] = call(db, second_chance.list_non_payers, shop.admin)
    assert (shown.product_id, shown.username, shown.amount, shown.status) == (
        product_id, "budi", 2_100_000, "AWAITING_SELLER")
    assert shown.invoice_number.startswith("INV/")
    for not_admin in (shop.semarang, shop.buyer):
        with pytest.raises(NotAuthorized):
            call(db, second_chance.list_non_payers, not_admin)


def test_the_next_highest_bidder_is_offered_their_own_bid_accepts_and_checks_out(db, shop, sari):
    product_id = unpaid(db, shop, sari)
    at = CLOSED + timedelta(hours=2)
    offered = call(db, second_chance.offer, shop.semarang, product_id, at, SecondChancePolicy())
    assert (offered.status, offered.offered_to, offered.offer_amount, offered.due_at) == (
        "OFFERED", "a***i", 2_050_000, at + WINDOW)
    assert told(db, "second_chance_offer") == [("ani@example.co.id", "EMAIL"), ("+6281100000004", "SMS")]
    with pytest.raises(InvalidState) as not_yet:  # offered is not bought: checkout waits for the answer
        checked_out(db, shop.other, product_id, at)
    assert not_yet.value.code == "AUCTION_NOT_WON"
    accepted = call(db, second_chance.accept, shop.other, product_id, at + timedelta(hours=1))
    assert (accepted.status, accepted.offered_to, accepted.due_at) == ("ACCEPTED", "ani", None)
    assert told(db, "second_chance_answered") == [("koperasi_semarang@example.co.id", "EMAIL")]
    invoice = checked_out(db, shop.other, product_id, at + timedelta(hours=1))
    assert [(line.product_id, line.quantity, line.unit_price) for line in invoice.lines] == [
        (product_id, 1, 2_050_000)]
    assert (invoice.buyer, invoice.status) == ("ani", "UNPAID")
    with db.unit_of_work() as session:  # the winner's cancelled order stays, having given up the auction's slot
        orders = session.execute(select(Order.buyer_id, Order.status, Order.auction_product_id)
                                 .join(OrderLine, OrderLine.order_id == Order.id)
                                 .where(OrderLine.product_id == product_id).order_by(Order.id)).all()
    assert orders == [(shop.buyer.member_id, "CANCELLED", None),
                      (shop.other.member_id, "AWAITING_PAYMENT", product_id)]


def test_a_second_chance_buyer_who_does_not_pay_either_passes_it_on_to_the_next(db, shop, sari):
    product_id = unpaid(db, shop, sari)
    at = CLOSED + timedelta(hours=2)
    call(db, second_chance.offer, shop.semarang, product_id, at, SecondChancePolicy())
    call(db, second_chance.accept, shop.other, product_id, at)
    invoice = checked_out(db, shop.other, product_id, at)
    assert invoices.expire_due_invoices(db, at + DAY) == 1  # ani lets it expire
    assert [row[:2] for row in chances(db, product_id)] == [(shop.buyer.member_id, "ACCEPTED"),
                                                             (shop.other.member_id, "AWAITING_SELLER")]
    offered = call(db, second_chance.offer, shop.semarang, product_id, at + DAY, SecondChancePolicy())
    assert (offered.offered_to, offered.offer_amount) == ("s***i", 2_000_000)  # at the reserve: still eligible
    assert [v.username for v in call(db, second_chance.list_non_payers, shop.admin)] == ["ani", "budi"]
    assert invoice.number in [v.invoice_number for v in call(db, second_chance.list_non_payers, shop.admin)]


# --- the deadlines: the worker's default, and relisting -----------------------------------------------

def test_an_expired_invoice_then_the_worker_offers_then_the_offer_lapses_and_the_seller_relists(db, shop, sari):
    product_id = closed_auction(db, shop, sari)
    invoice = checked_out(db, shop.buyer, product_id)
    expired = CLOSED + DAY
    assert invoices.expire_due_invoices(db, expired) == 1
    assert [row[:3] for row in chances(db, product_id)] == [(shop.buyer.member_id, "AWAITING_SELLER",
                                                              expired + WINDOW)]
    assert second_chance.settle_due(db, expired + WINDOW - timedelta(seconds=1), SecondChancePolicy()) == 0
    offered_at = expired + WINDOW
    assert second_chance.settle_due(db, offered_at, SecondChancePolicy()) == 1  # the seller did not choose
    assert chances(db, product_id)[0][1:5] == ("OFFERED", offered_at + WINDOW, shop.other.member_id, 2_050_000)
    late = offered_at + WINDOW
    before = snapshot(db)
    with pytest.raises(InvalidState) as too_late:  # past its deadline, the worker not yet come by
        call(db, second_chance.accept, shop.other, product_id, late)
    assert too_late.value.params == {"status": "ENDED"} and snapshot(db) == before
    assert second_chance.settle_due(db, late, SecondChancePolicy()) == 1
    assert second_chance.settle_due(db, late, SecondChancePolicy()) == 0  # once
    assert chances(db, product_id)[0][1:3] == ("ENDED", None)

    fresh = call(db, second_chance.relist, shop.semarang, product_id, late + timedelta(days=5), late, POLICY)
    assert fresh.product_id != product_id and (fresh.status, fresh.bid_count, fresh.current_price) == (
        "ACTIVE", 0, None)
    with db.unit_of_work() as session:
        old, new = session.get(Product, product_id), session.get(Product, fresh.product_id)
        assert (old.status, old.winner_id, old.bid_count) == ("CLOSED", shop.buyer.member_id, 4)  # history intact
        assert (new.name, new.reserve_price, new.start_price, new.ends_at, new.seller_id) == (
            old.name, old.reserve_price, old.start_price, late + timedelta(days=5), old.seller_id)
        shown = auction.get_auction(session, fresh.product_id, late)
    assert (shown.status, shown.bid_count, shown.recent_bids, shown.winner) == ("OPEN", 0, (), None)
    assert chances(db, product_id)[0][1] == "RELISTED" and chances(db, product_id)[0][5] == fresh.product_id
    assert invoice.number  # (the expired invoice is the non-payer's record)


def test_with_nobody_eligible_the_offer_is_refused_and_the_worker_ends_it(db, shop, sari):
    product_id = unpaid(db, shop, sari, bids=[("ani", 1_900_000), ("budi", 2_100_000)])  # ani below the reserve
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        call(db, second_chance.offer, shop.semarang, product_id, CLOSED + timedelta(hours=2), SecondChancePolicy())
    assert refused.value.code == "NO_ELIGIBLE_BIDDER" and snapshot(db) == before
    assert second_chance.settle_due(db, CLOSED + timedelta(hours=1) + WINDOW, SecondChancePolicy()) == 1
    assert chances(db, product_id)[0][1] == "ENDED" and told(db, "second_chance_offer") == []


def test_a_declined_offer_ends_and_the_seller_may_relist(db, shop, sari):
    product_id = unpaid(db, shop, sari)
    at = CLOSED + timedelta(hours=2)
    call(db, second_chance.offer, shop.semarang, product_id, at, SecondChancePolicy())
    declined = call(db, second_chance.decline, shop.other, product_id, at)
    assert (declined.status, declined.due_at) == ("ENDED", None)
    fresh = call(db, second_chance.relist, shop.semarang, product_id, at + timedelta(days=3), at, POLICY)
    assert fresh.status == "ACTIVE"


# --- refusals: the fault, and nothing changed ----------------------------------------------------------

def refused(db, work, *args) -> tuple[str, str, dict]:
    before = snapshot(db)
    with pytest.raises((InvalidState, NotAuthorized)) as raised:
        call(db, work, *args)
    assert snapshot(db) == before
    return type(raised.value).__name__, raised.value.code, raised.value.params


def test_every_wrong_party_is_refused_and_nothing_changes(db, shop, sari):
    product_id = unpaid(db, shop, sari)
    at = CLOSED + timedelta(hours=2)
    policy = SecondChancePolicy()
    for other_seller_call in ((second_chance.offer, shop.bandung, product_id, at, policy),
                              (second_chance.relist, shop.bandung, product_id, at + DAY, at, POLICY)):
        assert refused(db, *other_seller_call) == ("NotAuthorized", "NOT_YOUR_AUCTION", {})
    assert refused(db, second_chance.offer, shop.buyer, product_id, at, policy)[0] == "NotAuthorized"  # not a seller
    call(db, second_chance.offer, shop.semarang, product_id, at, policy)
    for answer in (second_chance.accept, second_chance.decline):
        for not_offered in (sari, shop.buyer, shop.semarang):
            assert refused(db, answer, not_offered, product_id, at) == ("NotAuthorized", "NOT_YOUR_OFFER", {})


def test_every_wrong_state_is_refused_naming_it_and_nothing_changes(db, shop, sari):
    product_id = closed_auction(db, shop, sari)
    at = CLOSED + timedelta(hours=2)
    policy = SecondChancePolicy()
    state = ("InvalidState", "SECOND_CHANCE_STATE")
    # the winner has not failed to pay: the auction's own state is named
    assert refused(db, second_chance.offer, shop.semarang, product_id, at, policy) == (*state, {"status": "SOLD"})
    assert refused(db, second_chance.relist, shop.semarang, product_id, at + DAY, at, POLICY) == (
        *state, {"status": "SOLD"})
    open_one = sell(db, shop.semarang, AUCTION_FORM, name="Songket Palembang").product_id
    assert refused(db, second_chance.offer, shop.semarang, open_one, NOW, policy) == (*state, {"status": "OPEN"})
    invoice = checked_out(db, shop.buyer, product_id)
    with db.unit_of_work() as session:
        invoices.cancel_invoice(session, shop.buyer, invoice.number, at)
    call(db, second_chance.offer, shop.semarang, product_id, at, policy)
    assert refused(db, second_chance.offer, shop.semarang, product_id, at, policy) == (*state, {"status": "OFFERED"})
    assert refused(db, second_chance.relist, shop.semarang, product_id, at + DAY, at, POLICY) == (
        *state, {"status": "OFFERED"})
    call(db, second_chance.accept, shop.other, product_id, at)
    for answer in (second_chance.accept, second_chance.decline):
        assert refused(db, answer, shop.other, product_id, at) == (*state, {"status": "ACCEPTED"})
    assert refused(db, second_chance.relist, shop.semarang, product_id, at + DAY, at, POLICY) == (
        *state, {"status": "ACCEPTED"})


def test_a_seller_suspension_cancelling_the_invoice_is_no_buyer_s_fault(db, shop, sari):
    product_id = closed_auction(db, shop, sari)
    invoice = checked_out(db, shop.buyer, product_id)
    with db.unit_of_work() as session:
        assert invoices.cancel_invoices_of_suspended_seller(
            session, shop.semarang.member_id, CLOSED, "admin:admin1") == 1
    assert chances(db, product_id) == [] and invoice.number


def test_a_relist_checks_its_end_as_a_new_listing_and_changes_nothing_when_refused(db, shop, sari):
    product_id = unpaid(db, shop, sari)
    at = CLOSED + timedelta(hours=2)
    for ends_at, code in ((None, "REQUIRED"), (at - timedelta(minutes=1), None)):
        before = snapshot(db)
        with pytest.raises(ValidationFailed) as refused_end:
            call(db, second_chance.relist, shop.semarang, product_id, ends_at, at, POLICY)
        assert [e.field for e in refused_end.value.errors] == ["endsAt"] and snapshot(db) == before
        assert code is None or refused_end.value.errors[0].code == code
    assert chances(db, product_id)[0][1] == "AWAITING_SELLER"
