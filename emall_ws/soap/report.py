"""Report service (Table II): purchase and sales reports with totals per invoice status (refunds too), and
their CSV files."""
from __future__ import annotations

from spyne import Array, ByteArray, Date, DateTime, Integer, Integer32, Long, ServiceBase, Unicode, rpc

from emall_ws.clock import to_wib
from emall_ws.domain import reports as rules
from emall_ws.services import report_csv, reports
from emall_ws.services.reports import PURCHASES, SALES
from emall_ws.soap.application import namespace_of, platform_of
from emall_ws.soap.codes import code_type
from emall_ws.soap.security import credentials_of, session_header
from emall_ws.soap.types import Model, required

NAME = "Report"
DESCRIPTION = "Laporan pembelian dan penjualan: faktur, barang, pembayaran, pengiriman, total per status, CSV"
TNS = namespace_of(NAME)
InvoiceStatus = code_type("InvoiceStatus", TNS)
OrderStatus = code_type("OrderStatus", TNS)
TrackingStatus = code_type("TrackingStatus", TNS)
TotalStatus = code_type("TotalStatus", TNS)
RefundStatus = code_type("RefundStatus", TNS)


class _Type(Model):
    __namespace__ = TNS


class ReportItem(_Type):
    """One product of a row's invoice: quantity, unit price and line total in whole rupiah."""
    productId = required(Long)
    name = required(Unicode)
    quantity = required(Integer32)
    unitPrice = required(Long)
    lineTotal = required(Long)


class TrackingRef(_Type):
    """What Shipping.trackOrder (orderNumber) and Shipping.trackShipment (courier, waybill) take."""
    orderNumber = required(Unicode)
    courier = required(Unicode)
    waybill = required(Unicode)


class ReportRow(_Type):
    """One invoice and its order. Times in WIB; shipment fields and tracking only once it is shipped;
    refundAmount and refundStatus only when the order has a refund (Order.getRefund)."""
    invoiceNumber = required(Unicode)
    orderNumber = required(Unicode)
    issuedAt = required(DateTime)
    buyer = required(Unicode)
    seller = required(Unicode)
    counterparty = required(Unicode)
    items = Array(ReportItem)
    goodsTotal = required(Long)
    shippingCost = required(Long)
    uniqueCode = required(Integer)  # rupiah added to the amount: money, whose types stay as they are
    amountDue = required(Long)
    invoiceStatus = required(InvoiceStatus)
    paidAt = DateTime
    orderStatus = required(OrderStatus)
    courier = required(Unicode)
    courierService = required(Unicode)
    waybill = Unicode
    shippingStatus = TrackingStatus
    shippedAt = DateTime
    deliveredAt = DateTime
    tracking = TrackingRef
    refundAmount = Long
    refundStatus = RefundStatus


class StatusTotal(_Type):
    """Invoices of one status (or ALL) in the whole period: how many, goods, shipping, amount due; and the
    refunds of their orders: how many, their amount, and of it what the sellers still owe (DUE, DISPUTED),
    what awaits the buyers' confirmation (TRANSFERRED) and what the buyers confirmed (CONFIRMED)."""
    status = required(TotalStatus)
    count = required(Integer32)
    goods = required(Long)
    shipping = required(Long)
    amount = required(Long)
    refundCount = Integer32
    refundAmount = Long
    refundOwed = Long
    refundTransferred = Long
    refundConfirmed = Long


class ReportPage(_Type):
    """One page of rows (oldest first) and the totals of the whole period."""
    kind = required(Unicode)
    fromDate = required(Date)
    toDate = required(Date)
    page = required(Integer32)
    pageSize = required(Integer32)
    totalRows = required(Integer32)
    totalPages = required(Integer32)
    rows = Array(ReportRow)
    totals = Array(StatusTotal)
    overall = StatusTotal


class ReportFile(_Type):
    """A report as a file: every row of the period."""
    fileName = required(Unicode)
    contentType = required(Unicode)
    rowCount = required(Integer32)
    # base64Binary, not a string: the bytes arrive exactly (UTF-8 BOM for Excel, CRLF that XML text would turn into LF)
    content = ByteArray


def _total(total: rules.StatusTotal) -> StatusTotal:
    return StatusTotal(status=total.status, count=total.count, goods=total.goods, shipping=total.shipping,
                       amount=total.amount, refundCount=total.refund_count, refundAmount=total.refund_amount,
                       refundOwed=total.refund_owed, refundTransferred=total.refund_transferred,
                       refundConfirmed=total.refund_confirmed)


def _row(row: reports.ReportRow) -> ReportRow:
    return ReportRow(
        invoiceNumber=row.invoice_number, orderNumber=row.order_number, issuedAt=to_wib(row.issued_at),
        buyer=row.buyer, seller=row.seller, counterparty=row.counterparty,
        items=[ReportItem(productId=line.product_id, name=line.name, quantity=line.quantity,
                          unitPrice=line.unit_price, lineTotal=line.line_total) for line in row.lines],
        goodsTotal=row.goods_total, shippingCost=row.shipping_cost, uniqueCode=row.unique_code,
        amountDue=row.amount_due, invoiceStatus=row.invoice_status, paidAt=to_wib(row.paid_at),
        orderStatus=row.order_status, courier=row.courier, courierService=row.courier_service, waybill=row.waybill,
        shippingStatus=row.shipping_status, shippedAt=to_wib(row.shipped_at), deliveredAt=to_wib(row.delivered_at),
        tracking=TrackingRef(orderNumber=row.order_number, courier=row.courier, waybill=row.waybill)
        if row.waybill else None, refundAmount=row.refund_amount, refundStatus=row.refund_status)


def _page(result: reports.Report) -> ReportPage:
    return ReportPage(kind=result.kind, fromDate=result.period.from_date, toDate=result.period.to_date,
                      page=result.page.number, pageSize=result.page.size, totalRows=result.total_rows,
                      totalPages=result.total_pages, rows=[_row(r) for r in result.rows],
                      totals=[_total(t) for t in result.totals], overall=_total(result.overall))


def _report(ctx, kind, fromDate, toDate, page, pageSize, seller, province) -> ReportPage:
    request = rules.ReportRequest(fromDate, toDate, page, pageSize, seller, province)
    return _page(platform_of(ctx).report.report(credentials_of(ctx), kind, request))


def _export(ctx, kind, fromDate, toDate, seller, province) -> ReportFile:
    request = rules.ReportRequest(fromDate, toDate, seller=seller, province=province)
    found = platform_of(ctx).report.export(credentials_of(ctx), kind, request)
    return ReportFile(fileName=found.file_name, contentType=report_csv.CONTENT_TYPE, rowCount=found.row_count,
                      content=found.content)


class ReportService(ServiceBase):
    __in_header__ = session_header(TNS)

    # every request field stays optional: the rules name every failing one (a missing date, a page
    # below 1, an unknown seller) in one Validation fault
    @rpc(Date, Date, Integer32, Integer32, Unicode(max_len=32), Unicode(max_len=2), _returns=ReportPage,
         _out_variable_name="report")
    def purchaseReport(ctx, fromDate, toDate, page, pageSize, seller, province):
        """The caller's purchases issued in the WIB period (admins: everybody's), by seller and province.
        Client.Validation (REQUIRED, PERIOD_OUT_OF_RANGE, PERIOD_REVERSED, PERIOD_TOO_LONG, UNKNOWN_SELLER,
        UNKNOWN_PROVINCE)."""
        return _report(ctx, PURCHASES, fromDate, toDate, page, pageSize, seller, province)

    @rpc(Date, Date, Integer32, Integer32, Unicode(max_len=32), Unicode(max_len=2), _returns=ReportPage,
         _out_variable_name="report")
    def salesReport(ctx, fromDate, toDate, page, pageSize, seller, province):
        """The caller's sales issued in the WIB period (admins: every seller's), by seller and province.
        Client.Authorization for a buyer; Client.Validation as purchaseReport."""
        return _report(ctx, SALES, fromDate, toDate, page, pageSize, seller, province)

    @rpc(Date, Date, Unicode(max_len=32), Unicode(max_len=2), _returns=ReportFile, _out_variable_name="file")
    def exportPurchaseReport(ctx, fromDate, toDate, seller, province):
        """purchaseReport's every row of the period as a CSV file (one row per invoice).
        Client.Validation as purchaseReport, and EXPORT_TOO_LARGE."""
        return _export(ctx, PURCHASES, fromDate, toDate, seller, province)

    @rpc(Date, Date, Unicode(max_len=32), Unicode(max_len=2), _returns=ReportFile, _out_variable_name="file")
    def exportSalesReport(ctx, fromDate, toDate, seller, province):
        """salesReport's every row of the period as a CSV file (one row per invoice).
        Client.Authorization for a buyer; Client.Validation as purchaseReport, and EXPORT_TOO_LARGE."""
        return _export(ctx, SALES, fromDate, toDate, seller, province)
