"""What auction participants read: fault texts, outbid/won/sold/unsold emails, one-SMS texts."""
import ast
from datetime import datetime
from pathlib import Path

import pytest

from emall_ws.domain import auction as rules
from emall_ws.messages import MESSAGES, field_message, translate
from emall_ws.notify import templates
from adapters.sms_text import is_gsm7, sms_parts
from emall_ws.notify.templates import render, render_sms

MESSAGES_PY = Path(__file__).resolve().parents[2] / "emall_ws" / "messages.py"
ENDS = datetime(2026, 9, 30, 16, 59)  # 23.59 WIB: the longest time of day to write
LONGEST_NAME = "Kain Tenun Ikat Sumba Timur Motif Kuda dan Burung, Pewarna Alami, 2 x 1 m"
BIG = rules.rupiah(rules.MAX_BID)  # the longest amount a bid can have

OUTBID = dict(name="Budi Santoso", product_name=LONGEST_NAME, product_short=rules.short_name(LONGEST_NAME),
              your_bid=BIG, current_price=BIG, minimum_next=BIG, ends_at=ENDS)
WON = dict(name="Budi Santoso", product_name=LONGEST_NAME, product_short=rules.short_name(LONGEST_NAME),
           amount=BIG, closed_at=ENDS)
SOLD = dict(WON, winner="b***i")
UNSOLD = dict(name="Koperasi Maju", product_name="Kopi Gayo", product_short="Kopi Gayo",
              reason="tidak ada tawaran yang masuk", closed_at=ENDS)


def test_messages_py_defines_each_code_once():
    """Several engineers append blocks to MESSAGES; a repeated key would silently replace a text."""
    tree = ast.parse(MESSAGES_PY.read_text(encoding="utf-8"))
    keys = next(node.value.keys for node in ast.walk(tree)
                if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "MESSAGES")
    codes = [key.value for key in keys]
    assert sorted({c for c in codes if codes.count(c) > 1}) == []


@pytest.mark.parametrize("code", rules.ERROR_CODES)
def test_every_auction_code_has_both_languages(code):
    assert set(MESSAGES[code]) == {"id", "en"}


def test_fault_texts_fill_their_values():
    assert translate("BID_TOO_LOW", minimum="Rp 125.000") == \
        "Tawaran terlalu rendah: tawaran minimal saat ini Rp 125.000."
    assert translate("AUCTION_PRODUCT_NOT_FOUND", "en", productId=42) == "Product number 42 was not found."
    assert field_message("BID_AMOUNT_NOT_POSITIVE", "amount").endswith(" harus lebih besar dari 0")


@pytest.mark.parametrize("template, data", [("outbid", OUTBID), ("auction_won", WON),
                                            ("auction_sold", SOLD), ("auction_unsold", UNSOLD)])
def test_emails_render_in_indonesian_with_wib_times(template, data):
    email = render(template, data)
    assert "\n" not in email.subject and data["product_name"] in email.subject
    for body in (email.text, email.html):
        assert "Yth." in body and "30 September 2026 pukul 23.59 WIB" in body


def test_outbid_email_gives_the_new_price_the_next_minimum_and_the_end():
    email = render("outbid", dict(OUTBID, your_bid="Rp 120.000", current_price="Rp 125.000",
                                  minimum_next="Rp 130.000"))
    for text in ("Rp 120.000", "Rp 125.000", "Rp 130.000", "dilampaui"):
        assert text in email.text and text in email.html


def test_the_seller_learns_the_masked_winner_and_the_amount_the_winner_how_to_pay():
    assert "b***i" in render("auction_sold", SOLD).text
    assert "checkout" in render("auction_won", WON).text


def test_which_events_go_by_sms():
    assert templates.exists("outbid", "SMS") and templates.exists("auction_won", "SMS")
    assert not templates.exists("auction_sold", "SMS") and not templates.exists("auction_unsold", "SMS")
    for name in ("outbid", "auction_won", "auction_sold", "auction_unsold"):
        assert templates.exists(name, "EMAIL")


@pytest.mark.parametrize("template, data", [("outbid", OUTBID), ("auction_won", WON)])
def test_each_sms_is_one_gsm7_message_even_with_the_longest_values(template, data):
    text = render_sms(template, data)
    assert is_gsm7(text) and sms_parts(text) == 1, (len(text), text)
    assert BIG in text and data["product_short"] in text
    assert template != "outbid" or "30 Sep 2026 23.59 WIB" in text


def test_a_product_name_with_emoji_and_curly_quotes_still_makes_one_gsm7_sms():
    from emall_ws.services.auction import sms_name

    name = "Kopi \u2018Gayo\u2019 \u2013 Arabika \U0001F331 Caf\u00e9 [250 g] {promo} \u20ac ~|^"
    short = sms_name(name)
    assert short.startswith("Kopi 'Gayo' - Arabika Cafe")
    text = render_sms("outbid", dict(OUTBID, product_short=short))
    assert is_gsm7(text) and sms_parts(text) == 1
    assert sms_name("Kopi Gayo") == "Kopi Gayo"
