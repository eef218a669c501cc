"""A second chance for an auction whose buyer did not pay, or its relisting (the rules and
statuses are domain.second_chance's).

The invoice's cancellation or expiry records the non-payer (`record_non_payment`, in the invoice's
transaction) and gives the seller EMALL_SECOND_CHANCE_DAYS to choose: `offer` the item to the
next-highest bidder at that bidder's own highest bid (at or above the reserve), or `relist` it. The
bidder `accept`s (then checks out exactly as a winner does: services.auction.won_auction names them)
or `decline`s, within the same number of days.

The worker's default at a deadline (`settle_due`): a seller who did not choose gets the second chance
offered for them when someone is eligible - the item then still sells at or above the reserve, and the
bidder may simply decline - else it ends; a lapsed offer ends. An ended one is never relisted by the
worker: a new auction needs an end time, and only the seller should choose when their product goes on
sale again.

The non-payer's order stays as it was (CANCELLED, its line naming the product) but for giving up the
auction's one checkout slot (`purchase_order.auction_product_id`, unique) to the next buyer; the
second chance's `invoice_id` keeps the link from the auction to it.

A relist is a new product row (catalog.relist_auction): the old one keeps its bids, winner, orders and
this history exactly as they were, and `relisted_as_id` links the two.

Locking: the seller's and the bidder's operations lock the product row first (as every write to an
auction does), then the second chance; the worker claims the second chance alone and never locks the
product, so the two cannot deadlock, and whoever comes second sees the other's move.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emall_ws.db.models import AuctionSecondChance, Bid, Invoice, Member, Product
from emall_ws.db.session import Database
from emall_ws.domain import auction as auction_rules
from emall_ws.domain import second_chance as rules
from emall_ws.domain.catalog import CatalogPolicy
from emall_ws.domain.errors import InvalidState
from emall_ws.domain.members import ADMIN, SELLER
from emall_ws.domain.pipelines import MemberStatus
from emall_ws.domain.second_chance import SecondChanceStatus
from emall_ws.services.auction import locked_auction, tell_member
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.catalog import ProductView, relist_auction
from emall_ws.services.claims import handle_each_claimed

SETTLE_BATCH = 500
LIST_MAX = 200


@dataclass(frozen=True)
class SecondChancePolicy:
    window: timedelta = timedelta(days=2)  # EMALL_SECOND_CHANCE_DAYS: the seller's, then the bidder's

    @classmethod
    def from_settings(cls, settings: Any) -> SecondChancePolicy:
        return cls(window=timedelta(days=settings.second_chance_days))


SECOND_CHANCE_DEFAULT = SecondChancePolicy()


@dataclass(frozen=True)
class SecondChanceView:
    """A second chance as its seller and its bidder see it (the non-payer is for admins only)."""
    product_id: int
    status: str
    due_at: datetime | None  # of the seller's choice, or of the offer
    offered_to: str | None  # masked; in full to the bidder themself
    offer_amount: int | None
    relisted_as: int | None  # the fresh auction's product id


@dataclass(frozen=True)
class NonPayerView:
    """An auction's buyer who did not pay, as admins see it."""
    product_id: int
    product_name: str
    username: str
    invoice_number: str
    amount: int
    recorded_at: datetime
    status: str  # of the second chance that followed


# --- the invoice's side -------------------------------------------------------------------------------

def record_non_payment(session: Session, invoice: Invoice, now: datetime, policy: SecondChancePolicy) -> None:
    """The (locked) invoice of a won auction was cancelled or expired: its buyer is on record as a
    non-payer, and the seller is told to choose what becomes of the item."""
    order = invoice.order
    product_id = order.auction_product_id
    assert product_id is not None  # the caller's check: an auction's invoice
    # the order gives up the auction's one checkout (purchase_order.auction_product_id is unique) for the
    # next buyer's; it keeps its lines (the product) and status, and this row links it to the auction
    order.auction_product_id = None
    chance = AuctionSecondChance(product_id=product_id, non_payer_id=invoice.buyer_id, invoice_id=invoice.id,
                                 amount=invoice.goods_total, status=None, recorded_at=now, updated_at=now)
    _move(chance, SecondChanceStatus.AWAITING_SELLER, now, due_at=now + policy.window)
    session.add(chance)
    product = session.get_one(Product, product_id)
    tell_member(session, session.get_one(Member, product.seller_id), f"auction:{product_id}:unpaid:{invoice.id}",
                "auction_unpaid", product, amount=auction_rules.rupiah(invoice.goods_total),
                invoice_number=invoice.number, due_at=chance.due_at)


# --- the seller's and the bidder's operations --------------------------------------------------------

def offer(session: Session, seller: Principal, product_id: int | None, now: datetime,
          policy: SecondChancePolicy) -> SecondChanceView:
    """The seller offers the item to the next-highest eligible bidder (InvalidState NO_ELIGIBLE_BIDDER
    when nobody's own highest bid reaches the reserve), for `policy.window`."""
    product, chance = _for_seller(session, seller, product_id, now, SecondChanceStatus.AWAITING_SELLER)
    if not _offer_next(session, product, chance, now, policy):
        raise InvalidState(rules.NO_ELIGIBLE_BIDDER)
    return _view(session, chance, seller.member_id)


def accept(session: Session, bidder: Principal, product_id: int | None, now: datetime) -> SecondChanceView:
    """The bidder takes the offer: they are the auction's buyer now, to check out at their own bid."""
    return _answer(session, bidder, product_id, now, SecondChanceStatus.ACCEPTED, "menerima")


def decline(session: Session, bidder: Principal, product_id: int | None, now: datetime) -> SecondChanceView:
    """The bidder turns the offer down: it ends, and the seller may relist."""
    return _answer(session, bidder, product_id, now, SecondChanceStatus.ENDED, "menolak")


def _answer(session: Session, bidder: Principal, product_id: int | None, now: datetime, target: str,
            answer: str) -> SecondChanceView:
    """The bidder's answer (`answer`: how the seller is told it, in Indonesian) moves the offer to `target`."""
    product, chance = _for_bidder(session, bidder, product_id, now)
    _move(chance, target, now)
    tell_member(session, session.get_one(Member, product.seller_id), f"auction:{product.id}:answer:{chance.id}",
                "second_chance_answered", product, answer=answer,
                bidder=auction_rules.mask_username(bidder.username),
                amount=auction_rules.rupiah(chance.offer_amount or 0))
    return _view(session, chance, bidder.member_id)


def relist(session: Session, seller: Principal, product_id: int | None, ends_at: datetime | None, now: datetime,
           catalog_policy: CatalogPolicy) -> ProductView:
    """The seller puts the item up again: a fresh auction of the same listing, no bids, ending at
    `ends_at` (checked as a new listing's end is)."""
    product, chance = _for_seller(session, seller, product_id, now, SecondChanceStatus.AWAITING_SELLER,
                                  SecondChanceStatus.ENDED)
    fresh = relist_auction(session, seller, product, ends_at, now, catalog_policy)
    _move(chance, SecondChanceStatus.RELISTED, now)
    chance.relisted_as_id = fresh.product_id
    return fresh


def _for_seller(session: Session, seller: Principal, product_id: int | None, now: datetime,
                *expected: str) -> tuple[Product, AuctionSecondChance]:
    """The locked auction and its latest second chance, when `seller` is its seller and it is `expected`."""
    authorize(seller, SELLER)
    product, auction = locked_auction(session, product_id)
    chance = _latest(session, product.id)
    rules.check_seller(_snapshot(product, auction, chance, now), seller.member_id, *expected)
    assert chance is not None  # an auction without one is in none of the expected statuses
    return product, chance


def _for_bidder(session: Session, bidder: Principal, product_id: int | None,
                now: datetime) -> tuple[Product, AuctionSecondChance]:
    """The locked auction and the second chance offered to `bidder`, still open at `now`."""
    product, auction = locked_auction(session, product_id)
    chance = _latest(session, product.id)
    rules.check_bidder(_snapshot(product, auction, chance, now), bidder.member_id)
    assert chance is not None and chance.due_at is not None  # an offer has both
    if chance.due_at <= now:  # lapsed, the worker not yet come by: too late all the same
        raise InvalidState(rules.SECOND_CHANCE_STATE, status=SecondChanceStatus.ENDED)
    return product, chance


def _snapshot(product: Product, auction: auction_rules.Auction, chance: AuctionSecondChance | None,
              now: datetime) -> rules.SecondChance:
    """What the rules need; an auction without a second chance is in its own public state (OPEN, SOLD ...)."""
    if chance is None:
        return rules.SecondChance(product.seller_id, auction_rules.public_status(auction, now))
    return rules.SecondChance(product.seller_id, chance.status, chance.offered_to_id)


def _latest(session: Session, product_id: int) -> AuctionSecondChance | None:
    # locked and read afresh: the worker may have moved it since the caller's product lock was taken
    return session.scalars(select(AuctionSecondChance).where(AuctionSecondChance.product_id == product_id)
                           .order_by(AuctionSecondChance.id.desc()).limit(1)
                           .with_for_update().execution_options(populate_existing=True)).first()


def _move(chance: AuctionSecondChance, target: str, now: datetime, due_at: datetime | None = None) -> None:
    """The one way a second chance's status changes: checked against its pipeline. The row itself keeps
    what each move decided (the offer, the relisted product); `due_at` is the new status's deadline."""
    rules.SECOND_CHANCE.check(chance.status, target)
    chance.status, chance.due_at, chance.updated_at = target, due_at, now


def _offer_next(session: Session, product: Product, chance: AuctionSecondChance, now: datetime,
                policy: SecondChancePolicy) -> bool:
    """Offers the item to the next eligible bidder and tells them; False when there is none."""
    passed_over = set(session.scalars(select(AuctionSecondChance.non_payer_id)
                                      .where(AuctionSecondChance.product_id == product.id)))
    passed_over |= set(session.scalars(select(AuctionSecondChance.offered_to_id).where(
        AuctionSecondChance.product_id == product.id, AuctionSecondChance.offered_to_id.is_not(None))))
    bids = session.execute(select(Bid.bidder_id, Bid.amount).join(Member, Member.id == Bid.bidder_id)
                           .where(Bid.product_id == product.id, Member.status == MemberStatus.ACTIVE))
    chosen = rules.next_in_line(((bidder_id, amount) for bidder_id, amount in bids), passed_over,
                                product.reserve_price)
    if chosen is None:
        return False
    _move(chance, SecondChanceStatus.OFFERED, now, due_at=now + policy.window)
    chance.offered_to_id, chance.offer_amount = chosen.bidder_id, chosen.amount
    tell_member(session, session.get_one(Member, chosen.bidder_id), f"auction:{product.id}:offer:{chance.id}",
                "second_chance_offer", product, amount=auction_rules.rupiah(chosen.amount), due_at=chance.due_at,
                product_id=product.id)
    return True


def _view(session: Session, chance: AuctionSecondChance, viewer_id: int) -> SecondChanceView:
    offered_to = None
    if chance.offered_to_id is not None:
        username = session.get_one(Member, chance.offered_to_id).username
        offered_to = username if chance.offered_to_id == viewer_id else auction_rules.mask_username(username)
    return SecondChanceView(product_id=chance.product_id, status=chance.status, due_at=chance.due_at,
                            offered_to=offered_to, offer_amount=chance.offer_amount,
                            relisted_as=chance.relisted_as_id)


# --- the worker's default at a deadline ---------------------------------------------------------------

def settle_due(db: Database, now: datetime, policy: SecondChancePolicy, *, limit: int = SETTLE_BATCH) -> int:
    """Each second chance past its deadline, once (claims.handle_each_claimed): a seller who did not
    choose gets the offer made for them if someone is eligible, else it ends; a lapsed offer ends.
    Returns how many were settled."""
    due = (select(AuctionSecondChance)
           .where(AuctionSecondChance.status.in_([SecondChanceStatus.AWAITING_SELLER, SecondChanceStatus.OFFERED]),
                  AuctionSecondChance.due_at <= now)  # the (status, due_at) index
           .order_by(AuctionSecondChance.due_at, AuctionSecondChance.id))
    return handle_each_claimed(db, due, AuctionSecondChance,
                               lambda session, chance: _settle(session, chance, now, policy),
                               limit=limit, what="second chance")


def _settle(session: Session, chance: AuctionSecondChance, now: datetime, policy: SecondChancePolicy) -> bool:
    if chance.status not in (SecondChanceStatus.AWAITING_SELLER, SecondChanceStatus.OFFERED) \
            or chance.due_at is None or chance.due_at > now:  # re-checked under the claim: another was first
        return False
    product = session.get_one(Product, chance.product_id)
    if chance.status == SecondChanceStatus.AWAITING_SELLER and _offer_next(session, product, chance, now, policy):
        return True
    _move(chance, SecondChanceStatus.ENDED, now)
    return True


# --- admins ---------------------------------------------------------------------------------------------

def list_non_payers(session: Session, admin: Principal, limit: int = LIST_MAX) -> list[NonPayerView]:
    """Every auction buyer who did not pay, newest first (admins only)."""
    authorize(admin, ADMIN)
    rows = session.execute(
        select(AuctionSecondChance, Product.name, Member.username, Invoice.number)
        .join(Product, Product.id == AuctionSecondChance.product_id)
        .join(Member, Member.id == AuctionSecondChance.non_payer_id)
        .join(Invoice, Invoice.id == AuctionSecondChance.invoice_id)
        .order_by(AuctionSecondChance.id.desc()).limit(max(1, min(limit, LIST_MAX))))
    return [NonPayerView(product_id=chance.product_id, product_name=name, username=username,
                         invoice_number=number, amount=chance.amount, recorded_at=chance.recorded_at,
                         status=chance.status)
            for chance, name, username, number in rows]
