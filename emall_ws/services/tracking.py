"""Tracking: what a courier says about a shipment, read live or by the worker, stored once.

One read of a shipment goes in two steps, so that no courier is called inside a transaction:
1. the courier is asked (adapter.track), with no database work open;
2. one short transaction locks the shipment row (FOR UPDATE; SQLite's BEGIN IMMEDIATE makes the
   transaction the only writer) and applies the answer: events not seen before are stored
   (`fingerprint`, unique per shipment), and a change of normalised status is stored and told to
   the buyer (Delivered also to the seller, and the order becomes DELIVERED). Because the change is
   decided under the lock against the stored status, two readers of the same answer (two workers,
   or a worker and a buyer's trackOrder) tell it once; the outbox key is the second line of defence.
A courier that is down, or that does not know the waybill (yet), changes nothing but
last_checked_at/last_check_error, which says which of the two it was: the last known status stays,
and the worker tries again at the shipment's next turn. Those two note the reading begun last:
a reading that began before the one already noted (a worker's, slower than a buyer's live read) only
ends its lease, so a failure cannot hide a later good read nor move last_checked_at backwards.

The worker's poll claims due shipments with a lease (SELECT ... FOR UPDATE SKIP LOCKED on MariaDB,
like the notification dispatcher), so several workers never read one shipment at once, and calls
each courier with at most `concurrency` requests in flight.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping, Protocol, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from adapters.courier import CourierAdapter, Tracking
from adapters.errors import AdapterError, PartnerRejected
from emall_ws.clock import utcnow
from emall_ws.db.models import Base, Invoice, Member, Order, Shipment, ShipmentEvent, ShipmentStatusHistory
from emall_ws.db.session import Database
from emall_ws.domain.errors import InvalidState, NotFound
from emall_ws.domain import pipelines
from emall_ws.domain.pipelines import OrderStatus, ShipmentStatus
from emall_ws.domain.partners import courier_name
from emall_ws.domain.shipping import (STATUS_WORDS_ID, check_courier, event_fingerprint, is_final,
                                      normalise_status)
from emall_ws.notify.outbox import notify_member
from emall_ws.domain.members import ADMIN
from emall_ws.services import actors
from emall_ws.services.auth import Principal
from emall_ws.services.invoices import order_not_found, set_order_status  # the one way an order's status changes
from emall_ws.services.status import change_status

log = logging.getLogger(__name__)

CHANGED, SAME, FAILED = "changed", "same", "failed"
# why the last read gave no status (TrackingView.message_code, a key of emall_ws.messages)
UNREACHABLE, WAYBILL_UNKNOWN = "TRACKING_STALE", "TRACKING_WAYBILL_UNKNOWN"
# the courier contract's fault for a waybill it has no record of (sandbox/courier.py, Client.UnknownWaybill)
UNKNOWN_WAYBILL_FAULT = "Client.UnknownWaybill"
Couriers = Mapping[str, CourierAdapter]  # adapters by courier code


class TrackingSettings(Protocol):
    """What TrackingPolicy reads of emall_ws.config.Settings."""
    @property
    def tracking_interval(self) -> float: ...
    @property
    def tracking_concurrency(self) -> int: ...


@dataclass(frozen=True)
class TrackingPolicy:
    interval: timedelta = timedelta(seconds=300)  # EMALL_TRACKING_INTERVAL: between two reads of a shipment
    freshness: timedelta = timedelta(seconds=60)  # trackOrder reads the courier live when older than this
    concurrency: int = 4  # EMALL_TRACKING_CONCURRENCY: calls in flight per courier
    lease: timedelta = timedelta(minutes=2)  # longer than a courier call with its retries
    batch_size: int = 200  # shipments one claim takes
    drain: timedelta = timedelta(seconds=60)  # one poll job keeps claiming full batches this long

    @classmethod
    def from_settings(cls, settings: TrackingSettings) -> TrackingPolicy:
        """From emall_ws.config.Settings (EMALL_TRACKING_INTERVAL, EMALL_TRACKING_CONCURRENCY)."""
        return cls(interval=timedelta(seconds=settings.tracking_interval),
                   concurrency=max(1, settings.tracking_concurrency))


# --- views --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventView:
    occurred_at: datetime  # naive UTC
    location: str
    description: str  # the courier's own words


@dataclass(frozen=True)
class TrackingView:
    order_number: str | None  # None for a caller who is not a party of the order
    invoice_number: str | None
    order_status: str | None
    courier: str
    courier_name: str
    waybill: str
    status: str  # normalised
    courier_status: str  # the courier's own word
    delivered: bool
    received_by: str | None
    delivered_at: datetime | None
    shipped_at: datetime
    last_checked_at: datetime | None
    check_failed: bool  # the last read of the courier failed: the status is the last known one
    events: tuple[EventView, ...] = field(default=())
    message_code: str | None = None  # why it failed: UNREACHABLE, or WAYBILL_UNKNOWN (the courier answered)


def view_of(session: Session, shipment: Shipment, show_order: bool = True) -> TrackingView:
    # the parcel and its order read again in one statement: under READ COMMITTED (MariaDB) the reads that
    # found them may fall either side of a tracking commit, showing a delivered parcel of an order SHIPPED
    shipment, order = session.execute(select(Shipment, Order).join(Order, Order.id == Shipment.order_id)
                                      .where(Shipment.id == shipment.id)
                                      .execution_options(populate_existing=True)).one()
    invoice = session.scalar(select(Invoice.number).where(Invoice.order_id == order.id)) if show_order else None
    events = session.scalars(select(ShipmentEvent).where(ShipmentEvent.shipment_id == shipment.id)
                             .order_by(ShipmentEvent.occurred_at, ShipmentEvent.id)).all()
    return TrackingView(
        order_number=order.number if show_order else None, invoice_number=invoice,
        order_status=order.status if show_order else None, courier=shipment.courier,
        courier_name=courier_name(shipment.courier), waybill=shipment.waybill, status=shipment.status,
        courier_status=shipment.courier_status, delivered=shipment.status == ShipmentStatus.DELIVERED,
        received_by=shipment.received_by, delivered_at=shipment.delivered_at, shipped_at=shipment.shipped_at,
        last_checked_at=shipment.last_checked_at, check_failed=bool(shipment.last_check_error),
        events=tuple(EventView(e.occurred_at, e.location, e.description) for e in events),
        message_code=failure_code(shipment.last_check_error))


def failure_note(error: AdapterError) -> str:
    """What last_check_error keeps of a failed read: the reason's code first, so the view can tell a
    courier that answered "no such waybill" from one that did not answer."""
    if isinstance(error, PartnerRejected) and error.code == UNKNOWN_WAYBILL_FAULT:
        return f"{WAYBILL_UNKNOWN}: {error}"
    return str(error)


def failure_code(note: str) -> str | None:
    """The message code of a stored failure note (failure_note); None when the last read succeeded."""
    if not note:
        return None
    return WAYBILL_UNKNOWN if note.startswith(f"{WAYBILL_UNKNOWN}:") else UNREACHABLE


# --- reading one shipment ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ShipmentRef:
    id: int
    courier: str
    waybill: str


def refresh(db: Database, ref: ShipmentRef, adapter: CourierAdapter | None, now: datetime,
            policy: TrackingPolicy) -> str:
    """Reads the courier (outside any transaction) and applies the answer; CHANGED, SAME or FAILED."""
    answer = _ask(ref, adapter)
    return db.run(lambda session: _apply_answer(session, ref.id, answer, now, policy))


def _ask(ref: ShipmentRef, adapter: CourierAdapter | None) -> Tracking | AdapterError:
    """The courier's answer, or why there is none."""
    try:
        if adapter is None:
            raise AdapterError(f"courier:{ref.courier}", "no adapter for this courier")
        return adapter.track(ref.waybill)
    except AdapterError as error:
        log.warning("tracking %s %s: %s", ref.courier, ref.waybill, error)
        return error


def _apply_answer(session: Session, shipment_id: int, answer: Tracking | AdapterError, now: datetime,
                  policy: TrackingPolicy) -> str:
    if isinstance(answer, AdapterError):
        record_failure(session, shipment_id, failure_note(answer), now, policy)
        return FAILED
    return CHANGED if apply_tracking(session, shipment_id, answer, now, policy) else SAME


_Row = TypeVar("_Row", bound=Base)


def _lock(session: Session, model: type[_Row], row_id: int) -> _Row:
    """The row, locked (SELECT ... FOR UPDATE) and read afresh."""
    return session.get_one(model, row_id, with_for_update=True, populate_existing=True)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _checked(shipment: Shipment, now: datetime, policy: TrackingPolicy, error: str = "") -> None:
    """Notes a reading begun at `now` on the locked shipment, unless one begun later was noted first
    (a worker's reading that ends after a buyer's live one): then only its lease ends, and neither its
    time nor its outcome replaces the later reading's."""
    shipment.leased_until = None
    if shipment.last_checked_at is not None and shipment.last_checked_at > now:
        return
    shipment.last_checked_at = now
    shipment.last_check_error = error[:200]
    shipment.next_check_at = now + policy.interval


def record_failure(session: Session, shipment_id: int, error: str, now: datetime, policy: TrackingPolicy) -> None:
    """The courier did not answer: only when it was tried, and why; the last known status stays."""
    _checked(_lock(session, Shipment, shipment_id), now, policy, error or "unavailable")


def apply_tracking(session: Session, shipment_id: int, tracking: Tracking, now: datetime,
                   policy: TrackingPolicy) -> bool:
    """Stores the answer's new events and, if the normalised status changed, the status (told to the
    buyer; Delivered also to the seller, moving the order to DELIVERED). True when it changed."""
    shipment = _lock(session, Shipment, shipment_id)
    known = set(session.scalars(select(ShipmentEvent.fingerprint).where(ShipmentEvent.shipment_id == shipment.id)))
    newest_stored = session.scalar(select(func.max(ShipmentEvent.occurred_at))
                                   .where(ShipmentEvent.shipment_id == shipment.id))
    newest, newest_fingerprint = None, ""
    for event in sorted(tracking.events, key=lambda e: _utc(e.time)):
        at, location, words = _utc(event.time), (event.location or "")[:200], (event.description or "")[:500]
        fingerprint = event_fingerprint(at, location, words)
        newest, newest_fingerprint = at, fingerprint
        if fingerprint not in known:
            known.add(fingerprint)
            session.add(ShipmentEvent(shipment_id=shipment.id, occurred_at=at, location=location, description=words,
                                      fingerprint=fingerprint))
    _checked(shipment, now, policy)
    if newest_stored is not None and (newest is None or newest < newest_stored):
        return False  # an older answer than one already applied (a slower reader): events only
    word, status = _status_of(shipment.courier, tracking)
    shipment.courier_status = word[:100]
    if status == ShipmentStatus.DELIVERED:
        shipment.received_by = (tracking.receiver or "")[:100] or None
        shipment.delivered_at = _utc(tracking.delivered_at) if tracking.delivered_at else newest or now
    if status == shipment.status:
        return False
    set_shipment_status(session, shipment, status, now, f"courier: {word}" if word else "courier",
                        actors.courier(shipment.courier))
    session.flush()
    order = _lock(session, Order, shipment.order_id)
    # not when the buyer confirmed receipt first
    if status == ShipmentStatus.DELIVERED and order.status == OrderStatus.SHIPPED:
        set_order_status(session, order, OrderStatus.DELIVERED, now,
                         f"delivered: {shipment.courier} {shipment.waybill}", actors.courier(shipment.courier))
    _tell_status(session, shipment, order, newest_fingerprint)
    return True


def _status_of(courier: str, tracking: Tracking) -> tuple[str, str]:
    """(the courier's own status word, the normalised status) of an answer."""
    word = (tracking.status or (tracking.events[-1].status if tracking.events else "") or "").strip()
    return word, ShipmentStatus.DELIVERED if tracking.delivered else normalise_status(courier, word)


def set_shipment_status(session: Session, shipment: Shipment, target: str, now: datetime, reason: str,
                        actor: str) -> None:
    """The one way a shipment's status changes: checked against the pipeline, with history; a final
    status ends the polling."""
    change_status(session, pipelines.SHIPMENT, shipment, ShipmentStatusHistory, target, now, reason, actor)
    shipment.final = is_final(target)


def _tell_status(session: Session, shipment: Shipment, order: Order, newest_fingerprint: str) -> None:
    invoice_number = session.scalar(select(Invoice.number).where(Invoice.order_id == order.id))
    last = session.scalars(select(ShipmentEvent).where(ShipmentEvent.shipment_id == shipment.id)
                           .order_by(ShipmentEvent.occurred_at.desc(), ShipmentEvent.id.desc()).limit(1)).first()
    buyer, seller = session.get_one(Member, order.buyer_id), session.get_one(Member, order.seller_id)
    receiver = f"Diterima oleh: {shipment.received_by}" if shipment.received_by else ""
    common = {"invoice_number": invoice_number, "order_number": order.number,
              "courier_name": courier_name(shipment.courier), "waybill": shipment.waybill,
              "receiver_note": receiver}
    # one key per status reached by a given newest event: a repeat read is a no-op, while a
    # parcel out for delivery again after a failed attempt is news again
    key = f"shipment:{shipment.courier}:{shipment.waybill}:{shipment.status}:{newest_fingerprint[:12]}"
    notify_member(session, key, buyer.email, buyer.phone, "shipment_status", {
        **common, "name": buyer.name, "status_text": STATUS_WORDS_ID[ShipmentStatus(shipment.status)],
        "event_at": last.occurred_at if last else shipment.last_checked_at,
        "event_location": last.location if last else "-", "event_description": last.description if last else "-"})
    if shipment.status == ShipmentStatus.DELIVERED:
        notify_member(session, f"shipment:{shipment.courier}:{shipment.waybill}:delivered:seller", seller.email,
                      seller.phone, "order_delivered", {
                          **common, "name": seller.name, "buyer": buyer.username,
                          "delivered_at": shipment.delivered_at})


# --- tracking for people --------------------------------------------------------------------------

def _shipment_of_order(session: Session, principal: Principal, number: str | None) -> Shipment:
    order = session.scalars(select(Order).where(Order.number == (number or "").strip())).first()
    if order is None or (principal.role != ADMIN and principal.member_id not in (order.buyer_id, order.seller_id)):
        raise order_not_found(number)  # someone else's answers as one that does not exist
    shipment = session.scalars(select(Shipment).where(Shipment.order_id == order.id)).first()
    if shipment is None:
        raise InvalidState("ORDER_NOT_SHIPPED", status=order.status)
    return shipment


def _shipment_by_waybill(session: Session, courier: str | None, waybill: str | None) -> Shipment:
    code = check_courier(courier)
    compact = "".join((waybill or "").split()).upper()
    shipment = session.scalars(select(Shipment).where(Shipment.courier == code, Shipment.waybill == compact)).first()
    if shipment is None:
        raise NotFound("SHIPMENT_NOT_FOUND", courier=courier_name(code), waybill=compact[:40])
    return shipment


def _tracked(db: Database, find: Callable[[Session], tuple[Shipment, bool]],
             couriers: Couriers, now: datetime, policy: TrackingPolicy) -> TrackingView:
    """The shipment `find` picks, read live from its courier first when the stored read is older than
    `policy.freshness` (and it is still moving); the stored state when the courier is down. A live
    read's answer is applied and shown in one transaction, so no other reader's note comes between."""
    def stored_or_stale(session: Session) -> TrackingView | ShipmentRef:
        """The stored view when fresh enough, else the shipment to read live."""
        shipment, show_order = find(session)
        if shipment.final or (shipment.last_checked_at is not None
                              and shipment.last_checked_at > now - policy.freshness):
            return view_of(session, shipment, show_order)
        return ShipmentRef(shipment.id, shipment.courier, shipment.waybill)

    ref = db.run(stored_or_stale)
    if isinstance(ref, TrackingView):
        return ref
    answer = _ask(ref, couriers.get(ref.courier))

    def apply_and_view(session: Session) -> TrackingView:
        _apply_answer(session, ref.id, answer, now, policy)
        shipment, show_order = find(session)
        return view_of(session, shipment, show_order)

    return db.run(apply_and_view)


def track_order(db: Database, principal: Principal, number: str | None, couriers: Couriers,
                now: datetime, policy: TrackingPolicy) -> TrackingView:
    """The shipment of an order, for its buyer, its seller or an admin."""
    return _tracked(db, lambda session: (_shipment_of_order(session, principal, number), True), couriers, now, policy)


def track_shipment(db: Database, principal: Principal, courier: str | None, waybill: str | None,
                   couriers: Couriers, now: datetime,
                   policy: TrackingPolicy) -> TrackingView:
    """A shipment of the mall by courier and waybill, for any logged-in member: what the courier's own
    public tracking page shows anyone holding the number. Order and invoice numbers only for the
    order's buyer and seller and admins."""

    def find(session: Session) -> tuple[Shipment, bool]:
        shipment = _shipment_by_waybill(session, courier, waybill)
        order = shipment.order
        party = principal.role == ADMIN or principal.member_id in (order.buyer_id, order.seller_id)
        return shipment, party

    return _tracked(db, find, couriers, now, policy)


# --- a parcel the platform does not keep: a complaint's return --------------------------------------

@dataclass(frozen=True)
class ParcelView:
    courier: str
    courier_name: str
    waybill: str
    status: str | None  # normalised; None when the courier did not answer (nothing is kept to fall back on)
    courier_status: str
    delivered: bool
    received_by: str | None
    delivered_at: datetime | None
    events: tuple[EventView, ...]
    message_code: str | None  # why there is no answer: UNREACHABLE, or WAYBILL_UNKNOWN (the courier answered)


def read_parcel(courier: str, waybill: str, adapter: CourierAdapter | None) -> ParcelView:
    """The parcel read live from its courier, outside any transaction, its status normalised as a
    shipment's is."""
    answer = _ask(ShipmentRef(0, courier, waybill), adapter)
    if isinstance(answer, AdapterError):
        return ParcelView(courier, courier_name(courier), waybill, None, "", False, None, None, (),
                          failure_code(failure_note(answer)))
    word, status = _status_of(courier, answer)
    events = tuple(EventView(_utc(e.time), (e.location or "")[:200], (e.description or "")[:500])
                   for e in sorted(answer.events, key=lambda e: _utc(e.time)))
    delivered_at = _utc(answer.delivered_at) if answer.delivered_at else None
    return ParcelView(courier, courier_name(courier), waybill, status, word[:100], status == ShipmentStatus.DELIVERED,
                      (answer.receiver or "")[:100] or None, delivered_at, events, None)


# --- the worker's poll ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PollStats:
    claimed: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0

    def __add__(self, other: PollStats) -> PollStats:
        return PollStats(self.claimed + other.claimed, self.changed + other.changed,
                         self.unchanged + other.unchanged, self.failed + other.failed)


class TrackingPoller:
    """Reads every open shipment that is due, at most `policy.concurrency` calls per courier at once.

    `couriers` is the adapters by courier code, or a function that makes them (called on the first
    shipment to read, so a worker with nothing to track never builds a partner client)."""

    def __init__(self, db: Database, couriers: Couriers | Callable[[], Couriers],
                 policy: TrackingPolicy, *, clock: Callable[[], datetime] = utcnow,
                 monotonic: Callable[[], float] = time.monotonic):
        self.db = db
        self._couriers = couriers
        self.policy = policy
        self._clock = clock
        self._monotonic = monotonic

    @property
    def couriers(self) -> Couriers:
        if callable(self._couriers):
            self._couriers = self._couriers()
        return self._couriers

    def run(self) -> PollStats:
        """One job run: rounds follow each other while they come back full, within `policy.drain`."""
        ends = self._monotonic() + self.policy.drain.total_seconds()
        total = PollStats()
        while True:
            stats = self.run_once()
            total += stats
            if stats.claimed < self.policy.batch_size or self._monotonic() >= ends:
                return total

    def run_once(self, now: datetime | None = None) -> PollStats:
        now = now or self._clock()
        claimed = self._claim(now)
        if not claimed:
            return PollStats()
        by_courier: dict[str, list[ShipmentRef]] = {}
        for ref in claimed:
            by_courier.setdefault(ref.courier, []).append(ref)
        couriers = self.couriers
        with ExitStack() as stack:  # one pool per courier: its bound is that courier's alone
            futures = []
            for code, refs in by_courier.items():
                pool = stack.enter_context(ThreadPoolExecutor(max_workers=self.policy.concurrency,
                                                              thread_name_prefix=f"track-{code}"))
                futures += [pool.submit(self._read, ref, couriers.get(code), now) for ref in refs]
            wait(futures)
        outcomes = [f.result() for f in futures]
        return PollStats(len(claimed), outcomes.count(CHANGED), outcomes.count(SAME), outcomes.count(FAILED))

    def _read(self, ref: ShipmentRef, adapter: CourierAdapter | None, now: datetime) -> str:
        try:
            return refresh(self.db, ref, adapter, now, self.policy)
        except Exception:  # a bug or the database away: this shipment's lease runs out, it is read again
            log.exception("tracking %s %s: read failed", ref.courier, ref.waybill)
            return FAILED

    def _claim(self, now: datetime) -> list[ShipmentRef]:
        def claim(session: Session) -> list[ShipmentRef]:
            rows = session.execute(
                select(Shipment.id, Shipment.courier, Shipment.waybill)
                .where(Shipment.final.is_(False), Shipment.next_check_at <= now,
                       or_(Shipment.leased_until.is_(None), Shipment.leased_until <= now))
                .order_by(Shipment.next_check_at, Shipment.id).limit(self.policy.batch_size)
                .with_for_update(skip_locked=True)  # rendered by MariaDB/MySQL; SQLite has one writer
            ).all()
            if rows:
                session.execute(update(Shipment).where(Shipment.id.in_([r.id for r in rows]))
                                .values(leased_until=now + self.policy.lease))
            return [ShipmentRef(r.id, r.courier, r.waybill) for r in rows]

        return self.db.run(claim)  # run again when another node's worker claimed some first (Galera)
