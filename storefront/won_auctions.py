"""A member's won auctions as a shop can learn them from the platform: where the member stands on a
closed auction (won, checked out, or a bidder who may be offered a second chance), and the auctions
won and not yet checked out.

The platform has no operation listing a member's won auctions, so they are read from the member's
change feed (`Events.listChanges`, events `auction.won`, kept EMALL_EVENT_RETENTION_DAYS), less the
auctions the member already has an invoice of (`Checkout.listInvoices`)."""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storefront.formats import items
from storefront.platform import PlatformError
from storefront.web import HTTPError, Request

if TYPE_CHECKING:
    from storefront.app import Storefront

log = logging.getLogger("storefront.won_auctions")

WON = "auction.won"  # the change feed's event told to an auction's winner
FEED_LIMIT = 500  # events one listChanges call answers at most
FEED_CALLS = 10  # calls one cart view makes at most (the first reads the feed from its oldest event)
MEMBERS_KEPT = 10_000  # members whose feed reading this process remembers
LISTED = 20  # won auctions listed at most
OPEN_INVOICES = ("UNPAID", "PAID")  # an invoice in these holds the auction's one checkout
BIDS_READ = 200  # Auction.listBids' largest page: the viewer's bid is looked for among the newest


@dataclass(frozen=True)
class Standing:
    """Where the logged-in viewer stands on a closed, sold auction."""
    won: bool  # the platform names the viewer its winner
    bid: bool  # the viewer bid and did not win: the seller may offer them a second chance
    invoice: Any | None  # the viewer's own invoice of it (the newest), once checked out


def invoice_of(app: Storefront, request: Request, product_id: int) -> Any | None:
    """The member's newest invoice, as buyer, holding the auction's product; None when there is none."""
    username = request.session.username if request.session is not None else None
    for invoice in items(app.call(request, "Checkout", "listInvoices"), "Invoice"):  # newest first
        if invoice.buyer == username and any(line.productId == product_id
                                             for line in items(invoice.lines, "InvoiceLine")):
            return invoice
    return None


def holds_checkout(invoice: Any | None) -> bool:
    """The invoice is the auction's checkout (a cancelled or expired one gave it up)."""
    return invoice is not None and invoice.status in OPEN_INVOICES


def standing(app: Storefront, request: Request, product: Any) -> Standing | None:
    """The viewer's standing on `product` (Catalog.getProduct's answer) when it is a closed auction that
    sold and the viewer is a logged-in member other than its seller; else None. The page shows without
    it when the platform does not answer."""
    session = request.session
    if product.saleMethod != "AUCTION" or product.status != "CLOSED" or session is None or not session.logged_in \
            or session.username == product.sellerUsername:
        return None
    try:
        auction = app.call(request, "Auction", "getAuction", productId=product.productId)
        if auction.status != "SOLD":
            return None
        bid = False
        if not auction.youWon:
            page = app.call(request, "Auction", "listBids", productId=product.productId, page=1, pageSize=BIDS_READ)
            bid = any(b.yours for b in items(page.bids, "Bid"))
            if not bid:
                return None
        return Standing(bool(auction.youWon), bid, invoice_of(app, request, product.productId))
    except (PlatformError, HTTPError):  # HTTPError: LoginRequired, the platform session ended (its notice shows)
        return None


class FeedMemory:
    """Per member (in this process): how far its change feed was read and the auctions it won till there,
    so that a cart view reads only the events since the last (one call, mostly). At most MEMBERS_KEPT
    members, the least recently seen forgotten first (read again from the oldest event)."""

    def __init__(self) -> None:
        self._read: OrderedDict[str, tuple[str | None, list[int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, username: str) -> tuple[str | None, list[int]]:
        with self._lock:
            if username in self._read:
                self._read.move_to_end(username)
            return self._read.get(username, (None, []))

    def put(self, username: str, cursor: str | None, won: list[int]) -> None:
        with self._lock:
            self._read[username] = (cursor, won)
            self._read.move_to_end(username)
            while len(self._read) > MEMBERS_KEPT:
                self._read.popitem(last=False)


def won_product_ids(app: Storefront, request: Request, username: str) -> list[int]:
    """The auctions the member won (events `auction.won`), oldest first, read on from where the last
    reading stopped; at most FEED_CALLS calls, the rest left for the next view."""
    memory: FeedMemory = app.cache.setdefault("won-feeds", FeedMemory())
    cursor, won = memory.get(username)
    won = list(won)
    for _ in range(FEED_CALLS):
        try:
            page = app.call(request, "Events", "listChanges", cursor=cursor, limit=FEED_LIMIT)
        except PlatformError as error:
            if error.code not in ("CURSOR_EXPIRED", "CURSOR_INVALID") or cursor is None:
                raise
            cursor, won = None, []  # events past the retention went with the cursor: read from the start
            continue
        won += [c.productId for c in items(page.changes, "Change")
                if c.type == WON and c.productId is not None and c.productId not in won]
        cursor = page.cursor
        if not page.hasMore:
            break
    memory.put(username, cursor, won)
    return won


def won_not_checked_out(app: Storefront, request: Request) -> list[Any]:
    """The auctions the member won and has no invoice of, newest win last, each as Auction.getAuction
    answers it (the viewer's win confirmed; one it does not answer now is left out). PlatformError when
    the platform does not answer."""
    username = request.session.username if request.session is not None else None
    if not username:
        return []
    won = won_product_ids(app, request, username)
    if not won:
        return []
    invoiced = {line.productId for invoice in items(app.call(request, "Checkout", "listInvoices"), "Invoice")
                if invoice.buyer == username for line in items(invoice.lines, "InvoiceLine")}
    auctions = []
    for product_id in [p for p in won if p not in invoiced][-LISTED:]:
        try:
            auctions.append(app.call(request, "Auction", "getAuction", productId=product_id))
        except PlatformError as error:
            log.info("won auction %s not shown: %s", product_id, error)
    return [auction for auction in auctions if auction.youWon and auction.status == "SOLD"]
