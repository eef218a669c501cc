"""The dates a request may carry, as the platform reads every xs:date and xs:dateTime it receives.

All of them pass through HardenedSoap11 (emall_ws/soap/hardening.py): it reads 24:00:00 with
`end_of_day_midnight` and refuses a date that is not `plausible` with a Validation fault naming the field.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from emall_ws.clock import WIB

EARLIEST = date(2000, 1, 1)
LATEST = date(2199, 12, 31)
# xs:dateTime's end of a day: 24:00:00 (any fraction all zeros), which Python's datetime cannot hold
_END_OF_DAY = re.compile(r"(?P<day>[^T]+)T24:00:00(?:\.0+)?(?P<zone>Z|[+-]\d\d:\d\d)?")


def plausible(value: date) -> bool:
    """Within EARLIEST..LATEST; a time by the day it is written with (in its own offset). Year 1 or 9999
    means nothing here, and one step across a time zone takes them beyond what Python can hold."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def stored_time(moment: datetime | None) -> datetime | None:
    """A client's time as stored (naive UTC); a time without an offset is read as WIB."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=WIB)
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def end_of_day_midnight(text: str) -> str | None:
    """For an xs:dateTime at 24:00:00 (the end of its day, that is the next day's midnight) the same day at
    00:00:00, to which the caller adds a day; None for any other time."""
    found = _END_OF_DAY.fullmatch(text.strip())
    return None if found is None else f"{found['day']}T00:00:00{found['zone'] or ''}"
