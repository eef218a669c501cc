"""SMS length: GSM-7 or UCS-2, parts of 160/153 and 70/67, and every SMS template within one SMS."""
from datetime import datetime
from importlib import resources

import pytest

from adapters.sms_text import is_gsm7, sms_parts, split_sms
from emall_ws.notify.templates import render_sms

WIDEST_TIME = datetime(2026, 9, 30, 16, 59)  # "30 Sep 2026 23.59 WIB": the widest a time gets
# Realistic but long values for every key an SMS template may use. A new SMS template with a new
# key fails test_every_sms_template_fits_one_gsm7_sms until its longest realistic value is added.
LONG_VALUES = dict(
    name="Raden Ajeng Siti Nurhaliza Kusumawardhani",
    username="siti_nurhaliza_kusumawardhani",
    role="SELLER",
    code="987654",
    expires_at=WIDEST_TIME,
    ends_at=WIDEST_TIME,
    closed_at=WIDEST_TIME,
    product_name="Kain Tenun Ikat Sumba Timur Motif Kuda dan Burung, Pewarna Alami, 2 x 1 m",
    product_short="Kain Tenun Ikat Sumba Timur...",  # names are cut to 30 GSM-7 characters
    amount="Rp 10.000.000.000.000",  # the largest bid allowed
    your_bid="Rp 10.000.000.000.000",
    current_price="Rp 10.000.000.000.000",
    minimum_next="Rp 10.000.000.000.000",
    invoice_count=50,  # one invoice per seller, a cart holds at most 50 lines
    grand_total="Rp 100.000.000.000.000",
    due_at=WIDEST_TIME,
    order_number="ORD/20260930/12345678",
    invoice_number="INV/20260930/12345678",
    courier_name="Pos Indonesia",  # the longest courier name
    waybill="W" * 40,  # the longest waybill a courier may issue
    status_text="gagal diantar, akan diantar ulang",  # the longest tracking status in words
    delivered_at=WIDEST_TIME,
    status="RETURN_REQUESTED",  # the longest complaint status
)


def sms_templates():
    folder = resources.files("emall_ws.notify").joinpath("templates")
    return sorted(entry.name.removesuffix(".sms.txt") for entry in folder.iterdir()
                  if entry.name.endswith(".sms.txt"))


def test_the_codes_go_by_sms_and_the_welcome_does_not():
    assert {"member_activation", "password_reset"} <= set(sms_templates())
    assert "member_activated" not in sms_templates()  # not worth an SMS's cost


@pytest.mark.parametrize("template", sms_templates())
def test_every_sms_template_fits_one_gsm7_sms(template):
    text = render_sms(template, LONG_VALUES)
    assert is_gsm7(text), text
    assert len(text) <= 160 and sms_parts(text) == 1, (len(text), text)
    assert "$" not in text and "\n" not in text


@pytest.mark.parametrize("text, expected", [
    ("Kode aktivasi Emall KUKM Anda: 123456.", True),
    ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\r\n", True),
    ("^{}\\[~]|€\f", True),  # the extension table
    ("Cafè", True), ("Café", True), ("Caf\u00ea", False),  # è and é are GSM-7, ê is not
    ("Kopi \u2018Gayo\u2019", False), ("en\u2013dash", False), ("\U0001F331", False), ("`", False),
    ("", True),
])
def test_gsm7_is_the_default_alphabet_and_its_extension_table(text, expected):
    assert is_gsm7(text) is expected


@pytest.mark.parametrize("text, parts", [
    ("", 1), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("€" * 80, 1), ("€" * 80 + "a", 2), ("a" * 159 + "€", 2),  # extension characters count 2
    ("ê" * 70, 1), ("ê" * 71, 2), ("ê" * 134, 2), ("ê" * 135, 3),
    ("\U0001F331" * 35, 1), ("\U0001F331" * 36, 2),  # an emoji is two UTF-16 units
])
def test_parts_are_160_then_153_for_gsm7_and_70_then_67_for_ucs2(text, parts):
    assert sms_parts(text) == parts
    assert "".join(split_sms(text)) == text


def test_an_escape_sequence_or_a_surrogate_pair_is_never_cut_between_parts():
    gsm = "a" * 152 + "€" + "b" * 10  # the € would take septets 153 and 154
    assert [len(part) for part in split_sms(gsm)] == [152, 11]
    ucs2 = "ê" * 66 + "\U0001F331" + "ê" * 10  # the pair would take units 67 and 68
    assert [len(part) for part in split_sms(ucs2)] == [66, 11]


def test_one_character_outside_gsm7_turns_the_whole_text_into_ucs2():
    text = "a" * 100
    assert sms_parts(text) == 1 and sms_parts(text + "\u2019") == 2
