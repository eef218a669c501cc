"""Complaints against the test database (SQLite or MariaDB): opened by the buyer of a shipped or recently
delivered order, answered by the seller, accepted, escalated and decided by an admin, or settled by a
return; a resolution with money makes a refund due and completes the order; an unresolved complaint keeps
the order from completing by itself; every refusal changes nothing; two decisions at once: one wins."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import (Complaint, ComplaintStatusHistory, Invoice, Notification, Order, OrderStatusHistory,
                                Refund, Shipment)
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import complaints, shipping, tracking
from emall_ws.services import order as orders
from emall_ws.services.invoices import set_order_status
from emall_ws.services.order import OrderPolicy
from emall_ws.services.shipping import ShippingPolicy, complete_delivered_orders
from tests.builders import NOW, order_for
from tests.integration.shipping_fixtures import JOURNEY, ScriptedCourier, notifications, order_status, shop
from tests.races import at_once

POLICY = OrderPolicy()  # 3 days to complain after delivery, 2 days for the seller to answer
SHIPPED_AT = NOW + timedelta(hours=2)
DELIVERED_AT = NOW + timedelta(days=1)
LATER = DELIVERED_AT + timedelta(hours=5)


@pytest.fixture
def mall(db):
    return shop(db)


def run(db, work):
    with db.unit_of_work() as session:
        return work(session)


def shipped_order(db, mall, *, delivered: bool = True, waybill: str = "CGK1A12345678901") -> str:
    """A paid order of Semarang's coffee shipped by JNE, and delivered (as the courier's poll records it)."""
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    run(db, lambda s: shipping.ship_order(s, mall.semarang, number, "jne", waybill, None, SHIPPED_AT))
    if delivered:
        def deliver(session):
            order = session.scalars(select(Order).where(Order.number == number)).one()
            set_order_status(session, order, "DELIVERED", DELIVERED_AT, "delivered (test)", "courier:jne")
            session.scalars(select(Shipment).where(Shipment.order_id == order.id)).one().delivered_at = DELIVERED_AT
        run(db, deliver)
    return number


def paid(db, number):
    return run(db, lambda s: s.scalar(select(Invoice.amount_due).join(Order).where(Order.number == number)))


def complain(db, buyer, number, reason="DAMAGED", description="Kemasan sobek, kopi tumpah", now=LATER):
    return run(db, lambda s: complaints.open_complaint(s, buyer, number, reason, description, now, POLICY))


def respond(db, seller, number, offer, amount=None, message="Mohon maaf atas kerusakannya", now=LATER):
    return run(db, lambda s: complaints.respond_complaint(s, seller, number, message, offer, amount, now))


def accept(db, buyer, number, now=LATER):
    return run(db, lambda s: complaints.accept_offer(s, buyer, number, now, POLICY))


def escalate(db, buyer, number, reason="tawaran terlalu kecil", now=LATER):
    return run(db, lambda s: complaints.escalate_complaint(s, buyer, number, reason, now))


def resolve(db, admin, number, decision, amount=None, note="bukti foto kerusakan jelas", now=LATER):
    return run(db, lambda s: complaints.resolve_complaint(s, admin, number, decision, amount, note, now, POLICY))


def refund_of(db, number):
    return run(db, lambda s: s.execute(select(Refund.amount, Refund.reason, Refund.status).join(Order)
                                       .where(Order.number == number)).one_or_none())


def complaint_history(db, number):
    return run(db, lambda s: [(h.from_status, h.to_status, h.actor) for h in s.scalars(
        select(ComplaintStatusHistory).join(Complaint).join(Order).where(Order.number == number)
        .order_by(ComplaintStatusHistory.id))])


def snapshot(db):
    """Everything a refused call must leave as it was."""
    def read(session):
        return (sorted(session.execute(select(Order.number, Order.status)).all()),
                sorted(session.execute(select(Complaint.id, Complaint.status, Complaint.offer, Complaint.offer_amount,
                                              Complaint.seller_message, Complaint.return_waybill, Complaint.decision,
                                              Complaint.respond_by)).all()),
                sorted(session.execute(select(Refund.id, Refund.amount, Refund.status)).all()),
                *(session.scalar(select(func.count()).select_from(m))
                  for m in (Notification, OrderStatusHistory, ComplaintStatusHistory)))
    return run(db, read)


def test_a_complaint_is_opened_the_seller_told_and_the_order_no_longer_completes_by_itself(db, mall):
    number = shipped_order(db, mall)
    view = complain(db, mall.buyer, number)
    assert (view.order_number, view.order_status, view.status, view.reason, view.buyer, view.seller) == (
        number, "DELIVERED", "OPEN", "DAMAGED", "budi", "koperasi_semarang")
    assert view.description == "Kemasan sobek, kopi tumpah" and view.paid == paid(db, number)
    assert view.respond_by == LATER + timedelta(days=2) and view.offer is None
    assert [r[1:] for r in notifications(db, "complaint_update")] == [
        ("EMAIL", "koperasi_semarang@example.co.id"), ("SMS", "+6281234567890")]
    # a delivered order would complete after 2 days: not while its complaint is under way
    assert complete_delivered_orders(db, DELIVERED_AT + timedelta(days=10), ShippingPolicy()) == 0
    assert order_status(db, number) == "DELIVERED"
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        run(db, lambda s: shipping.confirm_received(s, mall.buyer, number, LATER))
    assert (refused.value.code, refused.value.params) == ("COMPLAINT_OPEN", {"number": number})
    assert snapshot(db) == before


@pytest.mark.parametrize("case, error, code", [
    ("the seller", NotAuthorized, "NOT_OWNER"),
    ("another buyer", NotFound, "ORDER_NOT_FOUND"),
    ("an admin", NotAuthorized, "ROLE_REQUIRED"),
    ("paid, not shipped", InvalidState, "ORDER_NOT_COMPLAINABLE"),
    ("past the window", InvalidState, "COMPLAINT_WINDOW_CLOSED"),
    ("a second complaint", Conflict, "COMPLAINT_EXISTS"),
    ("no description", ValidationFailed, "VALIDATION_FAILED"),
    ("an unknown reason", ValidationFailed, "VALIDATION_FAILED"),
    ("an unknown order", NotFound, "ORDER_NOT_FOUND"),
])
def test_a_refused_complaint_changes_nothing(db, mall, case, error, code):
    if case == "paid, not shipped":
        number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    else:
        number = shipped_order(db, mall)
    if case == "a second complaint":
        complain(db, mall.buyer, number)
    caller = {"the seller": mall.semarang, "another buyer": mall.other, "an admin": mall.admin}.get(case, mall.buyer)
    before = snapshot(db)
    with pytest.raises(error) as refused:
        complain(db, caller, "ORD/20261128/999999" if case == "an unknown order" else number,
                 reason="LATE" if case == "an unknown reason" else "DAMAGED",
                 description=" " if case == "no description" else "rusak",
                 now=DELIVERED_AT + timedelta(days=3, seconds=1) if case == "past the window" else LATER)
    assert refused.value.code == code
    if case == "past the window":
        assert refused.value.params == {"days": "3"}
    assert snapshot(db) == before


def test_a_parcel_not_received_can_be_complained_about_while_it_is_still_shipped(db, mall):
    number = shipped_order(db, mall, delivered=False)
    view = complain(db, mall.buyer, number, reason="NOT_RECEIVED", description="Sudah 10 hari belum sampai",
                    now=SHIPPED_AT + timedelta(days=10))
    assert (view.order_status, view.status, view.reason) == ("SHIPPED", "OPEN", "NOT_RECEIVED")
    # the admin decides a full refund: the shipped order completes, the whole amount is due back
    resolved = resolve(db, mall.admin, number, "FULL_REFUND", now=SHIPPED_AT + timedelta(days=11))
    assert (resolved.status, resolved.decision, resolved.decision_amount) == (
        "RESOLVED", "FULL_REFUND", paid(db, number))
    assert order_status(db, number) == "COMPLETED"
    assert refund_of(db, number) == (paid(db, number), "COMPLAINT", "DUE")


def test_a_partial_refund_offered_and_accepted_resolves_with_a_refund_due_that_runs_its_course(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number)
    offered = respond(db, mall.semarang, number, "PARTIAL_REFUND", 20_000)
    assert (offered.status, offered.offer, offered.offer_amount, offered.seller_message) == (
        "OFFERED", "PARTIAL_REFUND", 20_000, "Mohon maaf atas kerusakannya")
    assert notifications(db, "complaint_update")[-1][1:] == ("SMS", "+6281234567890")  # the buyer's phone
    accepted = accept(db, mall.buyer, number)
    assert (accepted.status, accepted.decision, accepted.decision_amount, accepted.order_status) == (
        "RESOLVED", "PARTIAL_REFUND", 20_000, "COMPLETED")
    assert refund_of(db, number) == (20_000, "COMPLAINT", "DUE")
    assert complaint_history(db, number) == [
        (None, "OPEN", "member:budi"), ("OPEN", "OFFERED", "member:koperasi_semarang"),
        ("OFFERED", "RESOLVED", "member:budi")]
    # the refund runs as any other: account, transfer of exactly its amount, confirmation
    run(db, lambda s: orders.set_refund_account(s, mall.buyer, number, "bca", "9876543210", "Budi Santoso", LATER))
    run(db, lambda s: orders.record_refund(s, mall.semarang, number, "TRF-77", 20_000, LATER, LATER))
    assert run(db, lambda s: orders.confirm_refund(s, mall.buyer, number, LATER)).status == "CONFIRMED"


@pytest.mark.parametrize("case, error, code", [
    ("the buyer", NotAuthorized, "ROLE_REQUIRED"),
    ("another seller", NotFound, "ORDER_NOT_FOUND"),
    ("an amount with a full refund", ValidationFailed, "VALIDATION_FAILED"),
    ("a partial refund of everything", ValidationFailed, "VALIDATION_FAILED"),
    ("a partial refund without an amount", ValidationFailed, "VALIDATION_FAILED"),
    ("no message", ValidationFailed, "VALIDATION_FAILED"),
    ("answered already", InvalidState, "COMPLAINT_NOT_ANSWERABLE"),
    ("no complaint", NotFound, "COMPLAINT_NOT_FOUND"),
])
def test_a_refused_answer_changes_nothing(db, mall, case, error, code):
    number = shipped_order(db, mall)
    if case != "no complaint":
        complain(db, mall.buyer, number)
    if case == "answered already":
        respond(db, mall.semarang, number, "NONE")
    offer, amount = {"an amount with a full refund": ("FULL_REFUND", 5_000),
                     "a partial refund of everything": ("PARTIAL_REFUND", paid(db, number)),
                     "a partial refund without an amount": ("PARTIAL_REFUND", None)}.get(case, ("FULL_REFUND", None))
    caller = {"the buyer": mall.buyer, "another seller": mall.bandung}.get(case, mall.semarang)
    before = snapshot(db)
    with pytest.raises(error) as refused:
        respond(db, caller, number, offer, amount, message="" if case == "no message" else "maaf")
    assert refused.value.code == code
    assert snapshot(db) == before


def test_an_offer_of_nothing_is_escalated_and_decided_by_an_admin_once(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number, reason="NOT_AS_DESCRIBED", description="Bukan arabika seperti di foto")
    respond(db, mall.semarang, number, "NONE", message="Produk sesuai deskripsi")
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        accept(db, mall.buyer, number)
    assert (refused.value.code, refused.value.params) == (
        "OFFER_NOT_ACCEPTABLE", {"status": "OFFERED", "offer": "NONE"})
    assert snapshot(db) == before
    assert escalate(db, mall.buyer, number).status == "ESCALATED"
    for caller, error, code in ((mall.semarang, NotAuthorized, "ROLE_REQUIRED"),
                                (mall.buyer, NotAuthorized, "ROLE_REQUIRED")):
        before = snapshot(db)
        with pytest.raises(error) as refused:
            resolve(db, caller, number, "FULL_REFUND")
        assert refused.value.code == code and snapshot(db) == before
    decided = resolve(db, mall.admin, number, "PARTIAL_REFUND", 30_000)
    assert (decided.status, decided.decision, decided.decision_amount, decided.resolution_note) == (
        "RESOLVED", "PARTIAL_REFUND", 30_000, "decided by an admin: bukti foto kerusakan jelas")
    assert refund_of(db, number) == (30_000, "COMPLAINT", "DUE") and order_status(db, number) == "COMPLETED"
    assert complaint_history(db, number)[-1] == ("ESCALATED", "RESOLVED", "admin:admin1")
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        resolve(db, mall.admin, number, "NONE")
    assert refused.value.code == "COMPLAINT_ALREADY_RESOLVED" and snapshot(db) == before


def test_an_admin_deciding_no_refund_completes_the_order_with_no_refund(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number, reason="OTHER", description="Saya berubah pikiran")
    decided = resolve(db, mall.admin, number, "NONE", note="bukan cacat barang")
    assert (decided.status, decided.decision, decided.decision_amount) == ("RESOLVED", "NONE", 0)
    assert refund_of(db, number) is None and order_status(db, number) == "COMPLETED"


def test_a_complaint_is_escalated_only_after_the_sellers_deadline_or_an_offer(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number)
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        escalate(db, mall.buyer, number, now=LATER + timedelta(days=2))  # at the deadline: not yet past it
    assert refused.value.code == "COMPLAINT_NOT_ESCALATABLE" and refused.value.params["status"] == "OPEN"
    assert snapshot(db) == before
    with pytest.raises(NotAuthorized) as refused:
        escalate(db, mall.semarang, number, now=LATER + timedelta(days=3))  # a seller buys too: not this order
    assert refused.value.code == "NOT_OWNER" and snapshot(db) == before
    assert escalate(db, mall.buyer, number, now=LATER + timedelta(days=2, seconds=1)).status == "ESCALATED"


def test_a_return_for_a_refund_waits_for_the_waybill_then_the_seller_and_refunds_everything(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number)
    respond(db, mall.semarang, number, "RETURN_FOR_REFUND", message="Kirim kembali, kami ganti uangnya")
    agreed = accept(db, mall.buyer, number)
    assert (agreed.status, agreed.respond_by, agreed.order_status) == (
        "RETURN_REQUESTED", LATER + timedelta(days=2), "DELIVERED")
    for call, code in ((lambda s: complaints.confirm_return(s, mall.semarang, number, LATER, POLICY),
                        "RETURN_NOT_EXPECTED"),
                       (lambda s: complaints.set_return_waybill(s, mall.buyer, number, "kurir_x", "123", LATER,
                                                                POLICY), "VALIDATION_FAILED"),
                       (lambda s: complaints.set_return_waybill(s, mall.semarang, number, "jne",
                                                                "CGK1A99999999999", LATER, POLICY), "NOT_OWNER")):
        before = snapshot(db)
        with pytest.raises((InvalidState, ValidationFailed, NotAuthorized)) as refused:
            run(db, call)
        assert refused.value.code == code and snapshot(db) == before
    returning = run(db, lambda s: complaints.set_return_waybill(s, mall.buyer, number, "JNE", "cgk1a 9999 9999 9999",
                                                                LATER, POLICY))
    assert (returning.status, returning.return_courier, returning.return_waybill) == (
        "RETURNING", "jne", "CGK1A999999999999")
    done = run(db, lambda s: complaints.confirm_return(s, mall.semarang, number, LATER, POLICY))
    assert (done.status, done.decision, done.decision_amount) == ("RESOLVED", "FULL_REFUND", paid(db, number))
    assert refund_of(db, number) == (paid(db, number), "COMPLAINT", "DUE")
    assert order_status(db, number) == "COMPLETED"


def test_the_return_is_read_live_from_its_courier_by_the_parties(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number)
    resolve(db, mall.admin, number, "RETURN_FOR_REFUND", note="kirim kembali untuk diperiksa")
    with pytest.raises(InvalidState) as refused:
        run(db, lambda s: complaints.return_parcel(s, mall.buyer, number))
    assert (refused.value.code, refused.value.params) == ("RETURN_NOT_SENT", {"status": "RETURN_REQUESTED"})
    run(db, lambda s: complaints.set_return_waybill(s, mall.buyer, number, "jne", "CGK1A55555555555", LATER, POLICY))
    with pytest.raises(NotFound):
        run(db, lambda s: complaints.return_parcel(s, mall.other, number))
    courier, waybill = run(db, lambda s: complaints.return_parcel(s, mall.semarang, number))
    jne = ScriptedCourier()
    unknown = tracking.read_parcel(courier, waybill, jne)  # not scanned in yet
    assert (unknown.status, unknown.message_code, unknown.events) == (None, "TRACKING_WAYBILL_UNKNOWN", ())
    jne.advance(waybill, len(JOURNEY))
    parcel = tracking.read_parcel(courier, waybill, jne)
    assert (parcel.status, parcel.delivered, parcel.courier_status, parcel.message_code) == (
        "Delivered", True, "DELIVERED", None)
    assert [e.location for e in parcel.events] == [location for _, location, _ in JOURNEY]
    jne.down = True
    assert tracking.read_parcel(courier, waybill, jne).message_code == "TRACKING_STALE"


def test_the_parties_and_admins_read_complaints_and_no_one_else(db, mall):
    first, second = shipped_order(db, mall), shipped_order(db, mall, waybill="CGK1A12345678902")
    complain(db, mall.buyer, first)
    complain(db, mall.buyer, second)
    respond(db, mall.semarang, second, "FULL_REFUND")
    page, total = run(db, lambda s: complaints.list_complaints(s, mall.admin, None, 1, 20))
    assert total == 2 and [v.order_number for v in page] == [second, first]  # newest first
    page, total = run(db, lambda s: complaints.list_complaints(s, mall.semarang, "OFFERED", 1, 20))
    assert (total, [v.order_number for v in page]) == (1, [second])
    assert run(db, lambda s: complaints.list_complaints(s, mall.bandung, None, 1, 20)) == ([], 0)
    assert run(db, lambda s: complaints.get_complaint(s, mall.admin, first)).status == "OPEN"
    with pytest.raises(NotFound) as refused:
        run(db, lambda s: complaints.get_complaint(s, mall.other, first))
    assert refused.value.code == "ORDER_NOT_FOUND"


def test_the_buyer_accepting_and_an_admin_deciding_at_the_same_moment_one_wins(db, mall):
    number = shipped_order(db, mall)
    complain(db, mall.buyer, number)
    respond(db, mall.semarang, number, "PARTIAL_REFUND", 10_000)

    def race(i):
        return accept(db, mall.buyer, number) if i == 0 else resolve(db, mall.admin, number, "FULL_REFUND")

    outcomes = at_once(2, race)
    won = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(won) == 1, outcomes
    lost = next(o for o in outcomes if isinstance(o, Exception))
    assert isinstance(lost, InvalidState) and lost.code in ("OFFER_NOT_ACCEPTABLE", "COMPLAINT_ALREADY_RESOLVED")
    assert refund_of(db, number) == (won[0].decision_amount, "COMPLAINT", "DUE")
    assert [h[1] for h in complaint_history(db, number)].count("RESOLVED") == 1
