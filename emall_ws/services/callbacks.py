"""Callbacks: a member's endpoint is sent its change events (services.events), signed, one at a time,
in the order of the feed.

Subscribing gives a secret, shown once and kept sealed (emall_ws.secret_box, bound to the subscription
id, as API keys are): each delivery is signed with it as emall_ws/hooks/signature.py says. A new
subscription starts after the member's newest event: it is told what happens from then on (the feed
has the past).

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

The address of the endpoint is checked when subscribing and again before each POST (DNS may have
changed); the request is made directly (no proxy from the environment) and follows no redirect, so the
address checked is the one called, short of a DNS answer changing in the milliseconds between the two.
"""
from __future__ import annotations

import json
import logging
import secrets
import socket
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Callable

import requests
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from emall_ws.clock import aware, to_wib
from emall_ws.config import Settings
from emall_ws.db.models import ChangeEvent, EventDelivery, EventSubscription, Member
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.domain import callbacks as rules
from emall_ws.domain import events as event_types
from emall_ws.domain.errors import Conflict, FieldError, InvalidState, NotFound, ValidationFailed
from emall_ws.domain.paging import offset_within, page_and_size, page_errors
from emall_ws.hooks import signature
from emall_ws.notify.outbox import notify_member
from emall_ws.secret_box import SecretBox, SecretUnreadable
from emall_ws.services import events
from emall_ws.services.auth import Principal

log = logging.getLogger(__name__)

JOB = "deliver-callbacks"
FORGET_JOB = "forget-old-events"
ACTIVE, SUSPENDED, ENDED = "ACTIVE", "SUSPENDED", "ENDED"
DELIVERED, FAILED = "DELIVERED", "FAILED"
SUBSCRIPTION_PREFIX = "sub-"
SECRET_PREFIX = "whsec_"
MAX_SUBSCRIPTIONS = 10  # ACTIVE and SUSPENDED ones per member
BATCH = 50  # events read per short transaction
EVENTS_PER_ROUND = 500  # per subscription: one busy endpoint does not hold a round for ever
SUBSCRIPTIONS_PER_ROUND = 100
DELIVERIES_PAGE_SIZE, DELIVERIES_PAGE_MAX = 50, 200
ERROR_MAX = 200
USER_AGENT = "emall-ws-callbacks"
EVENT_ID_HEADER = "X-Emall-Event-Id"
EVENT_TYPE_HEADER = "X-Emall-Event-Type"
SUBSCRIPTION_HEADER = "X-Emall-Subscription"


@dataclass(frozen=True)
class CallbackPolicy:
    timeout: float = 10.0  # seconds an endpoint has to answer one delivery
    retry_base: timedelta = timedelta(seconds=30)  # the pause after the first failure; then doubling
    max_failures: int = 8  # failures in a row that suspend a subscription
    allow_private: bool = False  # call loopback and private addresses (tests, a receiver on the same network)
    lease: timedelta = timedelta(minutes=5)  # renewed at each delivery: a POST and its record fit in it

    @classmethod
    def from_settings(cls, settings: Settings) -> CallbackPolicy:
        return cls(timeout=settings.callback_timeout, retry_base=timedelta(seconds=settings.callback_retry_base),
                   max_failures=settings.callback_max_failures, allow_private=settings.allow_private_callbacks,
                   lease=max(timedelta(minutes=5), timedelta(seconds=3 * settings.callback_timeout)))


# --- views ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SubscriptionView:
    subscription_id: str
    url: str
    types: tuple[str, ...]  # ("*",): every type
    status: str
    failures: int
    created_at: datetime
    suspended_at: datetime | None
    ended_at: datetime | None
    next_attempt_at: datetime
    last_delivery_at: datetime | None  # the last attempt (a test event's too), and how it went
    last_outcome: str | None


@dataclass(frozen=True)
class NewSubscription:
    subscription: SubscriptionView
    secret: str  # shown now and never again


@dataclass(frozen=True)
class DeliveryView:
    event_id: int | None  # None for a test event
    event_type: str
    attempted_at: datetime
    attempt: int
    outcome: str
    http_status: int | None
    error: str
    duration_ms: int


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[DeliveryView]  # newest first
    page: int
    page_size: int
    total: int


def _view(session: Session, row: EventSubscription) -> SubscriptionView:
    last = session.scalars(select(EventDelivery).where(EventDelivery.subscription_id == row.id)
                           .order_by(EventDelivery.id.desc()).limit(1)).first()
    return SubscriptionView(row.subscription_id, row.url, rules.read_types(row.types), row.status, row.failures,
                            row.created_at, row.suspended_at, row.ended_at, row.next_attempt_at,
                            last.attempted_at if last else None, last.outcome if last else None)


def _delivery_view(row: EventDelivery) -> DeliveryView:
    return DeliveryView(row.event_seq, row.event_type, row.attempted_at, row.attempt, row.outcome, row.http_status,
                        row.error, row.duration_ms)


# --- managing subscriptions ---------------------------------------------------------------------------

def subscribe(session: Session, principal: Principal, url: str | None, types: list[str] | None,
              now: datetime, box: SecretBox, allow_private: bool) -> NewSubscription:
    """A new subscription of the caller's to `types` ("*": all) at `url`, and its secret."""
    url = (url or "").strip()
    wanted, errors = rules.parse_types(types)
    errors = rules.url_errors(url) + errors
    if not errors:  # the address: asked before any statement, so no transaction waits on DNS
        errors = address_errors(url, allow_private)
    if errors:
        raise ValidationFailed(errors)
    # the member's row, locked: two subscriptions at once count each other
    session.execute(select(Member.id).where(Member.id == principal.member_id).with_for_update())
    live = list(session.scalars(select(EventSubscription).where(
        EventSubscription.member_id == principal.member_id, EventSubscription.status != ENDED)))
    if any(row.url == url for row in live):
        raise Conflict("SUBSCRIPTION_EXISTS")
    if len(live) >= MAX_SUBSCRIPTIONS:
        raise Conflict("TOO_MANY_SUBSCRIPTIONS", limit=MAX_SUBSCRIPTIONS)
    subscription_id = SUBSCRIPTION_PREFIX + secrets.token_hex(12)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    newest = session.scalar(select(func.max(ChangeEvent.seq)).where(ChangeEvent.member_id == principal.member_id))
    row = EventSubscription(subscription_id=subscription_id, member_id=principal.member_id, url=url,
                            types=rules.stored_types(wanted), sealed_secret=box.seal(secret, subscription_id),
                            status=ACTIVE, delivered_seq=newest or 0, failures=0, next_attempt_at=now,
                            created_at=now)
    session.add(row)
    session.flush()
    return NewSubscription(_view(session, row), secret)


def address_errors(url: str, allow_private: bool) -> list[FieldError]:
    """CALLBACK_URL_UNRESOLVED when the URL's host has no address; CALLBACK_URL_PRIVATE when one of its
    addresses is one the platform must not call (unless `allow_private`)."""
    refusal = address_refusal(url, allow_private)
    return [FieldError("url", refusal)] if refusal else []


def address_refusal(url: str, allow_private: bool) -> str | None:
    """Why the platform will not call `url` now (a code), or None."""
    parts = rules.split_url(url)
    if parts is None or not parts.hostname:
        return "CALLBACK_URL_INVALID"
    literal = rules.literal_address(parts.hostname)
    if literal is not None:
        found = [literal]
    else:
        try:
            found = [address for address in (rules.literal_address(str(info[4][0])) for info in socket.getaddrinfo(
                parts.hostname, rules.default_port(parts), type=socket.SOCK_STREAM)) if address is not None]
        except (OSError, UnicodeError):  # gaierror is an OSError; a name IDNA cannot encode, a UnicodeError
            found = []
        if not found:
            return "CALLBACK_URL_UNRESOLVED"
    # any one private address refuses: a name with a public and a private address could be called at either
    if not allow_private and any(rules.is_private(address) for address in found):
        return "CALLBACK_URL_PRIVATE"
    return None


def list_subscriptions(session: Session, principal: Principal) -> list[SubscriptionView]:
    """The caller's ACTIVE and SUSPENDED subscriptions, oldest first (never a secret)."""
    rows = session.scalars(select(EventSubscription).where(
        EventSubscription.member_id == principal.member_id, EventSubscription.status != ENDED)
        .order_by(EventSubscription.created_at, EventSubscription.id))
    return [_view(session, row) for row in rows]


def unsubscribe(session: Session, principal: Principal, subscription_id: str, now: datetime) -> SubscriptionView:
    """Ends one of the caller's subscriptions: nothing more is sent to it (again: answered as it is)."""
    row = _own(session, principal.member_id, subscription_id, lock=True)
    if row.status != ENDED:
        row.status, row.ended_at = ENDED, now
    return _view(session, row)


def resume_subscription(session: Session, principal: Principal, subscription_id: str,
                        now: datetime) -> SubscriptionView:
    """A SUSPENDED subscription ACTIVE again and due at once, from the event it stopped at."""
    row = _own(session, principal.member_id, subscription_id, lock=True)
    if row.status != SUSPENDED:
        raise InvalidState("SUBSCRIPTION_NOT_SUSPENDED", status=row.status)
    row.status, row.failures, row.next_attempt_at, row.suspended_at = ACTIVE, 0, now, None
    return _view(session, row)


def list_deliveries(session: Session, principal: Principal, subscription_id: str, page: int | None,
                    page_size: int | None) -> DeliveryPage:
    """The delivery log of one of the caller's subscriptions (an ended one's too), newest first."""
    errors = page_errors(page, page_size)
    if errors:
        raise ValidationFailed(errors)
    number, size = page_and_size(page, page_size, DELIVERIES_PAGE_SIZE, DELIVERIES_PAGE_MAX)
    row = _own(session, principal.member_id, subscription_id)
    total = session.scalar(select(func.count()).select_from(EventDelivery)
                           .where(EventDelivery.subscription_id == row.id)) or 0
    offset = offset_within(number, size, total)
    found = [] if offset is None else list(session.scalars(
        select(EventDelivery).where(EventDelivery.subscription_id == row.id)
        .order_by(EventDelivery.id.desc()).offset(offset).limit(size)))
    return DeliveryPage([_delivery_view(delivery) for delivery in found], number, size, total)


def _own(session: Session, member_id: int, subscription_id: str, lock: bool = False) -> EventSubscription:
    """The member's subscription; another's is NotFound, as one that does not exist."""
    query = select(EventSubscription).where(EventSubscription.subscription_id == (subscription_id or "").strip(),
                                            EventSubscription.member_id == member_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("SUBSCRIPTION_NOT_FOUND")
    return row


# --- calling an endpoint --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Outcome:
    http_status: int | None
    error: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return not self.error and rules.is_delivered(self.http_status)


def _post(http: requests.Session, url: str, headers: dict[str, str], body: bytes, timeout: float,
          allow_private: bool) -> _Outcome:
    """One POST, its address checked first; never raises for the endpoint's doing."""
    started = time.monotonic()

    def outcome(http_status: int | None, error: str) -> _Outcome:
        return _Outcome(http_status, error[:ERROR_MAX], int((time.monotonic() - started) * 1000))

    refused = address_refusal(url, allow_private)
    if refused:
        return outcome(None, refused)
    try:
        # stream: the status is all a delivery needs, so the body is never read (however long it is)
        with http.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False,
                       stream=True) as response:
            status = response.status_code
    except requests.Timeout:
        return outcome(None, "timeout")
    except requests.exceptions.SSLError as error:
        return outcome(None, f"TLS error: {_reason(error)}")
    except requests.ConnectionError as error:
        return outcome(None, _connection_error(error))
    except requests.RequestException as error:
        return outcome(None, f"request failed: {_reason(error)}")
    if rules.is_delivered(status):
        return outcome(status, "")
    return outcome(status, f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else ""))


def _connection_error(error: requests.ConnectionError) -> str:
    text = str(error)
    if "refused" in text.lower():
        return "connection refused"
    if "reset" in text.lower():
        return "connection reset"
    return f"connection failed: {_reason(error)}"


def _reason(error: Exception) -> str:
    """The innermost cause's words: requests wraps urllib3's error, which names the pool and the URL."""
    cause: BaseException = error
    for _ in range(5):  # requests' error wraps urllib3's, which wraps the socket's
        inner = cause.__cause__ or getattr(cause, "reason", None) or (cause.args[0] if cause.args else None)
        if not isinstance(inner, BaseException):
            break
        cause = inner
    return str(cause) or type(cause).__name__


def _http() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # no proxy from the environment: the address checked is the one called
    return http


def _headers(secret: str, subscription_id: str, event_id: int, event_type: str, body: bytes,
             now: datetime) -> dict[str, str]:
    timestamp = str(int(aware(now).timestamp()))
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT,
            signature.TIMESTAMP_HEADER: timestamp,
            signature.SIGNATURE_HEADER: signature.signature(secret, timestamp, body),
            EVENT_ID_HEADER: str(event_id), EVENT_TYPE_HEADER: event_type, SUBSCRIPTION_HEADER: subscription_id}


def _wire_time(moment: datetime) -> str:
    return to_wib(moment).isoformat(timespec="seconds")


def event_body(row: ChangeEvent) -> bytes:
    """The JSON body a callback carries for `row` (services.events.event_json), compact."""
    return _json(events.event_json(row, _wire_time(row.occurred_at)))


def body_of_test_event(subscription_id: str, now: datetime) -> bytes:
    return _json({"id": 0, "type": event_types.TEST, "occurredAt": _wire_time(now), "subscription": subscription_id})


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --- a test event -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Target:
    id: int
    subscription_id: str
    url: str
    sealed_secret: str


def send_test_event(db: Database, principal_member_id: int, subscription_id: str, now: datetime, box: SecretBox,
                    timeout: float, allow_private: bool) -> DeliveryView:
    """POSTs a signed event of type "test" to one of the member's subscriptions (ACTIVE or SUSPENDED: an
    endpoint can be checked before resuming) now, logs it and answers how it went. Its failures and its
    place in the feed stay as they are."""
    target = db.run(partial(_test_target, member_id=principal_member_id, subscription_id=subscription_id))
    try:
        secret = box.open(target.sealed_secret, target.subscription_id)
    except SecretUnreadable:
        log.error("subscription %s: its secret was sealed under another EMALL_SECRET_KEY", target.subscription_id)
        outcome = _Outcome(None, "SECRET_UNREADABLE", 0)
    else:
        body = body_of_test_event(target.subscription_id, now)
        with _http() as http:
            outcome = _post(http, target.url, _headers(secret, target.subscription_id, 0, event_types.TEST, body, now),
                            body, timeout, allow_private)
    return db.run(partial(_log_test, target=target, outcome=outcome, now=now))


def _test_target(session: Session, member_id: int, subscription_id: str) -> _Target:
    row = _own(session, member_id, subscription_id)
    if row.status == ENDED:
        raise InvalidState("SUBSCRIPTION_ENDED")
    return _Target(row.id, row.subscription_id, row.url, row.sealed_secret)


def _log_test(session: Session, target: _Target, outcome: _Outcome, now: datetime) -> DeliveryView:
    row = _log(session, target.id, None, event_types.TEST, 1, outcome, now)
    return _delivery_view(row)


def _log(session: Session, subscription: int, seq: int | None, event_type: str, attempt: int, outcome: _Outcome,
         now: datetime) -> EventDelivery:
    row = EventDelivery(subscription_id=subscription, event_seq=seq, event_type=event_type, attempted_at=now,
                        attempt=attempt, outcome=DELIVERED if outcome.delivered else FAILED,
                        http_status=outcome.http_status, error=outcome.error, duration_ms=outcome.duration_ms)
    session.add(row)
    session.flush()
    return row


# --- the worker's round ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Event:
    seq: int
    type: str
    body: bytes


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
    found = tuple(_Event(event.seq, event.type, event_body(event))
                  for event in session.scalars(query.order_by(ChangeEvent.seq).limit(BATCH)))
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
                       outcome=_Outcome(None, "SECRET_UNREADABLE", 0), now=now_fn(), policy=policy))
        return 0
    delivered = 0
    current: _Claim | None = claim
    with _http() as http:
        while current is not None and current.events:
            for event in current.events:
                now = now_fn()
                outcome = _post(http, current.url, _headers(secret, current.subscription_id, event.seq, event.type,
                                                            event.body, now),
                                event.body, policy.timeout, policy.allow_private)
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


def record_delivered(session: Session, claim: _Claim, event: _Event, outcome: _Outcome, now: datetime,
                     renewed: datetime) -> datetime | None:
    """Logs the delivery of `event` and moves the subscription past it: the renewed lease, or None when
    the round no longer holds the subscription (the delivery is logged all the same)."""
    _log(session, claim.id, event.seq, event.type, _attempt(session, claim.id, event.seq), outcome, now)
    row = _held(session, claim)
    if row is None:
        return None
    row.delivered_seq, row.failures, row.next_attempt_at = event.seq, 0, renewed
    return renewed


def record_failed(session: Session, claim: _Claim, event: _Event, outcome: _Outcome, now: datetime,
                  policy: CallbackPolicy) -> None:
    """Logs the failed attempt; the subscription waits before trying `event` again, and is suspended
    (its member told) after policy.max_failures in a row."""
    _log(session, claim.id, event.seq, event.type, _attempt(session, claim.id, event.seq), outcome, now)
    row = _held(session, claim)
    if row is None:
        return
    row.failures += 1
    row.next_attempt_at = now + rules.retry_delay(row.failures, policy.retry_base)
    if row.failures >= policy.max_failures:
        row.status, row.suspended_at = SUSPENDED, now
        _tell_suspended(session, row, outcome.error, now)


def _attempt(session: Session, subscription: int, seq: int) -> int:
    """1 for the first attempt at `seq`, else one more than the last (test events in between aside)."""
    last = session.scalars(select(EventDelivery).where(EventDelivery.subscription_id == subscription,
                                                       EventDelivery.event_seq.is_not(None))
                           .order_by(EventDelivery.id.desc()).limit(1)).first()
    return last.attempt + 1 if last is not None and last.event_seq == seq else 1


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
