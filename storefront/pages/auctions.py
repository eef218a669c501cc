"""A won auction's checkout ("kasir lelang"): where to ship it and the courier
(Checkout.quoteAuctionShipping), then its invoice (Checkout.checkoutAuction); and a bidder's answer to
a second chance (Auction.acceptSecondChance / declineSecondChance), after which they check out the
same way a winner does."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from storefront import regions, won_auctions
from storefront.formats import items, rupiah
from storefront.pages.account import CITY_STEP, Form, place_choices
from storefront.pages.buying import ORDER_MADE, quote_view
from storefront.pages.catalog import product
from storefront.platform import PlatformError
from storefront.web import Request, Response, Route
from storefront.words import INVOICE_STATUS

if TYPE_CHECKING:
    from storefront.app import Storefront

AUCTION = r"/lelang/(?P<product_id>[0-9]{1,18})"
# named as the platform names ShippingAddress's fields, so its Client.Validation lands beside each;
# the province only lists its cities. Bounds a little over the platform's own limits (its TOO_LONG shows)
BOUNDS = {"addressId": 18, "address": 600, "province": 8, "cityCode": 16}
CHOICE = "kirim"  # the radio group of courier|service
QUOTE_STEP = "hitung"  # "Hitung ongkos kirim": a quote for the address typed, nothing ordered
NO_CHOICE = "Pilih kurir dan layanan pengiriman."
BAD_BOOK_ENTRY = "Pilih alamat dari buku alamat Anda."
# the platform's refusals of the courier chosen, said beside the choices
CHOICE_FAULTS = ("CHOICE_MISSING", "COURIER_NOT_QUOTED", "SERVICE_NOT_QUOTED", "QUOTE_OUTDATED", "QUOTE_EXPIRED")


# --- the address form ---

def typed_address(request: Request) -> Form:
    values = {name: request.form.get(name, "")[:bound].strip() for name, bound in BOUNDS.items()}
    if values["cityCode"] and not values["province"]:  # a Kemendagri city code begins with its province's
        values["province"] = values["cityCode"].split(".")[0]
    form = Form(values)
    if values["addressId"] and not re.fullmatch(r"[0-9]{1,18}", values["addressId"]):
        form.errors["addressId"], form.status = BAD_BOOK_ENTRY, 400
    return form


def shipping_address(form: Form) -> dict[str, Any] | None:
    """ShippingAddress as typed: None, the registered address, when nothing was. Half an address is
    sent as it is, so that the platform says what is missing rather than ship elsewhere."""
    values = form.values
    sent = {"address": values["address"] or None, "cityCode": values["cityCode"] or None,
            "addressId": int(values["addressId"]) if values["addressId"].isdigit() else None}
    return sent if any(value is not None for value in sent.values()) else None


def refused(form: Form, error: PlatformError) -> None:
    """The platform's refusal on the form: an address field's message beside it, a courier's beside the
    choices, the rest above the form (each once)."""
    fields, general = error.split()
    for name, text in fields.items():
        if name in BOUNDS:
            form.errors.setdefault(name, text)
        else:
            general.append(text)
    if error.code in CHOICE_FAULTS:
        form.errors[CHOICE] = error.message
    else:
        form.general += [text for text in general if text not in form.general]
    if form.status == 200:
        form.status = error.http_status


# --- the kasir ---

def show_kasir(app: Storefront, request: Request, product_id: str, form: Form | None = None, chosen: str = "",
               quoting: bool = True) -> Response:
    """The kasir of the auction: a fresh quote for the address on the form (unless the form's address
    is refused, or `quoting` is off for the city step), or the invoice once it is checked out, or the
    platform's refusal (not won ...) without a form."""
    form = form or Form(dict.fromkeys(BOUNDS, ""))
    try:
        found = app.platform.call("Catalog", "getProduct", productId=int(product_id))
        invoice = won_auctions.invoice_of(app, request, found.productId)
    except PlatformError as error:
        return app.platform_error(request, error)
    context: dict[str, Any] = {"product": found, "form": form, "chosen": chosen, "choice": CHOICE}
    if won_auctions.holds_checkout(invoice):
        return app.render(request, "auction_checkout.html", form.status, invoice=invoice,
                          invoice_status=INVOICE_STATUS, **context)
    quote = None
    if quoting and not any(name in BOUNDS for name in form.errors):
        try:
            quote = quote_view(app.call(request, "Checkout", "quoteAuctionShipping", productId=found.productId,
                                        shippingAddress=shipping_address(form)))
        except PlatformError as error:
            if error.not_found:
                return app.platform_error(request, error)
            refused(form, error)
            if not error.fields:  # the auction itself refused (not won ...): nothing to fill in
                return app.render(request, "auction_checkout.html", form.status, **context)
    try:
        profile = app.call(request, "Member", "getProfile")
        book = [(str(entry.addressId), f"{entry.label}: {entry.name}, {entry.address}")
                for entry in items(app.call(request, "Member", "listAddresses"), "Address")]
        provinces, cities = place_choices(app, form.values["province"])
    except PlatformError as error:
        return app.platform_error(request, error)
    return app.render(request, "auction_checkout.html", form.status, quote=quote, profile=profile, book=book,
                      provinces=provinces, cities=cities, values=form.values,
                      place=regions.place(app, profile.provinceCode, profile.cityCode), ordering=True, **context)


def kasir_page(app: Storefront, request: Request, product_id: str) -> Response:
    app.member(request)
    return show_kasir(app, request, product_id)


def check_out_auction(app: Storefront, request: Request, product_id: str) -> Response:
    """"Buat pesanan": checkoutAuction with the courier and address chosen; the form's other buttons
    list a province's cities ("Pilih kota") or quote the address typed ("Hitung ongkos kirim")."""
    app.member(request)
    form, chosen, action = typed_address(request), request.form.get(CHOICE, "")[:80], request.form.get("aksi")
    if action == CITY_STEP:
        return show_kasir(app, request, product_id, form, chosen, quoting=False)
    if action == QUOTE_STEP or form.errors:
        return show_kasir(app, request, product_id, form, chosen)
    if "|" not in chosen:  # said without a call: the platform would name an empty courier
        form.errors[CHOICE], form.status = NO_CHOICE, 400
        return show_kasir(app, request, product_id, form, chosen)
    courier, service = chosen.split("|", 1)
    try:
        invoice = app.call(request, "Checkout", "checkoutAuction", productId=int(product_id),
                           choice={"courier": courier[:20], "service": service[:40]},
                           shippingAddress=shipping_address(form))
    except PlatformError as error:
        if error.not_found:
            return app.platform_error(request, error)
        refused(form, error)
        return show_kasir(app, request, product_id, form, chosen)
    return app.notice_then(request, ORDER_MADE, f"/faktur/{invoice.invoiceNumber}")


# --- a second chance, answered on the product page ---

def accept_second_chance(app: Storefront, request: Request, product_id: str) -> Response:
    app.member(request)
    try:
        offer = app.call(request, "Auction", "acceptSecondChance", productId=int(product_id))
    except PlatformError as error:
        return product(app, request, product_id, error.http_status, second_chance_error=error.message)
    return app.notice_then(request, f"Anda menerima kesempatan kedua seharga {rupiah(offer.offerAmount)}. Pilih "
                                    "alamat dan kurir, lalu buat pesanan.", f"/lelang/{product_id}/kasir")


def decline_second_chance(app: Storefront, request: Request, product_id: str) -> Response:
    app.member(request)
    try:
        app.call(request, "Auction", "declineSecondChance", productId=int(product_id))
    except PlatformError as error:
        return product(app, request, product_id, error.http_status, second_chance_error=error.message)
    return app.notice_then(request, "Anda menolak kesempatan kedua.", f"/produk/{product_id}")


ROUTES = [
    Route("GET", AUCTION + r"/kasir", kasir_page),
    Route("POST", AUCTION + r"/kasir", check_out_auction),
    Route("POST", AUCTION + r"/terima", accept_second_chance),
    Route("POST", AUCTION + r"/tolak", decline_second_chance),
]
