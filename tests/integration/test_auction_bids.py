"""placeBid, getAuction and listBids against the test database: rules, faults, nothing changed."""
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import Bid, Notification, Product, ProductStatusHistory
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import auction
from emall_ws.domain.members import ADMIN, SELLER
from tests.builders import create_auction, create_member

NOW = datetime(2026, 11, 28, 3, 0, 0)
ENDS = NOW + timedelta(hours=2)


def clock(moment=NOW):
    return lambda: moment


@pytest.fixture
def people(db):
    seller = create_member(db, "kopmaju", SELLER)
    return (seller, create_member(db, "budi"), create_member(db, "sitiaminah"),
            create_member(db, "tokolain", SELLER))


@pytest.fixture
def product_id(db, people):
    return create_auction(db, people[0].id, start_price=100_000, min_increment=5_000, ends_at=ENDS)


def bid(db, who, product_id, amount, at=NOW):
    with db.unit_of_work() as session:
        return auction.place_bid(session, who.principal, product_id, amount, clock(at))


def state(db, product_id) -> dict:
    """Everything a bid may change."""
    with db.unit_of_work() as session:
        p = session.get(Product, product_id)
        return dict(
            product=(p.status, p.current_price, p.bid_count, p.leader_id, p.winner_id, p.updated_at),
            bids=session.execute(select(Bid.bidder_id, Bid.amount).order_by(Bid.id)).all(),
            notifications=session.scalar(select(func.count()).select_from(Notification)),
            history=session.scalar(select(func.count()).select_from(ProductStatusHistory)))


def view(db, product_id, at=NOW):
    with db.unit_of_work() as session:
        return auction.get_auction(session, product_id, at)


def notifications(db, template):
    with db.unit_of_work() as session:
        return session.scalars(select(Notification).where(Notification.template == template)
                               .order_by(Notification.id)).all()


def test_first_bid_at_the_start_price_leads(db, people, product_id):
    _, budi, *_ = people
    placed = bid(db, budi, product_id, 100_000)
    assert (placed.sequence, placed.amount, placed.bid_count) == (1, 100_000, 1)
    assert placed.minimum_next_bid == 105_000 and placed.placed_at == NOW and placed.ends_at == ENDS
    shown = view(db, product_id)
    assert (shown.status, shown.current_price, shown.leader, shown.bid_count) == ("OPEN", 100_000, "b***i", 1)
    assert shown.reserve_met and not shown.has_reserve
    assert [(b.sequence, b.amount, b.bidder) for b in shown.recent_bids] == [(1, 100_000, "b***i")]
    assert notifications(db, "outbid") == []  # nobody was outbid


def test_outbidding_notifies_the_previous_leader_by_email_and_sms_once_per_event(db, people, product_id):
    _, budi, siti, other_seller = people
    bid(db, budi, product_id, 100_000)
    bid(db, siti, product_id, 105_000, NOW + timedelta(minutes=1))
    bid(db, other_seller, product_id, 150_000, NOW + timedelta(minutes=2))  # a seller may bid
    rows = notifications(db, "outbid")
    assert [(r.recipient, r.channel) for r in rows] == [
        ("budi@example.co.id", "EMAIL"), ("+6281234567890", "SMS"),
        ("sitiaminah@example.co.id", "EMAIL"), ("+6281234567890", "SMS")]
    assert len({r.event_key for r in rows}) == 2  # one key per outbid event, both channels under it
    data = json.loads(rows[0].data)
    assert (data["your_bid"], data["current_price"], data["minimum_next"]) == \
        ("Rp 100.000", "Rp 105.000", "Rp 110.000")
    assert data["product_name"] == "Kain Tenun Ikat Sumba" and data["ends_at"].startswith("2026-11-28T05:00")


def test_the_leader_may_raise_their_own_bid_without_being_told_they_were_outbid(db, people, product_id):
    _, budi, *_ = people
    bid(db, budi, product_id, 100_000)
    assert bid(db, budi, product_id, 200_000).sequence == 2
    assert notifications(db, "outbid") == []
    assert view(db, product_id).leader == "b***i"


def test_history_pages_newest_first_with_masked_bidders(db, people, product_id):
    _, budi, siti, _ = people
    for index in range(7):
        bid(db, (budi, siti)[index % 2], product_id, 100_000 + index * 5_000, NOW + timedelta(seconds=index))
    with db.unit_of_work() as session:
        first = auction.list_bids(session, product_id, page=1, page_size=3)
        last = auction.list_bids(session, product_id, page=3, page_size=3)
        capped = auction.list_bids(session, product_id, page_size=10_000)
    assert first.total == 7 and [b.sequence for b in first.bids] == [7, 6, 5]
    assert [(b.sequence, b.amount, b.bidder) for b in last.bids] == [(1, 100_000, "b***i")]
    assert [b.bidder for b in first.bids] == ["b***i", "s***h", "b***i"]
    assert capped.page_size == auction.PAGE_SIZE_MAX and len(capped.bids) == 7
    assert view(db, product_id, NOW).recent_bids[0].placed_at == NOW + timedelta(seconds=6)
    with db.unit_of_work() as session:
        beyond = auction.list_bids(session, product_id, page=10**20, page_size=3)  # past any OFFSET
    assert (beyond.total, beyond.page, beyond.bids) == (7, 10**20, ())


@pytest.mark.parametrize("paging, errors", [
    (dict(page=0), [("page", "MIN_VALUE")]),
    (dict(page=-1), [("page", "MIN_VALUE")]),
    (dict(page_size=0), [("pageSize", "MIN_VALUE")]),
    (dict(page_size=-5), [("pageSize", "MIN_VALUE")]),
    (dict(page=0, page_size=0), [("page", "MIN_VALUE"), ("pageSize", "MIN_VALUE")]),
    (dict(product_id=None, page=-1), [("productId", "REQUIRED"), ("page", "MIN_VALUE")]),
])
def test_a_bad_page_is_a_field_error_as_in_search(db, people, product_id, paging, errors):
    """As searchProducts: page and pageSize at least 1, every failing field named at once."""
    bid(db, people[1], product_id, 100_000)
    before = state(db, product_id)
    with db.unit_of_work() as session, pytest.raises(ValidationFailed) as raised:
        auction.list_bids(session, paging.pop("product_id", product_id), **paging)
    assert [(e.field, e.code) for e in raised.value.errors] == errors
    assert all(e.params == {"min": 1} for e in raised.value.errors if e.code == "MIN_VALUE")
    assert state(db, product_id) == before


def test_the_reserve_is_shown_as_met_or_not_never_as_an_amount(db, people):
    seller, budi, *_ = people
    product_id = create_auction(db, seller.id, start_price=100_000, min_increment=5_000,
                                reserve_price=150_000, ends_at=ENDS)
    bid(db, budi, product_id, 100_000)
    shown = view(db, product_id)
    assert shown.has_reserve and not shown.reserve_met
    assert 150_000 not in (shown.start_price, shown.current_price, shown.minimum_next_bid)
    bid(db, budi, product_id, 150_000)
    assert view(db, product_id).reserve_met


# --- faults: each with its own code, and nothing changed ---------------------------------------

@pytest.mark.parametrize("case, error, code", [
    ("too low first", Conflict, "BID_TOO_LOW"),
    ("too low later", Conflict, "BID_TOO_LOW"),
    ("same as current", Conflict, "BID_TOO_LOW"),
    ("own product", NotAuthorized, "OWN_AUCTION"),
    ("admin", NotAuthorized, "ROLE_REQUIRED"),
    ("unknown product", NotFound, "AUCTION_PRODUCT_NOT_FOUND"),
    ("fixed price", InvalidState, "NOT_AN_AUCTION"),
    ("at the end time", InvalidState, "AUCTION_ENDED"),
    ("after the end", InvalidState, "AUCTION_ENDED"),
    ("closed", InvalidState, "AUCTION_ENDED"),
    ("withdrawn", InvalidState, "AUCTION_WITHDRAWN"),
    ("zero", ValidationFailed, "VALIDATION_FAILED"),
    ("negative", ValidationFailed, "VALIDATION_FAILED"),
    ("absurd", ValidationFailed, "VALIDATION_FAILED"),
    ("no product id", ValidationFailed, "VALIDATION_FAILED"),
])
def test_a_refused_bid_has_its_own_code_and_changes_nothing(db, people, product_id, case, error, code):
    seller, budi, siti, _ = people
    admin = create_member(db, "admin1", ADMIN)
    fixed = create_auction(db, seller.id, sale_method="FIXED")
    closed = create_auction(db, seller.id, status="CLOSED", ends_at=ENDS)
    withdrawn = create_auction(db, seller.id, status="WITHDRAWN", ends_at=ENDS)
    bid(db, budi, product_id, 120_000)
    target, who, amount, at = {
        "too low first": (None, budi, 99_999, NOW),  # target: a fresh auction, made below
        "too low later": (product_id, siti, 124_999, NOW),
        "same as current": (product_id, siti, 120_000, NOW),
        "own product": (product_id, seller, 500_000, NOW),
        "admin": (product_id, admin, 500_000, NOW),
        "unknown product": (10**9, siti, 500_000, NOW),
        "fixed price": (fixed, siti, 500_000, NOW),
        "at the end time": (product_id, siti, 500_000, ENDS),
        "after the end": (product_id, siti, 500_000, ENDS + timedelta(days=1)),
        "closed": (closed, siti, 500_000, NOW),
        "withdrawn": (withdrawn, siti, 500_000, NOW),
        "zero": (product_id, siti, 0, NOW),
        "negative": (product_id, siti, -125_000, NOW),
        "absurd": (product_id, siti, 10**14, NOW),
        "no product id": (None, siti, 500_000, NOW),
    }[case]
    if case == "too low first":
        target = create_auction(db, seller.id, start_price=100_000, ends_at=ENDS)
    before = {pid: state(db, pid) for pid in (product_id, target) if pid and pid < 10**9}
    with pytest.raises(error) as raised:
        bid(db, who, target, amount, at)
    assert raised.value.code == code
    assert {pid: state(db, pid) for pid in before} == before


def test_a_too_low_bid_names_the_minimum(db, people, product_id):
    _, budi, siti, _ = people
    bid(db, budi, product_id, 120_000)
    with pytest.raises(Conflict) as raised:
        bid(db, siti, product_id, 121_000)
    assert raised.value.params == {"minimum": "Rp 125.000"}


def test_validation_lists_every_bad_field(db, people):
    with pytest.raises(ValidationFailed) as raised:
        bid(db, people[1], None, None)
    assert {(e.field, e.code) for e in raised.value.errors} == {("productId", "REQUIRED"),
                                                                 ("amount", "REQUIRED")}


def test_reading_an_unknown_or_fixed_price_product_is_refused_like_bidding(db, people):
    fixed = create_auction(db, people[0].id, sale_method="FIXED")
    with db.unit_of_work() as session:
        for product_id, error, code in ((10**9, NotFound, "AUCTION_PRODUCT_NOT_FOUND"),
                                        (fixed, InvalidState, "NOT_AN_AUCTION"),
                                        (None, ValidationFailed, "VALIDATION_FAILED")):
            for read in (lambda product_id=product_id: auction.get_auction(session, product_id, NOW),
                         lambda product_id=product_id: auction.list_bids(session, product_id)):
                with pytest.raises(error) as raised:
                    read()
                assert raised.value.code == code


def test_the_unique_amount_index_refuses_a_tie_that_bypassed_the_lock(db, people, product_id):
    """The last line of defence: even a writer that ignores the rules cannot record two equal bids."""
    _, budi, siti, _ = people
    bid(db, budi, product_id, 100_000)
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            session.add(Bid(product_id=product_id, bidder_id=siti.id, amount=100_000, placed_at=NOW))
            session.flush()


def test_a_product_already_in_the_session_is_read_again_under_the_lock(db, people, product_id):
    """The session keeps objects across commits (expire_on_commit=False): the locked read must
    refresh them, or a bid would be judged against a stale price."""
    _, budi, siti, _ = people
    with db.unit_of_work() as session:
        stale = session.get(Product, product_id)
        assert stale.bid_count == 0
        session.commit()  # ends the transaction (and SQLite's write lock); `stale` stays loaded
        bid(db, budi, product_id, 100_000)  # committed by another transaction meanwhile
        with pytest.raises(Conflict):
            auction.place_bid(session, siti.principal, product_id, 100_000, clock())


# --- what a member reading an auction is told of their own bids --------------------------------------

def view_for(db, product_id, viewer, at=NOW):
    with db.unit_of_work() as session:
        return auction.get_auction(session, product_id, at, viewer_id=viewer.id if viewer else None)


def bids_for(db, product_id, viewer):
    with db.unit_of_work() as session:
        return auction.list_bids(session, product_id, viewer_id=viewer.id if viewer else None)


def test_a_bidder_reading_the_auction_sees_their_own_bids_and_lead_in_their_own_name(db, people, product_id):
    _, budi, siti, _ = people
    bid(db, budi, product_id, 100_000)
    bid(db, siti, product_id, 105_000, NOW + timedelta(minutes=1))
    bid(db, budi, product_id, 110_000, NOW + timedelta(minutes=2))

    mine = view_for(db, product_id, budi)
    assert (mine.you_lead, mine.you_won, mine.leader, mine.winner) == (True, False, "budi", None)
    assert [(b.bidder, b.yours) for b in mine.recent_bids] == [("budi", True), ("s***h", False), ("budi", True)]
    hers = view_for(db, product_id, siti)
    assert (hers.you_lead, hers.you_won, hers.leader) == (False, False, "b***i")
    assert [(b.bidder, b.yours) for b in hers.recent_bids] == [("b***i", False), ("sitiaminah", True),
                                                               ("b***i", False)]
    page = bids_for(db, product_id, siti)
    assert (page.you_lead, page.you_won) == (False, False)
    assert [(b.sequence, b.bidder, b.yours) for b in page.bids] == [(3, "b***i", False), (2, "sitiaminah", True),
                                                                    (1, "b***i", False)]


def test_an_anonymous_reader_is_told_nothing_of_anyone(db, people, product_id):
    _, budi, *_ = people
    bid(db, budi, product_id, 100_000)
    shown, page = view_for(db, product_id, None), bids_for(db, product_id, None)
    assert (shown.leader, shown.you_lead, shown.you_won) == ("b***i", None, None)
    assert [(b.bidder, b.yours) for b in shown.recent_bids + page.bids] == [("b***i", None)] * 2
    assert (page.you_lead, page.you_won) == (None, None)


def test_before_any_bid_nobody_leads(db, people, product_id):
    shown = view_for(db, product_id, people[1])
    assert (shown.leader, shown.you_lead, shown.you_won, shown.recent_bids) == (None, False, False, ())


def test_the_winner_of_a_closed_auction_reads_that_they_won(db, people, product_id):
    seller, budi, siti, _ = people
    bid(db, budi, product_id, 100_000)
    bid(db, siti, product_id, 105_000, NOW + timedelta(minutes=1))
    assert auction.close_due_auctions(db, ENDS + timedelta(seconds=1)) == 1

    won = view_for(db, product_id, siti, ENDS + timedelta(seconds=2))
    assert (won.status, won.you_won, won.you_lead, won.winner) == ("SOLD", True, True, "sitiaminah")
    lost = view_for(db, product_id, budi, ENDS + timedelta(seconds=2))
    assert (lost.you_won, lost.you_lead, lost.winner) == (False, False, "s***h")
    assert (bids_for(db, product_id, siti).you_won, bids_for(db, product_id, seller).you_won) == (True, False)
