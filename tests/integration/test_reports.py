"""Purchase and sales reports against the test database (SQLite or MariaDB), Table II row 1: two buyers,
three sellers, a month of invoices (paid, cancelled, shipped, unpaid) plus one just before and one just
after it; every transaction listed once, totals right, pages consistent, each member sees only their own,
admins filter, bad periods refused naming every field, and the CSV file says the same."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from emall_ws.clock import to_wib
from emall_ws.db.models import Base, Product
from emall_ws.domain.errors import NotAuthorized, ValidationFailed
from emall_ws.domain.reports import ReportPolicy, ReportRequest
from emall_ws.services import report_csv, reports
from emall_ws.services.reports import PURCHASES, SALES
from tests.builders import REGIONS, check_out, jne_for, put
from tests.integration.report_fixtures import FORMULA_NAME, MIDDLE, NOVEMBER, WAYBILL, build, expected_totals


@pytest.fixture
def trade(db):
    return build(db)


def run(db, principal, kind, from_date=NOVEMBER[0], to_date=NOVEMBER[1], **filters):
    with db.unit_of_work() as session:
        return reports.report(session, principal, kind, ReportRequest(from_date, to_date, **filters), REGIONS,
                              ReportPolicy())


def export_csv(db, principal, kind, from_date=NOVEMBER[0], to_date=NOVEMBER[1], **filters):
    with db.unit_of_work() as session:
        found = reports.export(session, principal, kind, ReportRequest(from_date, to_date, **filters), REGIONS,
                               ReportPolicy())
        return found, report_csv.file_name(found), report_csv.render(found.rows)


def pick(trade, letters):
    """The invoices named, in the reports' order: issue time, then invoice id (the number's last part)."""
    return sorted((trade["invoices"][letter] for letter in letters), key=lambda i: (i.issued_at, i.number))


def assert_rows_match(report, expected, kind):
    """Every expected invoice, in issue order, with every column the report promises."""
    assert [r.invoice_number for r in report.rows] == [e.number for e in expected]
    for row, want in zip(report.rows, expected, strict=True):
        assert row.order_number == want.order_number
        assert (row.buyer, row.seller) == (want.buyer, want.seller)
        assert row.counterparty == (want.seller if kind == PURCHASES else want.buyer)
        assert [(line.name, line.quantity, line.unit_price, line.line_total) for line in row.lines] == [
            (n, q, p, q * p) for n, q, p in want.items]
        assert (row.goods_total, row.shipping_cost, row.unique_code, row.amount_due) == (
            want.goods, want.shipping, want.unique_code, want.amount)
        assert (row.invoice_status, row.order_status, row.paid_at) == (want.status, want.order_status, want.paid_at)
        assert row.issued_at == want.issued_at and row.courier == "jne" and row.courier_service == "REG"
        assert (row.waybill, row.shipping_status) == (want.waybill, want.shipping_status)


def assert_totals(report, expected):
    want = expected_totals(expected)
    assert [t.status for t in report.totals] == ["UNPAID", "PAID", "EXPIRED", "CANCELLED"]
    for total in (*report.totals, report.overall):
        assert (total.count, total.goods, total.shipping, total.amount) == want[total.status], total.status
    assert report.total_rows == len(expected)


def test_a_buyer_sees_every_own_purchase_of_the_period_and_nothing_else(db, trade):
    # A, B at the period's first second (WIB), E at its last; F a second before, G a second after
    report = run(db, trade["budi"], PURCHASES)
    expected = pick(trade, "ABE")
    assert_rows_match(report, expected, PURCHASES)
    assert_totals(report, expected)
    assert (report.page.number, report.page.size, report.total_pages) == (1, 50, 1)
    a = report.rows[0]
    assert to_wib(a.issued_at).strftime("%Y-%m-%d %H:%M:%S") == "2026-11-01 00:00:00"
    assert to_wib(report.rows[-1].issued_at).strftime("%Y-%m-%d %H:%M:%S") == "2026-11-30 23:59:59"
    other = run(db, trade["ani"], PURCHASES)
    assert_rows_match(other, pick(trade, "CD"), PURCHASES)
    assert_totals(other, pick(trade, "CD"))


def test_a_seller_sees_only_orders_payable_to_them(db, trade):
    sellers = trade["sellers"]
    for key, letters in (("semarang", "AE"), ("bandung", "BC"), ("solo", "D")):
        report = run(db, sellers[key], SALES)
        assert_rows_match(report, pick(trade, letters), SALES)
        assert_totals(report, pick(trade, letters))
    # a seller who bought nothing has an empty purchase report, not someone else's
    assert run(db, sellers["semarang"], PURCHASES).rows == ()


def test_a_seller_who_buys_has_purchases_too(db, trade):
    semarang = trade["sellers"]["semarang"]
    with db.unit_of_work() as session:
        batik = session.scalar(select(Product.id).where(Product.name == "Batik Tulis"))
    put(db, semarang, batik, 1)
    (bought,) = check_out(db, semarang, jne_for("ukm_bandung"), now=MIDDLE)
    purchases = run(db, semarang, PURCHASES)
    assert [(r.invoice_number, r.counterparty, r.goods_total) for r in purchases.rows] == [
        (bought.number, "ukm_bandung", 450_000)]
    assert bought.number not in {r.invoice_number for r in run(db, semarang, SALES).rows}
    assert bought.number in {r.invoice_number for r in run(db, trade["sellers"]["bandung"], SALES).rows}


def test_the_shipped_row_carries_what_tracking_needs(db, trade):
    row = run(db, trade["sellers"]["semarang"], SALES).rows[0]
    a = trade["invoices"]["A"]
    assert (row.order_number, row.courier, row.waybill, row.shipping_status) == (
        a.order_number, "jne", WAYBILL, "InTransit")
    assert row.shipped_at is not None and row.delivered_at is None


def test_admins_see_everything_and_filter_by_seller_and_province(db, trade):
    admin = trade["admin"]
    for kind in (PURCHASES, SALES):
        report = run(db, admin, kind)
        assert_rows_match(report, pick(trade, "ABCDE"), kind)
        assert_totals(report, pick(trade, "ABCDE"))
    by_seller = run(db, admin, SALES, seller="UKM_Bandung")
    assert_rows_match(by_seller, pick(trade, "BC"), SALES)
    assert_totals(by_seller, pick(trade, "BC"))
    # province 33 (Jawa Tengah): Semarang and Solo, not Bandung (32)
    in_central_java = run(db, admin, SALES, province="33")
    assert_rows_match(in_central_java, pick(trade, "ADE"), SALES)
    assert_totals(in_central_java, pick(trade, "ADE"))
    assert run(db, admin, SALES, seller="batik_solo", province="32").rows == ()
    # the period alone: the first half of November
    assert_rows_match(run(db, admin, SALES, to_date=date(2026, 11, 15)), pick(trade, "ABCD"), SALES)
    assert_rows_match(run(db, admin, SALES, from_date=date(2026, 10, 31), to_date=date(2026, 10, 31)),
                      pick(trade, "F"), SALES)


def test_filters_narrow_a_members_own_rows_but_never_widen_them(db, trade):
    assert_rows_match(run(db, trade["budi"], PURCHASES, seller="ukm_bandung"), pick(trade, "B"), PURCHASES)
    assert run(db, trade["sellers"]["semarang"], SALES, seller="ukm_bandung").rows == ()
    assert run(db, trade["ani"], PURCHASES, province="33").total_rows == 1  # D (Solo), not C (Bandung)


def test_pages_cover_every_row_once_with_the_same_totals(db, trade):
    admin = trade["admin"]
    whole = run(db, admin, SALES)
    pages = [run(db, admin, SALES, page=n, page_size=2) for n in (1, 2, 3, 4)]
    assert [p.total_pages for p in pages] == [3] * 4 and [p.total_rows for p in pages] == [5] * 4
    assert [len(p.rows) for p in pages] == [2, 2, 1, 0]
    assert [r.invoice_number for p in pages for r in p.rows] == [r.invoice_number for r in whole.rows]
    assert all(p.totals == whole.totals and p.overall == whole.overall for p in pages)
    assert run(db, admin, SALES, page_size=100_000).page.size == 200  # capped, not refused


def test_a_buyer_cannot_ask_for_a_sales_report(db, trade):
    with pytest.raises(NotAuthorized) as refused:
        run(db, trade["budi"], SALES)
    assert refused.value.code == "ROLE_REQUIRED"
    with pytest.raises(NotAuthorized):
        export_csv(db, trade["ani"], SALES)


def snapshot(db):
    with db.unit_of_work() as session:
        return [session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables]


@pytest.mark.parametrize("from_date, to_date, filters, failing", [
    (None, None, {}, {"fromDate": "REQUIRED", "toDate": "REQUIRED"}),
    (date(2026, 11, 30), date(2026, 11, 1), {}, {"toDate": "PERIOD_REVERSED"}),
    (date(2025, 11, 29), date(2026, 11, 30), {}, {"toDate": "PERIOD_TOO_LONG"}),  # 367 days, both ends counted
    (None, date(2026, 11, 1), {"page": 0, "page_size": -1, "seller": "nobody", "province": "99"},
     {"fromDate": "REQUIRED", "page": "MIN_VALUE", "pageSize": "MIN_VALUE", "seller": "UNKNOWN_SELLER",
      "province": "UNKNOWN_PROVINCE"}),
])
def test_bad_requests_name_every_failing_field_and_change_nothing(db, trade, from_date, to_date, filters, failing):
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as refused:
        run(db, trade["admin"], SALES, from_date, to_date, **filters)
    assert {e.field: e.code for e in refused.value.errors} == failing
    export_filters = {k: v for k, v in filters.items() if k in ("seller", "province")}
    with pytest.raises(ValidationFailed):
        export_csv(db, trade["admin"], PURCHASES, from_date, to_date, **export_filters)
    assert snapshot(db) == before


def test_a_leap_year_is_one_period(db, trade):
    assert run(db, trade["admin"], SALES, date(2024, 1, 1), date(2024, 12, 31)).total_rows == 0
    assert run(db, trade["admin"], SALES, date(2026, 1, 1), date(2027, 1, 1)).total_rows == 7  # 366 days


def test_the_csv_export_has_every_row_and_the_same_totals(db, trade):
    found, name, content = export_csv(db, trade["sellers"]["solo"], SALES)
    assert name == "laporan-penjualan-20261101-20261130.csv" and found.total_rows == 1
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    d = trade["invoices"]["D"]
    assert len(rows) == 1 and rows[0]["invoiceNumber"] == d.number
    # the seller typed a formula as the product name: the cell is text, not a formula
    assert rows[0]["items"] == f"'{FORMULA_NAME} x 3 @ 30000 = 90000"
    assert rows[0]["paidAt"] == to_wib(d.paid_at).strftime("%Y-%m-%d %H:%M:%S")

    found, name, content = export_csv(db, trade["admin"], PURCHASES)
    assert name == "laporan-pembelian-20261101-20261130.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    report = run(db, trade["admin"], PURCHASES)
    assert [r["invoiceNumber"] for r in rows] == [r.invoice_number for r in report.rows]
    assert [(r["buyer"], r["seller"], r["invoiceStatus"], r["orderStatus"], r["waybill"], r["shippingStatus"])
            for r in rows] == [(r.buyer, r.seller, r.invoice_status, r.order_status, r.waybill or "",
                                r.shipping_status or "") for r in report.rows]
    for column, total in (("goodsTotal", "goods"), ("shippingCost", "shipping"), ("amountDue", "amount")):
        assert sum(int(r[column]) for r in rows) == getattr(report.overall, total)
    assert sum(1 for r in rows if r["invoiceStatus"] == "PAID") == report.totals[1].count


def test_the_export_reads_past_its_chunk_size(db, trade, monkeypatch):
    monkeypatch.setattr(reports, "EXPORT_CHUNK", 2)  # A, B share their issue time: the keyset must not skip
    found, _, content = export_csv(db, trade["admin"], SALES)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [r["invoiceNumber"] for r in rows] == [i.number for i in pick(trade, "ABCDE")]


def test_an_export_too_large_is_refused(db, trade):
    with db.unit_of_work() as session, pytest.raises(ValidationFailed) as refused:
        reports.export(session, trade["admin"], SALES, ReportRequest(*NOVEMBER), REGIONS,
                       reports.ReportPolicy(export_max_rows=4))
    assert [(e.field, e.code, e.params) for e in refused.value.errors] == [
        ("toDate", "EXPORT_TOO_LARGE", {"rows": 5, "max": 4})]
