"""The shipping tests' shop and a scripted fake courier: what the shipping and tracking tests share."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from adapters.courier import CourierAdapter, Tracking, TrackingEvent
from adapters.errors import PartnerRejected, PartnerUnavailable
from emall_ws.db.models import Notification, Order, OrderStatusHistory, Shipment, ShipmentEvent
from tests.builders import FIXED_FORM, Shop, add_category, add_member, add_seller, sell

WIB = timezone(timedelta(hours=7))


def shop(db) -> Shop:
    add_category(db)
    semarang = add_seller(db, "koperasi_semarang", "33.74", "bca", "1111111111")
    bandung = add_seller(db, "ukm_bandung", "32.73", "mandiri", "2222222222")
    return Shop(semarang=semarang, bandung=bandung, buyer=add_member(db, "budi", "BUYER"),
                other=add_member(db, "ani", "BUYER"), admin=add_member(db, "admin1", "ADMIN"),
                kopi=sell(db, semarang, FIXED_FORM, stock=1000).product_id,
                batik=sell(db, bandung, FIXED_FORM, name="Batik Tulis", price=450_000, stock=1000).product_id)


def order_status(db, number: str) -> str:
    with db.unit_of_work() as session:
        return session.scalar(select(Order.status).where(Order.number == number))


def shipment_of(db, number: str) -> Shipment:
    with db.unit_of_work() as session:
        return session.scalars(select(Shipment).join(Order).where(Order.number == number)).one()


def notifications(db, template: str | None = None) -> list[tuple[str, str, str]]:
    """(template, channel, recipient) of every outbox row, in order of writing."""
    with db.unit_of_work() as session:
        query = select(Notification.template, Notification.channel, Notification.recipient).order_by(Notification.id)
        if template:
            query = query.where(Notification.template == template)
        return [tuple(row) for row in session.execute(query)]


def snapshot(db):
    """Everything a refused shipping call must leave as it was."""
    with db.unit_of_work() as session:
        return (sorted(session.execute(select(Order.number, Order.status)).all()),
                sorted(session.execute(select(Shipment.courier, Shipment.waybill, Shipment.status,
                                              Shipment.last_checked_at, Shipment.last_check_error)).all()),
                *(session.scalar(select(func.count()).select_from(m))
                  for m in (ShipmentEvent, Notification, OrderStatusHistory)))


# --- a courier whose parcels move when the test says so ---------------------------------------------

JOURNEY = (("MANIFESTED", "JAKARTA", "SHIPMENT RECEIVED BY JNE COUNTER OFFICER AT [SEMARANG]"),
           ("ON PROCESS", "SEMARANG", "RECEIVED AT SORTING CENTER [SEMARANG]"),
           ("ON PROCESS", "JAKARTA", "RECEIVED AT INBOUND STATION [JAKARTA SELATAN]"),
           ("WITH DELIVERY COURIER", "JAKARTA", "WITH DELIVERY COURIER [JAKARTA SELATAN]"),
           ("DELIVERED", "JAKARTA", "DELIVERED TO [YBS | JAKARTA SELATAN]"))


class ScriptedCourier(CourierAdapter):
    """track(waybill) answers what `advance` put there; records calls, can be down, and measures how
    many calls were in flight at once (`delay` holds each call)."""

    def __init__(self, courier: str = "jne", journey=JOURNEY, delay: float = 0.0,
                 start: datetime = datetime(2026, 11, 28, 12, 0, tzinfo=WIB)):
        self.courier = courier
        self.start = start
        self.journey = journey
        self.delay = delay
        self.down = False
        self.calls: list[str] = []
        self.steps: dict[str, int] = {}
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def get_tariff(self, *_args):
        raise NotImplementedError

    def advance(self, waybill: str, steps: int = 1) -> None:
        self.steps[waybill] = self.steps.get(waybill, 0) + steps

    def track(self, waybill: str) -> Tracking:
        with self._lock:
            self.calls.append(waybill)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            if self.down:
                raise PartnerUnavailable(f"courier:{self.courier}", "down")
            if waybill not in self.steps:
                # the faultcode, as adapters.base hands it on (tests/integration/test_adapters_courier.py)
                raise PartnerRejected(f"courier:{self.courier}", f"Waybill {waybill} not found",
                                      "Client.UnknownWaybill")
            events = tuple(TrackingEvent(self.start + timedelta(minutes=i), location, words, word)
                           for i, (word, location, words) in enumerate(self.journey[:self.steps[waybill]]))
            delivered = bool(events) and events[-1].status == "DELIVERED"
            return Tracking(waybill, events[-1].status if events else "", delivered, "YBS" if delivered else None,
                            events[-1].time if delivered else None, events)
        finally:
            with self._lock:
                self.in_flight -= 1
