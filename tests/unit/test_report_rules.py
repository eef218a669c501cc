"""Report rules without a database: the period in WIB days, pages, totals, and cells no spreadsheet runs."""
import csv
import io
from datetime import date, datetime

import pytest

from emall_ws.domain.errors import ValidationFailed
from emall_ws.domain.reports import (ReportPolicy, ReportRequest, StatusTotal, page_count, spreadsheet_safe,
                                     totals_by_status, validate, wib_day_start_utc)
from emall_ws.services import report_csv
from emall_ws.services.invoices import InvoiceLineView
from emall_ws.services.reports import ReportRow

POLICY = ReportPolicy()


def failing(request: ReportRequest) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate(request, POLICY)
    return {e.field: e.code for e in refused.value.errors}


def test_a_wib_day_starts_at_17_utc_the_day_before():
    assert wib_day_start_utc(date(2026, 11, 1)) == datetime(2026, 10, 31, 17, 0)


def test_the_period_covers_whole_wib_days_both_ends_included():
    period, page = validate(ReportRequest(date(2026, 11, 1), date(2026, 11, 30)), POLICY)
    assert (period.start_utc, period.end_utc) == (datetime(2026, 10, 31, 17), datetime(2026, 11, 30, 17))
    assert (page.number, page.size, page.offset) == (1, 50, 0)
    one_day, _ = validate(ReportRequest(date(2026, 1, 1), date(2026, 1, 1)), POLICY)
    assert one_day.end_utc - one_day.start_utc == datetime(2026, 1, 2) - datetime(2026, 1, 1)


def test_the_period_is_required_ordered_and_at_most_366_days():
    assert failing(ReportRequest(None, None)) == {"fromDate": "REQUIRED", "toDate": "REQUIRED"}
    assert failing(ReportRequest(date(2026, 1, 1), None)) == {"toDate": "REQUIRED"}
    assert failing(ReportRequest(date(2026, 2, 1), date(2026, 1, 31))) == {"toDate": "PERIOD_REVERSED"}
    assert failing(ReportRequest(date(2025, 1, 1), date(2026, 1, 2))) == {"toDate": "PERIOD_TOO_LONG"}
    # the calendar's ends (once an OverflowError, a Server fault)
    assert failing(ReportRequest(date(9999, 12, 31), date(9999, 12, 31))) == {"fromDate": "PERIOD_OUT_OF_RANGE",
                                                                              "toDate": "PERIOD_OUT_OF_RANGE"}
    assert failing(ReportRequest(date(1, 1, 1), date(1, 1, 2))) == {"fromDate": "PERIOD_OUT_OF_RANGE",
                                                                    "toDate": "PERIOD_OUT_OF_RANGE"}
    validate(ReportRequest(date(2024, 1, 1), date(2024, 12, 31)), POLICY)  # a leap year: 366 days
    validate(ReportRequest(date(2025, 1, 1), date(2026, 1, 1)), POLICY)  # 366 days


def test_every_failing_field_is_named_at_once():
    assert failing(ReportRequest(None, date(2026, 1, 1), page=0, page_size=0)) == {
        "fromDate": "REQUIRED", "page": "MIN_VALUE", "pageSize": "MIN_VALUE"}


def test_page_size_is_capped_and_pages_counted():
    _, page = validate(ReportRequest(date(2026, 1, 1), date(2026, 1, 2), page=3, page_size=10_000), POLICY)
    assert (page.number, page.size, page.offset) == (3, 200, 400)
    assert [page_count(rows, 50) for rows in (0, 1, 50, 51)] == [0, 1, 1, 2]


def test_totals_list_every_status_in_pipeline_order_and_add_up():
    totals, overall = totals_by_status({"PAID": StatusTotal("PAID", 2, 100, 20, 125),
                                        "UNPAID": StatusTotal("UNPAID", 1, 50, 10, 61)})
    assert [(t.status, t.count) for t in totals] == [("UNPAID", 1), ("PAID", 2), ("EXPIRED", 0), ("CANCELLED", 0)]
    assert overall == StatusTotal("ALL", 3, 150, 30, 186)


def test_the_overall_total_adds_up_the_refunds_too():
    paid = StatusTotal("PAID", 3, 300, 30, 336, refund_count=2, refund_amount=200, refund_owed=120,
                       refund_transferred=80)
    cancelled = StatusTotal("CANCELLED", 1, 50, 10, 61, refund_count=1, refund_amount=61, refund_confirmed=61)
    _, overall = totals_by_status({"PAID": paid, "CANCELLED": cancelled})
    assert overall == StatusTotal("ALL", 4, 350, 40, 397, refund_count=3, refund_amount=261, refund_owed=120,
                                  refund_transferred=80, refund_confirmed=61)


@pytest.mark.parametrize("text, safe", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"), ("+62 812", "'+62 812"), ("-1+1", "'-1+1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("Kopi = enak", "Kopi = enak"), ("", ""),
])
def test_cells_that_a_spreadsheet_would_run_become_text(text, safe):
    assert spreadsheet_safe(text) == safe


def row(name: str, **changes) -> ReportRow:
    values = dict(invoice_number="INV/20261101/000001", order_number="ORD/20261101/000001",
                  issued_at=datetime(2026, 10, 31, 17, 0), buyer="budi", seller="ukm_solo", counterparty="ukm_solo",
                  lines=(InvoiceLineView(1, name, 2, 30_000, 60_000),
                         InvoiceLineView(2, "Teh, melati", 1, 5_000, 5_000)),
                  goods_total=65_000, shipping_cost=9_000, unique_code=123, amount_due=74_123,
                  invoice_status="PAID", paid_at=datetime(2026, 11, 1, 2, 30), order_status="SHIPPED", courier="jne",
                  courier_service="REG", waybill="JNE0011223344", shipping_status="InTransit",
                  shipped_at=datetime(2026, 11, 1, 5, 0), delivered_at=None, refund_amount=None, refund_status=None)
    values.update(changes)
    return ReportRow(**values)


def test_the_csv_is_one_row_per_invoice_in_wib_and_formula_free():
    content = report_csv.render([row("=1+1"), row("Batik", invoice_number="INV/20261101/000002", waybill=None,
                                                  shipping_status=None, shipped_at=None, paid_at=None,
                                                  order_status="CANCELLED", refund_amount=74_123,
                                                  refund_status="DUE")])
    assert content.startswith("\ufeff".encode()) and b"\r\n" in content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(report_csv.COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["items"] == "'=1+1 x 2 @ 30000 = 60000; Teh, melati x 1 @ 5000 = 5000"
    assert (first["issuedAt"], first["paidAt"], first["shippedAt"], first["deliveredAt"]) == (
        "2026-11-01 00:00:00", "2026-11-01 09:30:00", "2026-11-01 12:00:00", "")
    assert (first["amountDue"], first["waybill"], first["shippingStatus"]) == ("74123", "JNE0011223344", "InTransit")
    second = dict(zip(rows[0], rows[2], strict=True))
    assert (second["items"].split(" x ")[0], second["waybill"], second["paidAt"]) == ("Batik", "", "")
    # the refund's columns: empty for an order without one, its amount and status otherwise
    assert rows[0][-2:] == ["refundAmount", "refundStatus"]
    assert (first["refundAmount"], first["refundStatus"]) == ("", "")
    assert (second["refundAmount"], second["refundStatus"]) == ("74123", "DUE")
    assert len(rows) == 3
