"""The partner organisations the mall works with, by code."""
from __future__ import annotations

BANKS = {"bca": "Bank Central Asia", "mandiri": "Bank Mandiri", "bni": "Bank Negara Indonesia",
         "bri": "Bank Rakyat Indonesia"}
COURIERS = {"pos": "Pos Indonesia", "tiki": "TIKI", "jne": "JNE", "fedex": "FedEx", "dhl": "DHL",
            "wahana": "Wahana", "pcp": "PCP Express"}


# Every bank and courier code has one spelling, the lower-case key above: stored, answered, and quoted in
# a fault's parameters. A request may type it in any case ("BCA", " Jne "): these fold it, the only places
# that do. Where a person reads a bank or courier (SMS, e-mail, a fault's text) it is named by its value.

def bank_code(value: str | None) -> str:
    """A bank code as typed, in its one spelling: " BCA " -> "bca" (whether it is known is the caller's)."""
    return (value or "").strip().lower()


def courier_code(value: str | None) -> str:
    """A courier code as typed, in its one spelling: " JNE " -> "jne" (whether it is known is the caller's)."""
    return (value or "").strip().lower()


def bank_name(code: str) -> str:
    """The name a person reads for a bank code: "bca" -> "Bank Central Asia" (an unknown code as it is)."""
    return BANKS.get(code, code)


def courier_name(code: str) -> str:
    """The name a person reads for a courier code: "jne" -> "JNE" (an unknown code as it is)."""
    return COURIERS.get(code, code)
