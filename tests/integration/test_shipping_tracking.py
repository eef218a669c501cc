"""Tracking against the test database (SQLite or MariaDB) with a scripted fake courier: trackOrder and
trackShipment read live when stale and fall back when the courier is down; the worker's poll stores
each event once, tells each status change once (also with two pollers at once), bounds its calls per
courier, and a courier that is down loses nothing."""
from __future__ import annotations

import threading
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification, Order, Shipment, ShipmentEvent, ShipmentStatusHistory
from emall_ws.domain.errors import InvalidState, NotFound, ValidationFailed
from emall_ws.services import shipping, tracking
from emall_ws.services.tracking import ShipmentRef, TrackingPoller, TrackingPolicy, refresh
from tests.builders import NOW, order_for
from tests.integration.catalog_fixtures import count
from tests.integration.shipping_fixtures import (JOURNEY, ScriptedCourier, notifications, order_status, shipment_of,
                                                shop, snapshot)

SHIPPED_AT = NOW + timedelta(hours=5)
POLICY = TrackingPolicy(interval=timedelta(seconds=300), freshness=timedelta(seconds=60), concurrency=4)


@pytest.fixture
def mall(db):
    return shop(db)


def shipped(db, mall, waybill="CGK1A12345678901", product="kopi", seller="semarang", at=SHIPPED_AT):
    number, invoice = order_for(db, mall.buyer, getattr(mall, product),
                                {"semarang": "koperasi_semarang", "bandung": "ukm_bandung"}[seller])
    with db.unit_of_work() as session:
        shipping.ship_order(session, getattr(mall, seller), number, "jne", waybill, None, at)
    return number


def poll(db, courier, now, policy=POLICY):
    return TrackingPoller(db, {"jne": courier}, policy).run_once(now)


def status_notices(db):
    return [(t, c) for t, c, _ in notifications(db) if t in ("shipment_status", "order_delivered")]


# --- trackOrder / trackShipment ----------------------------------------------------------------------

def test_track_order_reads_the_courier_live_then_trusts_a_fresh_read(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    courier.advance("CGK1A12345678901", 2)
    now = SHIPPED_AT + timedelta(minutes=1)
    view = tracking.track_order(db, mall.buyer, number, {"jne": courier}, now, POLICY)
    assert (view.status, view.courier_status, view.delivered, view.last_checked_at, view.check_failed) == (
        "InTransit", "ON PROCESS", False, now, False)
    assert [(e.location, e.description) for e in view.events] == [(where, what) for _, where, what in JOURNEY[:2]]
    assert view.events[0].occurred_at.isoformat() == "2026-11-28T05:00:00"  # 12.00 WIB, stored in UTC
    assert courier.calls == ["CGK1A12345678901"]
    courier.advance("CGK1A12345678901")
    again = tracking.track_order(db, mall.semarang, number, {"jne": courier}, now + timedelta(seconds=30), POLICY)
    assert again.status == "InTransit" and len(courier.calls) == 1  # fresh enough: not asked again
    later = tracking.track_order(db, mall.admin, number, {"jne": courier}, now + timedelta(seconds=61), POLICY)
    assert len(later.events) == 3 and len(courier.calls) == 2
    # the buyer heard of InfoReceived -> InTransit once (not of each read)
    assert status_notices(db) == [("shipment_status", "EMAIL"), ("shipment_status", "SMS")]


def test_a_delivery_committed_between_the_reads_of_a_view_shows_parcel_and_order_alike(db, mall):
    """Under READ COMMITTED the order found first may be older than the parcel read after it; the view
    reads both again in one statement."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite: a reader's transaction keeps one snapshot, and the delivery would wait for it")
    number = shipped(db, mall)
    courier = ScriptedCourier()
    courier.advance("CGK1A12345678901", len(JOURNEY))
    parcel = shipment_of(db, number)
    with db.unit_of_work() as session:
        order = session.scalars(select(Order).where(Order.number == number)).one()  # read first: SHIPPED
        refresh(db, ShipmentRef(parcel.id, "jne", parcel.waybill), courier, SHIPPED_AT + timedelta(hours=1),
                POLICY)  # another transaction delivers the parcel meanwhile
        found = tracking._shipment_of_order(session, mall.buyer, number)  # the parcel read after: Delivered
        assert (order.status, found.status) == ("SHIPPED", "Delivered")
        view = tracking.view_of(session, found)
    assert (view.status, view.order_status) == ("Delivered", "DELIVERED")


def test_a_courier_that_is_down_shows_the_last_known_status_marked_with_the_check(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    courier.advance("CGK1A12345678901", 3)
    first = SHIPPED_AT + timedelta(minutes=1)
    tracking.track_order(db, mall.buyer, number, {"jne": courier}, first, POLICY)
    courier.down = True
    before = (count(db, ShipmentEvent), count(db, Notification), order_status(db, number))
    down_at = first + timedelta(minutes=5)
    view = tracking.track_order(db, mall.buyer, number, {"jne": courier}, down_at, POLICY)
    assert (view.status, len(view.events), view.check_failed, view.last_checked_at) == ("InTransit", 3, True, down_at)
    assert (count(db, ShipmentEvent), count(db, Notification), order_status(db, number)) == before
    assert "down" in shipment_of(db, number).last_check_error
    courier.down = False
    back = tracking.track_order(db, mall.buyer, number, {"jne": courier}, down_at + timedelta(minutes=5), POLICY)
    assert not back.check_failed and shipment_of(db, number).last_check_error == ""


@pytest.mark.parametrize("worker_down, buyer_down", [(True, False), (False, True)])
def test_a_reading_begun_earlier_and_noted_later_does_not_replace_the_later_one(db, mall, worker_down, buyer_down):
    """The worker's read began before the buyer's live trackOrder and ends after it: the shipment's
    last read stays the buyer's, with its outcome (a worker's failure does not hide the buyer's good
    read, nor a worker's good read the buyer's failure) and its time, which never goes backwards."""
    number = shipped(db, mall)
    worker_at = SHIPPED_AT + POLICY.interval
    buyer_at = worker_at + timedelta(seconds=30)
    buyers_courier = ScriptedCourier()
    buyers_courier.advance("CGK1A12345678901", 2)
    buyers_courier.down = buyer_down
    seen = []

    class SlowCourier(ScriptedCourier):  # while the worker waits on it, the buyer reads live
        def track(self, waybill):
            seen.append(tracking.track_order(db, mall.buyer, number, {"jne": buyers_courier}, buyer_at, POLICY))
            return super().track(waybill)

    workers_courier = SlowCourier()
    workers_courier.advance("CGK1A12345678901", 2)
    workers_courier.down = worker_down
    stats = poll(db, workers_courier, worker_at)
    assert (stats.claimed, stats.failed) == (1, int(worker_down))
    assert [(v.last_checked_at, v.check_failed) for v in seen] == [(buyer_at, buyer_down)]
    view = tracking.track_order(db, mall.buyer, number, {"jne": buyers_courier}, buyer_at + timedelta(seconds=1),
                                POLICY)
    assert (view.status, len(view.events), view.last_checked_at, view.check_failed) == (
        "InTransit", 2, buyer_at, buyer_down)
    assert len(buyers_courier.calls) == 1  # the buyer's read is fresh: shown, not read again
    shipment = shipment_of(db, number)
    assert (shipment.next_check_at, shipment.leased_until) == (buyer_at + POLICY.interval, None)


def test_a_waybill_the_courier_does_not_know_yet_stays_pending_and_is_marked(db, mall):
    number = shipped(db, mall)
    before = snapshot(db)
    view = tracking.track_order(db, mall.buyer, number, {"jne": ScriptedCourier()}, SHIPPED_AT, POLICY)
    assert (view.status, view.check_failed, view.events) == ("Pending", True, ())
    assert view.message_code == tracking.WAYBILL_UNKNOWN  # the courier answered: not "cannot be reached"
    assert status_notices(db) == [] and order_status(db, number) == "SHIPPED"
    after = snapshot(db)  # orders, events, notices, history as they were; only the read's own note is new
    assert (after[0], after[2:]) == (before[0], before[2:])
    courier = ScriptedCourier()
    courier.down = True
    later = tracking.track_order(db, mall.buyer, number, {"jne": courier}, SHIPPED_AT + timedelta(minutes=5), POLICY)
    assert (later.check_failed, later.message_code) == (True, tracking.UNREACHABLE)
    courier.down = False
    courier.advance("CGK1A12345678901")  # the courier records the parcel: the note goes
    known = tracking.track_order(db, mall.buyer, number, {"jne": courier}, SHIPPED_AT + timedelta(minutes=10), POLICY)
    assert (known.status, known.check_failed, known.message_code) == ("InfoReceived", False, None)


def test_track_shipment_for_any_member_shows_order_numbers_only_to_its_parties(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    courier.advance("CGK1A12345678901")
    stranger = tracking.track_shipment(db, mall.other, "JNE", "cgk1a1234 5678901", {"jne": courier},
                                       SHIPPED_AT, POLICY)
    assert (stranger.status, stranger.waybill, stranger.order_number, stranger.invoice_number) == (
        "InfoReceived", "CGK1A12345678901", None, None)
    party = tracking.track_shipment(db, mall.buyer, "jne", "CGK1A12345678901", {"jne": courier}, SHIPPED_AT,
                                    POLICY)
    assert party.order_number == number and party.invoice_number.startswith("INV/")


@pytest.mark.parametrize("who, number, courier, waybill, error, code", [
    ("other", None, None, None, NotFound, "ORDER_NOT_FOUND"),  # someone else's: as an unknown order
    ("bandung", None, None, None, NotFound, "ORDER_NOT_FOUND"),
    ("buyer", "ORD/20261128/999999", None, None, NotFound, "ORDER_NOT_FOUND"),
    ("buyer", None, "jne", "CGK9Z99999999999", NotFound, "SHIPMENT_NOT_FOUND"),
    ("buyer", None, "gojek", "CGK1A12345678901", ValidationFailed, "VALIDATION_FAILED"),
])
def test_tracking_refusals_change_nothing_and_call_no_courier(db, mall, who, number, courier, waybill, error, code):
    ours = shipped(db, mall)
    adapter = ScriptedCourier()
    before = snapshot(db)
    with pytest.raises(error) as refused:
        if courier:
            tracking.track_shipment(db, getattr(mall, who), courier, waybill, {"jne": adapter}, SHIPPED_AT, POLICY)
        else:
            tracking.track_order(db, getattr(mall, who), number or ours, {"jne": adapter}, SHIPPED_AT, POLICY)
    assert refused.value.code == code
    assert snapshot(db) == before and adapter.calls == []


def test_an_order_not_shipped_yet_has_no_tracking(db, mall):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    with pytest.raises(InvalidState) as refused:
        tracking.track_order(db, mall.buyer, number, {}, SHIPPED_AT, POLICY)
    assert (refused.value.code, refused.value.params) == ("ORDER_NOT_SHIPPED", {"status": "PAID"})


# --- the worker's poll -----------------------------------------------------------------------------

def test_the_poll_walks_the_journey_telling_each_status_change_once(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    now = SHIPPED_AT
    seen = []
    for _ in range(len(JOURNEY)):
        courier.advance("CGK1A12345678901")
        for _ in range(3):  # repeated polls of the same answer change nothing more
            now += POLICY.interval
            poll(db, courier, now)
        shipment = shipment_of(db, number)
        seen.append(shipment.status)
    assert seen == ["InfoReceived", "InTransit", "InTransit", "OutForDelivery", "Delivered"]
    assert count(db, ShipmentEvent) == len(JOURNEY)
    # one notice per change (InTransit reached once; the second ON PROCESS scan is an event, not news)
    assert [t for t, c in status_notices(db) if c == "SMS"] == ["shipment_status"] * 4 + ["order_delivered"]
    with db.unit_of_work() as session:
        recipients = session.execute(select(Notification.template, Notification.recipient)
                                     .where(Notification.template == "order_delivered")).all()
    assert sorted(r for _, r in recipients) == ["+6281234567890", "koperasi_semarang@example.co.id"]
    assert order_status(db, number) == "DELIVERED"
    shipment = shipment_of(db, number)
    assert (shipment.final, shipment.received_by, shipment.courier_status) == (True, "YBS", "DELIVERED")
    assert shipment.delivered_at.isoformat() == "2026-11-28T05:04:00"  # the courier's time, in UTC
    calls = len(courier.calls)
    assert poll(db, courier, now + timedelta(days=1)).claimed == 0 and len(courier.calls) == calls  # final


def test_every_status_change_of_a_shipment_writes_one_history_row(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    now = SHIPPED_AT
    for _ in JOURNEY:
        courier.advance("CGK1A12345678901")
        for _ in range(2):  # a repeated read of the same answer is no change and writes nothing
            now += POLICY.interval
            poll(db, courier, now)
    with db.unit_of_work() as session:
        rows = session.execute(select(ShipmentStatusHistory.from_status, ShipmentStatusHistory.to_status,
                                      ShipmentStatusHistory.reason, ShipmentStatusHistory.changed_at)
                               .join(Shipment).where(Shipment.id == shipment_of(db, number).id)
                               .order_by(ShipmentStatusHistory.id)).all()
    assert [(f, t, r) for f, t, r, _ in rows] == [
        (None, "Pending", "shipped by the seller"), ("Pending", "InfoReceived", "courier: MANIFESTED"),
        ("InfoReceived", "InTransit", "courier: ON PROCESS"),
        ("InTransit", "OutForDelivery", "courier: WITH DELIVERY COURIER"),
        ("OutForDelivery", "Delivered", "courier: DELIVERED")]
    first_read = SHIPPED_AT + POLICY.interval
    assert [at for *_, at in rows] == [SHIPPED_AT] + [first_read + 2 * step * POLICY.interval for step in (0, 1, 3, 4)]


def test_out_for_delivery_again_after_a_failed_attempt_is_news_again(db, mall):
    journey = JOURNEY[:4] + (("UNDELIVERED", "JAKARTA", "CONSIGNEE NOT AT HOME"),
                             ("WITH DELIVERY COURIER", "JAKARTA", "WITH DELIVERY COURIER (2)"))
    number = shipped(db, mall)
    courier = ScriptedCourier(journey=journey)
    now = SHIPPED_AT
    for steps in (4, 1, 1):
        courier.advance("CGK1A12345678901", steps)
        now += POLICY.interval
        poll(db, courier, now)
    assert shipment_of(db, number).status == "OutForDelivery"
    texts = [t for t, c in status_notices(db) if c == "SMS"]
    assert len(texts) == 3  # OutForDelivery, AttemptFail, OutForDelivery again


def test_a_courier_down_during_polling_loses_nothing(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    courier.advance("CGK1A12345678901", 2)
    now = SHIPPED_AT + POLICY.interval
    poll(db, courier, now)
    courier.down = True
    courier.advance("CGK1A12345678901", 2)  # the parcel moves on while its courier cannot be read
    before = snapshot(db)[2:]
    for _ in range(3):
        now += POLICY.interval
        stats = poll(db, courier, now)
        assert (stats.claimed, stats.failed) == (1, 1)
    shipment = shipment_of(db, number)
    assert (shipment.status, shipment.last_checked_at, shipment.next_check_at) == (
        "InTransit", now, now + POLICY.interval)
    assert shipment.last_check_error and shipment.leased_until is None
    assert snapshot(db)[2:] == before  # no events, notifications or order changes
    courier.down = False
    now += POLICY.interval
    assert poll(db, courier, now).changed == 1
    assert shipment_of(db, number).status == "OutForDelivery" and count(db, ShipmentEvent) == 4
    # InTransit, then OutForDelivery: a status passed while the courier was down is not told late
    assert [t for t, c in status_notices(db) if c == "SMS"] == ["shipment_status"] * 2


def test_a_shipment_is_read_at_its_turn_and_a_leased_one_is_not_claimed_again(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    courier.advance("CGK1A12345678901")
    assert poll(db, courier, SHIPPED_AT - timedelta(seconds=1)).claimed == 0  # not due yet
    with db.unit_of_work() as session:  # another worker holds it
        session.scalars(select(Shipment)).one().leased_until = SHIPPED_AT + timedelta(minutes=1)
    assert poll(db, courier, SHIPPED_AT).claimed == 0
    assert poll(db, courier, SHIPPED_AT + timedelta(minutes=1)).claimed == 1  # the lease ran out
    assert poll(db, courier, SHIPPED_AT + timedelta(minutes=2)).claimed == 0  # next turn in 5 minutes
    assert shipment_of(db, number).next_check_at == SHIPPED_AT + timedelta(minutes=6)


def test_two_pollers_at_once_read_each_shipment_once_and_tell_each_change_once(db, mall):
    numbers = [shipped(db, mall, f"CGK1A{i:011d}") for i in range(6)]
    courier = ScriptedCourier(delay=0.02)
    for i in range(6):
        courier.advance(f"CGK1A{i:011d}", 2)
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.append(poll(db, courier, SHIPPED_AT + POLICY.interval))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.claimed for r in results) == 6 and sorted(courier.calls) == sorted(f"CGK1A{i:011d}" for i in range(6))
    assert all(shipment_of(db, n).status == "InTransit" for n in numbers)
    assert len([1 for t, c in status_notices(db) if c == "SMS"]) == 6


def test_two_readers_of_the_same_answer_tell_it_once(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier(delay=0.05)
    courier.advance("CGK1A12345678901", 4)
    ref = ShipmentRef(shipment_of(db, number).id, "jne", "CGK1A12345678901")
    barrier = threading.Barrier(3)
    outcomes = []

    def read():
        barrier.wait()
        outcomes.append(refresh(db, ref, courier, SHIPPED_AT, POLICY))

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["changed", "same", "same"]
    assert count(db, ShipmentEvent) == 4 and len(status_notices(db)) == 2  # one email, one SMS


def test_an_older_answer_than_the_stored_one_adds_nothing_and_changes_no_status(db, mall):
    number = shipped(db, mall)
    courier = ScriptedCourier()
    ref = ShipmentRef(shipment_of(db, number).id, "jne", "CGK1A12345678901")
    courier.advance("CGK1A12345678901", 4)
    refresh(db, ref, courier, SHIPPED_AT, POLICY)
    slow = ScriptedCourier()
    slow.advance("CGK1A12345678901", 2)  # read before, applied after
    assert refresh(db, ref, slow, SHIPPED_AT, POLICY) == "same"
    assert shipment_of(db, number).status == "OutForDelivery" and count(db, ShipmentEvent) == 4


def test_calls_per_courier_stay_within_the_bound_while_couriers_run_side_by_side(db, mall):
    jne, pos = ScriptedCourier("jne", delay=0.03), ScriptedCourier("pos", delay=0.03)
    for i in range(8):
        shipped(db, mall, f"CGK1A{i:011d}")
        jne.advance(f"CGK1A{i:011d}")
    with db.unit_of_work() as session:  # half of them went by Pos
        for shipment in session.scalars(select(Shipment).order_by(Shipment.id).limit(4)):
            shipment.courier = "pos"
            pos.advance(shipment.waybill)
    policy = TrackingPolicy(concurrency=2)
    stats = TrackingPoller(db, {"jne": jne, "pos": pos}, policy).run_once(SHIPPED_AT)
    assert (stats.claimed, stats.changed) == (8, 8)
    assert jne.most_in_flight == 2 and pos.most_in_flight == 2
    assert len(jne.calls) == len(pos.calls) == 4


def test_the_worker_polls_tracking_and_completes_orders_as_jobs_of_its_own(db, mall, tmp_path):
    from emall_ws.config import Settings
    from emall_ws.worker import build_worker

    real_now = utcnow()  # the worker's jobs run on the real clock
    number = shipped(db, mall, at=real_now - timedelta(hours=2))
    courier = ScriptedCourier(start=(real_now - timedelta(hours=1)).replace(tzinfo=timezone.utc))
    courier.advance("CGK1A12345678901", len(JOURNEY))
    settings = Settings.from_env({"EMALL_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                                  "EMALL_VAR_DIR": str(tmp_path), "EMALL_AUTO_COMPLETE_DAYS": "0",
                                  "EMALL_COMPLAINT_DAYS": "0"})  # completion also waits out the time to complain
    jobs = {job.name: job for job in build_worker(db, settings, courier_adapters={"jne": courier}).jobs}
    assert jobs["poll-tracking"].run().changed == 1
    assert order_status(db, number) == "DELIVERED"
    assert jobs["complete-orders"].run() == 1 and jobs["complete-orders"].run() == 0
    assert order_status(db, number) == "COMPLETED"
