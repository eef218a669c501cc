"""Callbacks: a member's endpoint is sent its change events (services.events), signed, one at a time,
in the order of the feed. This module manages the subscriptions: subscribing, listing, ending, resuming,
the delivery log, and a test event sent at once. The worker's round that delivers the events is
services.callback_delivery; one POST to an endpoint, services.callback_calls.

Subscribing gives a secret, shown once and kept sealed (emall_ws.secret_box, bound to the subscription
id, as API keys are): each delivery is signed with it as emall_ws/hooks/signature.py says. A new
subscription starts after the member's newest event: it is told what happens from then on (the feed
has the past).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emall_ws.db.models import ChangeEvent, EventDelivery, EventSubscription, Member
from emall_ws.db.session import Database
from emall_ws.domain import callbacks as rules
from emall_ws.domain import events as event_types
from emall_ws.domain.errors import Conflict, InvalidState, NotFound, ValidationFailed
from emall_ws.domain.paging import offset_within, page_and_size, page_errors
from emall_ws.secret_box import SecretBox, SecretUnreadable
from emall_ws.services.auth import Principal
from emall_ws.services.callback_calls import (Deadline, Outcome, address_errors, body_of_test_event, http_session,
                                              log_attempt, post, signed_headers)

log = logging.getLogger(__name__)

ACTIVE, SUSPENDED, ENDED = "ACTIVE", "SUSPENDED", "ENDED"
SUBSCRIPTION_PREFIX = "sub-"
SECRET_PREFIX = "whsec_"
MAX_SUBSCRIPTIONS = 10  # ACTIVE and SUSPENDED ones per member
DELIVERIES_PAGE_SIZE, DELIVERIES_PAGE_MAX = 50, 200


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


def _views(session: Session, rows: list[EventSubscription]) -> list[SubscriptionView]:
    last = _last_deliveries(session, [row.id for row in rows])
    return [SubscriptionView(row.subscription_id, row.url, rules.read_types(row.types), row.status, row.failures,
                             row.created_at, row.suspended_at, row.ended_at, row.next_attempt_at,
                             *last.get(row.id, (None, None)))
            for row in rows]


def _view(session: Session, row: EventSubscription) -> SubscriptionView:
    return _views(session, [row])[0]


def _last_deliveries(session: Session, subscription_ids: list[int]) -> dict[int, tuple[datetime, str]]:
    """Each subscription's last attempt (when, how it went), in one statement for them all."""
    if not subscription_ids:
        return {}
    newest = (select(func.max(EventDelivery.id)).where(EventDelivery.subscription_id.in_(subscription_ids))
              .group_by(EventDelivery.subscription_id))
    found = session.execute(select(EventDelivery.subscription_id, EventDelivery.attempted_at, EventDelivery.outcome)
                            .where(EventDelivery.id.in_(newest)))
    return {subscription_id: (attempted_at, outcome) for subscription_id, attempted_at, outcome in found}


def _delivery_view(row: EventDelivery) -> DeliveryView:
    return DeliveryView(row.event_seq, row.event_type, row.attempted_at, row.attempt, row.outcome, row.http_status,
                        row.error, row.duration_ms)


# --- managing subscriptions ---------------------------------------------------------------------------

def subscribe(session: Session, principal: Principal, url: str | None, types: list[str] | None,
              now: datetime, box: SecretBox, allow_private: bool, resolve_within: float) -> NewSubscription:
    """A new subscription of the caller's to `types` ("*": all) at `url`, and its secret. The url's host
    is looked up in DNS for at most `resolve_within` seconds."""
    url = (url or "").strip()
    wanted, errors = rules.parse_types(types)
    errors = rules.url_errors(url) + errors
    if not errors:  # the address: asked before any statement, so no transaction waits on DNS
        errors = address_errors(url, allow_private, Deadline.after(resolve_within))
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


def list_subscriptions(session: Session, principal: Principal) -> list[SubscriptionView]:
    """The caller's ACTIVE and SUSPENDED subscriptions, oldest first (never a secret)."""
    rows = session.scalars(select(EventSubscription).where(
        EventSubscription.member_id == principal.member_id, EventSubscription.status != ENDED)
        .order_by(EventSubscription.created_at, EventSubscription.id))
    return _views(session, list(rows))


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
    endpoint can be checked before resuming) now, logs it and answers how it went: the address's check and
    the POST within `timeout` seconds. Its failures and its place in the feed stay as they are."""
    target = db.run(partial(_test_target, member_id=principal_member_id, subscription_id=subscription_id))
    try:
        secret = box.open(target.sealed_secret, target.subscription_id)
    except SecretUnreadable:
        log.error("subscription %s: its secret was sealed under another EMALL_SECRET_KEY", target.subscription_id)
        outcome = Outcome(None, "SECRET_UNREADABLE", 0)
    else:
        body = body_of_test_event(target.subscription_id, now)
        with http_session() as http:
            headers = signed_headers(secret, target.subscription_id, 0, event_types.TEST, body, now)
            outcome = post(http, target.url, headers, body, timeout, allow_private)
    return db.run(partial(_log_test, target=target, outcome=outcome, now=now))


def _test_target(session: Session, member_id: int, subscription_id: str) -> _Target:
    row = _own(session, member_id, subscription_id)
    if row.status == ENDED:
        raise InvalidState("SUBSCRIPTION_ENDED")
    return _Target(row.id, row.subscription_id, row.url, row.sealed_secret)


def _log_test(session: Session, target: _Target, outcome: Outcome, now: datetime) -> DeliveryView:
    row = log_attempt(session, target.id, None, event_types.TEST, 1, outcome, now)
    return _delivery_view(row)
