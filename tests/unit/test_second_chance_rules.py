"""domain.second_chance: who the next-highest bidder is, the reserve, who may act in which state; and what
the seller and the bidder are told."""
from datetime import datetime

import pytest

from emall_ws.domain import second_chance as rules
from emall_ws.domain.errors import InvalidState, NotAuthorized
from emall_ws.domain.second_chance import Offer, SecondChance, SecondChanceStatus, next_in_line
from emall_ws.messages import MESSAGES
from emall_ws.notify.templates import render, render_sms

WINNER, SITI, ANI, SELLER = 1, 2, 3, 9
BIDS = [(ANI, 100_000), (SITI, 110_000), (ANI, 120_000), (WINNER, 130_000)]


def test_the_next_in_line_is_the_highest_other_bidder_at_their_own_highest_bid():
    assert next_in_line(BIDS, {WINNER}, None) == Offer(ANI, 120_000)


def test_bidders_passed_over_are_skipped_however_high_they_bid():
    assert next_in_line(BIDS, {WINNER, ANI}, None) == Offer(SITI, 110_000)
    assert next_in_line(BIDS, {WINNER, ANI, SITI}, None) is None
    assert next_in_line([], set(), None) is None


@pytest.mark.parametrize("reserve, expected", [
    (120_000, Offer(ANI, 120_000)),  # at the reserve: eligible
    (120_001, None),  # below it: nobody, not a lower bidder either
    (None, Offer(ANI, 120_000)),
])
def test_the_offer_must_reach_the_reserve(reserve, expected):
    assert next_in_line(BIDS, {WINNER}, reserve) == expected


def test_only_the_seller_chooses_and_only_in_the_expected_state():
    awaiting = SecondChance(SELLER, SecondChanceStatus.AWAITING_SELLER)
    rules.check_seller(awaiting, SELLER, SecondChanceStatus.AWAITING_SELLER)
    with pytest.raises(NotAuthorized) as raised:
        rules.check_seller(awaiting, ANI, SecondChanceStatus.AWAITING_SELLER)
    assert raised.value.code == rules.NOT_YOUR_AUCTION
    with pytest.raises(InvalidState) as raised:
        rules.check_seller(SecondChance(SELLER, "SOLD"), SELLER, SecondChanceStatus.AWAITING_SELLER)
    assert (raised.value.code, raised.value.params) == (rules.SECOND_CHANCE_STATE, {"status": "SOLD"})


def test_only_the_bidder_offered_answers_and_only_while_it_is_offered():
    offered = SecondChance(SELLER, SecondChanceStatus.OFFERED, offered_to_id=ANI)
    rules.check_bidder(offered, ANI)
    for someone_else in (SITI, SELLER, WINNER):
        with pytest.raises(NotAuthorized) as raised:
            rules.check_bidder(offered, someone_else)
        assert raised.value.code == rules.NOT_YOUR_OFFER
    with pytest.raises(InvalidState) as raised:
        rules.check_bidder(SecondChance(SELLER, SecondChanceStatus.ACCEPTED, offered_to_id=ANI), ANI)
    assert raised.value.params == {"status": "ACCEPTED"}


@pytest.mark.parametrize("current, target", [
    (None, SecondChanceStatus.AWAITING_SELLER), (SecondChanceStatus.AWAITING_SELLER, SecondChanceStatus.OFFERED),
    (SecondChanceStatus.AWAITING_SELLER, SecondChanceStatus.RELISTED), (SecondChanceStatus.OFFERED,
                                                                         SecondChanceStatus.ACCEPTED),
    (SecondChanceStatus.OFFERED, SecondChanceStatus.ENDED), (SecondChanceStatus.ENDED, SecondChanceStatus.RELISTED),
])
def test_the_pipeline_allows_the_documented_moves(current, target):
    rules.SECOND_CHANCE.check(current, target)


@pytest.mark.parametrize("current, target", [
    (SecondChanceStatus.OFFERED, SecondChanceStatus.RELISTED), (SecondChanceStatus.ACCEPTED,
                                                                SecondChanceStatus.RELISTED),
    (SecondChanceStatus.RELISTED, SecondChanceStatus.OFFERED), (SecondChanceStatus.ENDED, SecondChanceStatus.OFFERED),
])
def test_the_pipeline_refuses_any_other_move(current, target):
    with pytest.raises(InvalidState):
        rules.SECOND_CHANCE.check(current, target)


@pytest.mark.parametrize("code", rules.ERROR_CODES)
def test_every_code_has_its_messages(code):
    assert set(MESSAGES[code]) == {"id", "en"}


# --- what the seller and the bidder are told (the data services.second_chance gives each template) -----

PRODUCT = dict(product_name="Tenun Ikat Sumba", product_short="Tenun Ikat Sumba", amount="Rp 2.050.000",
               due_at=datetime(2026, 12, 3, 4, 0))  # 11.00 WIB


@pytest.mark.parametrize("template, data, says", [
    ("auction_unpaid", dict(name="Kopmaju", invoice_number="INV/20261201/000001"),
     ["INV/20261201/000001", "tidak dibayar", "kesempatan kedua", "melelang ulang", "pukul 11.00 WIB"]),
    ("second_chance_offer", dict(name="Ani", product_id=42),
     ["kesempatan kedua", "Rp 2.050.000", "acceptSecondChance", "nomor produk 42", "pukul 11.00 WIB"]),
    ("second_chance_answered", dict(name="Kopmaju", answer="menolak", bidder="a***i"),
     ["a***i menolak", "Rp 2.050.000", "melelang ulang"]),
])
def test_each_notice_renders_with_what_the_service_gives_it(template, data, says):
    email = render(template, {**PRODUCT, **data})
    for body in (email.text, email.html):
        for text in says:
            assert text in body, (template, text)
    assert "Tenun Ikat Sumba" in email.subject


def test_the_offer_goes_by_sms_too():
    assert "Rp 2.050.000" in render_sms("second_chance_offer", PRODUCT)
