"""A report as a CSV file for spreadsheet users.

One row per invoice (= order), its items joined in one cell ("Kopi x 2 @ 85000 = 170000; ..."): the
money columns then add up in a spreadsheet (SUM of amountDue = the report's overall amount, SUM of
refundAmount its refundAmount) without counting an order once per item, and each row is the report's row.
Columns are the report's SOAP field names (refundAmount and refundStatus empty for an order without a
refund); money is plain whole Rupiah (numbers a spreadsheet sums), times are WIB "YYYY-MM-DD HH:MM:SS".
UTF-8 with a BOM, so Excel reads the names right; every text cell is spreadsheet-safe (no formulas).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Iterable

from emall_ws.clock import to_wib
from emall_ws.domain.reports import spreadsheet_safe
from emall_ws.services.invoices import InvoiceLineView
from emall_ws.services.reports import PURCHASES, Export, ReportRow

CONTENT_TYPE = "text/csv; charset=utf-8"
COLUMNS = ("invoiceNumber", "orderNumber", "issuedAt", "buyer", "seller", "items", "goodsTotal", "shippingCost",
           "uniqueCode", "amountDue", "invoiceStatus", "paidAt", "orderStatus", "courier", "courierService",
           "waybill", "shippingStatus", "shippedAt", "deliveredAt", "refundAmount", "refundStatus")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def file_name(export: Export) -> str:
    kind = "pembelian" if export.kind == PURCHASES else "penjualan"
    return f"laporan-{kind}-{export.period.from_date:%Y%m%d}-{export.period.to_date:%Y%m%d}.csv"


def _time(moment: datetime | None) -> str:
    return "" if moment is None else to_wib(moment).strftime(TIME_FORMAT)


def items_cell(lines: Iterable[InvoiceLineView]) -> str:
    return "; ".join(f"{line.name} x {line.quantity} @ {line.unit_price} = {line.line_total}" for line in lines)


def _cells(row: ReportRow) -> list[str | int]:
    text = [row.invoice_number, row.order_number, _time(row.issued_at), row.buyer, row.seller, items_cell(row.lines)]
    money = [row.goods_total, row.shipping_cost, row.unique_code, row.amount_due]
    rest = [row.invoice_status, _time(row.paid_at), row.order_status, row.courier, row.courier_service,
            row.waybill or "", row.shipping_status or "", _time(row.shipped_at), _time(row.delivered_at)]
    refund = ["" if row.refund_amount is None else row.refund_amount, row.refund_status or ""]
    return [spreadsheet_safe(c) for c in text] + money + [spreadsheet_safe(c) for c in rest] + refund


def render(rows: Iterable[ReportRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: CRLF, quotes where a cell needs them
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_cells(row))
    return buffer.getvalue().encode("utf-8-sig")
