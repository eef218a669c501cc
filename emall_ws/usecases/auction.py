"""The Auction service's use cases: bidding for active buyers and sellers; reading an auction for anyone."""
from __future__ import annotations

from emall_ws.services import auction
from emall_ws.services.auth import BUYER, SELLER, Credentials
from emall_ws.usecases import UseCases


class AuctionUseCases(UseCases):
    def place_bid(self, credentials: Credentials, product_id: int | None, amount: int | None) -> auction.PlacedBid:
        # the clock itself, not a time: place_bid reads it once the product row is locked
        return self.transaction(lambda session: auction.place_bid(
            session, self.caller(session, credentials, BUYER, SELLER), product_id, amount, self.platform.clock))

    def get_auction(self, product_id: int | None) -> auction.AuctionView:
        return self.transaction(lambda session: auction.get_auction(session, product_id, self.now()))

    def list_bids(self, product_id: int | None, page: int | None, page_size: int | None) -> auction.BidPage:
        return self.transaction(lambda session: auction.list_bids(session, product_id, page, page_size))
