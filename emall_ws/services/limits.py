"""Messages a stranger can make the platform send, bounded.

Activation and reset codes go to the phone number and email address of a registration (which
anyone can fill in) or of a member (whom anyone can name), on requests from any client address.
Counted in fixed windows (an hour and a day, aligned to UTC) in the limit_count table:
- each activation, and apart from them each reset, against its phone number and its email address
  (ACTIVATION_PHONE, ACTIVATION_EMAIL, RESET_PHONE, RESET_EMAIL): at most `per_target` a window;
- each register, resendActivation and requestPasswordReset against its client address (CLIENT):
  at most `per_client` a window, counted before a member is looked up, so known and unknown
  names are counted and refused alike.
Activation and reset are counted apart so that a refused registration, which says which limit it
met, can never tell that a member with its phone number was sent reset codes.

A count goes up by one conditional UPDATE (count < limit) on the window's row, which the database
serialises: processes and machines sharing it never let more through than the limit. It is part of
the caller's unit of work, so a request that fails counts nothing, and a refusal undoes the other
counts of the same request. Keys are stored as SHA-256 only, so the table shows no list of numbers
or addresses at a glance (a number's hash is found by trying every number, so rows are kept a day
at most: the worker's `forget-limit-windows` job).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, Sequence, cast

from sqlalchemy import Table, delete, update
from sqlalchemy.orm import Session

from emall_ws.db.models import LimitCount
from emall_ws.db.session import Database
from emall_ws.db.statements import insert_if_absent, rows_changed
from emall_ws.domain.errors import TooManyRequests
from emall_ws.logs import security_event
from emall_ws.observability.metrics import count_limited

ACTIVATION, RESET, PHONE_CHANGE = "ACTIVATION", "RESET", "PHONE_CHANGE"
CLIENT = "CLIENT"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
KEPT_FOR = DAY  # the longest window
_TABLE = cast(Table, LimitCount.__table__)
_KEY = ("kind", "key_hash", "window_seconds", "window_start")
_EPOCH = datetime(1970, 1, 1)
Windows = tuple[tuple[timedelta, int], ...]  # (length, most counted in one window of that length)


class LimitSettings(Protocol):
    """What MessageLimits reads of emall_ws.config.Settings."""
    @property
    def message_limit_hour(self) -> int: ...
    @property
    def message_limit_day(self) -> int: ...
    @property
    def client_limit_hour(self) -> int: ...


@dataclass(frozen=True)
class MessageLimits:
    per_target: Windows = ((HOUR, 3), (DAY, 10))  # EMALL_MESSAGE_LIMIT_HOUR, EMALL_MESSAGE_LIMIT_DAY
    per_client: Windows = ((HOUR, 20),)  # EMALL_CLIENT_LIMIT_HOUR

    @classmethod
    def from_settings(cls, settings: LimitSettings) -> MessageLimits:
        """From emall_ws.config.Settings (or any object with its message_limit_*, client_limit_hour)."""
        return cls(per_target=((HOUR, settings.message_limit_hour), (DAY, settings.message_limit_day)),
                   per_client=((HOUR, settings.client_limit_hour),))


def take_request(session: Session, client: str, now: datetime, limits: MessageLimits) -> None:
    """Counts one request from `client`, or raises TooManyRequests (TOO_MANY_REQUESTS)."""
    _take(session, [(CLIENT, client)], limits.per_client, now, "TOO_MANY_REQUESTS")


def take_messages(session: Session, purpose: str, phone: str, email_key: str, now: datetime,
                  limits: MessageLimits) -> None:
    """Counts one `purpose` (ACTIVATION, RESET, PHONE_CHANGE) message to `phone` and one to `email_key`, or
    raises TooManyRequests (TOO_MANY_MESSAGES)."""
    _take(session, [(f"{purpose}_PHONE", phone), (f"{purpose}_EMAIL", email_key)], limits.per_target, now,
          "TOO_MANY_MESSAGES")


def _take(session: Session, keys: Sequence[tuple[str, str]], windows: Windows, now: datetime, code: str) -> None:
    with session.begin_nested():  # a refusal undoes the counts this call already raised
        for kind, key in keys:
            if not key:
                continue
            key_hash = hashlib.sha256(key.encode()).hexdigest()
            for length, limit in windows:
                start = window_start(now, length)
                if not _counted(session, kind, key_hash, length, start, limit):
                    count_limited(kind)
                    security_event("limit_reached", limit=kind, window=f"{length.total_seconds():.0f}s")
                    raise TooManyRequests(code, minutes=math.ceil((start + length - now).total_seconds() / 60))


def _counted(session: Session, kind: str, key_hash: str, length: timedelta, start: datetime, limit: int) -> bool:
    """Raises the window's count by one unless it is at `limit`; whether it did."""
    row = {"kind": kind, "key_hash": key_hash, "window_seconds": int(length.total_seconds()), "window_start": start}
    session.execute(insert_if_absent(session, _TABLE, _KEY), {**row, "count": 0})
    raised = rows_changed(session, update(_TABLE).where(*(_TABLE.c[name] == value for name, value in row.items()),
                                                        _TABLE.c.count < limit)
                          .values(count=_TABLE.c.count + 1))
    return raised == 1


def window_start(now: datetime, length: timedelta) -> datetime:
    """The start of the window of `length` that holds `now` (windows are aligned to the Unix epoch, UTC)."""
    seconds, size = int((now - _EPOCH).total_seconds()), int(length.total_seconds())
    return _EPOCH + timedelta(seconds=seconds - seconds % size)


def forget_old(db: Database, now: datetime) -> int:
    """Deletes every window that started KEPT_FOR ago or earlier (all have ended); returns how many."""
    with db.unit_of_work() as session:
        return rows_changed(session, delete(LimitCount).where(LimitCount.window_start <= now - KEPT_FOR))
