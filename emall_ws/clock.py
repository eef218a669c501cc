"""Time: stored in UTC (naive datetimes), shown and reported in WIB (Asia/Jakarta)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo: what the database stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


@overload
def to_wib(moment: datetime) -> datetime: ...
@overload
def to_wib(moment: None) -> None: ...
def to_wib(moment: datetime | None) -> datetime | None:
    """A stored UTC time as an aware WIB time, for people and the wire (None stays None)."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc).astimezone(WIB)


def as_utc(moment: datetime) -> datetime:
    """An aware time from a partner as stored: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """A stored (naive UTC) time as an aware one, for a partner call."""
    return moment.replace(tzinfo=timezone.utc)
