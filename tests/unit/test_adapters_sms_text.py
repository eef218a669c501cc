"""SMS coding and parts: GSM-7 160 single / 153 per part, UCS-2 70 / 67."""
import pytest

from adapters.sms_text import GSM7, UCS2, coding_of, length_in_units, sms_parts, split_sms


@pytest.mark.parametrize("text, coding", [
    ("Kode aktivasi Anda: 123456", GSM7), ("Harga Rp150.000 @ toko", GSM7), ("€5 [promo] {x} ~|^\\", GSM7),
    ("Café Müller ÄÖÑÜ§¿àèéùìò", GSM7), ("Pesanan 🚚", UCS2), ("Kopi ☕", UCS2), ("Ç ç", UCS2), ("Ãgua", UCS2),
    ("", GSM7),
])
def test_coding(text, coding):
    assert coding_of(text) == coding


@pytest.mark.parametrize("text, parts", [
    ("", 1), ("a", 1), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("a" * 459, 3),
    ("a" * 460, 4),
    ("€" * 80, 1), ("€" * 81, 2), ("a" + "€" * 80, 2),  # extension characters take two septets
    ("ж" * 70, 1), ("ж" * 71, 2), ("ж" * 134, 2), ("ж" * 135, 3),
    ("😀" * 35, 1), ("😀" * 36, 2),  # outside the BMP: two UTF-16 units each
])
def test_parts(text, parts):
    assert sms_parts(text) == parts
    assert "".join(split_sms(text)) == text


def test_an_escape_pair_is_never_split_across_parts():
    text = "a" * 152 + "€" + "b" * 10  # the € would straddle septets 153/154
    parts = split_sms(text)
    assert [length_in_units(p) for p in parts] == [152, 12]
    assert parts[1].startswith("€")


def test_a_surrogate_pair_is_never_split_across_parts():
    text = "ж" * 66 + "😀" + "ж" * 10
    parts = split_sms(text)
    assert parts[0] == "ж" * 66 and parts[1].startswith("😀")
    assert all(length_in_units(p) <= 67 for p in parts)


def test_units():
    assert length_in_units("a€") == 3
    assert length_in_units("ж😀") == 3
