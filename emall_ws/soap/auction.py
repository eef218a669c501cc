"""Auction service ("lelang"): placeBid, getAuction, listBids; after a buyer did not pay, the seller's
offerSecondChance or relist and the bidder's acceptSecondChance or declineSecondChance; listNonPayers for
admins. Thin: parse -> call -> map.

Reading an auction needs no login (the catalogue is public); bidding needs an active buyer or
seller. Bidders are shown masked ("b***i") and the reserve price only as met or not. A member who
sends their SessionHeader (or WS-Security) when reading is told which bids are theirs and whether
they lead or won, in their own name: only to them.
"""
from __future__ import annotations

from spyne import Array, Boolean, DateTime, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.services import auction, second_chance
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.dates import stored_time
from emall_ws.soap.security import credentials_of, member_header, optional_credentials_of
from emall_ws.soap.types import Model, required

NAME = "Auction"
DESCRIPTION = ("Lelang produk KUKM: ajukan tawaran (tombol tawar), lihat harga terkini, "
               "penawar tertinggi dan riwayat tawaran")
TNS = namespace_of(NAME)
AuctionStatus = code_type("AuctionStatus", TNS)
SecondChanceStatus = code_type("SecondChanceStatus", TNS)
SESSION = member_header(TNS)  # declared by the operations that act for a member, only

# Inputs are optional plain xs:long in the schema: a missing or non-positive value then gets the
# platform's own Validation fault, naming the field and its rule, rather than a schema error.
ProductId = Amount = Long
# getAuction's one field: its absence is the schema's Validation fault naming it
RequiredProductId = required(Long)


class _Type(Model):
    __namespace__ = TNS


class Bid(_Type):
    """One bid: its number in the auction, amount (whole rupiah), masked bidder and time (WIB); yours, to a
    member who sent their SessionHeader: the bid is theirs (and then bidder is their username in full)."""
    sequence = required(Integer32)  # 1 for the auction's first bid
    amount = required(Long)
    bidder = required(Unicode)  # masked username, e.g. b***i; the caller's own in full
    placedAt = required(DateTime)
    yours = Boolean  # only when a member asked (added after the contract's first fields: optional)


class Auction(_Type):
    """An auction's state; amounts in whole rupiah, times in WIB. The reserve price is shown only as
    hasReserve and reserveMet, bidders only masked. To a member who sent their SessionHeader: youLead,
    youWon, and their own name in full as leader or winner."""
    productId = required(Long)
    name = required(Unicode)
    status = required(AuctionStatus)  # ENDED: awaiting the closing job
    startPrice = required(Long)
    minIncrement = required(Long)
    currentPrice = Long  # the leading bid; absent before the first
    minimumNextBid = Long  # absent when bids are not accepted
    bidCount = required(Integer32)
    leader = Unicode  # masked
    hasReserve = required(Boolean)
    reserveMet = required(Boolean)
    endsAt = required(DateTime)
    closedAt = DateTime
    winner = Unicode  # masked
    recentBids = Array(Bid)  # newest first
    youLead = Boolean  # only when a member asked: their bid is the leading one
    youWon = Boolean  # only when a member asked: they won the closed auction


class PlacedBid(_Type):
    """The bid just placed, and the auction after it: the minimum next bid, the bid count, the end (WIB)."""
    productId = required(Long)
    sequence = required(Integer32)
    amount = required(Long)
    placedAt = required(DateTime)
    minimumNextBid = required(Long)
    bidCount = required(Integer32)
    endsAt = required(DateTime)


class BidPage(_Type):
    """One page of an auction's bids, newest first; total counts every bid. youLead and youWon as in
    Auction, to a member who sent their SessionHeader."""
    productId = required(Long)
    total = required(Integer32)
    page = required(Integer32)
    pageSize = required(Integer32)
    bids = Array(Bid)  # newest first
    youLead = Boolean
    youWon = Boolean



class SecondChance(_Type):
    """What follows an auction's buyer not paying: AWAITING_SELLER (the seller offers or relists by dueAt),
    OFFERED (to offeredTo at offerAmount, their own highest bid, until dueAt), ACCEPTED (they check out as
    a winner does: Checkout.quoteAuctionShipping, checkoutAuction), ENDED (the seller may relist),
    RELISTED (as the auction relistedAs). Times in WIB, amounts in whole rupiah."""
    productId = required(Long)
    status = required(SecondChanceStatus)
    dueAt = DateTime  # absent once nothing waits for a deadline
    offeredTo = Unicode  # masked; the bidder's own username in full
    offerAmount = Long
    relistedAs = Long  # the fresh auction's productId


class NonPayer(_Type):
    """An auction's buyer whose invoice was cancelled or expired (admins only), and the status of the
    second chance that followed."""
    productId = required(Long)
    productName = required(Unicode)
    username = required(Unicode)
    invoiceNumber = required(Unicode)
    amount = required(Long)  # the price not paid
    recordedAt = required(DateTime)
    status = required(SecondChanceStatus)


def _second_chance(view: second_chance.SecondChanceView) -> SecondChance:
    return SecondChance(productId=view.product_id, status=view.status, dueAt=to_wib(view.due_at),
                        offeredTo=view.offered_to, offerAmount=view.offer_amount, relistedAs=view.relisted_as)


def _non_payer(view: second_chance.NonPayerView) -> NonPayer:
    return NonPayer(productId=view.product_id, productName=view.product_name, username=view.username,
                    invoiceNumber=view.invoice_number, amount=view.amount, recordedAt=to_wib(view.recorded_at),
                    status=view.status)


def _bid(view: auction.BidView) -> Bid:
    return Bid(sequence=view.sequence, amount=view.amount, bidder=view.bidder,
               placedAt=to_wib(view.placed_at), yours=view.yours)


def _auction(view: auction.AuctionView) -> Auction:
    return Auction(
        productId=view.product_id, name=view.name, status=view.status, startPrice=view.start_price,
        minIncrement=view.min_increment, currentPrice=view.current_price,
        minimumNextBid=view.minimum_next_bid, bidCount=view.bid_count, leader=view.leader,
        hasReserve=view.has_reserve, reserveMet=view.reserve_met, endsAt=to_wib(view.ends_at),
        closedAt=to_wib(view.closed_at), winner=view.winner, recentBids=[_bid(b) for b in view.recent_bids],
        youLead=view.you_lead, youWon=view.you_won)


class AuctionService(ServiceBase):
    @rpc(ProductId, Amount, _returns=PlacedBid, _out_variable_name="bid", _in_header=SESSION)
    def placeBid(ctx, productId, amount):
        """Bids on an open auction: at least the start price, then the current price plus the increment;
        buyers and sellers, not on their own (Client.Authorization, OWN_AUCTION). Conflict (BID_TOO_LOW),
        InvalidState (AUCTION_ENDED, SELLER_SUSPENDED), Client.NotFound (AUCTION_PRODUCT_NOT_FOUND)."""
        placed = platform_of(ctx).auction.place_bid(credentials_of(ctx), productId, amount)
        return PlacedBid(productId=placed.product_id, sequence=placed.sequence, amount=placed.amount,
                         placedAt=to_wib(placed.placed_at), minimumNextBid=placed.minimum_next_bid,
                         bidCount=placed.bid_count, endsAt=to_wib(placed.ends_at))

    @rpc(RequiredProductId, _returns=Auction, _out_variable_name="auction")
    def getAuction(ctx, productId):
        """An auction's state: current price, next minimum bid, end time, winner once closed, recent bids;
        anyone may call, a member sending their SessionHeader is told their bids, lead and win.
        Client.NotFound (AUCTION_PRODUCT_NOT_FOUND), InvalidState (NOT_AN_AUCTION), Client.Authentication."""
        return _auction(platform_of(ctx).auction.get_auction(productId, optional_credentials_of(ctx)))

    # page and pageSize: optional xs:int, as searchProducts takes them; the rule (at least 1, pageSize
    # capped at auction.PAGE_SIZE_MAX) is domain.paging's, with its Validation fault naming the field
    @rpc(ProductId, Integer32, Integer32, _returns=BidPage, _out_variable_name="result")
    def listBids(ctx, productId, page, pageSize):
        """An auction's bids, newest first, a page at a time (at most 200); anyone may call, a member sending
        their SessionHeader is told which are theirs. Client.Validation (MIN_VALUE) for a page or pageSize
        below 1, Client.Authentication."""
        result = platform_of(ctx).auction.list_bids(productId, page, pageSize, optional_credentials_of(ctx))
        return BidPage(productId=result.product_id, total=result.total, page=result.page,
                       pageSize=result.page_size, bids=[_bid(b) for b in result.bids],
                       youLead=result.you_lead, youWon=result.you_won)

    # --- after a buyer did not pay (services.second_chance) ------------------------------------------------

    @rpc(ProductId, _returns=SecondChance, _out_variable_name="secondChance", _in_header=SESSION)
    def offerSecondChance(ctx, productId):
        """The seller offers the item, once its buyer's invoice was cancelled or expired, to the next-highest
        bidder at that bidder's own highest bid (at or above the reserve), who is told by email and SMS.
        Client.Authorization (NOT_YOUR_AUCTION), InvalidState (SECOND_CHANCE_STATE naming the state,
        NO_ELIGIBLE_BIDDER), Client.NotFound (AUCTION_PRODUCT_NOT_FOUND)."""
        return _second_chance(platform_of(ctx).auction.offer_second_chance(credentials_of(ctx), productId))

    @rpc(ProductId, _returns=SecondChance, _out_variable_name="secondChance", _in_header=SESSION)
    def acceptSecondChance(ctx, productId):
        """The bidder offered a second chance takes it, before its dueAt: they then check out as a winner does.
        Client.Authorization (NOT_YOUR_OFFER), InvalidState (SECOND_CHANCE_STATE naming the state)."""
        return _second_chance(platform_of(ctx).auction.accept_second_chance(credentials_of(ctx), productId))

    @rpc(ProductId, _returns=SecondChance, _out_variable_name="secondChance", _in_header=SESSION)
    def declineSecondChance(ctx, productId):
        """The bidder offered a second chance turns it down; the seller may then relist.
        Client.Authorization (NOT_YOUR_OFFER), InvalidState (SECOND_CHANCE_STATE naming the state)."""
        return _second_chance(platform_of(ctx).auction.decline_second_chance(credentials_of(ctx), productId))

    @rpc(ProductId, DateTime, _returns=Auction, _out_variable_name="auction", _in_header=SESSION)
    def relist(ctx, productId, endsAt):
        """The seller puts an item whose buyer did not pay (no second chance offered, or it ended) up again:
        a fresh auction with a new productId, the same listing, no bids, ending at endsAt (WIB without an
        offset). Client.Authorization (NOT_YOUR_AUCTION), InvalidState (SECOND_CHANCE_STATE naming the
        state), Client.Validation (endsAt)."""
        return _auction(platform_of(ctx).auction.relist(credentials_of(ctx), productId, stored_time(endsAt)))

    @rpc(_returns=Array(NonPayer), _out_variable_name="nonPayers", _in_header=SESSION)
    def listNonPayers(ctx):
        """Admins: every auction buyer who did not pay, newest first (at most 200). Client.Authorization."""
        return [_non_payer(v) for v in platform_of(ctx).auction.list_non_payers(credentials_of(ctx))]
