"""A member's won auctions as a shop can learn them from the platform: where the member stands on a
closed auction (won, checked out, or a bidder who may be offered a second chance), and the auctions
won and not yet checked out.

The platform has no operation listing a member's won auctions, so they are read from the member's
change feed (`Events.listChanges`, events `auction.won`, kept EMALL_EVENT_RETENTION_DAYS), less the
auctions the member already has an invoice of (`Checkout.listInvoices`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storefront.formats import items
from storefront.platform import PlatformError
from storefront.web import Request

if TYPE_CHECKING:
    from storefront.app import Storefront

WON = "auction.won"  # the change feed's event told to an auction's winner
FEED_LIMIT = 500  # events one listChanges call answers at most
FEED_CALLS = 10  # calls one reading makes at most (the feed is read from its oldest event)
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
    except PlatformError:
        return None


def won_not_checked_out(app: Storefront, request: Request) -> list[Any]:
    """The auctions the member won and has no invoice of, newest win last, each as Auction.getAuction
    answers it (the viewer's win confirmed). PlatformError when the platform does not answer."""
    won: list[int] = []
    cursor = None
    for _ in range(FEED_CALLS):
        page = app.call(request, "Events", "listChanges", cursor=cursor, limit=FEED_LIMIT)
        won += [c.productId for c in items(page.changes, "Change")
                if c.type == WON and c.productId is not None and c.productId not in won]
        if not page.hasMore:
            break
        cursor = page.cursor
    if not won:
        return []
    username = request.session.username if request.session is not None else None
    invoiced = {line.productId for invoice in items(app.call(request, "Checkout", "listInvoices"), "Invoice")
                if invoice.buyer == username for line in items(invoice.lines, "InvoiceLine")}
    auctions = [app.call(request, "Auction", "getAuction", productId=product_id)
                for product_id in [p for p in won if p not in invoiced][-LISTED:]]
    return [auction for auction in auctions if auction.youWon and auction.status == "SOLD"]
