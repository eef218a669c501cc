"""Catalogue rules (no I/O): what a listing must satisfy, which action a buyer gets, how to search.

Every check of a form runs, so one fault lists every problem of it (as registration does).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from emall_ws.domain import search_words
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.text import UNSAFE_CHARACTER, multi_line_ok, single_line_ok
from emall_ws.domain.paging import page_and_size, page_errors
from emall_ws.domain.pipelines import ProductStatus

FIXED, AUCTION = "FIXED", "AUCTION"
SALE_METHODS = (FIXED, AUCTION)
BUY, BID, NONE = "BUY", "BID", "NONE"  # the paper's "tombol beli", "tombol tawar", neither
ACTIONS = (BUY, BID, NONE)
NEWEST, PRICE_ASC, PRICE_DESC, ENDING_SOON = "NEWEST", "PRICE_ASC", "PRICE_DESC", "ENDING_SOON"
SORTS = (NEWEST, PRICE_ASC, PRICE_DESC, ENDING_SOON)

_CATEGORY_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# InnoDB's default FULLTEXT stopwords (information_schema.INNODB_FT_DEFAULT_STOPWORD) of 3+ letters,
# which searches have always dropped: kept, so a search finds what it found
STOPWORDS = frozenset("about are com for from how that the this und was what when where who will with www".split())


def category_code(value: str | None) -> str:
    """A category code as a request types it, in its one spelling (lower case): " KOPI " -> "kopi". The only
    place that folds one: a code is stored, answered and quoted lower-case."""
    return (value or "").strip().lower()


class CatalogSettings(Protocol):
    """What CatalogPolicy reads of emall_ws.config.Settings."""
    @property
    def auction_min_duration(self) -> float: ...


@dataclass(frozen=True)
class CatalogPolicy:
    name_min: int = 3
    name_max: int = 200
    description_max: int = 5000
    weight_max_grams: int = 150_000  # the heaviest parcel the couriers' tariffs go to
    price_max: int = 10**12  # Rp 1 trillion: far above any KUKM product, far below BIGINT
    stock_max: int = 1_000_000
    photos_max: int = 8
    photo_url_max: int = 500
    auction_min_duration: timedelta = timedelta(hours=1)  # EMALL_AUCTION_MIN_DURATION
    auction_max_duration: timedelta = timedelta(days=30)
    page_size_default: int = 20
    page_size_max: int = 50
    # deep OFFSET pages cost O(offset) rows; nobody reads past this many results (narrow the search)
    result_window: int = 10_000
    search_text_max: int = 100
    search_terms_max: int = 8
    # the text index holds prefixes of this many characters and more (domain.search_words)
    search_term_min: int = search_words.MIN_LENGTH
    category_name_max: int = 100
    category_code_max: int = 50
    reason_max: int = 200

    @classmethod
    def from_settings(cls, settings: CatalogSettings) -> CatalogPolicy:
        """From emall_ws.config.Settings (EMALL_AUCTION_MIN_DURATION, in seconds)."""
        return cls(auction_min_duration=timedelta(seconds=settings.auction_min_duration))


@dataclass(frozen=True)
class ProductForm:
    """A seller's listing as sent; any field may be missing so that one fault names all of them."""
    name: str | None = None
    description: str | None = None
    category: str | None = None
    weight_grams: int | None = None
    sale_method: str | None = None
    price: int | None = None
    stock: int | None = None
    start_price: int | None = None
    min_increment: int | None = None
    reserve_price: int | None = None
    ends_at: datetime | None = None  # naive UTC
    photo_urls: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Listing:
    """A valid listing, normalised (trimmed text, upper-case method, lower-case category code)."""
    name: str
    description: str
    category: str
    weight_grams: int
    sale_method: str
    price: int | None
    stock: int | None
    start_price: int | None
    min_increment: int | None
    reserve_price: int | None
    ends_at: datetime | None
    photo_urls: tuple[str, ...]


_FIXED_ONLY = ("price", "stock")
_AUCTION_ONLY = ("start_price", "min_increment", "reserve_price", "ends_at")
SOAP_NAMES = {"weight_grams": "weightGrams", "sale_method": "saleMethod", "start_price": "startPrice",
              "min_increment": "minIncrement", "reserve_price": "reservePrice", "ends_at": "endsAt",
              "photo_urls": "photoUrls", "min_price": "minPrice", "max_price": "maxPrice",
              "page_size": "pageSize"}


def _soap(name: str) -> str:
    return SOAP_NAMES.get(name, name)


def merge(form: ProductForm, changes: ProductForm) -> ProductForm:
    """`form` with every field `changes` gives (not None) replaced."""
    given = {f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not None}
    return replace(form, **given)


def validate_listing(form: ProductForm, now: datetime, policy: CatalogPolicy, *, stock_min: int = 1,
                     check_end: bool = True) -> Listing:
    """The listing `form` describes, or ValidationFailed with every problem.

    `stock_min` is 0 when updating (a seller may mark a product sold out); `check_end` is False when
    an update leaves an auction's end time as it was (it was checked when set)."""
    errors: list[FieldError] = []
    name = _text(form.name, "name", policy.name_min, policy.name_max, errors)
    description = _text(form.description, "description", 1, policy.description_max, errors, multi_line=True)
    category = category_code(form.category)
    if not category:
        errors.append(FieldError("category", "REQUIRED"))
    weight = _whole(form.weight_grams, "weight_grams", 1, policy.weight_max_grams, errors)
    method = (form.sale_method or "").strip().upper()
    if not method:
        errors.append(FieldError("saleMethod", "REQUIRED"))
    elif method not in SALE_METHODS:
        errors.append(FieldError("saleMethod", "UNKNOWN_SALE_METHOD", {"methods": ", ".join(SALE_METHODS)}))
    if method == FIXED:
        _not_for(form, _AUCTION_ONLY, method, errors)
        _whole(form.price, "price", 1, policy.price_max, errors)
        _whole(form.stock, "stock", stock_min, policy.stock_max, errors)
    elif method == AUCTION:
        _not_for(form, _FIXED_ONLY, method, errors)
        start = _whole(form.start_price, "start_price", 1, policy.price_max, errors)
        _whole(form.min_increment, "min_increment", 1, policy.price_max, errors)
        if form.reserve_price is not None:
            reserve = _whole(form.reserve_price, "reserve_price", 1, policy.price_max, errors)
            if reserve is not None and start is not None and reserve < start:
                errors.append(FieldError("reservePrice", "RESERVE_BELOW_START"))
        if form.ends_at is None:
            errors.append(FieldError("endsAt", "REQUIRED"))
        elif check_end:
            _auction_end(form.ends_at, now, policy, errors)
    photos = _photos(form.photo_urls or (), policy, errors)
    if errors:
        raise ValidationFailed(errors)
    assert weight is not None  # a missing one is an error above
    return Listing(name=name, description=description, category=category, weight_grams=weight,
                   sale_method=method, price=form.price, stock=form.stock if method == FIXED else 1,
                   start_price=form.start_price, min_increment=form.min_increment,
                   reserve_price=form.reserve_price, ends_at=form.ends_at, photo_urls=photos)


def _text(value: str | None, field: str, minimum: int, maximum: int, errors: list[FieldError],
          multi_line: bool = False) -> str:
    text = (value or "").strip()
    if not text:
        errors.append(FieldError(field, "REQUIRED"))
    elif not (multi_line_ok if multi_line else single_line_ok)(text):
        errors.append(FieldError(field, UNSAFE_CHARACTER))
    elif len(text) < minimum:
        errors.append(FieldError(field, "TOO_SHORT", {"min": minimum}))
    elif len(text) > maximum:
        errors.append(FieldError(field, "TOO_LONG", {"max": maximum}))
    return text


def _whole(value: int | None, field: str, minimum: int, maximum: int, errors: list[FieldError]) -> int | None:
    if value is None:
        errors.append(FieldError(_soap(field), "REQUIRED"))
    elif value < minimum:
        errors.append(FieldError(_soap(field), "MIN_VALUE", {"min": minimum}))
    elif value > maximum:
        errors.append(FieldError(_soap(field), "MAX_VALUE", {"max": maximum}))
    else:
        return value
    return None


def _not_for(form: ProductForm, names: tuple[str, ...], method: str, errors: list[FieldError]) -> None:
    # a stray field is refused rather than ignored: the seller meant something by it
    for name in names:
        if getattr(form, name) is not None:
            errors.append(FieldError(_soap(name), "FIELD_NOT_FOR_METHOD", {"method": method}))


def _auction_end(ends_at: datetime, now: datetime, policy: CatalogPolicy, errors: list[FieldError]) -> None:
    if ends_at < now + policy.auction_min_duration:
        errors.append(FieldError("endsAt", "AUCTION_END_TOO_SOON", duration_words(policy.auction_min_duration)))
    elif ends_at > now + policy.auction_max_duration:
        errors.append(FieldError("endsAt", "AUCTION_END_TOO_LATE", {"days": policy.auction_max_duration.days}))


_UNITS = ((3600, "jam", "hour(s)"), (60, "menit", "minute(s)"), (1, "detik", "second(s)"))


def duration_words(duration: timedelta) -> dict[str, object]:
    """A duration as a person reads it, in each language ({"duration_id": "1 jam 30 menit", "duration_en":
    "1 hour(s) 30 minute(s)"}): the minimum auction length is a setting, hours are not its only unit."""
    seconds = max(1, round(duration.total_seconds()))
    parts = []
    for size, word_id, word_en in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append((count, word_id, word_en))
    return {"duration_id": " ".join(f"{n} {w}" for n, w, _ in parts),
            "duration_en": " ".join(f"{n} {w}" for n, _, w in parts)}


def _photos(urls: tuple[str, ...], policy: CatalogPolicy, errors: list[FieldError]) -> tuple[str, ...]:
    if len(urls) > policy.photos_max:
        errors.append(FieldError("photoUrls", "TOO_MANY_PHOTOS", {"max": policy.photos_max}))
        return ()
    cleaned = []
    for position, url in enumerate(urls, start=1):
        url = (url or "").strip()
        if not is_photo_url(url, policy):
            errors.append(FieldError("photoUrls", "PHOTO_URL_INVALID", {"position": position}))
        cleaned.append(url)
    return tuple(cleaned)


def is_photo_url(url: str, policy: CatalogPolicy) -> bool:
    """An absolute http(s) URL with a host: no javascript:, data: or file: for clients to render."""
    if not url or len(url) > policy.photo_url_max or not single_line_ok(url) or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def validate_category(code: str | None, name: str | None, policy: CatalogPolicy) -> tuple[str, str]:
    errors: list[FieldError] = []
    code = category_code(code)
    if not code:
        errors.append(FieldError("code", "REQUIRED"))
    elif len(code) > policy.category_code_max or not _CATEGORY_CODE.match(code):
        errors.append(FieldError("code", "CATEGORY_CODE_PATTERN", {"max": policy.category_code_max}))
    name = _text(name, "name", 2, policy.category_name_max, errors)
    if errors:
        raise ValidationFailed(errors)
    return code, name


# --- what a buyer sees ------------------------------------------------------------------------

def action_of(sale_method: str, status: str, stock: int | None, ends_at: datetime | None, now: datetime,
              seller_suspended: bool = False) -> str:
    """BUY for a fixed price in stock, BID for an auction still open, NONE otherwise (and whenever
    the seller is suspended: their products are off sale until reinstated)."""
    if status != ProductStatus.ACTIVE or seller_suspended:
        return NONE
    if sale_method == FIXED:
        return BUY if (stock or 0) > 0 else NONE
    return BID if ends_at is not None and ends_at > now else NONE


# --- search -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchFilters:
    text: str | None = None
    category: str | None = None
    seller: str | None = None
    province: str | None = None
    city: str | None = None
    sale_method: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: str | None = None
    page: int | None = None
    page_size: int | None = None
    verified_only: bool | None = None  # None or False: every seller's products


@dataclass(frozen=True)
class Search:
    """A checked search: normalised values, `None` where a filter is not used."""
    terms: tuple[str, ...]
    category: str | None
    seller: str | None  # username key (lower-case)
    province: str | None
    city: str | None
    sale_method: str | None
    min_price: int | None
    max_price: int | None
    sort: str
    page: int
    page_size: int
    verified_only: bool = False  # only products of sellers whose verification is VERIFIED

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def validate_search(filters: SearchFilters, policy: CatalogPolicy) -> Search:
    """Checks the filters' form (whether a category, seller or region exists is the caller's)."""
    errors: list[FieldError] = []
    text = (filters.text or "").strip()
    terms: tuple[str, ...] = ()
    if len(text) > policy.search_text_max:
        errors.append(FieldError("text", "TOO_LONG", {"max": policy.search_text_max}))
    elif text:
        terms = search_terms(text, policy)
        if not terms:
            errors.append(FieldError("text", "SEARCH_TEXT_TOO_SHORT", {"min": policy.search_term_min}))
    method = _upper(filters.sale_method)
    if method and method not in SALE_METHODS:
        errors.append(FieldError("saleMethod", "UNKNOWN_SALE_METHOD", {"methods": ", ".join(SALE_METHODS)}))
    sort = _upper(filters.sort) or NEWEST
    if sort not in SORTS:
        errors.append(FieldError("sort", "UNKNOWN_SORT", {"sorts": ", ".join(SORTS)}))
    elif sort == ENDING_SOON and method == FIXED:
        errors.append(FieldError("sort", "SORT_NEEDS_AUCTION"))
    for field, value in (("min_price", filters.min_price), ("max_price", filters.max_price)):
        if value is not None and value < 0:
            errors.append(FieldError(_soap(field), "MIN_VALUE", {"min": 0}))
    if (filters.min_price is not None and filters.max_price is not None
            and 0 <= filters.max_price < filters.min_price):
        errors.append(FieldError("maxPrice", "PRICE_RANGE_INVERTED"))
    errors += page_errors(filters.page, filters.page_size)
    page, size = page_and_size(filters.page, filters.page_size, policy.page_size_default, policy.page_size_max)
    if page >= 1 and size >= 1 and page * size > policy.result_window:
        errors.append(FieldError("page", "PAGE_TOO_DEEP", {"max": policy.result_window}))
    if errors:
        raise ValidationFailed(errors)
    return Search(terms=terms, category=category_code(filters.category) or None, seller=_lower(filters.seller),
                  province=(filters.province or "").strip() or None, city=(filters.city or "").strip() or None,
                  sale_method=method or (AUCTION if sort == ENDING_SOON else None),
                  min_price=filters.min_price, max_price=filters.max_price, sort=sort, page=page, page_size=size,
                  verified_only=bool(filters.verified_only))


def search_terms(text: str, policy: CatalogPolicy) -> tuple[str, ...]:
    """The words of a search text, folded as the products' words are (domain.search_words): long enough
    to be indexed and no stopword, no repeats, at most `search_terms_max`."""
    terms: list[str] = []
    for word in search_words.words(text):
        if len(word) >= policy.search_term_min and word not in STOPWORDS and word not in terms:
            terms.append(word)
    return tuple(terms[:policy.search_terms_max])


def _upper(value: str | None) -> str:
    return (value or "").strip().upper()


def _lower(value: str | None) -> str | None:
    return (value or "").strip().lower() or None
