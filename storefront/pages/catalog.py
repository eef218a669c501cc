"""The catalogue as a buyer browses it: the home page's search and filters, and a product's page."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from storefront import regions, won_auctions
from storefront.formats import as_wib, items, safe_photo, whole_rupiah
from storefront.platform import PlatformError
from storefront.web import Request, Response, Route, page_number
from storefront.words import INVOICE_STATUS

if TYPE_CHECKING:
    from storefront.app import Storefront

PAGE_SIZE = 12
SALE_METHODS = {"tetap": "FIXED", "lelang": "AUCTION"}
SORTS = {"terbaru": ("NEWEST", "Terbaru"), "termurah": ("PRICE_ASC", "Harga terendah"),
         "termahal": ("PRICE_DESC", "Harga tertinggi"), "segera-berakhir": ("ENDING_SOON", "Lelang segera berakhir")}
STATUS_TEXT = {"ACTIVE": "Tersedia", "SOLD_OUT": "Stok habis", "WITHDRAWN": "Ditarik penjual",
               "ENDED": "Lelang berakhir", "SOLD": "Terjual", "UNSOLD": "Tidak terjual", "CLOSED": "Lelang ditutup"}


def home(app: Storefront, request: Request) -> Response:
    q = request.query
    errors: list[str] = []
    text = q.get("q", "").strip()[:100]
    filters: dict[str, Any] = {}
    if text:
        filters["text"] = text
    category = q.get("kategori", "").strip()[:64]
    if category:
        filters["category"] = category
    province = q.get("provinsi", "").strip()[:8]
    city = q.get("kota", "").strip()[:16]
    method = q.get("jenis", "")
    if method in SALE_METHODS:
        filters["saleMethod"] = SALE_METHODS[method]
    prices: dict[str, int | None] = {}
    for name, key, label in (("min", "minPrice", "Harga terendah"), ("max", "maxPrice", "Harga tertinggi")):
        raw = q.get(name, "")
        prices[name] = whole_rupiah(raw)
        if prices[name] is not None:
            filters[key] = prices[name]
        elif raw.strip():
            errors.append(f"{label} harus berupa angka rupiah, misalnya 25000.")
    sort = q.get("urut", "terbaru")
    if sort not in SORTS:
        sort = "terbaru"
    filters["sort"] = SORTS[sort][0]
    verified = q.get("verif") == "1"
    page = page_number(q.get("hal", "1"))

    provinces: list[tuple[str, str]] = []
    cities: list[tuple[str, str]] = []
    categories: list[tuple[str, str]] = []
    results: list[Any] = []
    has_more = False
    try:
        provinces = regions.provinces(app)
        if province in dict(provinces):
            filters["province"] = province
            cities = regions.cities(app, province)
            if city in dict(cities):
                filters["city"] = city
        answer = app.platform.call("Catalog", "listCategories")
        categories = [(c.code, c.name) for c in items(answer, "Category")]
        if not errors:
            found = app.platform.call("Catalog", "searchProducts", filters=filters, page=page, pageSize=PAGE_SIZE,
                                      verifiedOnly=verified or None)
            results = items(found.products, "ProductSummary")
            has_more = bool(found.hasMore)
    except PlatformError as error:
        errors.append(error.message)
    cards = [{"product": p, "photo": safe_photo(p.photoUrl),
              "place": regions.place(app, p.sellerProvinceCode, p.sellerCityCode)} for p in results]
    kept = {k: v for k, v in q.items() if k != "hal" and v}

    def link(number: int) -> str:
        return "/?" + urlencode({**kept, "hal": str(number)})
    return app.render(request, "home.html", text=text, category=category, province=province, city=city,
                      method=method, min_price=prices["min"], max_price=prices["max"], sort=sort,
                      verified=verified, sorts=[(k, v[1]) for k, v in SORTS.items()], provinces=provinces,
                      cities=cities, categories=categories, cards=cards, errors=errors, page=page,
                      previous_link=link(page - 1) if page > 1 else None,
                      next_link=link(page + 1) if has_more else None, searched=bool(kept))


def product(app: Storefront, request: Request, product_id: str, status: int = 200, **extra: Any) -> Response:
    """The product's page; `extra`: a refused form's error and typed value (pages/buying.py, auctions.py).
    A closed auction also shows where the logged-in viewer stands on it (won_auctions.standing)."""
    try:
        found = app.platform.call("Catalog", "getProduct", productId=int(product_id))
    except PlatformError as error:
        return app.platform_error(request, error)
    ends = as_wib(found.endsAt)
    return app.render(request, "product.html", status, product=found,
                      photos=[url for url in map(safe_photo, found.photoUrls or []) if url],
                      status_text=STATUS_TEXT.get(found.status, found.status),
                      ended=ends is not None and ends <= datetime.now(timezone.utc),
                      place=regions.place(app, found.sellerProvinceCode, found.sellerCityCode),
                      standing=won_auctions.standing(app, request, found), invoice_status=INVOICE_STATUS, **extra)


ROUTES = [
    Route("GET", r"/", home),
    Route("GET", r"/produk/(?P<product_id>[0-9]{1,18})", product),
]
