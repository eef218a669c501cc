"""The purchase report (/laporan, a buyer's) and the sales report (/toko/laporan, a seller's): a
period's invoices as a complete table, a chart of what was paid per day or month (SVG, no script), the
CSV file, and each waybill leading to the shipment's own page (/lacak/<courier>/<waybill>)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from storefront.formats import MONTHS, WIB, as_wib, items, tanggal
from storefront.platform import PlatformError
from storefront.web import HTTPError, Request, Response, Route, page_number
from storefront.words import INVOICE_STATUS, ORDER_STATUS

if TYPE_CHECKING:
    from storefront.app import Storefront

REPORT_PAGE_SIZE = 200  # the most a report gives a page
REPORT_PAGES_MAX = 10  # rows read for the chart and the orders to ship: 2,000 invoices at most
ROWS_SHOWN = 50  # report rows a page of the table
DAILY_CHART_DAYS = 62  # a longer period is charted per month
DATE_ERROR = "Isi tanggal seperti 2026-12-01."
PERIOD_FIELDS = {"fromDate": "dari", "toDate": "sampai"}
CHART_WIDTH, CHART_HEIGHT, PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 720, 260, 20, 220, 10


@dataclass(frozen=True)
class Report:
    """One of the two reports: whose it is and which Report operations read it."""
    path: str
    role: str | None  # app.member's role
    operation: str
    export: str
    title: str
    counterparty: str  # the table's column of the other party
    paid: str  # what the chart adds up, in words
    back: tuple[str, str]  # the crumb: (path, text)


PURCHASES = Report("/laporan", None, "purchaseReport", "exportPurchaseReport", "Laporan pembelian", "Penjual",
                   "Pembelian lunas", ("/faktur", "« Faktur saya"))
SALES = Report("/toko/laporan", "SELLER", "salesReport", "exportSalesReport", "Laporan penjualan", "Pembeli",
               "Penjualan lunas", ("/toko", "« Produk toko saya"))


def report_rows(app: Storefront, request: Request, report: Report, start: date, end: date) -> tuple[Any, list[Any]]:
    """(the report's first page, every row of the period up to REPORT_PAGES_MAX pages)."""
    first = None
    rows: list[Any] = []
    for page in range(1, REPORT_PAGES_MAX + 1):
        answer = app.call(request, "Report", report.operation, fromDate=start, toDate=end, page=page,
                          pageSize=REPORT_PAGE_SIZE)
        first = first or answer
        rows += items(answer.rows, "ReportRow")
        if page >= answer.totalPages:
            break
    return first, rows


def today() -> date:
    return datetime.now(WIB).date()


@dataclass
class Period:
    start: date
    end: date
    typed: dict[str, str]
    errors: dict[str, str]


def read_period(query: dict[str, str]) -> Period:
    """The report's period from ?dari=..&sampai=.. (this month so far when left out)."""
    now = today()
    typed = {"dari": query.get("dari", now.replace(day=1).isoformat())[:10].strip(),
             "sampai": query.get("sampai", now.isoformat())[:10].strip()}
    days: dict[str, date] = {}
    errors: dict[str, str] = {}
    for name, raw in typed.items():
        try:
            days[name] = date.fromisoformat(raw)
        except ValueError:
            errors[name] = DATE_ERROR
    return Period(days.get("dari", now), days.get("sampai", now), typed, errors)


@dataclass
class Bar:
    label: str  # under the bar
    title: str  # the bar's <title> and the text alternative's row
    amount: int
    count: int
    x: float = 0
    y: float = 0
    height: float = 0


def chart_bars(rows: list[Any], start: date, end: date) -> list[Bar]:
    """The paid invoices' goods per day of the period (per month past DAILY_CHART_DAYS), laid out."""
    daily = (end - start).days < DAILY_CHART_DAYS
    bars: dict[date, Bar] = {}
    day = start
    while day <= end:
        key = day if daily else day.replace(day=1)
        if key not in bars:
            label = str(day.day) if daily else f"{MONTHS[day.month - 1][:3]} {day.year % 100:02d}"
            bars[key] = Bar(label, tanggal(day) if daily else f"{MONTHS[day.month - 1]} {day.year}", 0, 0)
        day += timedelta(days=1)
    for row in rows:
        issued = as_wib(row.issuedAt)
        if row.invoiceStatus != "PAID" or issued is None:
            continue
        on = issued.astimezone(WIB).date()
        bar = bars.get(on if daily else on.replace(day=1))
        if bar is not None:
            bar.amount += row.goodsTotal
            bar.count += 1
    return lay_out(list(bars.values()))


def lay_out(bars: list[Bar]) -> list[Bar]:
    top = max((bar.amount for bar in bars), default=0) or 1
    step = (CHART_WIDTH - PLOT_LEFT) / max(len(bars), 1)
    for index, bar in enumerate(bars):
        bar.height = round((PLOT_BOTTOM - PLOT_TOP) * bar.amount / top, 1)
        bar.x = round(PLOT_LEFT + index * step + step * 0.15, 1)
        bar.y = round(PLOT_BOTTOM - bar.height, 1)
    return bars


def show(app: Storefront, request: Request, report: Report) -> Response:
    app.member(request, role=report.role)
    period = read_period(request.query)
    page = page_number(request.query.get("hal", "1"))
    general: list[str] = []
    first: Any = None
    rows: list[Any] = []
    if not period.errors:
        try:
            first, rows = report_rows(app, request, report, period.start, period.end)
        except PlatformError as error:
            if error.http_status >= 500:
                general = [error.message]
            else:
                by_field, general = error.split()
                period.errors = {PERIOD_FIELDS.get(name, name): text for name, text in by_field.items()}
    bars = chart_bars(rows, period.start, period.end) if first is not None else []
    pages = max(1, -(-len(rows) // ROWS_SHOWN))
    page = min(page, pages)

    def link(number: int) -> str:
        return f"{report.path}?" + urlencode({**period.typed, "hal": str(number)})
    step = (CHART_WIDTH - PLOT_LEFT) / max(len(bars), 1)
    return app.render(request, "report.html", 400 if period.errors else 200, kind=report, period=period,
                      report=first, rows=rows[(page - 1) * ROWS_SHOWN:page * ROWS_SHOWN], general=general, bars=bars,
                      bar_width=round(step * 0.7, 1), label_every=max(1, round(len(bars) / 16)),
                      daily=bool(bars) and (period.end - period.start).days < DAILY_CHART_DAYS,
                      top=max((bar.amount for bar in bars), default=0), all_rows=len(rows),
                      chart=dict(width=CHART_WIDTH, height=CHART_HEIGHT, bottom=PLOT_BOTTOM, top=PLOT_TOP),
                      invoice_status=INVOICE_STATUS, order_status=ORDER_STATUS,
                      csv_link=f"{report.path}.csv?" + urlencode(period.typed),
                      previous_link=link(page - 1) if page > 1 else None,
                      next_link=link(page + 1) if page < pages else None)


def csv_file(app: Storefront, request: Request, report: Report) -> Response:
    app.member(request, role=report.role)
    period = read_period(request.query)
    if period.errors:
        raise HTTPError(400, "Periode tidak valid", DATE_ERROR)
    try:
        exported = app.call(request, "Report", report.export, fromDate=period.start, toDate=period.end)
    except PlatformError as error:
        return app.platform_error(request, error)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", exported.fileName or "")[:100] or "laporan.csv"
    return Response(200, exported.content or b"", "text/csv; charset=utf-8",
                    [("Content-Disposition", f'attachment; filename="{name}"'), ("Cache-Control", "no-store")])


def purchases(app: Storefront, request: Request) -> Response:
    return show(app, request, PURCHASES)


def purchases_csv(app: Storefront, request: Request) -> Response:
    return csv_file(app, request, PURCHASES)


def sales(app: Storefront, request: Request) -> Response:
    return show(app, request, SALES)


def sales_csv(app: Storefront, request: Request) -> Response:
    return csv_file(app, request, SALES)


ROUTES = [
    Route("GET", r"/laporan", purchases),
    Route("GET", r"/laporan\.csv", purchases_csv),
    Route("GET", r"/toko/laporan", sales),
    Route("GET", r"/toko/laporan\.csv", sales_csv),
]
