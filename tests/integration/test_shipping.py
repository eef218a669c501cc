"""shipOrder, confirmReceived and the completion job against the test database (SQLite or MariaDB):
a paid order ships once with history and a notice to the buyer; every refusal changes nothing."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from emall_ws.db.models import Notification, Order, OrderStatusHistory, Shipment
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.notify.templates import render_sms
from emall_ws.services import shipping
from emall_ws.services.invoices import cancel_invoice, set_order_status
from emall_ws.services.shipping import ShippingPolicy, complete_delivered_orders, confirm_received
from tests.builders import NOW, order_for
from tests.integration.shipping_fixtures import notifications, order_status, shipment_of, shop, snapshot

WAYBILL = "CGK1A12345678901"
LATER = NOW + timedelta(hours=5)


@pytest.fixture
def mall(db):
    return shop(db)


def ship(db, seller, number, courier="jne", waybill=WAYBILL, reason=None, now=LATER):
    with db.unit_of_work() as session:
        return shipping.ship_order(session, seller, number, courier, waybill, reason, now)


def history(db, number):
    with db.unit_of_work() as session:
        return [(h.from_status, h.to_status) for h in session.scalars(
            select(OrderStatusHistory).join(Order).where(Order.number == number).order_by(OrderStatusHistory.id))]


def test_the_seller_ships_a_paid_order_and_the_buyer_gets_sms_and_email(db, mall):
    number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    view = ship(db, mall.semarang, number, " JNE ", "cgk1a1234 5678901")
    assert (view.order_number, view.invoice_number, view.courier, view.courier_name, view.waybill, view.status) == (
        number, invoice, "jne", "JNE", WAYBILL, "Pending")
    assert view.shipped_at == LATER and not view.delivered and view.events == () and view.order_status == "SHIPPED"
    assert order_status(db, number) == "SHIPPED"
    assert history(db, number)[-1] == ("PAID", "SHIPPED")
    shipment = shipment_of(db, number)
    assert (shipment.final, shipment.next_check_at, shipment.courier_change_reason) == (False, LATER, "")
    assert notifications(db, "order_shipped") == [("order_shipped", "EMAIL", "budi@example.co.id"),
                                                  ("order_shipped", "SMS", "+6281234567890")]
    with db.unit_of_work() as session:
        row = session.scalars(select(Notification).where(Notification.template == "order_shipped",
                                                         Notification.channel == "SMS")).one()
    assert render_sms("order_shipped", json.loads(row.data)) == (
        f"Emall KUKM: Barang dengan nomor faktur {invoice} telah dikirim via JNE, resi {WAYBILL}.")


def test_another_courier_than_the_buyers_choice_needs_a_reason_which_is_kept(db, mall):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        ship(db, mall.semarang, number, "tiki", "660012345678")
    assert [(e.field, e.code, e.params) for e in refused.value.errors] == [
        ("reason", "COURIER_CHANGE_REASON", {"chosen": "JNE"})]
    assert snapshot(db) == before
    view = ship(db, mall.semarang, number, "tiki", "660012345678", "JNE tidak melayani kecamatan ini")
    assert (view.courier, view.waybill) == ("tiki", "660012345678")
    assert shipment_of(db, number).courier_change_reason == "JNE tidak melayani kecamatan ini"
    with db.unit_of_work() as session:
        data = json.loads(session.scalars(select(Notification.data).where(
            Notification.template == "order_shipped", Notification.channel == "EMAIL")).one())
    assert "JNE tidak melayani kecamatan ini" in data["courier_note"] and data["courier_name"] == "TIKI"


@pytest.mark.parametrize("case, error, code", [
    ("unpaid", InvalidState, "ORDER_NOT_SHIPPABLE"),
    ("cancelled", InvalidState, "ORDER_NOT_SHIPPABLE"),
    ("shipped", InvalidState, "ORDER_NOT_SHIPPABLE"),
    ("other seller", NotFound, "ORDER_NOT_FOUND"),  # as an unknown order: numbers can be guessed
    ("a buyer", NotAuthorized, "ROLE_REQUIRED"),
    ("unknown order", NotFound, "ORDER_NOT_FOUND"),
    ("empty waybill", ValidationFailed, "VALIDATION_FAILED"),
    ("unknown courier", ValidationFailed, "VALIDATION_FAILED"),
    ("bad waybill", ValidationFailed, "VALIDATION_FAILED"),
    ("waybill of another order", Conflict, "WAYBILL_IN_USE"),
])
def test_a_refused_shipment_changes_nothing(db, mall, case, error, code):
    number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang", paid=case != "unpaid")
    seller, courier, waybill = mall.semarang, "jne", WAYBILL
    if case == "cancelled":
        order_for(db, mall.buyer, mall.kopi, "koperasi_semarang", paid=False)  # a second one, cancelled
        number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang", paid=False)
        with db.unit_of_work() as session:
            cancel_invoice(session, mall.buyer, invoice, NOW)
    elif case == "shipped":
        ship(db, seller, number, waybill="CGK1A00000000001")
    elif case == "other seller":
        seller = mall.bandung
    elif case == "a buyer":
        seller = mall.buyer
    elif case == "unknown order":
        number = "ORD/20261128/999999"
    elif case == "empty waybill":
        waybill = "  "
    elif case == "unknown courier":
        courier = "gojek"
    elif case == "bad waybill":
        courier, waybill = "dhl", "12-34"
    elif case == "waybill of another order":
        first, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
        ship(db, seller, first, waybill=WAYBILL)
    before = snapshot(db)
    with pytest.raises(error) as refused:
        ship(db, seller, number, courier, waybill)
    assert refused.value.code == code
    assert snapshot(db) == before


def test_the_same_waybill_with_another_courier_is_another_parcel(db, mall):
    first, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    second, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    ship(db, mall.semarang, first, "tiki", "660012345678", "pilihan penjual")
    ship(db, mall.semarang, second, "jne", "660012345678")  # JNE's format allows it too
    assert {shipment_of(db, n).courier for n in (first, second)} == {"tiki", "jne"}


def test_two_sellers_racing_with_one_waybill_ship_one_order(db, mall):
    numbers = [order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")[0] for _ in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def attempt(number):
        barrier.wait()
        try:
            ship(db, mall.semarang, number)
            outcomes.append("shipped")
        except Conflict as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["WAYBILL_IN_USE", "shipped"]
    assert sorted(order_status(db, n) for n in numbers) == ["PAID", "SHIPPED"]
    assert len(notifications(db, "order_shipped")) == 2  # one email + one SMS, for the shipped one


# --- receipt and completion ------------------------------------------------------------------------

def confirm(db, buyer, number, now=LATER):
    with db.unit_of_work() as session:
        return confirm_received(session, buyer, number, now)


def test_the_buyer_confirms_receipt_and_the_order_completes_once(db, mall):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    ship(db, mall.semarang, number)
    assert confirm(db, mall.buyer, number) == "COMPLETED"
    assert history(db, number)[-2:] == [("SHIPPED", "DELIVERED"), ("DELIVERED", "COMPLETED")]
    before = snapshot(db)
    with pytest.raises(InvalidState) as again:
        confirm(db, mall.buyer, number)
    assert again.value.code == "ORDER_NOT_RECEIVABLE" and again.value.params == {"status": "COMPLETED"}
    assert snapshot(db) == before


@pytest.mark.parametrize("who, shipped, error, code", [
    ("seller", True, NotFound, "ORDER_NOT_FOUND"),  # someone else's: as an unknown order
    ("other", True, NotFound, "ORDER_NOT_FOUND"),
    ("buyer", False, InvalidState, "ORDER_NOT_RECEIVABLE"),
])
def test_only_the_buyer_confirms_and_only_a_shipped_order(db, mall, who, shipped, error, code):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    if shipped:
        ship(db, mall.semarang, number)
    before = snapshot(db)
    with pytest.raises(error) as refused:
        confirm(db, getattr(mall, {"seller": "semarang"}.get(who, who)), number)
    assert refused.value.code == code
    assert snapshot(db) == before


def test_a_delivered_order_completes_by_itself_after_the_configured_days_once(db, mall):
    due, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    recent, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    for number, waybill, delivered_at in ((due, "CGK1A00000000001", NOW), (recent, "CGK1A00000000002", LATER)):
        ship(db, mall.semarang, number, waybill=waybill)
        with db.unit_of_work() as session:  # as the courier's Delivered does (test_shipping_tracking)
            order = session.scalars(select(Order).where(Order.number == number)).one()
            set_order_status(session, order, "DELIVERED", delivered_at, "delivered (test)", "courier:jne")
            session.scalars(select(Shipment).where(Shipment.order_id == order.id)).one().delivered_at = delivered_at
    policy = ShippingPolicy(auto_complete_after=timedelta(days=2))
    now = NOW + timedelta(days=2, hours=1)
    assert complete_delivered_orders(db, now, policy) == 1
    assert complete_delivered_orders(db, now, policy) == 0
    assert (order_status(db, due), order_status(db, recent)) == ("COMPLETED", "DELIVERED")
    assert history(db, due)[-1] == ("DELIVERED", "COMPLETED")
    assert complete_delivered_orders(db, LATER + timedelta(days=2), policy) == 1
    assert order_status(db, recent) == "COMPLETED"
