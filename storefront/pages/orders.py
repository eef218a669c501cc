"""After checkout: the member's invoices with their payment instructions, confirming a transfer,
cancelling an unpaid invoice, an order's tracking timeline and receipt. The order's complaint and refund
are shown on its tracking page; what is done with them is pages/complaints.py."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storefront.formats import items, rupiah, wib
from storefront.platform import PlatformError
from storefront.web import Request, Response, Route
from storefront.words import BANK_NAMES, COMPLAINT_WORDS, INVOICE_STATUS, ORDER_STATUS, TRACKING_STATUS

if TYPE_CHECKING:
    from storefront.app import Storefront

INVOICE = r"/faktur/(?P<number>INV/[0-9]{8}/[0-9]{6,12})"
ORDER = r"/pesanan/(?P<number>ORD/[0-9]{8}/[0-9]{6,12})"
TRACKED = ("SHIPPED", "DELIVERED", "COMPLETED")  # order statuses with a shipment to follow
COMPLAINABLE = ("SHIPPED", "DELIVERED")  # the complaint form is offered; the platform still checks its window


def amount_parts(amount: int, unique_code: int | None) -> tuple[str, str]:
    """The amount to transfer written in rupiah, split before the unique code's three digits so the
    page can highlight them; ("Rp 75.123", "") when the code is not those digits."""
    written = rupiah(amount)
    if unique_code is None or amount % 1000 != unique_code or amount < 1000:
        return written, ""
    return written[:-3], written[-3:]


# --- invoices ---

def invoice_list(app: Storefront, request: Request) -> Response:
    try:
        invoices = items(app.call(request, "Checkout", "listInvoices"), "Invoice")
    except PlatformError as error:
        return app.platform_error(request, error)
    return app.render(request, "invoices.html", invoices=invoices, invoice_status=INVOICE_STATUS,
                      order_status=ORDER_STATUS)


def show_invoice(app: Storefront, request: Request, number: str, status: int = 200,
                 message: str | None = None) -> Response:
    try:
        invoice = app.call(request, "Checkout", "getInvoice", invoiceNumber=number)
    except PlatformError as error:
        return app.platform_error(request, error)
    head, code = amount_parts(invoice.amountDue, invoice.uniqueCode)
    return app.render(request, "invoice.html", status, invoice=invoice, amount_head=head, amount_code=code,
                      lines=items(invoice.lines, "InvoiceLine"), message=message,
                      bank=BANK_NAMES.get((invoice.payeeBank or "").lower(), invoice.payeeBank),
                      status_text=INVOICE_STATUS.get(invoice.status, invoice.status),
                      order_text=ORDER_STATUS.get(invoice.orderStatus, invoice.orderStatus),
                      tracked=invoice.orderStatus in TRACKED)


def invoice_page(app: Storefront, request: Request, number: str) -> Response:
    return show_invoice(app, request, number)


def not_paid_yet(payment: Any) -> str:
    """What the platform read from the payee account, in words, when no transfer matched yet."""
    window = ""
    if payment.checkedFrom is not None and payment.checkedTo is not None:
        window = f" (mutasi rekening dibaca dari {wib(payment.checkedFrom)} sampai {wib(payment.checkedTo)})"
    return (f"Status: {payment.statusText}. Transfer sebesar {rupiah(payment.amountDue)} belum ditemukan di rekening "
            f"penjual{window}. Jika Anda baru saja mentransfer, coba lagi beberapa saat lagi.")


def confirm_payment(app: Storefront, request: Request, number: str) -> Response:
    app.member(request)
    try:
        payment = app.call(request, "Payment", "confirmPayment", invoiceNumber=number)
    except PlatformError as error:
        if error.not_found:
            return app.platform_error(request, error)
        return show_invoice(app, request, number, error.http_status, error.message)
    if payment.status == "PAID":
        return app.notice_then(request, f"Pembayaran diterima: {payment.statusText}.", f"/faktur/{number}")
    return show_invoice(app, request, number, 200, not_paid_yet(payment))


def cancel_invoice(app: Storefront, request: Request, number: str) -> Response:
    app.member(request)
    try:
        app.call(request, "Checkout", "cancelInvoice", invoiceNumber=number)
    except PlatformError as error:
        if error.not_found:
            return app.platform_error(request, error)
        return show_invoice(app, request, number, error.http_status, error.message)
    return app.notice_then(request, f"Faktur {number} dibatalkan.", f"/faktur/{number}")


# --- tracking ---

def order_part(app: Storefront, request: Request, operation: str, number: str) -> Any:
    """The order's complaint or refund (Order.getComplaint / getRefund), None when it has none."""
    try:
        return app.call(request, "Order", operation, orderNumber=number)
    except PlatformError as error:
        if error.code in ("COMPLAINT_NOT_FOUND", "REFUND_NOT_FOUND"):
            return None
        raise


def timeline(tracking: Any) -> list[Any]:
    """The courier's events, oldest first."""
    return sorted(items(tracking.events, "TrackingEvent"), key=lambda event: event.time)


def show_tracking(app: Storefront, request: Request, number: str, status: int = 200, message: str | None = None,
                  complaint_error: str | None = None, typed: dict[str, str] | None = None) -> Response:
    try:
        tracking = app.call(request, "Shipping", "trackOrder", orderNumber=number)
        complaint = order_part(app, request, "getComplaint", number)
        refund = order_part(app, request, "getRefund", number)
    except PlatformError as error:
        return app.platform_error(request, error)
    return app.render(request, "tracking.html", status, tracking=tracking, events=timeline(tracking), message=message,
                      status_text=TRACKING_STATUS.get(tracking.status, tracking.status),
                      order_text=ORDER_STATUS.get(tracking.orderStatus, tracking.orderStatus),
                      complaint=complaint, refund=refund, complaint_error=complaint_error, typed=typed or {},
                      may_complain=complaint is None and tracking.orderStatus in COMPLAINABLE, **COMPLAINT_WORDS)


def tracking_page(app: Storefront, request: Request, number: str) -> Response:
    return show_tracking(app, request, number)


def shipment_page(app: Storefront, request: Request, courier: str, waybill: str) -> Response:
    """A shipment by courier and waybill (Shipping.trackShipment), as a report's waybill link opens it:
    its status and the courier's events, for any logged-in member, without the buyer's forms."""
    try:
        tracking = app.call(request, "Shipping", "trackShipment", courier=courier, waybill=waybill)
    except PlatformError as error:
        return app.platform_error(request, error)
    return app.render(request, "shipment.html", tracking=tracking, events=timeline(tracking),
                      status_text=TRACKING_STATUS.get(tracking.status, tracking.status),
                      order_text=ORDER_STATUS.get(tracking.orderStatus or "", tracking.orderStatus))


def confirm_received(app: Storefront, request: Request, number: str) -> Response:
    app.member(request)
    try:
        app.call(request, "Shipping", "confirmReceived", orderNumber=number)
    except PlatformError as error:
        if error.not_found:
            return app.platform_error(request, error)
        return show_tracking(app, request, number, error.http_status, error.message)
    return app.notice_then(request, "Terima kasih. Pesanan selesai.", f"/pesanan/{number}")


ROUTES = [
    Route("GET", r"/faktur", invoice_list),
    Route("GET", INVOICE, invoice_page),
    Route("POST", INVOICE + r"/konfirmasi", confirm_payment),
    Route("POST", INVOICE + r"/batal", cancel_invoice),
    Route("GET", ORDER, tracking_page),
    Route("POST", ORDER + r"/diterima", confirm_received),
    Route("GET", r"/lacak/(?P<courier>[a-z]{2,10})/(?P<waybill>[A-Za-z0-9-]{1,60})", shipment_page),
]
