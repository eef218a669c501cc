"""Couriers, waybill ("nomor resi") checks and tracking-status normalisation. Pure rules, no I/O.

Waybill formats are enforced only where the courier publishes one:

- Pos Indonesia: international items carry a UPU S10 identifier (2 letters, 8 digits, a mod-11
  check digit, the issuing country's 2 letters, e.g. RR473124829ID); an S10-shaped number must
  have the right check digit. Domestic Pos numbers have no public format and are accepted.
- DHL Express: 10 digits.
- FedEx: 12 digits (Express, what FedEx carries in Indonesia) or 15 digits (Ground). The 20/22
  digit SmartPost numbers are US-domestic and refused.
- JNE, TIKI, Wahana, PCP (and Pos domestic): no published format, so any plausible waybill is
  accepted: 6-40 letters, digits and dashes, starting and ending with a letter or digit.

Every waybill is normalised first: spaces removed (people copy "7946 1234 5678"), upper case.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.partners import COURIERS, courier_code
from emall_ws.domain.pipelines import FINAL_SHIPMENT_STATUSES, ShipmentStatus

WAYBILL_FORMAT = "WAYBILL_FORMAT"  # params: courier (display name), example (a well-formed number)
UNKNOWN_COURIER = "UNKNOWN_COURIER"  # params: couriers (the accepted codes, comma-separated)

WAYBILL_MAX = 40  # the partner contract's TrackingResult.waybill is at most 40 characters
# Couriers with no published format: guessing one refuses real numbers (JNE's printed with a dash,
# CGK-1234567890, or longer than usual), and a seller who cannot enter the waybill the courier gave
# cannot ship at all, while a mistyped one only costs a tracking read the seller sees fail. So only
# what no waybill looks like is refused: too short or long, spaces inside, punctuation, markup.
_PLAUSIBLE = re.compile(rf"[A-Z0-9][A-Z0-9-]{{4,{WAYBILL_MAX - 2}}}[A-Z0-9]")
_S10 = re.compile(r"([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})")  # [0-9], not \d: \d is any Unicode digit
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)

# courier -> (pattern a waybill must match in full, an example shown in the error message)
_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "pos": (_PLAUSIBLE, "RR473124829ID"),
    "tiki": (_PLAUSIBLE, "660012345678"),
    "jne": (_PLAUSIBLE, "CGK1A12345678901"),
    "fedex": (re.compile(r"[0-9]{12}|[0-9]{15}"), "794612345678"),
    "dhl": (re.compile(r"[0-9]{10}"), "1234567890"),
    "wahana": (_PLAUSIBLE, "AGA12345678"),
    "pcp": (_PLAUSIBLE, "PCP1234567890"),
}


def check_courier(courier: str | None) -> str:
    code = courier_code(courier)
    if code not in COURIERS:
        raise ValidationFailed([FieldError("courier", UNKNOWN_COURIER, {"couriers": ", ".join(COURIERS)})])
    return code


def check_waybill(courier: str, waybill: str | None) -> str:
    """The waybill normalised (no spaces, upper case), or ValidationFailed on field "waybill"."""
    code = check_courier(courier)
    compact = re.sub(r"\s+", "", waybill or "")
    normalised = compact.upper()
    pattern, example = _FORMATS[code]
    # ASCII first: upper() would turn "ß" into "SS", and Unicode digits are digits to Python
    valid = compact.isascii() and bool(pattern.fullmatch(normalised))
    if valid and code == "pos" and _S10.fullmatch(normalised):
        valid = s10_check_digit(normalised[2:10]) == int(normalised[10])
    if not valid:
        raise ValidationFailed([FieldError("waybill", WAYBILL_FORMAT,
                                           {"courier": COURIERS[code], "example": example})])
    return normalised


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of the 8-digit serial number: weights 8 6 4 2 3 5 9 7, mod 11."""
    if not re.fullmatch(r"[0-9]{8}", serial):
        raise ValueError("an S10 serial number is 8 digits")
    check = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11  # 8 digits, 8 weights
    return {10: 0, 11: 5}.get(check, check)


def s10_identifier(service: str, serial: str, country: str = "ID") -> str:
    """A complete S10 identifier, e.g. s10_identifier("RR", "47312482") == "RR473124829ID"."""
    return f"{service}{serial}{s10_check_digit(serial)}{country}"


# --- Tracking statuses -------------------------------------------------------------------------
# One set for all couriers (ShipmentStatus, beside its pipeline); each courier's own status words map onto it.

# courier -> its own status word (upper-cased) -> normalised status. The words are the ones the
# couriers show on their tracking pages (and the sandbox plays).
_S = ShipmentStatus  # short, for the tables below
COURIER_STATUS_WORDS: dict[str, dict[str, str]] = {
    "jne": {"MANIFESTED": _S.INFO_RECEIVED, "ON PROCESS": _S.IN_TRANSIT, "ON TRANSIT": _S.IN_TRANSIT,
            "WITH DELIVERY COURIER": _S.OUT_FOR_DELIVERY, "UNDELIVERED": _S.ATTEMPT_FAIL,
            "DELIVERED": _S.DELIVERED, "RETURNED": _S.EXCEPTION},
    "tiki": {"DITERIMA DI AGEN": _S.INFO_RECEIVED, "DALAM PROSES": _S.IN_TRANSIT,
             "DALAM PERJALANAN": _S.IN_TRANSIT, "DIBAWA KURIR": _S.OUT_FOR_DELIVERY,
             "GAGAL ANTAR": _S.ATTEMPT_FAIL, "TERKIRIM": _S.DELIVERED},
    "pos": {"POSTING LOKET": _S.INFO_RECEIVED, "MANIFEST SERAH": _S.IN_TRANSIT, "MANIFEST TERIMA": _S.IN_TRANSIT,
            "PROSES ANTAR": _S.OUT_FOR_DELIVERY, "ANTAR ULANG": _S.ATTEMPT_FAIL, "GAGAL ANTAR": _S.ATTEMPT_FAIL,
            "SELESAI ANTAR": _S.DELIVERED, "SIAP DIAMBIL DI KANTOR POS": _S.AVAILABLE_FOR_PICKUP},
    "fedex": {"PICKED UP": _S.INFO_RECEIVED, "DEPARTED FEDEX LOCATION": _S.IN_TRANSIT,
              "ARRIVED AT FEDEX LOCATION": _S.IN_TRANSIT, "ON FEDEX VEHICLE FOR DELIVERY": _S.OUT_FOR_DELIVERY,
              "DELIVERY EXCEPTION": _S.ATTEMPT_FAIL, "DELIVERED": _S.DELIVERED},
    "dhl": {"SHIPMENT PICKED UP": _S.INFO_RECEIVED, "PROCESSED AT ORIGIN FACILITY": _S.IN_TRANSIT,
            "DEPARTED FACILITY": _S.IN_TRANSIT, "ARRIVED AT DELIVERY FACILITY": _S.IN_TRANSIT,
            "WITH DELIVERY COURIER": _S.OUT_FOR_DELIVERY, "DELIVERY ATTEMPTED": _S.ATTEMPT_FAIL,
            "DELIVERED": _S.DELIVERED, "CLEARANCE EVENT": _S.EXCEPTION},
    "wahana": {"DITERIMA DI AGEN": _S.INFO_RECEIVED, "PROSES KIRIM": _S.IN_TRANSIT,
               "SAMPAI DI KOTA TUJUAN": _S.IN_TRANSIT, "PROSES ANTAR": _S.OUT_FOR_DELIVERY,
               "GAGAL KIRIM": _S.ATTEMPT_FAIL, "DITERIMA": _S.DELIVERED},
    "pcp": {"PICKED UP": _S.INFO_RECEIVED, "OUTBOUND": _S.IN_TRANSIT, "INBOUND": _S.IN_TRANSIT,
            "ON DELIVERY": _S.OUT_FOR_DELIVERY, "UNDEL": _S.ATTEMPT_FAIL, "POD": _S.DELIVERED},
}


def normalise_status(courier: str, status_word: str | None) -> str:
    """The normalised status of a courier's own status word. A word we do not know is
    InTransit: couriers add scan words (transit hubs) far more often than final states."""
    words = COURIER_STATUS_WORDS.get(courier_code(courier), {})
    word = (status_word or "").strip().upper()
    if not word:
        return ShipmentStatus.PENDING
    return words.get(word, ShipmentStatus.IN_TRANSIT)


# The normalised statuses as the buyer reads them in a notification (Indonesian).
STATUS_WORDS_ID = {
    _S.PENDING: "menunggu diproses kurir", _S.INFO_RECEIVED: "data kiriman diterima kurir",
    _S.IN_TRANSIT: "dalam perjalanan", _S.OUT_FOR_DELIVERY: "sedang diantar kurir",
    _S.ATTEMPT_FAIL: "gagal diantar, akan diantar ulang", _S.DELIVERED: "telah diterima",
    _S.AVAILABLE_FOR_PICKUP: "siap diambil", _S.EXCEPTION: "mengalami kendala", _S.EXPIRED: "kedaluwarsa",
}


def is_final(status: str) -> bool:
    return status in FINAL_SHIPMENT_STATUSES


def event_fingerprint(occurred_at: datetime, location: str, description: str) -> str:
    """What identifies one courier event however often it is read: sha256 of time|location|words,
    the time in naive UTC (a re-read given in another offset is the same event)."""
    return hashlib.sha256(f"{occurred_at.isoformat()}|{location}|{description}".encode()).hexdigest()
