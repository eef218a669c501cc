"""Catalogue use cases: categories, a seller's listings (sell, update, withdraw), search, product view.

Roles are checked at the SOAP edge (authenticate); ownership here, once the product is loaded.
What a buyer sees of a seller is the username and region, never personal data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects.mysql import match
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from emall_ws.db.models import Bid, Category, Member, Product, ProductPhoto, ProductStatusHistory
from emall_ws.domain import auction as auction_rules
from emall_ws.domain import pipelines
from emall_ws.domain.pipelines import MemberStatus, ProductStatus
from emall_ws.domain.catalog import (AUCTION, ENDING_SOON, FIXED, NEWEST, PRICE_ASC, PRICE_DESC,
                                     CatalogPolicy, Listing, ProductForm, Search,
                                     SearchFilters, action_of, boolean_query, merge,
                                     validate_category, validate_listing, validate_search)
from emall_ws.domain.errors import Conflict, FieldError, InvalidState, NotFound, ValidationFailed
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok
from emall_ws.domain.regions import RegionCatalog
from emall_ws.notify.outbox import notify_member
from emall_ws.services.auth import ADMIN, SELLER, Principal, authorize
from emall_ws.services.status import change_status


@dataclass(frozen=True)
class CategoryView:
    code: str
    name: str


@dataclass(frozen=True)
class ProductView:
    """Everything a client needs to render a product page."""
    product_id: int
    name: str
    description: str
    category_code: str
    category_name: str
    seller_username: str
    seller_province_code: str
    seller_city_code: str
    weight_grams: int
    sale_method: str
    status: str
    action: str  # BUY, BID or NONE
    price: int  # FIXED: the price; AUCTION: the leading bid, else the start price
    stock: int | None  # FIXED only
    start_price: int | None
    min_increment: int | None
    current_price: int | None  # the leading bid, if any
    bid_count: int
    ends_at: datetime | None
    has_reserve: bool
    reserve_met: bool | None  # AUCTION only; the reserve amount itself stays the seller's
    photo_urls: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    seller_suspended: bool = False  # off sale (action NONE) until the seller is reinstated


@dataclass(frozen=True)
class ProductSummary:
    """One search result: enough for a result list, no description."""
    product_id: int
    name: str
    category_code: str
    seller_username: str
    seller_province_code: str
    seller_city_code: str
    sale_method: str
    status: str
    action: str
    price: int
    stock: int | None
    bid_count: int
    ends_at: datetime | None
    photo_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class ProductPage:
    products: list[ProductSummary]
    page: int
    page_size: int
    # no total count: counting every match of a broad search costs a pass over the index per call
    has_more: bool


# --- categories -----------------------------------------------------------------------------------

def list_categories(session: Session) -> list[CategoryView]:
    return [CategoryView(c.code, c.name) for c in session.scalars(select(Category).order_by(Category.name))]


def create_category(session: Session, code: str | None, name: str | None, now: datetime,
                    policy: CatalogPolicy) -> CategoryView:
    code, name = validate_category(code, name, policy)
    if _category(session, code) is not None:
        raise Conflict("CATEGORY_EXISTS", category=code)
    try:
        with session.begin_nested():  # a concurrent twin loses on the unique index, cleanly
            session.add(Category(code=code, name=name, created_at=now))
    except IntegrityError:
        raise Conflict("CATEGORY_EXISTS", category=code) from None
    return CategoryView(code, name)


def _category(session: Session, code: str) -> Category | None:
    return session.scalars(select(Category).where(Category.code == code.strip().lower())).first()


# --- status -----------------------------------------------------------------------------------------

SELLER_SUSPENDED = "SELLER_SUSPENDED"


def ensure_seller_on_sale(seller: Member) -> None:
    """A suspended seller's products are off sale (no cart, checkout or bid) until reinstated; their
    own status is untouched, so reinstatement puts them back as they were."""
    if seller.status == MemberStatus.SUSPENDED:
        raise InvalidState(SELLER_SUSPENDED, seller=seller.username)


def set_status(session: Session, product: Product, target: str, now: datetime, reason: str = "") -> None:
    """The one way a product's status changes: checked against the pipeline, with history."""
    change_status(session, pipelines.PRODUCT, product, ProductStatusHistory, target, now, reason)
    product.updated_at = now


# --- a seller's listings ----------------------------------------------------------------------------

_FORM_ORDER = ("name", "description", "category", "weightGrams", "saleMethod", "price", "stock", "startPrice",
               "minIncrement", "reservePrice", "endsAt", "photoUrls")


def _checked(session: Session, form: ProductForm, now: datetime, policy: CatalogPolicy,
             **rules) -> tuple[Listing, Category]:
    """The listing and its category, or one ValidationFailed with every problem in form order."""
    errors: list[FieldError] = []
    listing = None
    try:
        listing = validate_listing(form, now, policy, **rules)
    except ValidationFailed as failed:
        errors = list(failed.errors)
    category = _category(session, form.category) if (form.category or "").strip() else None
    if (form.category or "").strip() and category is None:
        errors.append(FieldError("category", "UNKNOWN_CATEGORY"))
    if errors or listing is None or category is None:
        order = {name: i for i, name in enumerate(_FORM_ORDER)}
        raise ValidationFailed(sorted(errors, key=lambda e: order.get(e.field, len(order))))
    return listing, category


def sell_product(session: Session, seller: Principal, form: ProductForm, now: datetime,
                 policy: CatalogPolicy) -> ProductView:
    """A new ACTIVE product of `seller` (an active SELLER: checked by the caller's authentication)."""
    authorize(seller, SELLER)
    listing, category = _checked(session, form, now, policy)
    member = session.get(Member, seller.member_id)
    product = Product(seller_id=member.id, category_id=category.id, sale_method=listing.sale_method,
                      status=None, seller_province_code=member.province_code,
                      seller_city_code=member.city_code, bid_count=0, created_at=now, updated_at=now)
    _apply(product, listing, category)
    session.add(product)
    set_status(session, product, ProductStatus.ACTIVE, now, "listed")
    session.flush()
    return _view(session, product, now)


def update_product(session: Session, principal: Principal, product_id: int | None, changes: ProductForm,
                   now: datetime, policy: CatalogPolicy) -> ProductView:
    """Changes the fields `changes` gives; the seller's own product, not once an auction has bids or
    has passed its end time (closed or not: its outcome is the closing job's)."""
    product = product_by_id(session, product_id, lock=True)
    authorize(principal, SELLER, owner_id=product.seller_id)
    if product.status not in (ProductStatus.ACTIVE, ProductStatus.SOLD_OUT):
        raise InvalidState("PRODUCT_NOT_EDITABLE", status=product.status)
    if _auction_ended(product, now):
        raise InvalidState(auction_rules.AUCTION_ENDED)
    if product.sale_method == AUCTION and product.bid_count:
        raise InvalidState("AUCTION_HAS_BIDS", count=product.bid_count)
    changes = replace(changes, sale_method=None)  # the sale method is for good
    current = _form_of(product, session.get(Category, product.category_id).code)
    listing, category = _checked(session, merge(current, changes), now, policy, stock_min=0,
                                 check_end=changes.ends_at is not None)
    _apply(product, listing, category, photos=changes.photo_urls is not None)
    product.updated_at = now
    if product.sale_method == FIXED:
        if product.status == ProductStatus.ACTIVE and listing.stock == 0:
            set_status(session, product, ProductStatus.SOLD_OUT, now, "stock set to 0 by the seller")
        elif product.status == ProductStatus.SOLD_OUT and listing.stock:
            set_status(session, product, ProductStatus.ACTIVE, now, "restocked by the seller")
    session.flush()
    return _view(session, product, now)


def withdraw_product(session: Session, principal: Principal, product_id: int | None, reason: str | None,
                     now: datetime, policy: CatalogPolicy) -> ProductView:
    """Takes a product off sale (its seller, or an admin); an auction's bidders are told why."""
    reason = (reason or "").strip()
    if len(reason) > policy.reason_max:
        raise ValidationFailed([FieldError("reason", "TOO_LONG", {"max": policy.reason_max})])
    if not single_line_ok(reason):
        raise ValidationFailed([FieldError("reason", UNSAFE_CHARACTER)])
    product = product_by_id(session, product_id, lock=True)
    authorize(principal, SELLER, ADMIN, owner_id=product.seller_id)
    if _auction_ended(product, now):
        raise InvalidState("WITHDRAW_AUCTION_ENDED")
    set_status(session, product, ProductStatus.WITHDRAWN, now,
               reason or ("withdrawn by an admin" if principal.is_admin else "withdrawn by the seller"))
    if product.sale_method == AUCTION and product.bid_count:
        _tell_bidders(session, product, reason, now)
    session.flush()
    return _view(session, product, now)


def _auction_ended(product: Product, now: datetime) -> bool:
    """An auction past its end time: only the closing job decides what becomes of it (the leader may
    have won it), however late the worker runs."""
    return product.sale_method == AUCTION and product.ends_at <= now


def _tell_bidders(session: Session, product: Product, reason: str, now: datetime) -> None:
    seller = session.get(Member, product.seller_id)
    bidders = session.scalars(select(Member).where(
        Member.id.in_(select(Bid.bidder_id).where(Bid.product_id == product.id))).order_by(Member.id))
    for bidder in bidders:
        notify_member(session, f"product:{product.id}:withdrawn", bidder.email, bidder.phone,
                      "auction_withdrawn",
                      {"name": bidder.name, "username": bidder.username, "product_name": product.name,
                       "product_id": product.id, "seller_username": seller.username,
                       "reason": reason or "-", "withdrawn_at": now})


def _form_of(product: Product, category_code: str) -> ProductForm:
    return ProductForm(name=product.name, description=product.description, category=category_code,
                       weight_grams=product.weight_grams, sale_method=product.sale_method,
                       price=product.price, stock=product.stock if product.sale_method == FIXED else None,
                       start_price=product.start_price, min_increment=product.min_increment,
                       reserve_price=product.reserve_price, ends_at=product.ends_at,
                       photo_urls=tuple(p.url for p in product.photos))


def _apply(product: Product, listing: Listing, category: Category, photos: bool = True) -> None:
    product.name, product.description = listing.name, listing.description
    product.category_id, product.weight_grams = category.id, listing.weight_grams
    product.price, product.stock = listing.price, listing.stock
    product.start_price, product.min_increment = listing.start_price, listing.min_increment
    product.reserve_price, product.ends_at = listing.reserve_price, listing.ends_at
    if photos:
        product.photos = [ProductPhoto(url=url, position=i) for i, url in enumerate(listing.photo_urls)]


# --- reading ----------------------------------------------------------------------------------------

def product_by_id(session: Session, product_id: int | None, *, lock: bool = False) -> Product:
    """The product; a missing id is a field error (REQUIRED), any other id no product has (zero,
    negative) NotFound."""
    if product_id is None:
        raise ValidationFailed([FieldError("productId", "REQUIRED")])
    product = None
    if product_id > 0:
        query = select(Product).where(Product.id == product_id)
        product = session.scalars(query.with_for_update() if lock else query).first()
    if product is None:
        raise NotFound("UNKNOWN_PRODUCT", productId=product_id)
    return product


def get_product(session: Session, product_id: int | None, now: datetime) -> ProductView:
    """Any product that exists, whatever its status (the action says what may be done with it)."""
    return _view(session, product_by_id(session, product_id), now)


def _view(session: Session, product: Product, now: datetime) -> ProductView:
    category = session.get(Category, product.category_id)
    seller, seller_status = session.execute(select(Member.username, Member.status)
                                            .where(Member.id == product.seller_id)).one()
    suspended = seller_status == MemberStatus.SUSPENDED
    auction = product.sale_method == AUCTION
    return ProductView(
        product_id=product.id, name=product.name, description=product.description,
        category_code=category.code, category_name=category.name, seller_username=seller,
        seller_province_code=product.seller_province_code, seller_city_code=product.seller_city_code,
        weight_grams=product.weight_grams, sale_method=product.sale_method, status=product.status,
        action=action_of(product.sale_method, product.status, product.stock, product.ends_at, now, suspended),
        price=product.list_price, stock=None if auction else product.stock,
        start_price=product.start_price, min_increment=product.min_increment,
        current_price=product.current_price, bid_count=product.bid_count, ends_at=product.ends_at,
        has_reserve=product.reserve_price is not None,
        reserve_met=_reserve_met(product) if auction else None,
        photo_urls=tuple(p.url for p in product.photos), created_at=product.created_at,
        updated_at=product.updated_at, seller_suspended=suspended)


def _reserve_met(product: Product) -> bool:
    """As the Auction service says it (domain.auction): the leading bid would win if it ended now."""
    return auction_rules.reserve_met(auction_rules.Auction(
        product_id=product.id, seller_id=product.seller_id, sale_method=product.sale_method,
        status=product.status, start_price=product.start_price, min_increment=product.min_increment,
        reserve_price=product.reserve_price, ends_at=product.ends_at, current_price=product.current_price,
        bid_count=product.bid_count, leader_id=product.leader_id, winner_id=product.winner_id))


# --- search -----------------------------------------------------------------------------------------

def search_products(session: Session, filters: SearchFilters, regions: RegionCatalog, now: datetime,
                    policy: CatalogPolicy) -> ProductPage:
    """ACTIVE products of sellers not suspended matching every filter given, one page of them."""
    search = validate_search(filters, policy)
    category_id, seller_id = _resolve(session, search, regions)
    query = search_query(session, search, category_id, seller_id, now)
    rows = session.execute(query.offset(search.offset).limit(search.page_size + 1)).all()
    has_more = len(rows) > search.page_size
    rows = rows[:search.page_size]
    photos = dict(session.execute(select(ProductPhoto.product_id, ProductPhoto.url).where(
        ProductPhoto.product_id.in_([r.Product.id for r in rows]), ProductPhoto.position == 0)).all()) \
        if rows else {}
    return ProductPage([_summary(r.Product, r.code, r.username, photos.get(r.Product.id), now) for r in rows],
                       search.page, search.page_size, has_more)


def _resolve(session: Session, search: Search, regions: RegionCatalog) -> tuple[int | None, int | None]:
    """The ids behind the category and seller filters; unknown names and regions are field errors."""
    errors: list[FieldError] = []
    category_id = seller_id = None
    if search.category:
        category_id = session.scalar(select(Category.id).where(Category.code == search.category))
        if category_id is None:
            errors.append(FieldError("category", "UNKNOWN_CATEGORY"))
    if search.seller:
        seller_id = session.scalar(select(Member.id).where(Member.username_key == search.seller,
                                                           Member.role == SELLER))
        if seller_id is None:
            errors.append(FieldError("seller", "UNKNOWN_SELLER"))
    if search.province and regions.province(search.province) is None:
        errors.append(FieldError("province", "UNKNOWN_PROVINCE"))
    if search.city:
        city = regions.city(search.city)
        if city is None:
            errors.append(FieldError("city", "UNKNOWN_CITY"))
        elif search.province and city.province_code != search.province:
            errors.append(FieldError("city", "CITY_NOT_IN_PROVINCE"))
    if errors:
        raise ValidationFailed(errors)
    return category_id, seller_id


def search_query(session: Session, search: Search, category_id: int | None, seller_id: int | None,
                 now: datetime) -> Select:
    """The SELECT of one search (without its page); public so bench/catalog.py can EXPLAIN it."""
    query = (select(Product, Category.code, Member.username)
             .join(Category, Category.id == Product.category_id)
             .join(Member, Member.id == Product.seller_id)
             .where(Product.status == ProductStatus.ACTIVE, Member.status != MemberStatus.SUSPENDED)  # a suspended seller's: off sale
             .options(defer(Product.description))  # a result list shows no description
             # product drives the join, so its index serves the filter and the ORDER BY ... LIMIT; left
             # alone, MariaDB starts from the small category or member table and sorts every match
             .prefix_with("STRAIGHT_JOIN", dialect="mysql"))
    if search.terms:
        query = query.where(_text_match(session, search.terms))
    if category_id is not None:
        query = query.where(Product.category_id == category_id)
    if seller_id is not None:
        query = query.where(Product.seller_id == seller_id)
    if search.province:
        query = query.where(Product.seller_province_code == search.province)
    if search.city:
        query = query.where(Product.seller_city_code == search.city)
    if search.sale_method:
        query = query.where(Product.sale_method == search.sale_method)
    if search.min_price is not None:
        query = query.where(Product.list_price >= search.min_price)
    if search.max_price is not None:
        query = query.where(Product.list_price <= search.max_price)
    if search.sort == ENDING_SOON:  # open auctions only: an ended one awaits its closing job
        query = query.where(Product.ends_at > now)
    return query.order_by(*_ORDER[search.sort])


_ORDER = {
    NEWEST: (Product.created_at.desc(), Product.id.desc()),
    PRICE_ASC: (Product.list_price.asc(), Product.id.asc()),
    PRICE_DESC: (Product.list_price.desc(), Product.id.desc()),
    ENDING_SOON: (Product.ends_at.asc(), Product.id.asc()),
}


def _text_match(session: Session, terms: tuple[str, ...]):
    """Every term must begin a word of the name or the description ("kopi" finds "Kopiah" and
    "es-kopi", never "Bukopi"). MariaDB: the FULLTEXT index (ix_product_text) in boolean mode.
    SQLite: REGEXP (Python's re.search, which SQLAlchemy's pysqlite dialect installs) with a word
    boundary; like the FULLTEXT parser, it takes letters, digits and "_" for word characters and
    anything else for a break, and ignores case. Unlike MariaDB's collation it does not ignore
    accents ("kopi" does not find "kópi"). The terms hold word characters only
    (domain.catalog.search_terms), so neither query can be subverted."""
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        return match(Product.name, Product.description, against=boolean_query(terms)).in_boolean_mode()
    return and_(*(or_(Product.name.regexp_match(word_start), Product.description.regexp_match(word_start))
                  for word_start in (rf"(?i)\b{re.escape(term)}" for term in terms)))


def _summary(product: Product, category_code: str, seller_username: str, photo_url: str | None,
             now: datetime) -> ProductSummary:
    return ProductSummary(
        product_id=product.id, name=product.name, category_code=category_code, seller_username=seller_username,
        seller_province_code=product.seller_province_code, seller_city_code=product.seller_city_code,
        sale_method=product.sale_method, status=product.status,
        action=action_of(product.sale_method, product.status, product.stock, product.ends_at, now),
        price=product.list_price, stock=product.stock if product.sale_method == FIXED else None,
        bid_count=product.bid_count, ends_at=product.ends_at, photo_url=photo_url,
        created_at=product.created_at)
