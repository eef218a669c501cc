"""close_due_auctions: winner, reserve not met, no bids, exactly once with several closers."""
import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import Notification, Product, ProductStatusHistory
from emall_ws.db.session import Database
from emall_ws.domain.errors import InvalidState
from emall_ws.services import auction
from emall_ws.domain.members import SELLER
from tests.builders import create_auction, create_member

NOW = datetime(2026, 11, 28, 3, 0, 0)
ENDS = NOW + timedelta(hours=2)
AFTER = ENDS + timedelta(seconds=1)


@pytest.fixture
def people(db):
    return create_member(db, "kopmaju", SELLER), create_member(db, "budi"), create_member(db, "sitiaminah")


def bid(db, who, product_id, amount, at=NOW):
    with db.unit_of_work() as session:
        return auction.place_bid(session, who.principal, product_id, amount, lambda: at)


def product(db, product_id) -> Product:
    with db.unit_of_work() as session:
        return session.get(Product, product_id)


def history(db, product_id) -> list[tuple]:
    with db.unit_of_work() as session:
        return session.execute(select(ProductStatusHistory.from_status, ProductStatusHistory.to_status,
                                      ProductStatusHistory.reason)
                               .where(ProductStatusHistory.product_id == product_id)
                               .order_by(ProductStatusHistory.id)).all()


def sent(db) -> list[tuple]:
    with db.unit_of_work() as session:
        return session.execute(select(Notification.template, Notification.recipient, Notification.channel)
                               .where(Notification.template != "outbid").order_by(Notification.id)).all()


def count(db, model) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_highest_bid_at_or_above_the_reserve_wins(db, people):
    seller, budi, siti = people
    product_id = create_auction(db, seller.id, reserve_price=110_000, ends_at=ENDS)
    bid(db, budi, product_id, 100_000)
    bid(db, siti, product_id, 110_000)
    assert auction.close_due_auctions(db, ENDS - timedelta(seconds=1)) == 0  # not yet
    assert auction.close_due_auctions(db, AFTER) == 1
    closed = product(db, product_id)
    assert (closed.status, closed.winner_id, closed.current_price, closed.closed_at) == \
        ("CLOSED", siti.id, 110_000, AFTER)
    assert history(db, product_id)[-1] == ("ACTIVE", "CLOSED", "auction won by s***h at Rp 110.000")
    assert sent(db) == [("auction_won", "sitiaminah@example.co.id", "EMAIL"),
                        ("auction_won", "+6281234567890", "SMS"),
                        ("auction_sold", "kopmaju@example.co.id", "EMAIL")]
    with db.unit_of_work() as session:
        won = auction.won_auction(session, product_id)
        shown = auction.get_auction(session, product_id, AFTER)
    assert (won.winner_id, won.seller_id, won.amount, won.closed_at) == (siti.id, seller.id, 110_000, AFTER)
    assert (shown.status, shown.winner, shown.minimum_next_bid, shown.closed_at) == ("SOLD", "s***h", None, AFTER)


def test_reserve_not_met_closes_unsold_and_tells_the_seller_why(db, people):
    seller, budi, _ = people
    product_id = create_auction(db, seller.id, reserve_price=150_000, ends_at=ENDS)
    bid(db, budi, product_id, 120_000)
    assert auction.close_due_auctions(db, AFTER) == 1
    closed = product(db, product_id)
    assert (closed.status, closed.winner_id) == ("CLOSED", None)
    assert sent(db) == [("auction_unsold", "kopmaju@example.co.id", "EMAIL")]
    with db.unit_of_work() as session:
        notice = session.scalars(select(Notification).where(Notification.template == "auction_unsold")).one()
        assert auction.won_auction(session, product_id) is None
        assert auction.get_auction(session, product_id, AFTER).status == "UNSOLD"
    assert "Rp 120.000" in json.loads(notice.data)["reason"] and "Rp 150.000" in json.loads(notice.data)["reason"]
    assert "reserve Rp 150.000 not met" in history(db, product_id)[-1].reason


def test_no_bids_closes_unsold(db, people):
    product_id = create_auction(db, people[0].id, ends_at=ENDS)
    assert auction.close_due_auctions(db, AFTER) == 1
    assert product(db, product_id).status == "CLOSED"
    assert history(db, product_id)[-1].reason == "auction ended unsold: no bids"
    with db.unit_of_work() as session:
        data = json.loads(session.scalars(select(Notification.data)).one())
    assert data["reason"] == "tidak ada tawaran yang masuk"


def test_a_second_run_changes_nothing(db, people):
    seller, budi, _ = people
    product_id = create_auction(db, seller.id, ends_at=ENDS)
    bid(db, budi, product_id, 100_000)
    assert auction.close_due_auctions(db, AFTER) == 1
    before = (count(db, Notification), count(db, ProductStatusHistory), product(db, product_id).closed_at)
    assert auction.close_due_auctions(db, AFTER + timedelta(hours=1)) == 0
    assert (count(db, Notification), count(db, ProductStatusHistory),
            product(db, product_id).closed_at) == before


def test_only_due_auctions_close_oldest_end_first_and_fixed_price_products_are_left_alone(db, people):
    seller = people[0]
    due = [create_auction(db, seller.id, ends_at=ENDS - timedelta(minutes=m)) for m in (1, 5)]
    later = create_auction(db, seller.id, ends_at=ENDS + timedelta(hours=1))
    fixed = create_auction(db, seller.id, sale_method="FIXED")
    assert auction.close_due_auctions(db, ENDS, limit=1) == 1  # a bounded run: the oldest first
    assert product(db, due[1]).status == "CLOSED" and product(db, due[0]).status == "ACTIVE"
    assert auction.close_due_auctions(db, ENDS) == 1
    assert [product(db, p).status for p in (*due, later, fixed)] == ["CLOSED", "CLOSED", "ACTIVE", "ACTIVE"]


def test_bids_after_the_close_are_refused(db, people):
    seller, budi, siti = people
    product_id = create_auction(db, seller.id, ends_at=ENDS)
    bid(db, budi, product_id, 100_000)
    auction.close_due_auctions(db, AFTER)
    with pytest.raises(InvalidState) as raised:
        bid(db, siti, product_id, 500_000, NOW)  # even with a clock that says "in time"
    assert raised.value.code == "AUCTION_ENDED"
    assert product(db, product_id).bid_count == 1


def test_a_bid_waiting_for_the_lock_during_the_close_is_refused(db, people, monkeypatch):
    """The close holds the product row; a bid that arrived in time waits for it, then finds the
    auction closed (and the winner is the leader the closer saw)."""
    seller, budi, siti = people
    product_id = create_auction(db, seller.id, ends_at=ENDS)
    bid(db, budi, product_id, 100_000)
    locked, release = threading.Event(), threading.Event()
    outcome = {}
    close_auction = auction.close_auction

    def slow_close(session, claimed, now):  # the job has claimed (locked) the row; it closes on release
        locked.set()
        release.wait(10)
        return close_auction(session, claimed, now)

    monkeypatch.setattr(auction, "close_auction", slow_close)

    def closer():
        auction.close_due_auctions(db, AFTER)

    def bidder():
        try:
            outcome["placed"] = bid(db, siti, product_id, 200_000, ENDS - timedelta(seconds=1))
        except InvalidState as error:
            outcome["refused"] = error.code

    closing = threading.Thread(target=closer)
    closing.start()
    assert locked.wait(10)
    bidding = threading.Thread(target=bidder)
    bidding.start()
    bidding.join(0.5)
    assert bidding.is_alive(), "the bid must wait for the closer's lock"
    release.set()
    closing.join(10)
    bidding.join(30)
    assert outcome == {"refused": "AUCTION_ENDED"}
    closed = product(db, product_id)
    assert (closed.winner_id, closed.bid_count) == (budi.id, 1)


def test_two_closers_at_once_close_each_auction_exactly_once(db, people):
    """Two workers (own engines, as two processes have) run the job at the same moment."""
    seller, budi, _ = people
    ids = [create_auction(db, seller.id, ends_at=ENDS - timedelta(seconds=i)) for i in range(24)]
    for product_id in ids[::2]:
        bid(db, budi, product_id, 100_000)
    url = db.engine.url.render_as_string(hide_password=False)
    workers = [Database(url), Database(url)]
    start = threading.Barrier(2)
    results: list[int] = []

    def run(worker: Database) -> None:
        start.wait()
        results.append(auction.close_due_auctions(worker, AFTER))

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for worker in workers:
            worker.dispose()
    assert len(results) == 2 and sum(results) == len(ids), results
    with db.unit_of_work() as session:
        closes = session.execute(select(ProductStatusHistory.product_id, func.count())
                                 .where(ProductStatusHistory.to_status == "CLOSED")
                                 .group_by(ProductStatusHistory.product_id)).all()
        templates = session.execute(select(Notification.template, func.count())
                                    .where(Notification.channel == "EMAIL")
                                    .group_by(Notification.template)).all()
    assert sorted(closes) == [(product_id, 1) for product_id in sorted(ids)]
    assert dict(templates) == {"auction_won": 12, "auction_sold": 12, "auction_unsold": 12}


def test_one_auction_that_fails_to_close_does_not_hold_up_the_others(db, people, monkeypatch, caplog):
    seller = people[0]
    ids = [create_auction(db, seller.id, ends_at=ENDS - timedelta(minutes=m)) for m in (3, 2, 1)]
    poisoned = ids[1]
    real = auction.close_auction

    def close(session, product, now):
        if product.id == poisoned:
            raise RuntimeError("template server on fire")
        return real(session, product, now)

    monkeypatch.setattr(auction, "close_auction", close)
    assert auction.close_due_auctions(db, AFTER) == 2
    assert product(db, poisoned).status == "ACTIVE" and history(db, poisoned)[-1].to_status == "ACTIVE"
    assert f"auction {poisoned}: failed" in caplog.text
    monkeypatch.setattr(auction, "close_auction", real)
    assert auction.close_due_auctions(db, AFTER) == 1  # the next run tries it again
