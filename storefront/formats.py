"""How the storefront writes money and times for Indonesian readers, and reads the platform's
answers (zeep's arrays, sellers' photo URLs)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

WIB = timezone(timedelta(hours=7), "WIB")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def rupiah(amount: int | None) -> str:
    return "-" if amount is None else "Rp " + f"{amount:,}".replace(",", ".")


def wib(moment: datetime | None) -> str:
    """A platform time (xs:dateTime in WIB) as Indonesians write it: 7 Desember 2026 14.05 WIB."""
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(WIB)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H.%M} WIB"


def tanggal(day: date | None) -> str:
    """A date as Indonesians write it: 7 Desember 2026."""
    return "-" if day is None else f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def as_wib(moment: datetime | None) -> datetime | None:
    """An aware time; the platform's naive times are WIB."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=WIB)
    return moment


def items(answer: Any, name: str) -> list[Any]:
    """The entries of a WSDL array type (CategoryArray ...), which zeep answers unwrapped as a list
    when the array is an operation's whole answer and as an object with one list field inside another."""
    if answer is None:
        return []
    if isinstance(answer, list):
        return answer
    return list(getattr(answer, name, None) or [])


def safe_photo(url: str | None) -> str | None:
    """Only http(s) photo URLs are shown (never javascript: or data:)."""
    return url if url and re.match(r"https?://", url, re.IGNORECASE) else None


def whole_rupiah(raw: str) -> int | None:
    """'Rp 25.000', '25000' -> 25000; None when it is not whole rupiah (ASCII digits only: "²".isdigit(),
    yet int("²") fails)."""
    raw = raw.strip().replace(".", "").replace(" ", "")
    if raw.lower().startswith("rp"):
        raw = raw[2:]
    return int(raw) if re.fullmatch(r"[0-9]{1,15}", raw) else None
