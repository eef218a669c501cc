"""The Auction service's use cases: bidding for active buyers and sellers; reading an auction for anyone,
a member who presents credentials being told their own bids; after a buyer did not pay, the seller's
second-chance offer or relist and the bidder's answer; the non-payers, for admins."""
from __future__ import annotations

from sqlalchemy.orm import Session

from datetime import datetime

from emall_ws.services import auction, second_chance
from emall_ws.domain.members import ADMIN, BUYER, SELLER
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

    def offer_second_chance(self, credentials: Credentials, product_id: int | None) -> second_chance.SecondChanceView:
        return self.transaction(lambda session: second_chance.offer(
            session, self.caller(session, credentials, SELLER), product_id, self.now(),
            self.platform.second_chance_policy))

    def accept_second_chance(self, credentials: Credentials,
                             product_id: int | None) -> second_chance.SecondChanceView:
        return self.transaction(lambda session: second_chance.accept(
            session, self.caller(session, credentials, BUYER, SELLER), product_id, self.now()))

    def decline_second_chance(self, credentials: Credentials,
                              product_id: int | None) -> second_chance.SecondChanceView:
        return self.transaction(lambda session: second_chance.decline(
            session, self.caller(session, credentials, BUYER, SELLER), product_id, self.now()))

    def relist(self, credentials: Credentials, product_id: int | None, ends_at: datetime | None) -> auction.AuctionView:
        """The fresh auction, as getAuction shows it."""
        def relist(session: Session) -> auction.AuctionView:
            seller = self.caller(session, credentials, SELLER)
            now = self.now()
            fresh = second_chance.relist(session, seller, product_id, ends_at, now, self.platform.catalog_policy)
            return auction.get_auction(session, fresh.product_id, now, viewer_id=seller.member_id)
        return self.transaction(relist)

    def list_non_payers(self, credentials: Credentials) -> list[second_chance.NonPayerView]:
        return self.transaction(lambda session: second_chance.list_non_payers(
            session, self.caller(session, credentials, ADMIN)))

    def _viewer(self, session: Session, credentials: Credentials) -> int | None:
        """The member reading an auction, who is told their own bids; None for an anonymous reader.
        Credentials sent but wrong are refused (Authentication), never read as anonymous: the caller
        would take a masked answer for "not mine"."""
        if credentials == ANONYMOUS:
            return None
        return self.caller(session, credentials).member_id
