"""After an auction's buyer did not pay: the seller's second-chance offer to the next-highest bidder,
or a relist.

Pure rules: no I/O, no database, no clock. One `SecondChance` follows each invoice of a won auction
that was cancelled or expired; its status says what may happen next:

  AWAITING_SELLER -> OFFERED (the seller, or the worker at the deadline) | ENDED (the worker, nobody
                     eligible) | RELISTED (the seller)
  OFFERED         -> ACCEPTED (the bidder) | ENDED (declined, or the offer's deadline passed)
  ENDED           -> RELISTED (the seller)

ACCEPTED makes the bidder the auction's buyer, who checks out as a winner does; should they not pay
either, a new SecondChance follows their invoice. The codes raised are keys of ``emall_ws.messages``.
"""
from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from enum import StrEnum

from emall_ws.domain.errors import InvalidState, NotAuthorized
from emall_ws.domain.pipelines import Pipeline


class SecondChanceStatus(StrEnum):
    AWAITING_SELLER = "AWAITING_SELLER"  # the seller chooses: offer or relist, until due_at
    OFFERED = "OFFERED"  # the next-highest bidder may accept at their own bid, until due_at
    ACCEPTED = "ACCEPTED"  # that bidder is now the buyer: they check out as a winner does
    ENDED = "ENDED"  # no sale came of it (declined, lapsed, nobody eligible); the seller may relist
    RELISTED = "RELISTED"  # a fresh auction (a new product) took its place


SECOND_CHANCE = Pipeline("second chance", {
    None: {SecondChanceStatus.AWAITING_SELLER},
    SecondChanceStatus.AWAITING_SELLER: {SecondChanceStatus.OFFERED, SecondChanceStatus.ENDED,
                                         SecondChanceStatus.RELISTED},
    SecondChanceStatus.OFFERED: {SecondChanceStatus.ACCEPTED, SecondChanceStatus.ENDED},
    SecondChanceStatus.ENDED: {SecondChanceStatus.RELISTED},
})

# --- codes (keys of emall_ws.messages.MESSAGES) ---------------------------------------------
# InvalidState; params: status: the second chance's, or the auction's own (OPEN, SOLD ...) when its buyer
# has not failed to pay
SECOND_CHANCE_STATE = "SECOND_CHANCE_STATE"
NO_ELIGIBLE_BIDDER = "NO_ELIGIBLE_BIDDER"  # InvalidState: nobody else bid at or above the reserve
NOT_YOUR_AUCTION = "NOT_YOUR_AUCTION"  # Authorization: only the seller chooses
NOT_YOUR_OFFER = "NOT_YOUR_OFFER"  # Authorization: only the bidder offered answers

ERROR_CODES = (SECOND_CHANCE_STATE, NO_ELIGIBLE_BIDDER, NOT_YOUR_AUCTION, NOT_YOUR_OFFER)


@dataclass(frozen=True)
class SecondChance:
    """What the rules need of one: whose auction, its status, to whom it is offered."""
    seller_id: int
    status: str
    offered_to_id: int | None = None


@dataclass(frozen=True)
class Offer:
    bidder_id: int
    amount: int  # the bidder's own highest bid


def next_in_line(bids: Iterable[tuple[int, int]], passed_over: Set[int], reserve_price: int | None) -> Offer | None:
    """Who a second chance goes to: of `bids` (bidder id, amount), the highest bid of a bidder not
    `passed_over` (the non-payers, and whoever had an offer already), at that bidder's own highest
    amount, if it reaches the reserve; None when nobody qualifies."""
    best: dict[int, int] = {}
    for bidder_id, amount in bids:
        if bidder_id not in passed_over and amount > best.get(bidder_id, -1):
            best[bidder_id] = amount
    if not best:
        return None
    bidder_id = max(best, key=lambda member: best[member])
    amount = best[bidder_id]
    if reserve_price is not None and amount < reserve_price:
        return None
    return Offer(bidder_id, amount)


def check_seller(chance: SecondChance, member_id: int, *expected: str) -> None:
    """The seller may choose, and only in one of the `expected` statuses (nothing else is checked)."""
    if chance.seller_id != member_id:
        raise NotAuthorized(NOT_YOUR_AUCTION)
    check_status(chance, *expected)


def check_bidder(chance: SecondChance, member_id: int) -> None:
    """Only the bidder it is offered to answers an offer, and only while it is OFFERED."""
    if chance.offered_to_id != member_id:
        raise NotAuthorized(NOT_YOUR_OFFER)
    check_status(chance, SecondChanceStatus.OFFERED)


def check_status(chance: SecondChance, *expected: str) -> None:
    if chance.status not in expected:
        raise InvalidState(SECOND_CHANCE_STATE, status=chance.status)
