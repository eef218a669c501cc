"""How long an SMS text is on the air, as templates and use cases need to know it.

GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table (those
count 2: escape + character): 160 in one SMS, 153 per part of a longer one. Any other character
makes the whole text UCS-2: 70 UTF-16 units in one SMS, 67 per part. Parts never cut an escape
sequence or a surrogate pair.

The tables and the splitting live in adapters/sms_text.py, which the Gammu adapter (it writes the
parts itself) and the SMS sandbox (it counts them) use: one copy of the rules, so what our
templates are checked against is what the gateway side does. The gateway splits; nothing here
sends.
"""
from __future__ import annotations

from adapters.sms_text import GSM7, coding_of, sms_parts, split_sms

__all__ = ["is_gsm7", "sms_parts", "sms_segments"]


def is_gsm7(text: str) -> bool:
    """Whether `text` can go as GSM-7 (default alphabet plus extension table)."""
    return coding_of(text) == GSM7


def sms_segments(text: str) -> list[str]:
    """`text` cut into the parts the network sends; one part when it fits a single SMS."""
    return split_sms(text)
