"""Delivering callbacks: the worker's round that sends each subscription (services.callbacks) its pending
change events, signed, one at a time, in the order of the feed; and forgetting the old ones.

Delivery (`deliver_due`, the worker's "deliver-callbacks" job). A round takes each ACTIVE subscription
that is due (`next_attempt_at` passed) and has events after its `delivered_seq`, one at a time:
  - claimed in a short transaction (SELECT ... FOR UPDATE SKIP LOCKED on MariaDB; SQLite has one writer
    at a time) by moving `next_attempt_at` to a lease, so one worker delivers a subscription at a time;
    a worker that dies leaves the lease to expire, and another takes over;
  - its pending events (of the types it wants, oldest first, a batch at a time) are POSTed outside any
    transaction, one after the other; after each 2xx a short transaction logs it, moves `delivered_seq`
    to it and renews the lease. `delivered_seq` moves only past an event the endpoint took, so a worker
    killed between the POST and that transaction sends that one event again: delivery is at least once,
    and the event id (X-Emall-Event-Id) lets the receiver drop a repeat;
  - on a failure (no 2xx, a timeout, a refused connection, an address now private) the attempt is
    logged, `failures` grows and the next attempt waits (retry_base doubling, up to an hour): the next
    event never goes before this one. After `max_failures` in a row the subscription is SUSPENDED and
    its member told by email; `resume_subscription` picks up where it stopped, nothing lost while the
    feed keeps the events (EMALL_EVENT_RETENTION_DAYS).
A subscription with nothing pending is not selected at all (an EXISTS on the feed's (member_id, seq)
index), so its `next_attempt_at` stays as it was and an idle subscription costs one index probe a
round. Events of types it does not want are passed over by moving `delivered_seq` past them.

Each POST, its address checked again first, is services.callback_calls'.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Callable

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from emall_ws.config import Settings
from emall_ws.db.models import ChangeEvent, EventDelivery, EventSubscription, Member
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.domain import callbacks as rules
from emall_ws.notify.outbox import notify_member
from emall_ws.secret_box import SecretBox, SecretUnreadable
from emall_ws.services import events
from emall_ws.services.callback_calls import Outcome, event_body, http_session, log_attempt, post, signed_headers
from emall_ws.services.callbacks import ACTIVE, SUSPENDED

log = logging.getLogger(__name__)

JOB = "deliver-callbacks"
FORGET_JOB = "forget-old-events"
BATCH = 50  # events read per short transaction
EVENTS_PER_ROUND = 500  # per subscription: one busy endpoint does not hold a round for ever
SUBSCRIPTIONS_PER_ROUND = 100


@dataclass(frozen=True)
class CallbackPolicy:
    timeout: float = 10.0  # seconds an endpoint has to answer one delivery
    retry_base: timedelta = timedelta(seconds=30)  # the pause after the first failure; then doubling
    max_failures: int = 8  # failures in a row that suspend a subscription
    allow_private: bool = False  # call loopback and private addresses (tests, a receiver on the same network)
    # renewed at each delivery: a POST and its record fit in it; a worker that died holds its subscriptions
    # this long, as the notification dispatcher's lease holds a message
    lease: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> CallbackPolicy:
        return cls(timeout=settings.callback_timeout, retry_base=timedelta(seconds=settings.callback_retry_base),
                   max_failures=settings.callback_max_failures, allow_private=settings.allow_private_callbacks,
                   lease=max(timedelta(seconds=60), timedelta(seconds=3 * settings.callback_timeout)))


# --- the worker's round ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Event:
    seq: int
    type: str
    body: bytes
    attempt: int  # the number its next attempt has in the delivery log


@dataclass(frozen=True)
class _Claim:
    """A subscription a round holds: it writes only while the row still has this lease."""
    id: int
    subscription_id: str
    member_id: int
    url: str
    sealed_secret: str
    lease: datetime
    events: tuple[_Event, ...]  # the next pending ones, oldest first
    seen_up_to: int  # the newest event of the member when they were read: all before it are visible


def deliver_due(db: Database, now_fn: Callable[[], datetime], box: SecretBox, policy: CallbackPolicy) -> int:
    """One round: every due subscription with pending events, claimed and sent what waits. Returns how
    many events were delivered. A subscription whose delivery fails unexpectedly is logged and left to
    its lease; one that cannot be claimed (the database away) ends the round."""
    delivered = 0
    seen: set[int] = set()
    for _ in range(SUBSCRIPTIONS_PER_ROUND):
        claim = db.run(partial(_claim_next, now=now_fn(), lease=policy.lease, seen=frozenset(seen)))
        if claim is None:
            break
        seen.add(claim.id)
        if not claim.events:  # only types it does not want were pending: passed over
            continue
        try:
            delivered += _deliver(db, claim, now_fn, box, policy)
        except Exception:
            log.exception("subscription %s: delivery failed; tried again after its lease", claim.subscription_id)
    return delivered


def _claim_next(session: Session, now: datetime, lease: timedelta, seen: frozenset[int]) -> _Claim | None:
    pending = exists().where(ChangeEvent.member_id == EventSubscription.member_id,
                             ChangeEvent.seq > EventSubscription.delivered_seq)
    query = (select(EventSubscription)
             .where(EventSubscription.status == ACTIVE, EventSubscription.next_attempt_at <= now, pending)
             .order_by(EventSubscription.next_attempt_at, EventSubscription.id).limit(1)
             .with_for_update(skip_locked=True, of=EventSubscription).execution_options(populate_existing=True))
    if seen:
        query = query.where(EventSubscription.id.not_in(seen))
    row = session.scalars(query).first()
    return None if row is None else _take_batch(session, row, now, lease)


def _take_batch(session: Session, row: EventSubscription, now: datetime, lease: timedelta) -> _Claim:
    """The next pending events of the locked `row`, with the lease renewed; none when only types it does
    not want were pending, which it is moved past (and not leased)."""
    # the newest number first: every event before it is committed and visible, so none is passed over
    newest = session.scalar(select(func.max(ChangeEvent.seq)).where(ChangeEvent.member_id == row.member_id)) or 0
    query = select(ChangeEvent).where(ChangeEvent.member_id == row.member_id, ChangeEvent.seq > row.delivered_seq,
                                      ChangeEvent.seq <= newest)
    wanted = rules.read_types(row.types)
    if not rules.wants_all(wanted):
        query = query.where(ChangeEvent.type.in_(wanted))
    pending = list(session.scalars(query.order_by(ChangeEvent.seq).limit(BATCH)))
    # only the first can have been tried: the ones after it wait until it is delivered
    tried = _attempts_at(session, row.id, pending[0].seq) if pending else 0
    found = tuple(_Event(event.seq, event.type, event_body(event), tried + 1 if i == 0 else 1)
                  for i, event in enumerate(pending))
    if found:
        row.next_attempt_at = now + lease
    elif newest > row.delivered_seq:
        row.delivered_seq = newest
    return _Claim(row.id, row.subscription_id, row.member_id, row.url, row.sealed_secret, row.next_attempt_at,
                  found, newest)


def _deliver(db: Database, claim: _Claim, now_fn: Callable[[], datetime], box: SecretBox,
             policy: CallbackPolicy) -> int:
    """Sends the claimed subscription its events in order until none is left, one fails, the round's
    share is used up or the subscription is no longer this round's. Returns how many were delivered."""
    try:
        secret = box.open(claim.sealed_secret, claim.subscription_id)
    except SecretUnreadable:
        log.error("subscription %s: its secret was sealed under another EMALL_SECRET_KEY", claim.subscription_id)
        db.run(partial(record_failed, claim=claim, event=claim.events[0],
                       outcome=Outcome(None, "SECRET_UNREADABLE", 0), now=now_fn(), policy=policy))
        return 0
    delivered = 0
    current: _Claim | None = claim
    with http_session() as http:
        while current is not None and current.events:
            for event in current.events:
                now = now_fn()
                headers = signed_headers(secret, current.subscription_id, event.seq, event.type, event.body, now)
                outcome = post(http, current.url, headers, event.body, policy.timeout, policy.allow_private)
                if not outcome.delivered:
                    db.run(partial(record_failed, claim=current, event=event, outcome=outcome, now=now_fn(),
                                   policy=policy))
                    return delivered
                lease = db.run(partial(record_delivered, claim=current, event=event, outcome=outcome, now=now,
                                       renewed=now_fn() + policy.lease))
                if lease is None:  # ended, or the lease was lost: no longer this round's to send
                    return delivered + 1
                current, delivered = replace(current, lease=lease), delivered + 1
            full = len(current.events) == BATCH
            if not full or delivered >= EVENTS_PER_ROUND:
                db.run(partial(_release, claim=current, now=now_fn(), passed_up_to=None if full else
                               current.seen_up_to))
                return delivered
            current = db.run(partial(_next_batch, claim=current, now=now_fn(), lease=policy.lease))
    return delivered


def _held(session: Session, claim: _Claim) -> EventSubscription | None:
    """The claimed row, locked, if this round still holds it (ACTIVE, under its lease)."""
    row = session.get(EventSubscription, claim.id, with_for_update=True, populate_existing=True)
    return row if row is not None and row.status == ACTIVE and row.next_attempt_at == claim.lease else None


def record_delivered(session: Session, claim: _Claim, event: _Event, outcome: Outcome, now: datetime,
                     renewed: datetime) -> datetime | None:
    """Logs the delivery of `event` and moves the subscription past it: the renewed lease, or None when
    the round no longer holds the subscription (the delivery is logged all the same)."""
    log_attempt(session, claim.id, event.seq, event.type, event.attempt, outcome, now)
    row = _held(session, claim)
    if row is None:
        return None
    row.delivered_seq, row.failures, row.next_attempt_at = event.seq, 0, renewed
    return renewed


def record_failed(session: Session, claim: _Claim, event: _Event, outcome: Outcome, now: datetime,
                  policy: CallbackPolicy) -> None:
    """Logs the failed attempt; the subscription waits before trying `event` again, and is suspended
    (its member told) after policy.max_failures in a row."""
    log_attempt(session, claim.id, event.seq, event.type, event.attempt, outcome, now)
    row = _held(session, claim)
    if row is None:
        return
    row.failures += 1
    row.next_attempt_at = now + rules.retry_delay(row.failures, policy.retry_base)
    if row.failures >= policy.max_failures:
        row.status, row.suspended_at = SUSPENDED, now
        _tell_suspended(session, row, outcome.error, now)


def _attempts_at(session: Session, subscription: int, seq: int) -> int:
    """How many attempts at `seq` the delivery log holds: those of its last event if it is `seq` (test
    events in between aside), else none."""
    last = session.execute(select(EventDelivery.event_seq, EventDelivery.attempt)
                           .where(EventDelivery.subscription_id == subscription, EventDelivery.event_seq.is_not(None))
                           .order_by(EventDelivery.id.desc()).limit(1)).first()
    return last.attempt if last is not None and last.event_seq == seq else 0


def _tell_suspended(session: Session, row: EventSubscription, error: str, now: datetime) -> None:
    member = session.get_one(Member, row.member_id)
    notify_member(session, f"callbacks:{row.subscription_id}:suspended:{now.isoformat()}", member.email,
                  member.phone, "callbacks_suspended",
                  dict(name=member.name, url=row.url, subscription_id=row.subscription_id, failures=row.failures,
                       last_error=error or "-", suspended_at=now))


def _release(session: Session, claim: _Claim, now: datetime, passed_up_to: int | None) -> None:
    """Gives the subscription back, due at once (what commits meanwhile goes in the next round); past the
    unwanted events up to `passed_up_to` when every wanted one before it is delivered."""
    row = _held(session, claim)
    if row is None:
        return
    row.next_attempt_at = now
    if passed_up_to is not None and passed_up_to > row.delivered_seq:
        row.delivered_seq = passed_up_to


def _next_batch(session: Session, claim: _Claim, now: datetime, lease: timedelta) -> _Claim | None:
    row = _held(session, claim)
    if row is None:
        return None
    taken = _take_batch(session, row, now, lease)
    if not taken.events:
        row.next_attempt_at = now  # nothing more: released
    return taken


# --- forgetting ---------------------------------------------------------------------------------------

def forget_old_deliveries(db: Database, now: datetime, retention: timedelta) -> int:
    """Deletes the delivery log's rows older than `retention`; returns how many."""
    with db.unit_of_work() as session:
        return rows_changed(session, delete(EventDelivery).where(EventDelivery.attempted_at < now - retention))


def forget_old(db: Database, now: datetime, retention: timedelta) -> int:
    """The "forget-old-events" job: the feed's old events and the delivery log's old rows."""
    return events.forget_old(db, now, retention) + forget_old_deliveries(db, now, retention)
