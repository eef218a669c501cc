"""A seller's own shop under /toko: their products (list, sell, change, withdraw, an auction's bids),
and the paid orders waiting to be shipped (the sales report: pages/reports.py).

The platform has no operation listing a seller's products in every status, nor their orders to ship:
the products are `Catalog.searchProducts` with the seller filter (what is on sale), the orders are
`Report.salesReport` rows whose order is PAID."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from storefront.formats import WIB, as_wib, items, safe_photo, whole_rupiah
from storefront.pages.catalog import STATUS_TEXT
from storefront.pages.reports import SALES, report_rows, today
from storefront.platform import PlatformError
from storefront.web import HTTPError, Request, Response, Route, not_found, page_number
from storefront.words import COURIERS

if TYPE_CHECKING:
    from storefront.app import Storefront

PRODUCTS_PAGE_SIZE = 50  # the most searchProducts gives a page
BIDS_SHOWN = 50
SHIP_WINDOW_DAYS = 30  # a paid order is cancelled unless shipped within days: older invoices are done with
METHODS = {"FIXED": "Harga tetap", "AUCTION": "Lelang"}

# --- the product form: its fields carry the platform's names, so a fault's fields land beside them ---

TEXT_LIMITS = {"name": 1000, "description": 20000, "category": 1000}  # the WSDL's; the platform's own rules say less
COMMON_REQUIRED = ("name", "description", "category", "weightGrams")
METHOD_FIELDS = {"FIXED": ("price", "stock"), "AUCTION": ("startPrice", "minIncrement", "reservePrice", "endsAt")}
METHOD_REQUIRED = {"FIXED": ("price", "stock"), "AUCTION": ("startPrice", "minIncrement", "endsAt")}
MONEY_FIELDS = ("price", "startPrice", "minIncrement", "reservePrice")
COUNT_FIELDS = ("weightGrams", "stock")
PHOTO_LINES_MAX = 50  # the WSDL's; the platform allows 8 and says so
PHOTO_URL_MAX = 2000
REASON_MAX = 200  # withdrawProduct's reason (Catalog's rule)
WAYBILL_MAX = 60
SHIP_FIELDS = ("courier", "waybill", "reason")  # shipOrder's fields the shipping form shows beside an input
MONEY_ERROR = "Isi dengan angka rupiah, misalnya 25000."
COUNT_ERROR = "Isi dengan angka bulat, misalnya 300."
TIME_ERROR = "Isi tanggal dan jam, misalnya 2026-12-24 20:00."
PHOTOS_ERROR = f"Paling banyak {PHOTO_LINES_MAX} baris alamat foto."


@dataclass
class ListingForm:
    """A product form as typed (`typed`, shown again), what of it can be sent (`values`, platform
    names and types), and what could not be read (`errors`, by field)."""
    typed: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.typed.get("saleMethod", "")


def read_listing(form: dict[str, str]) -> ListingForm:
    """The listing a seller typed, read field by field; fields of the other sale method are left out."""
    typed = {name: form.get(name, "")[:limit].strip() for name, limit in TEXT_LIMITS.items()}
    typed["saleMethod"] = form.get("saleMethod", "") if form.get("saleMethod") in METHODS else ""
    for name in (*MONEY_FIELDS, *COUNT_FIELDS, "endsAt"):
        typed[name] = form.get(name, "")[:40].strip()
    typed["photoUrls"] = form.get("photoUrls", "")[:PHOTO_LINES_MAX * PHOTO_URL_MAX]
    listing = ListingForm(typed)
    listing.values = {name: typed[name] for name in TEXT_LIMITS if typed[name]}
    if listing.method:
        listing.values["saleMethod"] = listing.method
    wanted = ("weightGrams", *METHOD_FIELDS.get(listing.method, ()))
    for name in wanted:
        raw = typed[name]
        if not raw:
            continue
        value = _read_value(name, raw)
        if value is None:
            listing.errors[name] = MONEY_ERROR if name in MONEY_FIELDS else TIME_ERROR if name == "endsAt" \
                else COUNT_ERROR
        else:
            listing.values[name] = value
    photos = [line.strip() for line in typed["photoUrls"].splitlines() if line.strip()]
    if len(photos) > PHOTO_LINES_MAX or any(len(url) > PHOTO_URL_MAX for url in photos):
        listing.errors["photoUrls"] = PHOTOS_ERROR
    else:
        listing.values["photoUrls"] = photos
    return listing


def _read_value(name: str, raw: str) -> Any:
    if name in MONEY_FIELDS:
        return whole_rupiah(raw)
    if name == "endsAt":
        return wib_time(raw)
    return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None


def wib_time(raw: str) -> datetime | None:
    """A time typed in WIB ("2026-12-24T20:00", as <input type=datetime-local> sends it, or with a space)."""
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=WIB, second=0, microsecond=0) if moment.tzinfo is None else None


def local_time(moment: datetime | None) -> str:
    """A platform time as <input type=datetime-local> shows it, in WIB."""
    aware = as_wib(moment)
    return aware.astimezone(WIB).strftime("%Y-%m-%dT%H:%M") if aware is not None else ""


def sure_to_fail(listing: ListingForm) -> bool:
    """Whether sellProduct must refuse the form: a required field is left out (unreadable or empty),
    so the call only gathers the platform's other messages and lists nothing."""
    required = (*COMMON_REQUIRED, *METHOD_REQUIRED.get(listing.method, ()))
    return not listing.method or any(name not in listing.values for name in required)


def categories(app: Storefront) -> list[tuple[str, str]]:
    answer = app.platform.call("Catalog", "listCategories")
    return [(c.code, c.name) for c in items(answer, "Category")]


# --- the seller's products ---

def products(app: Storefront, request: Request) -> Response:
    session = app.member(request, role="SELLER")
    page = page_number(request.query.get("hal", "1"))
    try:
        found = app.call(request, "Catalog", "searchProducts", filters={"seller": session.username, "sort": "NEWEST"},
                         page=page, pageSize=PRODUCTS_PAGE_SIZE)
    except PlatformError as error:
        return app.render(request, "seller_products.html", products=[], error=error.message, page=page,
                          previous_link=None, next_link=None, methods=METHODS, status_text=STATUS_TEXT)
    listed = items(found.products, "ProductSummary")
    return app.render(request, "seller_products.html", products=listed, error=None, page=page,
                      previous_link=f"/toko?hal={page - 1}" if page > 1 else None,
                      next_link=f"/toko?hal={page + 1}" if found.hasMore else None,
                      methods=METHODS, status_text=STATUS_TEXT)


def new_product_form(app: Storefront, request: Request) -> Response:
    app.member(request, role="SELLER")
    return _render_sell(app, request, ListingForm({"saleMethod": "FIXED"}), [])


def sell(app: Storefront, request: Request) -> Response:
    app.member(request, role="SELLER")
    listing = read_listing(request.form)
    general: list[str] = []
    if listing.errors and not sure_to_fail(listing):
        return _render_sell(app, request, listing, general, 400)
    try:
        sold = app.call(request, "Catalog", "sellProduct", form=listing.values)
    except PlatformError as error:
        if error.http_status >= 500:
            return app.platform_error(request, error)
        by_field, general = error.split()
        listing.errors = {**by_field, **listing.errors}  # what the storefront could not read says why itself
        return _render_sell(app, request, listing, general, 400)
    return app.notice_then(request, f"Produk “{sold.name}” sudah dijual.", f"/toko/produk/{sold.productId}")


def _render_sell(app: Storefront, request: Request, listing: ListingForm, general: list[str],
                 status: int = 200) -> Response:
    return app.render(request, "seller_sell.html", status, listing=listing, general=general,
                      categories=_categories_or_none(app), methods=METHODS)


def _categories_or_none(app: Storefront) -> list[tuple[str, str]]:
    try:
        return categories(app)
    except PlatformError:  # the form still shows; sending it tells what is wrong
        return []


def own_product(app: Storefront, request: Request, product_id: str) -> Any:
    """The seller's own product (an admin may see any); 404 for another seller's."""
    session = app.member(request, role="SELLER")
    try:
        found = app.platform.call("Catalog", "getProduct", productId=int(product_id))
    except PlatformError as error:
        if error.not_found:
            raise not_found("Produk ini tidak ada.") from None
        raise HTTPError(error.http_status, "Permintaan tidak dapat diproses", error.message) from None
    if session.role != "ADMIN" and found.sellerUsername.casefold() != (session.username or "").casefold():
        raise not_found("Produk ini bukan milik toko Anda.")
    return found


def product_typed(found: Any) -> dict[str, str]:
    """The edit form's values: the product as it is."""
    def shown(value: Any) -> str:
        return "" if value is None else str(value)
    return {"name": found.name, "description": found.description or "", "category": found.categoryCode,
            "saleMethod": found.saleMethod, "weightGrams": shown(found.weightGrams),
            "price": shown(found.price) if found.saleMethod == "FIXED" else "", "stock": shown(found.stock),
            "startPrice": shown(found.startPrice), "minIncrement": shown(found.minIncrement), "reservePrice": "",
            "endsAt": local_time(found.endsAt), "photoUrls": "\n".join(found.photoUrls or [])}


def product_page(app: Storefront, request: Request, product_id: str) -> Response:
    found = own_product(app, request, product_id)
    return _render_product(app, request, found, ListingForm(product_typed(found)), [], reason="", reason_error=None)


def _render_product(app: Storefront, request: Request, found: Any, listing: ListingForm, general: list[str],
                    reason: str, reason_error: str | None, status: int = 200) -> Response:
    bids: list[Any] = []
    bids_error = None
    if found.saleMethod == "AUCTION":
        try:
            answer = app.platform.call("Auction", "listBids", productId=found.productId, page=1, pageSize=BIDS_SHOWN)
            bids = items(answer.bids, "Bid")
        except PlatformError as error:
            bids_error = error.message
    ends = as_wib(found.endsAt)
    ended = ends is not None and ends <= datetime.now(WIB)
    open_status = found.status in ("ACTIVE", "SOLD_OUT")
    return app.render(request, "seller_product.html", status, product=found, listing=listing, general=general,
                      categories=_categories_or_none(app), methods=METHODS, bids=bids, bids_error=bids_error,
                      status_text=STATUS_TEXT.get(found.status, found.status),
                      photos=[url for url in map(safe_photo, found.photoUrls or []) if url],
                      editable=open_status and not ended and not (found.saleMethod == "AUCTION" and found.bidCount),
                      withdrawable=open_status and not ended, reason=reason, reason_error=reason_error)


def update(app: Storefront, request: Request, product_id: str) -> Response:
    found = own_product(app, request, product_id)
    listing = read_listing({**request.form, "saleMethod": found.saleMethod})  # the sale method is for good
    if listing.errors:
        return _render_product(app, request, found, listing, [], "", None, 400)
    current = read_listing(product_typed(found)).values
    changes = {name: value for name, value in listing.values.items()
               if name != "saleMethod" and value != current.get(name)}
    if not changes:
        return app.notice_then(request, "Tidak ada yang berubah.", f"/toko/produk/{found.productId}")
    try:
        app.call(request, "Catalog", "updateProduct", productId=found.productId, changes=changes)
    except PlatformError as error:
        if error.not_found or error.http_status >= 500:
            return app.platform_error(request, error)
        listing.errors, general = error.split()
        return _render_product(app, request, found, listing, general, "", None, 400)
    return app.notice_then(request, "Perubahan produk sudah disimpan.", f"/toko/produk/{found.productId}")


def withdraw(app: Storefront, request: Request, product_id: str) -> Response:
    found = own_product(app, request, product_id)
    reason = request.form.get("alasan", "").strip()
    problem = ("Tuliskan alasan produk ditarik." if not reason
               else f"Alasan paling banyak {REASON_MAX} karakter." if len(reason) > REASON_MAX else None)
    if problem is None:
        try:
            app.call(request, "Catalog", "withdrawProduct", productId=found.productId, reason=reason)
        except PlatformError as error:
            if error.not_found or error.http_status >= 500:
                return app.platform_error(request, error)
            problem = error.message
    if problem is not None:
        return _render_product(app, request, found, ListingForm(product_typed(found)), [], reason[:REASON_MAX * 2],
                               problem, 400)
    return app.notice_then(request, f"Produk “{found.name}” sudah ditarik dari penjualan.", "/toko")


# --- orders to ship ---

def orders(app: Storefront, request: Request) -> Response:
    app.member(request, role="SELLER")
    return _render_orders(app, request, {}, None)


@dataclass
class Shipment:
    """One order's shipping form as typed, and what went wrong with it."""
    order: str
    courier: str
    waybill: str
    reason: str
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def _render_orders(app: Storefront, request: Request, typed: dict[str, Shipment], error: str | None,
                   status: int = 200) -> Response:
    waiting: list[Any] = []
    try:
        _, rows = report_rows(app, request, SALES, today() - timedelta(days=SHIP_WINDOW_DAYS), today())
        waiting = [row for row in rows if row.orderStatus == "PAID"]
    except PlatformError as failure:
        error = failure.message
    forms = {row.orderNumber: typed.get(row.orderNumber) or Shipment(row.orderNumber, row.courier, "", "")
             for row in waiting}
    for shipment in typed.values():  # refused for an order no longer waiting (shipped in another tab ...)
        if shipment.order not in forms:
            error = "; ".join([*shipment.errors.values(), *shipment.general]) or error
    return app.render(request, "seller_orders.html", status, orders=waiting, forms=forms, error=error,
                      couriers=COURIERS, window=SHIP_WINDOW_DAYS)


def ship(app: Storefront, request: Request) -> Response:
    app.member(request, role="SELLER")
    form = request.form
    shipment = Shipment(form.get("pesanan", "")[:40].strip(), form.get("kurir", "")[:20].strip(),
                        form.get("resi", "")[:WAYBILL_MAX].strip(), form.get("alasan", "")[:REASON_MAX].strip())
    if not shipment.waybill:
        shipment.errors["waybill"] = "Isi nomor resi dari kurir."
    else:
        try:
            app.call(request, "Shipping", "shipOrder", orderNumber=shipment.order, courier=shipment.courier,
                     waybill=shipment.waybill, reason=shipment.reason or None)
        except PlatformError as error:
            if error.http_status >= 500:
                return app.platform_error(request, error)
            named, shipment.general = error.split()
            shipment.errors = {name: text for name, text in named.items() if name in SHIP_FIELDS}
            shipment.general += [text for name, text in named.items() if name not in SHIP_FIELDS]
        else:
            courier = COURIERS.get(shipment.courier, shipment.courier)
            return app.notice_then(request, f"Pesanan {shipment.order} sudah dikirim via {courier}, resi "
                                            f"{shipment.waybill.upper()}.", "/toko/pesanan")
    return _render_orders(app, request, {shipment.order: shipment}, None, 400)


ROUTES = [
    Route("GET", r"/toko", products),
    Route("GET", r"/toko/produk/baru", new_product_form),
    Route("POST", r"/toko/produk/baru", sell),
    Route("GET", r"/toko/produk/(?P<product_id>[0-9]{1,18})", product_page),
    Route("POST", r"/toko/produk/(?P<product_id>[0-9]{1,18})", update),
    Route("POST", r"/toko/produk/(?P<product_id>[0-9]{1,18})/tarik", withdraw),
    Route("GET", r"/toko/pesanan", orders),
    Route("POST", r"/toko/pesanan/kirim", ship),
]
