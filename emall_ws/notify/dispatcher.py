"""The dispatcher: sends due outbox rows, at least once, from any number of processes.

One round (`run_once`):
  1. claim: in a short transaction, lock up to `batch_size` due rows (PENDING, next_attempt_at <= now)
     - MariaDB/MySQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent dispatchers take disjoint rows;
     - SQLite: BEGIN IMMEDIATE, the one writer lock, so claims are serialised -
     and lease them: next_attempt_at = now + lease, attempts += 1. Commit: the lease, not a held lock,
     keeps other dispatchers away while we send.
  2. send each row outside any transaction (a slow SMTP server must not hold database locks);
  3. record each outcome in its own short transaction: SENT, or PENDING again after a backoff, or
     FAILED once `max_attempts` are used or the error is permanent.

The lease is short (LEASE, 45 s) and renewed while its dispatcher works: a thread of the round moves
the rows it still holds LEASE ahead every third of it (a send may take long: SMTP's timeout is per
socket operation), so a live dispatcher, however slow, keeps its rows, and a dead one's are due
again LEASE after its last renewal and retried by the next round of any worker (within 60 s with the
default EMALL_DISPATCH_INTERVAL). A crash (or kill) between 2 and 3 leaves the row PENDING with its
lease; when the lease ends another round claims it and sends it again. That can deliver a message
twice, which is the price of never losing one (at-least-once) - unless the channel de-duplicates: every
attempt at a row is given the same `reference` (the row's, random), which the SMS gateway uses to
answer a repeat with the first message's id, and an email carries as its Message-ID
(<reference@sender's domain>), so a repeat is recognisably the same message. Bodies carry one-time
codes: this module logs ids and template names only, and a
row's code is redacted from its data once the row is SENT or FAILED.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.notify.email import DeliveryError
from emall_ws.notify.outbox import FAILED, PENDING, SENT

log = logging.getLogger(__name__)

ERROR_LIMIT = 500  # Notification.error is String(500)
# how long a claim keeps other dispatchers away without being renewed: a crashed dispatcher's rows wait
# this long (plus the next round's turn), a live one renews its own every LEASE / 3
LEASE = timedelta(seconds=45)
REDACTED = "******"


class Sender(Protocol):
    """What the dispatcher needs of a channel: deliver one rendered template, return the provider's
    id; raise DeliveryError (permanent or not). `reference` is the same for every attempt at one
    notification: a channel that can, passes it on so the provider drops repeats.
    EmailSender and SmsSender implement it."""

    def deliver(self, recipient: str, template: str, data: Mapping[str, Any],
                reference: str) -> str: ...



@dataclass(frozen=True)
class DispatchStats:
    sent: int = 0
    failed: int = 0  # given up: FAILED
    retried: int = 0  # back to PENDING with a backoff
    released: int = 0  # claimed but not tried: the lease was running out
    claimed: int = 0

    def __add__(self, other: DispatchStats) -> DispatchStats:
        return DispatchStats(self.sent + other.sent, self.failed + other.failed,
                             self.retried + other.retried, self.released + other.released,
                             self.claimed + other.claimed)


def backoff(attempts: int, base: timedelta = timedelta(minutes=1),
            cap: timedelta = timedelta(hours=1)) -> timedelta:
    """Delay before the next try after `attempts` failed ones: base, 2*base, 4*base ... at most cap.

    With the defaults and 8 attempts a message is retried for about 2 hours (1+2+4+...+32+60 min),
    long enough to ride out a mail server restart, short enough for a code that expires.
    """
    if attempts < 1:
        return timedelta(0)
    # the exponent is bounded before it is used: 2**attempts of a large count would overflow
    return min(cap, base * (2 ** min(attempts - 1, 30)))


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    recipient: str
    template: str
    data: str
    attempts: int  # after this claim: identifies our claim when we record the outcome
    reference: str


class Dispatcher:
    def __init__(self, db: Database, senders: Mapping[str, Sender], *, batch_size: int = 50,
                 max_attempts: int = 8, backoff_base: timedelta = timedelta(minutes=1),
                 backoff_cap: timedelta = timedelta(hours=1), lease: timedelta = LEASE,
                 monotonic: Callable[[], float] = time.monotonic):
        if lease <= timedelta(0) or batch_size < 1 or max_attempts < 1:
            raise ValueError("lease, batch_size and max_attempts must be positive")
        self.db = db
        self.senders = dict(senders)
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.lease = lease
        self._monotonic = monotonic

    def run_once(self, now: datetime | None = None) -> DispatchStats:
        """One claim-send-record round; `now` (naive UTC) is for tests, real time otherwise."""
        start_now = now or utcnow()
        started = self._monotonic()

        def moment() -> datetime:  # `now` moved on by the real time spent in this round
            return start_now + timedelta(seconds=self._monotonic() - started)

        claimed = self._claim(start_now)
        if not claimed:
            return DispatchStats()
        renewal = _Renewal(self, claimed, moment)
        try:
            return self._send_claimed(claimed, renewal, started, moment)
        finally:
            renewal.stop()

    def _send_claimed(self, claimed: list[_Claimed], renewal: _Renewal, started: float,
                      moment: Callable[[], datetime]) -> DispatchStats:
        sent = failed = retried = 0
        # stop sending while a comfortable part of the lease remains: past it, another dispatcher
        # may claim the same rows and send them a second time
        deadline = started + self.lease.total_seconds() * 0.8
        for index, row in enumerate(claimed):
            if self._monotonic() >= deadline:
                released = self._release(claimed[index:], moment())
                log.warning("dispatcher: lease running out, released %d claimed notification(s)",
                            released)
                return DispatchStats(sent, failed, retried, released, len(claimed))
            outcome = self._send(row, moment)
            renewal.done(row)
            sent += outcome == SENT
            failed += outcome == FAILED
            retried += outcome == PENDING
        return DispatchStats(sent, failed, retried, 0, len(claimed))

    # --- 1. claim ----------------------------------------------------------------------------

    def _claim(self, now: datetime) -> list[_Claimed]:
        if not self.senders:
            return []

        def claim(session: Session) -> list[_Claimed]:
            _lock_for_claim(session)
            rows = session.execute(
                select(Notification.id, Notification.channel, Notification.recipient,
                       Notification.template, Notification.data, Notification.attempts,
                       Notification.reference)
                .where(Notification.status == PENDING, Notification.next_attempt_at <= now,
                       Notification.channel.in_(sorted(self.senders)))
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)  # rendered by MariaDB/MySQL/PostgreSQL only
            ).all()
            if rows:
                session.execute(
                    update(Notification)
                    .where(Notification.id.in_([row.id for row in rows]))
                    .values(next_attempt_at=now + self.lease, attempts=Notification.attempts + 1))
            return [_Claimed(row.id, row.channel, row.recipient, row.template, row.data, row.attempts + 1,
                             row.reference)
                    for row in rows]

        # run again when rolled back whole: on Galera, another node's dispatcher may have claimed
        # some of these rows (SKIP LOCKED sees this node's locks only) and committed first
        return self.db.run(claim)

    # --- 2. send, 3. record ------------------------------------------------------------------

    def _send(self, row: _Claimed, moment: Callable[[], datetime]) -> str:
        try:
            data = json.loads(row.data)
        except ValueError as error:  # data that is not JSON: nothing to retry
            return self._record_failure(row, f"unreadable data: {error}", True, moment())
        try:
            provider_id = self.senders[row.channel].deliver(
                row.recipient, row.template, data, row.reference)
        except DeliveryError as error:
            return self._record_failure(row, str(error), error.permanent, moment())
        except Exception as error:  # a sender's bug or an unmapped error: retried, and logged in full
            log.exception("notification %d (%s, %s): unexpected error", row.id, row.template,
                          row.channel)
            return self._record_failure(row, f"{type(error).__name__}: {error}", False, moment())
        # KeyboardInterrupt/SystemExit pass through: the row keeps its lease and is retried later
        self._record(row, only_our_claim=False, status=SENT, provider_id=provider_id[:100],
                     sent_at=moment(), error=None)
        log.info("notification %d (%s, %s) sent, attempt %d", row.id, row.template, row.channel,
                 row.attempts)
        return SENT

    def _record_failure(self, row: _Claimed, error: str, permanent: bool, now: datetime) -> str:
        if permanent or row.attempts >= self.max_attempts:
            self._record(row, only_our_claim=True, status=FAILED, error=error[:ERROR_LIMIT])
            log.warning("notification %d (%s, %s) FAILED after %d attempt(s)%s", row.id, row.template,
                        row.channel, row.attempts, " (permanent error)" if permanent else "")
            return FAILED
        retry_at = now + backoff(row.attempts, self.backoff_base, self.backoff_cap)
        self._record(row, only_our_claim=True, next_attempt_at=retry_at, error=error[:ERROR_LIMIT])
        log.info("notification %d (%s, %s) attempt %d failed; next try at %s UTC", row.id,
                 row.template, row.channel, row.attempts, retry_at.isoformat(timespec="seconds"))
        return PENDING

    def _record(self, row: _Claimed, *, only_our_claim: bool, **values: Any) -> None:
        """Writes an outcome if the row is still PENDING. A failure is written only while our claim
        is the latest (attempts unchanged): if our lease ran out and another dispatcher claimed the
        row, its outcome wins. A success is always written: the message did leave."""
        condition = [Notification.id == row.id, Notification.status == PENDING]
        if only_our_claim:
            condition.append(Notification.attempts == row.attempts)
        if values.get("status") in (SENT, FAILED):
            values["data"] = without_code(row.data)
        written = self.db.run(lambda session: rows_changed(
            session, update(Notification).where(*condition).values(**values)))
        if not written:
            log.warning("notification %d: outcome not recorded, another dispatcher took it over",
                        row.id)

    def _release(self, rows: list[_Claimed], now: datetime) -> int:
        """Gives unsent claimed rows back at once, undoing their claim's attempt."""
        def release(session: Session) -> int:
            return sum(rows_changed(session, update(Notification)
                                    .where(Notification.id == row.id, Notification.status == PENDING,
                                           Notification.attempts == row.attempts)
                                    .values(next_attempt_at=now, attempts=row.attempts - 1))
                       for row in rows)

        released = self.db.run(release)
        return released

    def _renew(self, rows: list[_Claimed], now: datetime) -> None:
        """Moves the lease of rows still ours (PENDING, our attempt) to `now` + lease."""
        by_attempt: dict[int, list[int]] = {}
        for row in rows:  # a row is ours while its attempts are our claim's
            by_attempt.setdefault(row.attempts, []).append(row.id)

        def renew(session: Session) -> None:
            for attempt, ids in by_attempt.items():
                session.execute(update(Notification).where(
                    Notification.id.in_(ids), Notification.status == PENDING, Notification.attempts == attempt)
                    .values(next_attempt_at=now + self.lease))

        self.db.run(renew)


class _Renewal:
    """A thread renewing a round's claim every third of the lease while rows are left to send; it
    ends with the round, or with the process: a dead dispatcher renews nothing."""

    def __init__(self, dispatcher: Dispatcher, claimed: list[_Claimed], moment: Callable[[], datetime]):
        self._dispatcher = dispatcher
        self._held = {row.id: row for row in claimed}
        self._moment = moment
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)
        self._thread.start()

    def done(self, row: _Claimed) -> None:
        with self._lock:
            self._held.pop(row.id, None)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._dispatcher.lease.total_seconds() / 3):
            with self._lock:
                rows = list(self._held.values())
            try:
                self._dispatcher._renew(rows, self._moment())
            except Exception:  # the database away: the lease runs out, another round sends them
                log.warning("dispatcher: lease of %d notification(s) not renewed", len(rows), exc_info=True)


def without_code(data: str) -> str:
    """A row's data with its one-time code (key `code`) redacted: the code is kept only until its
    message has left or been given up. Data that is not a JSON object is returned as it is."""
    try:
        values = json.loads(data)
    except ValueError:
        return data
    if not isinstance(values, dict) or "code" not in values:
        return data
    return json.dumps({**values, "code": REDACTED}, ensure_ascii=False, sort_keys=True)


def _lock_for_claim(session: Session) -> None:
    """On SQLite, make sure the claim holds the write lock before it reads (BEGIN IMMEDIATE).

    Under pysqlite's own deferred BEGIN, two dispatchers would both read the same due rows; in WAL
    mode the second one's UPDATE then fails at once with "database is locked" (its snapshot is
    stale; busy_timeout does not apply). With the write lock taken first, the second waits instead.
    If the engine already begins SQLite transactions IMMEDIATE, there is nothing to do.
    Other databases lock the rows themselves (FOR UPDATE SKIP LOCKED).
    """
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
