"""Buying: the product page's cart and bid forms, the cart grouped by seller (with the won auctions
still to check out, whose kasir is pages/auctions.py), and checkout ("kasir") with a courier chosen
for each seller's group."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from storefront import won_auctions
from storefront.formats import items, rupiah, safe_photo, whole_rupiah
from storefront.pages.catalog import product
from storefront.platform import PlatformError
from storefront.web import Request, Response, Route

if TYPE_CHECKING:
    from storefront.app import Storefront

PRODUCT = r"/produk/(?P<product_id>[0-9]{1,18})"
MAX_QUANTITY = 9999  # a cart line's quantity is an xs:int; no shop sells more at once
MAX_GROUPS = 50  # seller groups read from one checkout form
CHOICE_PREFIX = "kirim:"  # a checkout radio group's name: kirim:<seller's username>
FLAG_TEXT = {"WITHDRAWN": "Produk ditarik penjual", "SOLD_OUT": "Stok habis", "UNAVAILABLE": "Produk tidak tersedia",
             "NOT_ENOUGH_STOCK": "Stok tidak mencukupi", "REPRICED": "Harga berubah",
             "SELLER_SUSPENDED": "Penjual sedang tidak berjualan"}
ORDER_MADE = "Pesanan dibuat. Silakan bayar sesuai petunjuk di bawah."  # the notice above a new invoice


def quantity_of(raw: str) -> int | None:
    """A quantity typed by the buyer: 1 to MAX_QUANTITY in ASCII digits, else None."""
    raw = raw.strip()
    return int(raw) if re.fullmatch(r"[0-9]{1,4}", raw) and 0 < int(raw) <= MAX_QUANTITY else None


# --- the product page's forms ---

def add_to_cart(app: Storefront, request: Request, product_id: str) -> Response:
    app.member(request)
    raw = request.form.get("jumlah", "")[:10]
    quantity = quantity_of(raw)
    if quantity is None:
        return product(app, request, product_id, 400, quantity=raw,
                            cart_error=f"Jumlah harus angka 1 sampai {MAX_QUANTITY}.")
    try:
        app.call(request, "Cart", "addItem", productId=int(product_id), quantity=quantity)
    except PlatformError as error:
        return product(app, request, product_id, error.http_status, quantity=raw,
                            cart_error=error.message)
    return app.notice_then(request, "Produk ditambahkan ke keranjang.", "/keranjang")


def place_bid(app: Storefront, request: Request, product_id: str) -> Response:
    app.member(request)
    raw = request.form.get("nilai", "")[:30]
    amount = whole_rupiah(raw)
    if amount is None or amount <= 0:
        return product(app, request, product_id, 400, bid=raw,
                            bid_error="Tawaran harus berupa angka rupiah, misalnya 800000.")
    try:
        placed = app.call(request, "Auction", "placeBid", productId=int(product_id), amount=amount)
    except PlatformError as error:
        return product(app, request, product_id, error.http_status, bid=raw,
                            bid_error=error.message)
    return app.notice_then(request, f"Tawaran Anda {rupiah(placed.amount)} tercatat. Tawaran berikutnya minimal "
                                    f"{rupiah(placed.minimumNextBid)}.", f"/produk/{product_id}")


# --- the cart ---

def cart_view(answer: Any) -> dict[str, Any]:
    """The Cart answer as the page shows it: groups of lines, each line's flags in words."""
    groups = []
    for group in items(answer.groups, "SellerGroup"):
        lines = [{"line": line, "photo": safe_photo(line.photoUrl),
                  "flags": [(flag.code, flag.message or FLAG_TEXT.get(flag.code, flag.code))
                            for flag in items(line.flags, "Flag")]}
                 for line in items(group.lines, "CartLine")]
        groups.append({"group": group, "lines": lines})
    return {"groups": groups, "total": answer.total, "ready": bool(answer.readyForCheckout),
            "count": answer.itemCount or 0}


def show_cart(app: Storefront, request: Request, status: int = 200, error: str | None = None,
              error_product: int | None = None) -> Response:
    try:
        cart = cart_view(app.call(request, "Cart", "getCart"))
    except PlatformError as failure:
        return app.platform_error(request, failure)
    if not any(entry["line"].productId == error_product for group in cart["groups"] for entry in group["lines"]):
        error_product = None  # no line to show it beside (removed meanwhile): shown above the cart
    won: list[Any] = []
    won_error = None
    try:  # won auctions wait for their checkout as the cart does; the cart shows without them
        won = won_auctions.won_not_checked_out(app, request)
    except PlatformError as failure:
        won_error = failure.message
    return app.render(request, "cart.html", status, error=error, error_product=error_product, won=won,
                      won_error=won_error, **cart)


def cart_page(app: Storefront, request: Request) -> Response:
    return show_cart(app, request)


def product_in_form(request: Request) -> int | None:
    raw = request.form.get("produk", "")[:18]
    return int(raw) if re.fullmatch(r"[0-9]{1,18}", raw) else None


def update_line(app: Storefront, request: Request) -> Response:
    app.member(request)
    product_id, quantity = product_in_form(request), quantity_of(request.form.get("jumlah", "")[:10])
    if product_id is None:
        return show_cart(app, request, 400, "Produk tidak dikenal.")
    if quantity is None:
        return show_cart(app, request, 400, f"Jumlah harus angka 1 sampai {MAX_QUANTITY}.", product_id)
    try:
        app.call(request, "Cart", "updateItem", productId=product_id, quantity=quantity)
    except PlatformError as error:
        return show_cart(app, request, error.http_status, error.message, product_id)
    return app.notice_then(request, "Jumlah diperbarui.", "/keranjang")


def remove_line(app: Storefront, request: Request) -> Response:
    app.member(request)
    product_id = product_in_form(request)
    if product_id is None:
        return show_cart(app, request, 400, "Produk tidak dikenal.")
    try:
        app.call(request, "Cart", "removeItem", productId=product_id)
    except PlatformError as error:
        return show_cart(app, request, error.http_status, error.message)
    return app.notice_then(request, "Produk dihapus dari keranjang.", "/keranjang")


# --- checkout ---

def quote_view(quote: Any) -> dict[str, Any]:
    options = [{"value": f"{o.courier}|{o.service}", "option": o} for o in items(quote.options, "ShippingOption")]
    return {"quote": quote, "options": options, "unavailable": items(quote.unavailableCouriers, "string")}


def show_checkout(app: Storefront, request: Request, status: int = 200, error: str | None = None,
                  chosen: dict[str, str] | None = None) -> Response:
    """The seller groups' shipping quotes as radio choices; a quote failing (an empty cart ...) is said
    on the page instead."""
    quotes: list[dict[str, Any]] = []
    try:
        quotes = [quote_view(q) for q in items(app.call(request, "Checkout", "quoteShipping"), "GroupQuote")]
    except PlatformError as failure:
        error = error or failure.message
    return app.render(request, "checkout.html", status, quotes=quotes, error=error, chosen=chosen or {},
                      prefix=CHOICE_PREFIX)


def checkout_page(app: Storefront, request: Request) -> Response:
    app.member(request)
    return show_checkout(app, request)


def chosen_couriers(form: dict[str, str]) -> dict[str, str]:
    """{seller's username: 'courier|service'} from the checkout form's radio groups."""
    chosen = {name[len(CHOICE_PREFIX):][:64]: value[:80] for name, value in form.items()
              if name.startswith(CHOICE_PREFIX) and "|" in value}
    return dict(list(chosen.items())[:MAX_GROUPS])


def check_out(app: Storefront, request: Request) -> Response:
    app.member(request)
    chosen = chosen_couriers(request.form)
    choices = [{"sellerUsername": seller, "courier": value.split("|", 1)[0][:20],
                "service": value.split("|", 1)[1][:40]} for seller, value in chosen.items()]
    try:
        invoices = items(app.call(request, "Checkout", "checkout", choices={"ShippingChoice": choices}), "Invoice")
    except PlatformError as error:
        return show_checkout(app, request, error.http_status, error.message, chosen)
    if len(invoices) == 1:
        return app.notice_then(request, ORDER_MADE, f"/faktur/{invoices[0].invoiceNumber}")
    return app.notice_then(request, f"{len(invoices)} faktur dibuat, satu untuk setiap penjual. Bayar masing-masing "
                                    "sesuai petunjuknya.", "/faktur")


ROUTES = [
    Route("POST", PRODUCT + r"/keranjang", add_to_cart),
    Route("POST", PRODUCT + r"/tawar", place_bid),
    Route("GET", r"/keranjang", cart_page),
    Route("POST", r"/keranjang/ubah", update_line),
    Route("POST", r"/keranjang/hapus", remove_line),
    Route("GET", r"/kasir", checkout_page),
    Route("POST", r"/kasir", check_out),
]
