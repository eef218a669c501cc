"""Auction service ("lelang"): placeBid, getAuction, listBids. Thin: parse -> call -> map.

Reading an auction needs no login (the catalogue is public); bidding needs an active buyer or
seller. Bidders are shown masked ("b***i") and the reserve price only as met or not.
"""
from __future__ import annotations

from spyne import Array, Boolean, DateTime, Integer, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.services import auction
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model

NAME = "Auction"
DESCRIPTION = ("Lelang produk KUKM: ajukan tawaran (tombol tawar), lihat harga terkini, "
               "penawar tertinggi dan riwayat tawaran")
TNS = namespace_of(NAME)

# Inputs are optional plain xs:long in the schema: a missing or non-positive value then gets the
# platform's own Validation fault, naming the field and its rule, rather than a schema error.
ProductId = Amount = Long


class _Type(Model):
    __namespace__ = TNS


class Bid(_Type):
    sequence = Integer  # 1 for the auction's first bid
    amount = Long
    bidder = Unicode  # masked username, e.g. b***i
    placedAt = DateTime


class Auction(_Type):
    productId = Long
    name = Unicode
    status = Unicode  # OPEN, ENDED (awaiting closing), SOLD, UNSOLD, WITHDRAWN
    startPrice = Long
    minIncrement = Long
    currentPrice = Long  # the leading bid; absent before the first
    minimumNextBid = Long  # absent when bids are not accepted
    bidCount = Integer
    leader = Unicode  # masked
    hasReserve = Boolean
    reserveMet = Boolean
    endsAt = DateTime
    closedAt = DateTime
    winner = Unicode  # masked
    recentBids = Array(Bid)  # newest first


class PlacedBid(_Type):
    productId = Long
    sequence = Integer
    amount = Long
    placedAt = DateTime
    minimumNextBid = Long
    bidCount = Integer
    endsAt = DateTime


class BidPage(_Type):
    productId = Long
    total = Integer
    page = Integer
    pageSize = Integer
    bids = Array(Bid)  # newest first



def _bid(view: auction.BidView) -> Bid:
    return Bid(sequence=view.sequence, amount=view.amount, bidder=view.bidder,
               placedAt=to_wib(view.placed_at))


def _auction(view: auction.AuctionView) -> Auction:
    return Auction(
        productId=view.product_id, name=view.name, status=view.status, startPrice=view.start_price,
        minIncrement=view.min_increment, currentPrice=view.current_price,
        minimumNextBid=view.minimum_next_bid, bidCount=view.bid_count, leader=view.leader,
        hasReserve=view.has_reserve, reserveMet=view.reserve_met, endsAt=to_wib(view.ends_at),
        closedAt=to_wib(view.closed_at), winner=view.winner, recentBids=[_bid(b) for b in view.recent_bids])


class AuctionService(ServiceBase):
    __in_header__ = session_header(TNS)

    @rpc(ProductId, Amount, _returns=PlacedBid, _out_variable_name="bid")
    def placeBid(ctx, productId, amount):
        """Bids on an open auction: at least the start price, then the current price plus the increment;
        buyers and sellers, not on their own (Client.Authorization, OWN_AUCTION). Conflict (BID_TOO_LOW),
        InvalidState (AUCTION_ENDED, SELLER_SUSPENDED), Client.NotFound (AUCTION_PRODUCT_NOT_FOUND)."""
        placed = platform_of(ctx).auction.place_bid(credentials_of(ctx), productId, amount)
        return PlacedBid(productId=placed.product_id, sequence=placed.sequence, amount=placed.amount,
                         placedAt=to_wib(placed.placed_at), minimumNextBid=placed.minimum_next_bid,
                         bidCount=placed.bid_count, endsAt=to_wib(placed.ends_at))

    @rpc(ProductId, _returns=Auction, _out_variable_name="auction")
    def getAuction(ctx, productId):
        """An auction's state: current price, next minimum bid, end time, winner once closed, recent bids;
        anyone may call. Client.NotFound (AUCTION_PRODUCT_NOT_FOUND), InvalidState (NOT_AN_AUCTION)."""
        return _auction(platform_of(ctx).auction.get_auction(productId))

    # page and pageSize: plain xs:integer, as searchProducts takes them; the rule (at least 1, pageSize
    # capped at auction.PAGE_SIZE_MAX) is domain.paging's, with its Validation fault naming the field
    @rpc(ProductId, Integer, Integer, _returns=BidPage, _out_variable_name="result")
    def listBids(ctx, productId, page, pageSize):
        """An auction's bids, newest first, a page at a time (at most 200); anyone may call.
        Client.Validation (MIN_VALUE) for a page or pageSize below 1."""
        result = platform_of(ctx).auction.list_bids(productId, page, pageSize)
        return BidPage(productId=result.product_id, total=result.total, page=result.page,
                       pageSize=result.page_size, bids=[_bid(b) for b in result.bids])
