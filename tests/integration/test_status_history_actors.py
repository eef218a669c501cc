"""Who made each status change, on every history: a member registering and activating, an
admin suspending and reinstating; a seller listing and withdrawing, a buyer's checkout selling out and its
cancellation putting the stock back; the bank paying an invoice, the worker expiring one; the seller shipping
and the courier delivering. Read back through getMemberHistory and getProductHistory, for whom they are for."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from emall_ws.db.models import Invoice, InvoiceStatusHistory, Order, ShipmentStatusHistory
from emall_ws.domain.errors import NotAuthorized, NotFound
from emall_ws.services import catalog, invoices, members, shipping
from emall_ws.services.invoices import expire_due_invoices
from tests.builders import NOW, check_out, jne_for, order_for, put, sell
from tests.integration.shipping_fixtures import shop
from tests.integration.test_members import activate, last_code, register

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def mall(db):
    return shop(db)


def run(db, work):
    with db.unit_of_work() as session:
        return work(session)


def moves(entries) -> list[tuple]:
    return [(e.from_status, e.to_status, e.actor) for e in entries]


def invoice_moves(db, number) -> list[tuple]:
    return run(db, lambda s: [(h.from_status, h.to_status, h.actor) for h in s.scalars(
        select(InvoiceStatusHistory).join(Invoice).where(Invoice.number == number).order_by(InvoiceStatusHistory.id))])


def test_a_products_history_names_its_seller_its_buyers_and_an_admin(db, mall):
    teh = sell(db, mall.semarang, stock=1).product_id
    put(db, mall.buyer, teh)
    [invoice] = check_out(db, mall.buyer, jne_for("koperasi_semarang"))
    run(db, lambda s: invoices.cancel_invoice(s, mall.buyer, invoice.number, LATER))
    run(db, lambda s: catalog.withdraw_product(s, mall.admin, teh, "melanggar aturan", LATER, catalog.CatalogPolicy()))
    expected = [(None, "ACTIVE", "member:koperasi_semarang"), ("ACTIVE", "SOLD_OUT", "member:budi"),
                ("SOLD_OUT", "ACTIVE", "member:budi"), ("ACTIVE", "WITHDRAWN", "admin:admin1")]
    for reader in (mall.semarang, mall.admin):
        assert moves(run(db, lambda s, reader=reader: catalog.product_history(s, reader, teh))) == expected
    assert invoice_moves(db, invoice.number) == [
        (None, "UNPAID", "member:budi"), ("UNPAID", "CANCELLED", "member:budi")]
    for reader, error in ((mall.bandung, NotAuthorized), (mall.buyer, NotAuthorized)):
        with pytest.raises(error):
            run(db, lambda s, reader=reader: catalog.product_history(s, reader, teh))
    with pytest.raises(NotFound):
        run(db, lambda s: catalog.product_history(s, mall.admin, 999999))


def test_an_invoice_expired_by_the_worker_names_its_job(db, mall):
    put(db, mall.buyer, mall.kopi)
    [invoice] = check_out(db, mall.buyer, jne_for("koperasi_semarang"))
    assert expire_due_invoices(db, NOW + timedelta(days=3)) == 1
    assert invoice_moves(db, invoice.number)[-1] == ("UNPAID", "EXPIRED", "job:expire-invoices")


def test_a_paid_invoice_names_the_bank_and_a_shipment_its_seller(db, mall):
    number, invoice = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    assert invoice_moves(db, invoice)[-1] == ("UNPAID", "PAID", "bank:bca")  # as tests.builders.pay records it
    run(db, lambda s: shipping.ship_order(s, mall.semarang, number, "jne", "CGK1A12345678901", None, LATER))
    shipment_moves = run(db, lambda s: [(h.from_status, h.to_status, h.actor) for h in s.scalars(
        select(ShipmentStatusHistory).join(ShipmentStatusHistory.shipment).join(Order)
        .where(Order.number == number))])
    assert shipment_moves == [(None, "Pending", "member:koperasi_semarang")]


def test_a_members_history_names_the_member_and_the_admins(db, mall):
    register(db)
    activate(db, "sitiaminah", last_code(db, "sitiaminah"))
    run(db, lambda s: members.suspend(s, mall.admin, "sitiaminah", "spam", LATER))
    run(db, lambda s: members.reinstate(s, mall.admin, "sitiaminah", LATER))
    assert moves(run(db, lambda s: members.member_history(s, "sitiaminah"))) == [
        (None, "PENDING", "member:sitiaminah"), ("PENDING", "ACTIVE", "member:sitiaminah"),
        ("ACTIVE", "SUSPENDED", "admin:admin1"), ("SUSPENDED", "ACTIVE", "admin:admin1")]
    with pytest.raises(NotFound):
        run(db, lambda s: members.member_history(s, "tidak_ada"))
