"""Refunds in the purchase and sales reports, against the test database (SQLite or MariaDB): each row of an
order with a refund carries its amount and status (empty otherwise), the totals add the refunds up by where
they stand (owed, transferred, confirmed), whatever their reason or amount, the CSV says the same, and a
page still costs the same few queries however many refunds it shows."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from emall_ws.db.models import Invoice, Refund
from emall_ws.domain.reports import ReportPolicy, ReportRequest
from emall_ws.services import order as orders
from emall_ws.services import report_csv, reports
from emall_ws.services.reports import PURCHASES, SALES
from tests.builders import REGIONS
from tests.integration.report_fixtures import MIDDLE, NOVEMBER, build, expected_totals

REJECTED_AT = MIDDLE + timedelta(hours=3)  # D was paid an hour after MIDDLE
COMPLAINT_REFUND = 50_000  # a part of A's amount, as a complaint's refund may be


@pytest.fixture
def trade(db):
    """The reports' month of trade; then D (paid, not shipped) rejected by its seller, a refund of its
    whole amount DUE, and A (shipped) with a partial refund the buyer CONFIRMED, written as another
    reason than a cancellation would write it."""
    trade = build(db)
    d, a = trade["invoices"]["D"], trade["invoices"]["A"]
    with db.unit_of_work() as session:
        orders.reject_order(session, trade["sellers"]["solo"], d.order_number, "stok habis", REJECTED_AT,
                            orders.OrderPolicy())
    with db.unit_of_work() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == a.number)).one()
        session.add(Refund(order_id=invoice.order_id, invoice_id=invoice.id, buyer_id=invoice.buyer_id,
                           seller_id=invoice.seller_id, amount=COMPLAINT_REFUND, reason="COMPLAINT",
                           note="kemasan rusak", status="CONFIRMED", due_at=REJECTED_AT, created_at=REJECTED_AT,
                           updated_at=REJECTED_AT))
    return trade


def run(db, principal, kind, **filters):
    with db.unit_of_work() as session:
        return reports.report(session, principal, kind, ReportRequest(*NOVEMBER, **filters), REGIONS, ReportPolicy())


def refunds_shown(report) -> dict[str, tuple[int | None, str | None]]:
    return {row.invoice_number: (row.refund_amount, row.refund_status) for row in report.rows}


def refund_sums(total) -> tuple[int, int, int, int, int]:
    return (total.refund_count, total.refund_amount, total.refund_owed, total.refund_transferred,
            total.refund_confirmed)


def test_each_row_shows_its_orders_refund_and_the_totals_add_them_up_by_where_they_stand(db, trade):
    a, d = trade["invoices"]["A"], trade["invoices"]["D"]
    report = run(db, trade["admin"], SALES)
    assert refunds_shown(report) == {a.number: (COMPLAINT_REFUND, "CONFIRMED"), d.number: (d.amount, "DUE"),
                                     **{trade["invoices"][x].number: (None, None) for x in "BCE"}}
    assert [r.order_status for r in report.rows if r.invoice_number == d.number] == ["CANCELLED"]
    totals = {t.status: t for t in report.totals}
    # both refunded invoices are PAID ones: a rejection leaves the invoice paid, the order cancelled
    assert refund_sums(totals["PAID"]) == (2, d.amount + COMPLAINT_REFUND, d.amount, 0, COMPLAINT_REFUND)
    assert all(refund_sums(totals[s]) == (0, 0, 0, 0, 0) for s in ("UNPAID", "EXPIRED", "CANCELLED"))
    assert refund_sums(report.overall) == refund_sums(totals["PAID"])
    # the outer join repeats no invoice: the invoices' own totals are as before the refunds
    want = expected_totals([trade["invoices"][x] for x in "ABCDE"])
    assert all((t.count, t.goods, t.shipping, t.amount) == want[t.status] for t in (*report.totals, report.overall))


def test_each_member_sees_the_refunds_of_their_own_rows_only(db, trade):
    a, d = trade["invoices"]["A"], trade["invoices"]["D"]
    ani = run(db, trade["ani"], PURCHASES)  # C (cancelled unpaid: no refund) and D
    assert {n: r for n, r in refunds_shown(ani).items() if r != (None, None)} == {d.number: (d.amount, "DUE")}
    assert refund_sums(ani.overall) == (1, d.amount, d.amount, 0, 0)
    budi = run(db, trade["budi"], PURCHASES)
    assert refund_sums(budi.overall) == (1, COMPLAINT_REFUND, 0, 0, COMPLAINT_REFUND)
    assert refunds_shown(budi)[a.number] == (COMPLAINT_REFUND, "CONFIRMED")
    bandung = run(db, trade["sellers"]["bandung"], SALES)
    assert refund_sums(bandung.overall) == (0, 0, 0, 0, 0)
    assert set(refunds_shown(bandung).values()) == {(None, None)}


def test_the_totals_follow_the_refund_from_owed_to_transferred_and_back_when_disputed(db, trade):
    d, solo, ani = trade["invoices"]["D"], trade["sellers"]["solo"], trade["ani"]
    later = REJECTED_AT + timedelta(hours=1)
    with db.unit_of_work() as session:
        orders.set_refund_account(session, ani, d.order_number, "bca", "9876543210", "Ani Lestari", later)
    with db.unit_of_work() as session:
        orders.record_refund(session, solo, d.order_number, "TRF-01", d.amount, later, later)
    report = run(db, solo, SALES)
    assert refunds_shown(report)[d.number] == (d.amount, "TRANSFERRED")
    assert refund_sums(report.overall) == (1, d.amount, 0, d.amount, 0)
    with db.unit_of_work() as session:
        orders.dispute_refund(session, ani, d.order_number, "dana belum masuk", later)
    report = run(db, solo, SALES)
    assert refunds_shown(report)[d.number] == (d.amount, "DISPUTED")
    assert refund_sums(report.overall) == (1, d.amount, d.amount, 0, 0)  # owed again


def test_the_csv_carries_the_refund_columns_and_adds_up_to_the_total(db, trade):
    a, d = trade["invoices"]["A"], trade["invoices"]["D"]
    with db.unit_of_work() as session:
        found = reports.export(session, trade["admin"], SALES, ReportRequest(*NOVEMBER), REGIONS, ReportPolicy())
        content = report_csv.render(found.rows)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    shown = {r["invoiceNumber"]: (r["refundAmount"], r["refundStatus"]) for r in rows}
    assert shown[a.number] == (str(COMPLAINT_REFUND), "CONFIRMED") and shown[d.number] == (str(d.amount), "DUE")
    assert sum(1 for value in shown.values() if value == ("", "")) == 3
    overall = run(db, trade["admin"], SALES).overall
    assert sum(int(r["refundAmount"] or 0) for r in rows) == overall.refund_amount


def test_a_page_costs_the_same_few_queries_however_many_refunds_it_shows(db, trade):
    statements: list[str] = []

    def counted(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        for size in (1, 5):  # a page of one row, then one of every row (two of them with a refund)
            statements.clear()
            run(db, trade["admin"], SALES, page_size=size)
            assert len(statements) == 4, statements  # totals, rows, their lines, their members' names
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
