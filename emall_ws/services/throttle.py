"""Failed tries counted per username, whether or not a member has that username.

Failed logins (LOGIN) and wrong one-time codes (CODE, activation and reset alike) are counted
against the username key that was tried, so an unknown name is paused exactly like a registered
one and the answers never tell who is registered. Only the key's SHA-256 is stored, and for at
most KEPT_FOR (people type passwords into username fields, and an unsalted hash of a common one is
easily reversed). A failure counts for the caller's `window`; the worker's `forget-failed-tries`
job deletes it once it is older than KEPT_FOR (not the failing call: a guesser would pay for it).

Counting and deciding are one step under a lock (`reserve`, `lock_key`): the key's row in the
limit_count table, locked by an UPDATE until the transaction ends (on SQLite, BEGIN IMMEDIATE's
write lock serialises anyway). A password check reserves its try before the slow hash and commits
it: a failure dated IN_FLIGHT ahead, which counts against the limit at once. Its outcome then
dates it now (wrong) or deletes it (right). While reservations in flight fill the limit, others
wait for their outcomes rather than being refused, so simultaneous right passwords (a WS-Security
client's parallel calls) all pass, and N simultaneous guesses check exactly the limit. A reservation
its process never decided (a crash) counts as a decided failure after half of IN_FLIGHT.
"""
from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from emall_ws.db.models import FailedTry, LimitCount
from emall_ws.db.session import Database, is_deadlock
from emall_ws.db.statements import insert_if_absent, rows_changed
from emall_ws.domain.members import username_key

LOGIN, CODE = "LOGIN", "CODE"
KEPT_FOR = timedelta(hours=1)  # the longest window in use (MemberPolicy.code_attempts_window)
# The key's lock row in limit_count: no window (0 seconds) starting at the epoch, so the
# limits' `forget-limit-windows` job deletes it with the old windows (it is made again when needed)
_LOCK_SUFFIX, _LOCK_START = "_TRY", datetime(1970, 1, 1)
_LIMITS = cast(Table, LimitCount.__table__)


IN_FLIGHT = timedelta(minutes=1)  # far longer than a hash takes
WAIT_AT_MOST, POLL_SECONDS = 10.0, 0.03  # for reservations in flight to be decided
_WAIT = "WAIT"


@dataclass(frozen=True)
class Reservation:
    """A try counted as a failure before its outcome is known."""
    failed_try_id: int
    number: int  # how many tries count in the window with this one, decided or in flight


def _key_hash(username: str | None) -> str:
    return hashlib.sha256(username_key(username).encode()).hexdigest()


def failures(session: Session, kind: str, username: str | None, now: datetime, window: timedelta) -> int:
    """How often `username` failed at `kind` within `window` before `now`."""
    return session.execute(select(func.count()).select_from(FailedTry)
                           .where(FailedTry.kind == kind, FailedTry.key_hash == _key_hash(username),
                                  FailedTry.at > now - window)).scalar_one()


def lock_key(session: Session, kind: str, username: str | None) -> None:
    """Serialises the failures of `username` at `kind` until this transaction ends: whoever counts
    them next waits here, then sees what this transaction recorded."""
    row = {"kind": kind + _LOCK_SUFFIX, "key_hash": _key_hash(username), "window_seconds": 0,
           "window_start": _LOCK_START}
    take = update(_LIMITS).where(*(_LIMITS.c[name] == value for name, value in row.items())) \
        .values(count=_LIMITS.c.count + 1)
    if rows_changed(session, take) == 0:  # the name's first try (in a day): its row is made, then locked
        session.execute(insert_if_absent(session, _LIMITS, tuple(row)), {**row, "count": 0})
        session.execute(take)


def reserve(session: Session, kind: str, username: str | None, now: datetime, window: timedelta,
            limit: int) -> Reservation | None:
    """Reserves one try of `username` at `kind` and commits it; None when `limit` failures count
    within `window` (paused), or when reservations in flight did not let a place free within
    WAIT_AT_MOST seconds. Each decision is taken under the name's lock (lock_key)."""
    deadline = time.monotonic() + WAIT_AT_MOST
    while True:
        outcome = _reserve_once(session, kind, username, now, window, limit)
        session.commit()
        if not isinstance(outcome, str):  # not _WAIT
            return outcome
        if time.monotonic() >= deadline:
            return None
        time.sleep(random.uniform(POLL_SECONDS / 2, POLL_SECONDS))  # let the tries in flight be decided


def _reserve_once(session: Session, kind: str, username: str | None, now: datetime, window: timedelta,
                  limit: int) -> Reservation | None | str:
    """Under the name's lock: a reservation, None (paused) or _WAIT (tries in flight fill the limit;
    or rolled back as a deadlock victim, MariaDB's answer to callers making the name's lock row at once)."""
    try:
        lock_key(session, kind, username)
        decided, in_flight = _tries(session, kind, username, now, window)
    except DBAPIError as error:
        if not is_deadlock(error):
            raise
        session.rollback()
        return _WAIT
    if decided >= limit:
        return None
    if decided + in_flight >= limit:
        return _WAIT
    row = FailedTry(kind=kind, key_hash=_key_hash(username), at=now + IN_FLIGHT)
    session.add(row)
    session.flush()
    return Reservation(row.id, decided + in_flight + 1)


def _in_flight_from(now: datetime) -> datetime:
    """Tries dated after this are in flight, seen by a call that began at `now`: a reservation is dated
    IN_FLIGHT ahead, a decided failure when it was decided (within seconds of its own call's start)."""
    return now + IN_FLIGHT / 2


def _tries(session: Session, kind: str, username: str | None, now: datetime, window: timedelta) -> tuple[int, int]:
    """(failures decided within `window`, tries in flight) of `username` at `kind`."""
    decided, flying = session.execute(
        select(func.count(), func.coalesce(func.sum(case((FailedTry.at > _in_flight_from(now), 1), else_=0)), 0))
        .select_from(FailedTry)
        .where(FailedTry.kind == kind, FailedTry.key_hash == _key_hash(username), FailedTry.at > now - window)).one()
    return decided - flying, flying


def failed(session: Session, reservation: Reservation, now: datetime) -> None:
    """The reserved try failed: it counts from `now`. Committed: it counts although the call fails."""
    session.execute(update(FailedTry).where(FailedTry.id == reservation.failed_try_id).values(at=now))
    session.commit()


def succeeded(session: Session, kind: str, username: str | None, reservation: Reservation, now: datetime, *,
              clear_failures: bool) -> None:
    """The reserved try did not fail: it is uncounted, and with `clear_failures` so are the failures
    decided by `now` (others' tries in flight keep their places). Committed. Under the name's lock,
    as reservations are made: on MariaDB a range DELETE beside them deadlocked."""
    lock_key(session, kind, username)
    session.execute(delete(FailedTry).where(FailedTry.id == reservation.failed_try_id))
    if clear_failures:
        clear(session, kind, username, now)
    session.commit()


def record_failure(session: Session, kind: str, username: str | None, now: datetime) -> None:
    """Counts one failure and commits it: it must count although the call then fails."""
    session.add(FailedTry(kind=kind, key_hash=_key_hash(username), at=now))
    session.commit()


def clear(session: Session, kind: str, username: str | None, now: datetime | None = None) -> None:
    """Forgets the failures of `username` at `kind`; with `now`, only those decided by then (others'
    tries in flight keep their places)."""
    where = [FailedTry.kind == kind, FailedTry.key_hash == _key_hash(username)]
    session.execute(delete(FailedTry).where(*where, *([FailedTry.at <= _in_flight_from(now)] if now else [])))


def forget_old(db: Database, now: datetime) -> int:
    """Deletes every failure older than KEPT_FOR; returns how many."""
    with db.unit_of_work() as session:
        return rows_changed(session, delete(FailedTry).where(FailedTry.at <= now - KEPT_FOR))
