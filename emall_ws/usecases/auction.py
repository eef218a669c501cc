"""The Auction service's use cases: bidding for active buyers and sellers; reading an auction for anyone,
a member who presents credentials being told their own bids."""
from __future__ import annotations

from sqlalchemy.orm import Session

from emall_ws.services import auction
from emall_ws.domain.members import BUYER, SELLER
from emall_ws.services.auth import ANONYMOUS, Credentials
from emall_ws.usecases import UseCases


class AuctionUseCases(UseCases):
    def place_bid(self, credentials: Credentials, product_id: int | None, amount: int | None) -> auction.PlacedBid:
        # the clock itself, not a time: place_bid reads it once the product row is locked
        return self.transaction(lambda session: auction.place_bid(
            session, self.caller(session, credentials, BUYER, SELLER), product_id, amount, self.platform.clock))

    def get_auction(self, product_id: int | None, credentials: Credentials = ANONYMOUS) -> auction.AuctionView:
        return self.transaction(lambda session: auction.get_auction(
            session, product_id, self.now(), viewer_id=self._viewer(session, credentials)))

    def list_bids(self, product_id: int | None, page: int | None, page_size: int | None,
                  credentials: Credentials = ANONYMOUS) -> auction.BidPage:
        return self.transaction(lambda session: auction.list_bids(
            session, product_id, page, page_size, viewer_id=self._viewer(session, credentials)))

    def _viewer(self, session: Session, credentials: Credentials) -> int | None:
        """The member reading an auction, who is told their own bids; None for an anonymous reader.
        Credentials sent but wrong are refused (Authentication), never read as anonymous: the caller
        would take a masked answer for "not mine"."""
        if credentials == ANONYMOUS:
            return None
        return self.caller(session, credentials).member_id
