"""rejectOrder, the cancel-unshipped-orders job, the refund's life and the order's history against the
test database (SQLite or MariaDB): a paid order that is not shipped ends CANCELLED with its stock back once
and a refund due; every refusal changes nothing; the job and a seller's shipment racing: exactly one wins."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from emall_ws.db.models import Invoice, Notification, Order, OrderStatusHistory, Product, Refund, RefundStatusHistory
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import order as orders
from emall_ws.services import shipping
from emall_ws.services.order import OrderPolicy
from tests.builders import NOW, order_for
from tests.integration.shipping_fixtures import notifications, order_status, shop
from tests.races import at_once

LATER = NOW + timedelta(hours=5)
POLICY = OrderPolicy()  # 3 days to ship, 2 days to refund
WAYBILL = "CGK1A12345678901"


@pytest.fixture
def mall(db):
    return shop(db)


def run(db, work):
    with db.unit_of_work() as session:
        return work(session)


def stock(db, product_id):
    return run(db, lambda s: s.get_one(Product, product_id).stock)


def history(db, number):
    return run(db, lambda s: [(h.from_status, h.to_status, h.actor) for h in s.scalars(
        select(OrderStatusHistory).join(Order).where(Order.number == number).order_by(OrderStatusHistory.id))])


def snapshot(db):
    """Everything a refused call must leave as it was."""
    def read(session):
        return (sorted(session.execute(select(Order.number, Order.status)).all()),
                sorted(session.execute(select(Refund.id, Refund.status, Refund.bank_code, Refund.account_number,
                                              Refund.transfer_reference, Refund.transferred_amount,
                                              Refund.dispute_reason)).all()),
                sorted(session.execute(select(Product.id, Product.stock, Product.status)).all()),
                *(session.scalar(select(func.count()).select_from(m))
                  for m in (Notification, OrderStatusHistory, RefundStatusHistory)))
    return run(db, read)


def reject(db, seller, number, reason="stok habis di gudang", now=LATER):
    return run(db, lambda s: orders.reject_order(s, seller, number, reason, now, POLICY))


def set_account(db, buyer, number, bank="BCA", account="9876543210", holder="Budi Santoso", now=LATER):
    return run(db, lambda s: orders.set_refund_account(s, buyer, number, bank, account, holder, now))


def record(db, seller, number, amount, reference="TRF-0001", at=LATER, now=LATER):
    return run(db, lambda s: orders.record_refund(s, seller, number, reference, amount, at, now))


def amount_due(db, invoice_number):
    return run(db, lambda s: s.scalar(select(Invoice.amount_due).where(Invoice.number == invoice_number)))


def test_the_seller_rejects_a_paid_order_cancelled_with_stock_back_a_refund_due_and_both_told(db, mall):
    before = stock(db, mall.kopi)
    number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    assert stock(db, mall.kopi) == before - 1
    view = reject(db, mall.semarang, number)
    assert (view.order_number, view.invoice_number, view.order_status, view.status, view.reason, view.note) == (
        number, invoice, "CANCELLED", "DUE", "SELLER_REJECTED", "stok habis di gudang")
    assert view.amount == amount_due(db, invoice) and view.due_at == LATER + timedelta(days=2)
    assert (view.buyer, view.seller, view.bank_code, view.overdue) == ("budi", "koperasi_semarang", None, False)
    assert order_status(db, number) == "CANCELLED" and stock(db, mall.kopi) == before
    assert history(db, number)[-1] == ("PAID", "CANCELLED", "member:koperasi_semarang")
    assert notifications(db, "order_cancelled_buyer") == [("order_cancelled_buyer", "EMAIL", "budi@example.co.id"),
                                                          ("order_cancelled_buyer", "SMS", "+6281234567890")]
    assert [r[1:] for r in notifications(db, "order_cancelled_seller")] == [
        ("EMAIL", "koperasi_semarang@example.co.id"), ("SMS", "+6281234567890")]
    # the stock comes back once: a second rejection is refused, and nothing changes
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        reject(db, mall.semarang, number)
    assert (refused.value.code, refused.value.params) == ("ORDER_NOT_REJECTABLE", {"status": "CANCELLED"})
    assert snapshot(db) == before


@pytest.mark.parametrize("case, error, code", [
    ("other seller", NotFound, "ORDER_NOT_FOUND"),
    ("buyer", NotAuthorized, "ROLE_REQUIRED"),
    ("admin", NotAuthorized, "ROLE_REQUIRED"),
    ("unpaid", InvalidState, "ORDER_NOT_REJECTABLE"),
    ("shipped", InvalidState, "ORDER_NOT_REJECTABLE"),
    ("no reason", ValidationFailed, "VALIDATION_FAILED"),
    ("unknown", NotFound, "ORDER_NOT_FOUND"),
])
def test_a_refused_rejection_changes_nothing(db, mall, case, error, code):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang", paid=case != "unpaid")
    if case == "shipped":
        run(db, lambda s: shipping.ship_order(s, mall.semarang, number, "jne", WAYBILL, None, LATER))
    caller = {"other seller": mall.bandung, "buyer": mall.buyer, "admin": mall.admin}.get(case, mall.semarang)
    before = snapshot(db)
    with pytest.raises(error) as refused:
        reject(db, caller, "ORD/20261128/999999" if case == "unknown" else number,
               "" if case == "no reason" else "habis")
    assert refused.value.code == code
    assert snapshot(db) == before


def test_the_refund_runs_due_transferred_confirmed_and_each_refusal_changes_nothing(db, mall):
    number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    reject(db, mall.semarang, number)
    amount = amount_due(db, invoice)
    refusals = [
        (lambda: record(db, mall.semarang, number, amount), InvalidState, "REFUND_ACCOUNT_MISSING"),
        (lambda: set_account(db, mall.semarang, number), NotAuthorized, "NOT_OWNER"),
        (lambda: set_account(db, mall.other, number), NotFound, "ORDER_NOT_FOUND"),
        (lambda: set_account(db, mall.buyer, number, account="12345"), ValidationFailed, "VALIDATION_FAILED"),
        (lambda: run(db, lambda s: orders.confirm_refund(s, mall.buyer, number, LATER)), InvalidState,
         "REFUND_NOT_CONFIRMABLE"),
    ]
    for call, error, code in refusals:
        before = snapshot(db)
        with pytest.raises(error) as refused:
            call()
        assert refused.value.code == code
        assert snapshot(db) == before
    view = set_account(db, mall.buyer, number, " BCA ")
    assert (view.bank_code, view.account_number, view.account_holder) == ("bca", "9876543210", "Budi Santoso")
    assert notifications(db, "refund_update") == [("refund_update", "EMAIL", "koperasi_semarang@example.co.id")]
    for call, error, code in [
        (lambda: set_account(db, mall.buyer, number, "bni", "1111111111"), InvalidState, "REFUND_ACCOUNT_ALREADY_SET"),
        (lambda: record(db, mall.semarang, number, amount - 1), ValidationFailed, "VALIDATION_FAILED"),
        (lambda: record(db, mall.semarang, number, amount, at=LATER + timedelta(hours=1)), ValidationFailed,
         "VALIDATION_FAILED"),
        (lambda: record(db, mall.buyer, number, amount), NotAuthorized, "ROLE_REQUIRED"),
        (lambda: record(db, mall.bandung, number, amount), NotFound, "ORDER_NOT_FOUND"),
    ]:
        before = snapshot(db)
        with pytest.raises(error) as refused:
            call()
        assert refused.value.code == code
        if isinstance(refused.value, ValidationFailed) and code == "VALIDATION_FAILED":
            assert refused.value.errors[0].field in ("amount", "transferredAt", "bankCode", "accountNumber")
        assert snapshot(db) == before
    view = record(db, mall.semarang, number, amount)
    assert (view.status, view.transfer_reference, view.transferred_amount, view.transferred_at) == (
        "TRANSFERRED", "TRF-0001", amount, LATER)
    with pytest.raises(InvalidState) as refused:
        record(db, mall.semarang, number, amount)
    assert refused.value.params == {"status": "TRANSFERRED"}
    view = run(db, lambda s: orders.confirm_refund(s, mall.buyer, number, LATER))
    assert view.status == "CONFIRMED"
    actors = run(db, lambda s: [(h.from_status, h.to_status, h.actor) for h in s.scalars(
        select(RefundStatusHistory).order_by(RefundStatusHistory.id))])
    assert actors == [(None, "DUE", "member:koperasi_semarang"), ("DUE", "TRANSFERRED", "member:koperasi_semarang"),
                      ("TRANSFERRED", "CONFIRMED", "member:budi")]


def test_a_disputed_refund_is_recorded_again_then_confirmed(db, mall):
    number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    reject(db, mall.semarang, number)
    amount = amount_due(db, invoice)
    set_account(db, mall.buyer, number)
    record(db, mall.semarang, number, amount)
    view = run(db, lambda s: orders.dispute_refund(s, mall.buyer, number, "dana belum masuk", LATER))
    assert (view.status, view.dispute_reason) == ("DISPUTED", "dana belum masuk")
    view = record(db, mall.semarang, number, amount, reference="TRF-0002")
    assert (view.status, view.transfer_reference) == ("TRANSFERRED", "TRF-0002")
    assert run(db, lambda s: orders.confirm_refund(s, mall.buyer, number, LATER)).status == "CONFIRMED"


def test_refunds_are_listed_for_admins_all_for_members_their_own_and_overdue_ones_apart(db, mall):
    first, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    second, _ = order_for(db, mall.other, mall.batik, "ukm_bandung")
    reject(db, mall.semarang, first)
    reject(db, mall.bandung, second, now=LATER + timedelta(days=1))

    def listed(principal, status=None, overdue=None, now=LATER + timedelta(days=2, hours=1)):
        views, total = run(db, lambda s: orders.list_refunds(s, principal, status, overdue, None, None, now))
        return [v.order_number for v in views], total

    assert listed(mall.admin) == ([second, first], 2)
    assert listed(mall.buyer) == ([first], 1) and listed(mall.bandung) == ([second], 1)
    assert listed(mall.admin, overdue=True) == ([first], 1)
    assert listed(mall.admin, status="TRANSFERRED") == ([], 0)
    with pytest.raises(ValidationFailed):
        run(db, lambda s: orders.list_refunds(s, mall.admin, None, None, 0, None, LATER))
    assert run(db, lambda s: orders.get_refund(s, mall.admin, first, LATER)).order_number == first
    with pytest.raises(NotFound):
        run(db, lambda s: orders.get_refund(s, mall.other, first, LATER))


def test_the_history_names_who_made_each_change_for_the_parties_and_admins(db, mall):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    run(db, lambda s: shipping.ship_order(s, mall.semarang, number, "jne", WAYBILL, None, LATER))
    def read(principal):
        return run(db, lambda s: orders.get_history(s, principal, number))

    for principal in (mall.buyer, mall.semarang, mall.admin):
        entries = read(principal)
        assert [(e.from_status, e.to_status, e.actor) for e in entries] == [
            (None, "AWAITING_PAYMENT", "member:budi"), ("AWAITING_PAYMENT", "PAID", "bank:bca"),  # as paid by the test
            ("PAID", "SHIPPED", "member:koperasi_semarang")]
    for stranger in (mall.other, mall.bandung):
        with pytest.raises(NotFound):
            read(stranger)


def test_the_job_cancels_paid_orders_not_shipped_in_time_once_each(db, mall):
    before = stock(db, mall.kopi)
    late, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    recent, _ = order_for(db, mall.other, mall.kopi, "koperasi_semarang", now=NOW + timedelta(days=1))
    shipped, _ = order_for(db, mall.buyer, mall.batik, "ukm_bandung")
    run(db, lambda s: shipping.ship_order(s, mall.bandung, shipped, "jne", WAYBILL, None, LATER))
    unpaid, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang", paid=False)
    when = NOW + timedelta(days=3, minutes=1)
    assert orders.cancel_unshipped_orders(db, NOW + timedelta(days=2, hours=23), POLICY) == 0
    assert orders.cancel_unshipped_orders(db, when, POLICY) == 1
    assert orders.cancel_unshipped_orders(db, when, POLICY) == 0
    assert [order_status(db, n) for n in (late, recent, shipped, unpaid)] == [
        "CANCELLED", "PAID", "SHIPPED", "AWAITING_PAYMENT"]
    assert history(db, late)[-1] == ("PAID", "CANCELLED", "job:cancel-unshipped-orders")
    view = run(db, lambda s: orders.get_refund(s, mall.buyer, late, when))
    assert (view.reason, view.status, view.amount) == ("NOT_SHIPPED_IN_TIME", "DUE", amount_due(db, invoice))
    assert stock(db, mall.kopi) == before - 2  # the late order's one back; the recent and the unpaid still out
    assert ("order_cancelled_buyer", "SMS", "+6281234567890") in notifications(db)


def racing(db, mall, number, waybill, when):
    """The attempts of a race: 0 the worker's job, 1 the seller shipping the order."""
    def race(i):
        if i == 0:
            return orders.cancel_unshipped_orders(db, when, POLICY)
        return run(db, lambda s: shipping.ship_order(s, mall.semarang, number, "jne", waybill, None, when))
    return race


def refunds_of(db, number):
    return run(db, lambda s: s.scalar(select(func.count()).select_from(Refund).join(Order)
                                      .where(Order.number == number)))


def test_the_job_and_the_seller_shipping_at_the_same_moment_exactly_one_wins(db, mall):
    when = NOW + timedelta(days=4)
    for attempt in range(4):
        before = stock(db, mall.kopi)
        number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
        waybill = f"CGK1A1234567890{attempt}"

        cancelled, shipped = at_once(2, racing(db, mall, number, waybill, when))
        status = order_status(db, number)
        if status == "CANCELLED":
            assert cancelled == 1 and isinstance(shipped, InvalidState) and shipped.code == "ORDER_NOT_SHIPPABLE"
            assert stock(db, mall.kopi) == before
        else:
            assert status == "SHIPPED" and cancelled == 0 and not isinstance(shipped, Exception), shipped
            assert stock(db, mall.kopi) == before - 1
            assert refunds_of(db, number) == 0
        assert not isinstance(shipped, Conflict)


def test_the_seller_rejecting_and_shipping_at_the_same_moment_exactly_one_wins(db, mall):
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")

    def race(i):
        if i == 0:
            return reject(db, mall.semarang, number)
        return run(db, lambda s: shipping.ship_order(s, mall.semarang, number, "jne", WAYBILL, None, LATER))

    outcomes = at_once(2, race)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1, outcomes
    assert [o.code for o in outcomes if isinstance(o, Exception)] in (["ORDER_NOT_REJECTABLE"], ["ORDER_NOT_SHIPPABLE"])
