"""How a text travels as SMS: its coding (GSM-7 or UCS-2) and its parts (3GPP TS 23.038/23.040).

GSM-7 carries 160 septets in one SMS, 153 per part once a concatenation header (UDH) is needed;
the extension characters (^ { } [ ] ~ | \\ € and form feed) take two septets and are never split.
Any other character forces UCS-2: 70 UTF-16 units in one SMS, 67 per part, surrogate pairs kept
whole. Used by the Gammu adapter (which writes the parts itself) and by the SMS sandbox (which
counts them); no I/O here.
"""
from __future__ import annotations

GSM7 = "GSM7"
UCS2 = "UCS2"

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# (characters in a single SMS, per part of a concatenated one), in septets or UTF-16 units
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


def coding_of(text: str) -> str:
    return GSM7 if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text) else UCS2


def _units(char: str, coding: str) -> int:
    if coding == GSM7:
        return 2 if char in _GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # outside the BMP: a surrogate pair


def is_gsm7(text: str) -> bool:
    """Whether `text` can go as GSM-7 (default alphabet plus extension table)."""
    return coding_of(text) == GSM7


def length_in_units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    coding = coding_of(text)
    return sum(_units(c, coding) for c in text)


def split_sms(text: str) -> list[str]:
    """The text of each SMS part, in order; one part when the text fits a single SMS."""
    coding = coding_of(text)
    single, per_part = LIMITS[coding]
    if length_in_units(text) <= single:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        size = _units(char, coding)
        if used + size > per_part:  # an escape pair or surrogate pair goes whole to the next part
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return parts


def sms_parts(text: str) -> int:
    return len(split_sms(text))
