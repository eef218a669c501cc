"""Auction rules without a database: minimum next bid, who may bid when, winners, masks, money."""
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from emall_ws.domain import auction as rules
from emall_ws.domain.auction import Auction
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed

NOW = datetime(2026, 11, 28, 3, 0, 0)
SELLER, BUYER, OTHER = 1, 2, 3
OPEN = Auction(product_id=7, seller_id=SELLER, sale_method="AUCTION", status="ACTIVE", start_price=100_000,
               min_increment=5_000, reserve_price=None, ends_at=NOW + timedelta(hours=1),
               current_price=None, bid_count=0, leader_id=None)
LEADING = replace(OPEN, current_price=120_000, bid_count=3, leader_id=OTHER)


def fields_of(error: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in error.errors}


def test_the_first_bid_needs_the_start_price_later_ones_the_price_plus_the_increment():
    assert rules.minimum_next_bid(OPEN) == 100_000
    assert rules.minimum_next_bid(LEADING) == 125_000


@pytest.mark.parametrize("auction, amount", [(OPEN, 100_000), (OPEN, 100_001), (LEADING, 125_000),
                                             (LEADING, 10**9)])
def test_a_bid_at_or_above_the_minimum_is_accepted(auction, amount):
    rules.check_bid(auction, BUYER, amount, NOW)


@pytest.mark.parametrize("auction, amount, minimum", [(OPEN, 99_999, "Rp 100.000"),
                                                      (LEADING, 124_999, "Rp 125.000"),
                                                      (LEADING, 120_000, "Rp 125.000")])
def test_a_bid_below_the_minimum_is_a_conflict_that_names_the_minimum(auction, amount, minimum):
    with pytest.raises(Conflict) as raised:
        rules.check_bid(auction, BUYER, amount, NOW)
    assert raised.value.code == "BID_TOO_LOW" and raised.value.params == {"minimum": minimum}


def test_the_seller_cannot_bid_on_their_own_auction_even_with_a_good_amount():
    with pytest.raises(NotAuthorized) as raised:
        rules.check_bid(OPEN, SELLER, 1_000_000, NOW)
    assert raised.value.code == "OWN_AUCTION"


@pytest.mark.parametrize("auction, now", [
    (OPEN, OPEN.ends_at),  # the end time itself is too late
    (OPEN, OPEN.ends_at + timedelta(seconds=1)),
    (replace(OPEN, status="CLOSED"), NOW),  # closed early is closed
])
def test_too_late_is_auction_ended_whatever_the_amount(auction, now):
    with pytest.raises(InvalidState) as raised:
        rules.check_bid(auction, BUYER, 50, now)
    assert raised.value.code == "AUCTION_ENDED"


def test_a_withdrawn_auction_says_so():
    with pytest.raises(InvalidState) as raised:
        rules.check_bid(replace(OPEN, status="WITHDRAWN"), BUYER, 100_000, NOW)
    assert raised.value.code == "AUCTION_WITHDRAWN"


def test_unknown_product_and_fixed_price_product_have_their_own_codes():
    with pytest.raises(NotFound) as raised:
        rules.ensure_auction(None, 42)
    assert (raised.value.code, raised.value.params) == ("AUCTION_PRODUCT_NOT_FOUND", {"productId": 42})
    with pytest.raises(InvalidState) as raised:
        rules.ensure_auction(replace(OPEN, sale_method="FIXED"), 7)
    assert raised.value.code == "NOT_AN_AUCTION"
    assert rules.ensure_auction(OPEN, 7) is OPEN


@pytest.mark.parametrize("product_id, amount, expected", [
    (None, None, {"productId": "REQUIRED", "amount": "REQUIRED"}),
    (7, 0, {"amount": "BID_AMOUNT_NOT_POSITIVE"}),
    (7, -5_000, {"amount": "BID_AMOUNT_NOT_POSITIVE"}),
    (7, rules.MAX_BID + 1, {"amount": "BID_AMOUNT_TOO_HIGH"}),
])
def test_the_request_fields_are_checked_together(product_id, amount, expected):
    with pytest.raises(ValidationFailed) as raised:
        rules.check_bid_request(product_id, amount)
    assert fields_of(raised.value) == expected


def test_a_sane_request_passes():
    rules.check_bid_request(7, 1)
    rules.check_bid_request(7, rules.MAX_BID)


def test_an_auction_is_due_from_its_end_time_and_only_while_active():
    assert not rules.is_due(OPEN, OPEN.ends_at - timedelta(microseconds=1))
    assert rules.is_due(OPEN, OPEN.ends_at)
    assert not rules.is_due(replace(OPEN, status="CLOSED"), OPEN.ends_at + timedelta(days=1))
    assert not rules.is_due(replace(OPEN, sale_method="FIXED"), OPEN.ends_at)


@pytest.mark.parametrize("auction, met, winner", [
    (OPEN, False, None),  # no bids: nobody wins
    (LEADING, True, OTHER),  # no reserve: the leader wins
    (replace(LEADING, reserve_price=120_000), True, OTHER),  # the reserve reached exactly
    (replace(LEADING, reserve_price=120_001), False, None),
])
def test_the_leader_wins_when_the_reserve_is_met(auction, met, winner):
    assert rules.reserve_met(auction) is met
    assert rules.winner_of(auction) == winner


@pytest.mark.parametrize("auction, now, status", [
    (OPEN, NOW, "OPEN"),
    (OPEN, OPEN.ends_at, "ENDED"),
    (replace(LEADING, status="CLOSED", winner_id=OTHER), NOW, "SOLD"),
    (replace(LEADING, status="CLOSED"), NOW, "UNSOLD"),
    (replace(OPEN, status="WITHDRAWN"), NOW, "WITHDRAWN"),
])
def test_public_status(auction, now, status):
    assert rules.public_status(auction, now) == status


@pytest.mark.parametrize("username, masked", [("budi", "b***i"), ("sitiaminah", "s***h"), ("abc", "a***c"),
                                              ("Budi_S", "B***S"), ("ab", "a***"), ("", "***")])
def test_bidders_are_masked_to_first_and_last_letter(username, masked):
    assert rules.mask_username(username) == masked


def test_a_mask_never_shows_the_middle_of_a_username():
    masked = rules.mask_username("rahasiaperusahaan")
    assert "ahasia" not in masked and len(masked) == 5


@pytest.mark.parametrize("amount, text", [(0, "Rp 0"), (500, "Rp 500"), (1_250_000, "Rp 1.250.000"),
                                          (10 * 10**12, "Rp 10.000.000.000.000")])
def test_rupiah_as_indonesians_write_it(amount, text):
    assert rules.rupiah(amount) == text


def test_short_names_for_sms_lines():
    assert rules.short_name("Kopi Gayo") == "Kopi Gayo"
    cut = rules.short_name("Kain Tenun Ikat Sumba Timur Motif Kuda Pewarna Alami")
    assert len(cut) == 30 and cut.endswith("...")
    assert rules.short_name("Batik\n  Tulis") == "Batik Tulis"
