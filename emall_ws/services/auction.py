"""Auction use cases: bids serialised per product, the public view of an auction, closing due ones.

Serialisation: every write to an auction (a bid, its closing) first locks the product row -
SELECT ... FOR UPDATE on MariaDB/MySQL; on SQLite the engine's BEGIN IMMEDIATE already makes every
writing transaction the only one. So bids on one product are applied one after another, each
against the price the previous one left, and exactly one of two equal bids wins. The unique
(product_id, amount) index of `bid` is the last line of defence, should a writer ever skip the lock.

On MariaDB the engine runs at READ COMMITTED (db.session.create_platform_engine): a plain SELECT
sees what was committed when it ran, and another transaction may change it a moment later. So the
serialisation rests on the row lock, not on the isolation level: a bid waits for the product row's
FOR UPDATE lock, and that locking read returns the row as the previous bid committed it (a locking
read sees the latest committed version at any isolation level; populate_existing refreshes the
session's copy). Everything a bid decides is read from that locked row, never from a plain query
on `bid`.
"""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.sms_text import is_gsm7
from emall_ws.db.models import AuctionSecondChance, Bid, Member, Product
from emall_ws.db.session import Database
from emall_ws.domain import auction as rules
from emall_ws.domain.auction import Auction
from emall_ws.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from emall_ws.domain.events import AUCTION_OUTBID, AUCTION_WON
from emall_ws.domain.paging import offset_within, page_and_size, page_errors
from emall_ws.domain.pipelines import ProductStatus
from emall_ws.domain.second_chance import SecondChanceStatus
from emall_ws.notify.outbox import notify_member
from emall_ws.services.claims import handle_each_claimed
from emall_ws.domain.members import BUYER, SELLER
from emall_ws.services import actors, events
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.usernames import usernames
from emall_ws.services.catalog import auction_snapshot, ensure_seller_on_sale
from emall_ws.services.catalog import set_status  # the one way a product's status changes

log = logging.getLogger(__name__)

RECENT_BIDS = 10  # bids shown by getAuction; listBids pages through all of them
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 50, 200
CLOSE_BATCH = 500  # auctions one close_due_auctions run closes at most; the next run goes on

CLOSE_JOB = "close-auctions"  # the worker's job (emall_ws.worker) that closes auctions at their end


@dataclass(frozen=True)
class BidView:
    sequence: int  # 1 for the first bid of the auction
    amount: int
    bidder: str  # masked username; the viewer's own in full
    placed_at: datetime
    yours: bool | None = None  # the viewer's bid; None when no member asked


@dataclass(frozen=True)
class AuctionView:
    product_id: int
    name: str
    status: str  # OPEN, ENDED, SOLD, UNSOLD, or the product's own (WITHDRAWN ...)
    start_price: int
    min_increment: int
    current_price: int | None  # the leading bid
    minimum_next_bid: int | None  # only while bids are accepted
    bid_count: int
    leader: str | None  # masked; in full when it is the viewer
    has_reserve: bool
    reserve_met: bool  # never the reserve itself: bidders must not learn it
    ends_at: datetime
    closed_at: datetime | None
    winner: str | None  # masked; in full when it is the viewer
    recent_bids: tuple[BidView, ...]  # newest first
    you_lead: bool | None = None  # the viewer's bid leads; None when no member asked
    you_won: bool | None = None  # the viewer won the closed auction; None when no member asked


@dataclass(frozen=True)
class PlacedBid:
    product_id: int
    sequence: int
    amount: int
    placed_at: datetime
    minimum_next_bid: int
    bid_count: int
    ends_at: datetime


@dataclass(frozen=True)
class BidPage:
    product_id: int
    total: int
    page: int
    page_size: int
    bids: tuple[BidView, ...]  # newest first
    you_lead: bool | None = None  # as AuctionView's
    you_won: bool | None = None


@dataclass(frozen=True)
class WonAuction:
    """What checkout needs of an auction won and not yet paid for (the next issue's invoice)."""
    product_id: int
    seller_id: int
    winner_id: int  # its buyer: the winner, or the bidder who accepted a second chance
    amount: int  # the winning bid (the product's current_price when it closed), or that bidder's own
    closed_at: datetime


# typography that has a plain GSM-7 twin; the extension table's characters count double in an SMS
_SMS_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                            "\u2014": "-", "\u2026": "...", "[": "(", "]": ")", "{": "(", "}": ")"})


def sms_name(name: str) -> str:
    """A product name for an SMS line: short, and GSM-7 only. One emoji or curly quote would turn
    the whole SMS into UCS-2 (70 characters a part), so accents are taken off, typography made plain
    and anything else dropped."""
    plain = unicodedata.normalize("NFKD", name.translate(_SMS_PLAIN))
    return rules.short_name("".join(c for c in plain if is_gsm7(c) and c not in "\f^\\~|\u20ac"))


def _locked_product(session: Session, product_id: int) -> Product | None:
    # populate_existing: a Product already in this session's identity map is refreshed from the
    # locked read, never served stale
    return session.scalars(select(Product).where(Product.id == product_id)
                           .with_for_update().execution_options(populate_existing=True)).first()


def _auction_of(product: Product | None, product_id: int) -> tuple[Product, Auction]:
    """`product` and its auction, or the rules' NotFound / InvalidState (not an auction)."""
    if product is None:
        raise NotFound(rules.PRODUCT_NOT_FOUND, productId=product_id)
    return product, rules.ensure_auction(auction_snapshot(product), product_id)


def locked_auction(session: Session, product_id: int | None) -> tuple[Product, Auction]:
    """The auction `product_id`, its row locked (every write to an auction takes this lock first), or
    ValidationFailed (no productId), NotFound, InvalidState (not an auction)."""
    if product_id is None:
        raise ValidationFailed([FieldError("productId", rules.REQUIRED)])
    return _auction_of(_locked_product(session, product_id), product_id)


# --- placeBid ---------------------------------------------------------------------------------

def place_bid(session: Session, principal: Principal, product_id: int | None, amount: int | None,
              clock: Callable[[], datetime]) -> PlacedBid:
    """Places `amount` on auction `product_id` for `principal`, or raises and changes nothing.

    `clock` is read once the product row is locked: a bid's time is when it was applied, so times
    follow the order of the history even when requests arrived the other way round.
    """
    authorize(principal, BUYER, SELLER)
    product_id, amount = rules.check_bid_request(product_id, amount)
    product, auction = _auction_of(_locked_product(session, product_id), product_id)
    ensure_seller_on_sale(session.get_one(Member, product.seller_id))
    now = clock()
    rules.check_bid(auction, principal.member_id, amount, now)

    bid = Bid(product_id=product.id, bidder_id=principal.member_id, amount=amount, placed_at=now)
    session.add(bid)
    try:
        session.flush()
    except IntegrityError:  # a tie that slipped past the lock: the database refused it
        raise Conflict(rules.BID_TOO_LOW, minimum=rules.rupiah(rules.minimum_next_bid(auction))) from None
    previous_leader = auction.leader_id
    product.current_price = amount
    product.bid_count = auction.bid_count + 1
    product.leader_id = principal.member_id
    product.updated_at = now
    after = auction_snapshot(product)
    if previous_leader is not None and previous_leader != principal.member_id:
        _tell_outbid(session, product, after, previous_leader, auction.current_price, bid.id)
        events.note_auction(session, AUCTION_OUTBID, product, previous_leader, now)
    return PlacedBid(product_id=product.id, sequence=after.bid_count, amount=amount, placed_at=now,
                     minimum_next_bid=rules.minimum_next_bid(after), bid_count=after.bid_count,
                     ends_at=after.ends_at)


def _tell_outbid(session: Session, product: Product, after: Auction, member_id: int, their_bid: int | None,
                 bid_id: int) -> None:
    """`after`: the auction with the outbidding bid applied."""
    member = session.get_one(Member, member_id)  # the previous leader: a foreign key of the product
    # keyed by the outbidding bid: one message per outbid event, and a retry cannot double it
    notify_member(session, f"auction:{product.id}:outbid:{bid_id}", member.email, member.phone,
                  "outbid", {
                      "name": member.name, "product_name": product.name,
                      "product_short": sms_name(product.name),
                      "your_bid": rules.rupiah(their_bid or 0),
                      "current_price": rules.rupiah(after.current_price or 0),  # the bid just placed
                      "minimum_next": rules.rupiah(rules.minimum_next_bid(after)),
                      "ends_at": after.ends_at})


# --- getAuction, listBids -----------------------------------------------------------------------

def _auction_product(session: Session, product_id: int | None, errors: Sequence[FieldError] = ()) -> Product:
    """The auction `product_id`, or ValidationFailed naming a missing productId and the request's
    other failing fields (`errors`) at once, or the rules' NotFound / InvalidState."""
    errors = ([FieldError("productId", rules.REQUIRED)] if product_id is None else []) + list(errors)
    if errors or product_id is None:
        raise ValidationFailed(errors)
    product, _ = _auction_of(session.get(Product, product_id), product_id)
    return product


def _shown_name(member_id: int | None, username: str, viewer_id: int | None) -> str:
    """A bidder as the viewer sees them: masked, but for the viewer themself, who knows their name."""
    return username if viewer_id is not None and member_id == viewer_id else rules.mask_username(username)


def _viewer_is(member_id: int | None, viewer_id: int | None) -> bool | None:
    """Whether `member_id` (a bidder, the leader, the winner: there may be none yet) is the viewer;
    None when no member asked, so the answer leaves the field out."""
    return None if viewer_id is None else member_id is not None and member_id == viewer_id


def _bid_views(session: Session, product_id: int, total: int, offset: int, limit: int,
               viewer_id: int | None = None) -> tuple[BidView, ...]:
    rows = session.execute(
        select(Bid.amount, Bid.placed_at, Bid.bidder_id, Member.username).join(Member, Member.id == Bid.bidder_id)
        # amounts rise strictly in the order bids were applied (one at a time, under the product's
        # lock), so the unique (product_id, amount) index gives the history in order, without a sort
        .where(Bid.product_id == product_id).order_by(Bid.amount.desc()).offset(offset).limit(limit)).all()
    return tuple(BidView(sequence=total - offset - index, amount=row.amount,
                         bidder=_shown_name(row.bidder_id, row.username, viewer_id), placed_at=row.placed_at,
                         yours=_viewer_is(row.bidder_id, viewer_id))
                 for index, row in enumerate(rows))


def get_auction(session: Session, product_id: int | None, now: datetime,
                recent: int = RECENT_BIDS, viewer_id: int | None = None) -> AuctionView:
    """The auction as anyone may see it: bidders and winner masked, the reserve only as met or not.
    `viewer_id`, a member asking: their own bids, lead and win are told them, in their own name."""
    product = _auction_product(session, product_id)
    auction = auction_snapshot(product)
    names = usernames(session, {auction.leader_id, auction.winner_id})
    masked: dict[int | None, str] = {member_id: _shown_name(member_id, name, viewer_id)
                                     for member_id, name in names.items()}
    return AuctionView(
        product_id=product.id, name=product.name, status=rules.public_status(auction, now),
        start_price=auction.start_price, min_increment=auction.min_increment,
        current_price=auction.current_price,
        minimum_next_bid=rules.minimum_next_bid(auction) if rules.is_open(auction, now) else None,
        bid_count=auction.bid_count, leader=masked.get(auction.leader_id),
        has_reserve=auction.reserve_price is not None, reserve_met=rules.reserve_met(auction),
        ends_at=auction.ends_at, closed_at=product.closed_at, winner=masked.get(auction.winner_id),
        recent_bids=_bid_views(session, product.id, auction.bid_count, 0, recent, viewer_id),
        you_lead=_viewer_is(auction.leader_id, viewer_id), you_won=_viewer_is(auction.winner_id, viewer_id))


def list_bids(session: Session, product_id: int | None, page: int | None = None,
              page_size: int | None = None, viewer_id: int | None = None) -> BidPage:
    """The bid history, newest first, a page at a time (domain.paging, as searchProducts pages);
    `viewer_id` as get_auction takes it."""
    product = _auction_product(session, product_id, page_errors(page, page_size))
    page, size = page_and_size(page, page_size, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)
    total = product.bid_count or 0  # kept under the product's lock with every bid
    offset = offset_within(page, size, total)
    bids = () if offset is None else _bid_views(session, product.id, total, offset, size, viewer_id)
    return BidPage(product_id=product.id, total=total, page=page, page_size=size, bids=bids,
                   you_lead=_viewer_is(product.leader_id, viewer_id), you_won=_viewer_is(product.winner_id, viewer_id))


def won_auction(session: Session, product_id: int) -> WonAuction | None:
    """The won auction `product_id` as checkout needs it, or None (open, unsold, not an auction, or
    its buyer did not pay and no second chance was accepted since)."""
    product = session.get(Product, product_id)
    if product is None or product.sale_method != rules.AUCTION or product.status != ProductStatus.CLOSED \
            or product.winner_id is None or product.current_price is None or product.closed_at is None:
        return None  # (the price and the closing time are set together with the winner)
    buyer = buyer_of_record(session, product.id, product.winner_id, product.current_price)
    if buyer is None:
        return None
    return WonAuction(product.id, product.seller_id, buyer[0], buyer[1], product.closed_at)


def buyer_of_record(session: Session, product_id: int, winner_id: int, price: int) -> tuple[int, int] | None:
    """Who may check out a closed auction, at what amount: its winner, until they fail to pay; then
    only a bidder who accepted a second chance (domain.second_chance), at their own bid."""
    latest = session.scalars(select(AuctionSecondChance).where(AuctionSecondChance.product_id == product_id)
                             .order_by(AuctionSecondChance.id.desc()).limit(1)).first()
    if latest is None:
        return winner_id, price
    if latest.status != SecondChanceStatus.ACCEPTED or latest.offered_to_id is None or latest.offer_amount is None:
        return None
    return latest.offered_to_id, latest.offer_amount


# --- closing -----------------------------------------------------------------------------------

def close_due_auctions(db: Database, now: datetime, *, limit: int = CLOSE_BATCH) -> int:
    """Closes every auction whose end time has passed, each once (claims.handle_each_claimed); returns
    how many this call closed. A bid racing with the close waits for the same row lock and then finds
    the auction closed."""
    due = (select(Product).where(Product.status == ProductStatus.ACTIVE, Product.sale_method == rules.AUCTION,
                                 Product.ends_at <= now)  # the (status, sale_method, ends_at) index
           .order_by(Product.ends_at, Product.id))
    return handle_each_claimed(db, due, Product, lambda session, product: close_auction(session, product, now),
                               limit=limit, what="auction")


def close_auction(session: Session, product: Product, now: datetime) -> bool:
    """Closes `product` (locked by the caller) if it is due: sold to the leader when the reserve is
    met, else unsold; notifies the winner and the seller. False when there was nothing to do."""
    auction = auction_snapshot(product)
    if not rules.is_due(auction, now):  # re-checked under the lock: someone may have been first
        return False
    winner_id = rules.winner_of(auction)
    seller = session.get_one(Member, product.seller_id)
    price = auction.current_price
    if winner_id is not None and price is not None:  # a winner is the leader: there is a leading bid
        winner = session.get_one(Member, winner_id)
        won = f"auction won by {rules.mask_username(winner.username)} at {rules.rupiah(price)}"
        set_status(session, product, ProductStatus.CLOSED, now, won, actors.job(CLOSE_JOB))
        product.winner_id = winner_id
        _tell_sold(session, product, seller, winner, price, now)
        events.note_auction(session, AUCTION_WON, product, winner_id, now)
    else:
        set_status(session, product, ProductStatus.CLOSED, now, f"auction ended unsold: {_why_unsold(auction, 'en')}",
                   actors.job(CLOSE_JOB))
        tell_member(session, seller, f"auction:{product.id}:unsold", "auction_unsold", product,
                     reason=_why_unsold(auction, "id"), closed_at=now)
    product.closed_at = now  # set_status has set updated_at
    return True


def _why_unsold(auction: Auction, language: str) -> str:
    # unsold although bids came in: only a reserve the highest bid did not reach
    highest, reserve = auction.current_price, auction.reserve_price
    if not auction.bid_count or highest is None or reserve is None:
        return "tidak ada tawaran yang masuk" if language == "id" else "no bids"
    if language == "id":
        return (f"tawaran tertinggi {rules.rupiah(highest)} belum mencapai harga "
                f"cadangan {rules.rupiah(reserve)} yang Anda tetapkan")
    return f"reserve {rules.rupiah(reserve)} not met (highest bid {rules.rupiah(highest)})"


def _tell_sold(session: Session, product: Product, seller: Member, winner: Member, price: int,
               now: datetime) -> None:
    amount = rules.rupiah(price)
    tell_member(session, winner, f"auction:{product.id}:won", "auction_won", product,
                 amount=amount, closed_at=now)
    tell_member(session, seller, f"auction:{product.id}:sold", "auction_sold", product,
                 amount=amount, winner=rules.mask_username(winner.username), closed_at=now)


def tell_member(session: Session, member: Member, event_key: str, template: str, product: Product,
                 **data: object) -> None:
    notify_member(session, event_key, member.email, member.phone, template,
                  {"name": member.name, "product_name": product.name,
                   "product_short": sms_name(product.name), **data})
