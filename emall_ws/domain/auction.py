"""Auction rules ("lelang"): who may bid, how much, until when; how an auction ends; masks.

Pure rules: no I/O, no database, no clock (``now`` is passed in, naive UTC as everywhere).
The use cases in ``emall_ws.services.auction`` read the product row under a lock, build an
``Auction`` from it and ask these functions; the codes raised are keys of ``emall_ws.messages``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emall_ws.domain.errors import (Conflict, FieldError, InvalidState, NotAuthorized, NotFound,
                                    ValidationFailed)
from emall_ws.domain.pipelines import ProductStatus

# --- codes (keys of emall_ws.messages.MESSAGES) ---------------------------------------------
PRODUCT_NOT_FOUND = "AUCTION_PRODUCT_NOT_FOUND"  # NotFound; params: productId
NOT_AN_AUCTION = "NOT_AN_AUCTION"  # InvalidState; params: productId
OWN_AUCTION = "OWN_AUCTION"  # Authorization
AUCTION_ENDED = "AUCTION_ENDED"  # InvalidState: too late to bid or to update (end time passed, or closed)
AUCTION_WITHDRAWN = "AUCTION_WITHDRAWN"  # InvalidState
BID_TOO_LOW = "BID_TOO_LOW"  # Conflict; params: minimum (as people read it, "Rp 1.250.000")
BID_AMOUNT_NOT_POSITIVE = "BID_AMOUNT_NOT_POSITIVE"  # field error of `amount`
BID_AMOUNT_TOO_HIGH = "BID_AMOUNT_TOO_HIGH"  # field error of `amount`; params: max
REQUIRED = "REQUIRED"  # shared with the member rules

ERROR_CODES = (PRODUCT_NOT_FOUND, NOT_AN_AUCTION, OWN_AUCTION, AUCTION_ENDED, AUCTION_WITHDRAWN,
               BID_TOO_LOW, BID_AMOUNT_NOT_POSITIVE, BID_AMOUNT_TOO_HIGH)

# Rp 10 trillion: ten times the catalogue's highest start price (a bid on such a listing must still
# be possible), far below BIGINT even with an increment added, and short enough for an SMS line.
MAX_BID = 10 * 10**12

AUCTION = "AUCTION"

# What a client sees (Auction.status): derived from the product status, the clock and the winner
OPEN, ENDED, SOLD, UNSOLD = "OPEN", "ENDED", "SOLD", "UNSOLD"
AUCTION_STATUSES = (OPEN, ENDED, SOLD, UNSOLD, ProductStatus.WITHDRAWN)


@dataclass(frozen=True)
class Auction:
    """What the rules need of an auction product (a snapshot of its row, read under its lock)."""
    product_id: int
    seller_id: int
    sale_method: str
    status: str
    start_price: int
    min_increment: int
    reserve_price: int | None
    ends_at: datetime
    current_price: int | None  # the leading bid; None before the first bid
    bid_count: int
    leader_id: int | None
    winner_id: int | None = None


# --- bidding ------------------------------------------------------------------------------------

def check_bid_request(product_id: int | None, amount: int | None) -> tuple[int, int]:
    """The request's own fields (before any database work), every problem at once: a product,
    and an amount that is present, positive and not absurd. Returns them, known to be present."""
    errors = []
    if product_id is None:
        errors.append(FieldError("productId", REQUIRED))
    if amount is None:
        errors.append(FieldError("amount", REQUIRED))
    elif amount <= 0:
        errors.append(FieldError("amount", BID_AMOUNT_NOT_POSITIVE))
    elif amount > MAX_BID:
        errors.append(FieldError("amount", BID_AMOUNT_TOO_HIGH, {"max": rupiah(MAX_BID)}))
    if errors or product_id is None or amount is None:
        raise ValidationFailed(errors)
    return product_id, amount


def ensure_auction(auction: Auction | None, product_id: int) -> Auction:
    """The product exists and is sold by auction."""
    if auction is None:
        raise NotFound(PRODUCT_NOT_FOUND, productId=product_id)
    if auction.sale_method != AUCTION:
        raise InvalidState(NOT_AN_AUCTION, productId=product_id)
    return auction


def minimum_next_bid(auction: Auction) -> int:
    """The first bid must reach the start price; each later one the current price + increment."""
    if not auction.bid_count or auction.current_price is None:
        return auction.start_price
    return auction.current_price + auction.min_increment


def is_open(auction: Auction, now: datetime) -> bool:
    return auction.status == ProductStatus.ACTIVE and now < auction.ends_at


def check_bid(auction: Auction, bidder_id: int, amount: int, now: datetime) -> None:
    """Raises unless `bidder_id` may bid `amount` now. Order matters: a closed auction says so
    before a low amount does, and a seller learns they cannot bid on their own product at all."""
    if auction.seller_id == bidder_id:
        raise NotAuthorized(OWN_AUCTION)
    if auction.status == ProductStatus.WITHDRAWN:
        raise InvalidState(AUCTION_WITHDRAWN)
    if not is_open(auction, now):
        raise InvalidState(AUCTION_ENDED)
    minimum = minimum_next_bid(auction)
    if amount < minimum:
        raise Conflict(BID_TOO_LOW, minimum=rupiah(minimum))


# --- ending ------------------------------------------------------------------------------------

def is_due(auction: Auction, now: datetime) -> bool:
    """Open until its end time; then due for closing, once."""
    return auction.sale_method == AUCTION and auction.status == ProductStatus.ACTIVE and now >= auction.ends_at


def reserve_met(auction: Auction) -> bool:
    """Whether the leading bid would win now: there is one, and it reaches the reserve (if any)."""
    if not auction.bid_count or auction.current_price is None:
        return False
    return auction.reserve_price is None or auction.current_price >= auction.reserve_price


def winner_of(auction: Auction) -> int | None:
    """Who wins when the auction closes: the leader, if the reserve is met; else nobody."""
    return auction.leader_id if reserve_met(auction) else None


def public_status(auction: Auction, now: datetime) -> str:
    """OPEN, ENDED (time is up, the closing job has not run yet), SOLD, UNSOLD, or the product's
    own status otherwise (e.g. WITHDRAWN)."""
    if auction.status == ProductStatus.ACTIVE:
        return OPEN if now < auction.ends_at else ENDED
    if auction.status == ProductStatus.CLOSED:
        return SOLD if auction.winner_id is not None else UNSOLD
    return auction.status


# --- how people see it --------------------------------------------------------------------------

def mask_username(username: str) -> str:
    """A bidder as others see them: first and last letter. "budi" -> "b***i".

    Enough to tell bidders apart in a history, not enough to find them (UU PDP 2022).
    Usernames have at least 3 characters; anything shorter keeps only its first.
    """
    if len(username) < 3:
        return username[:1] + "***"
    return f"{username[0]}***{username[-1]}"


def rupiah(amount: int) -> str:
    """Whole rupiah as Indonesians write them: 1250000 -> "Rp 1.250.000"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def short_name(name: str, limit: int = 30) -> str:
    """A product name cut for an SMS line: at most `limit` characters, "..." when cut."""
    name = " ".join(name.split())
    return name if len(name) <= limit else name[:limit - 3].rstrip() + "..."
