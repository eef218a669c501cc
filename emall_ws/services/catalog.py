"""Catalogue use cases: categories, a seller's listings (sell, update, withdraw), product view (search:
services/catalog_search.py).

Roles are checked by the use case (emall_ws.usecases); ownership here, once the product is loaded.
What a buyer sees of a seller is the username and region, never personal data.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from typing import Protocol, TypeVarTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emall_ws.db.session import Reader
from emall_ws.db.models import (Bid, Category, Member, Product, ProductPhoto, ProductStatusHistory,
                                SellerVerification)
from emall_ws.domain import auction as auction_rules
from emall_ws.domain import pipelines
from emall_ws.domain.pipelines import MemberStatus, ProductStatus, VerificationStatus
from emall_ws.domain.catalog import (AUCTION, FIXED, CatalogPolicy, Listing, ProductForm, action_of, category_code,
                                     merge, validate_category, validate_listing)
from emall_ws.domain.errors import Conflict, FieldError, InvalidState, NotFound, ValidationFailed
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok
from emall_ws.notify.outbox import notify_member
from emall_ws.domain.members import ADMIN, SELLER
from emall_ws.services import actors
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.status import HistoryEntry, change_status, read_history


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
    seller_verified: bool = False  # the seller's verification is VERIFIED (no row yet: not verified)


# --- categories -----------------------------------------------------------------------------------

_CATEGORIES_VERSION = select(func.count(), func.max(Category.id))


def categories_version(reader: Reader) -> tuple[int, int | None]:
    """What changes whenever the list of categories does, read in one index look-up: categories are
    only ever added (createCategory; nothing renames or removes one), so their count and newest id."""
    count, newest = reader.execute(_CATEGORIES_VERSION).one()
    return count, newest


def list_categories(reader: Reader) -> list[CategoryView]:
    return [CategoryView(code, name) for code, name in reader.execute(
        select(Category.code, Category.name).order_by(Category.name))]


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
    return session.scalars(select(Category).where(Category.code == category_code(code))).first()


# --- status -----------------------------------------------------------------------------------------

SELLER_SUSPENDED = "SELLER_SUSPENDED"


def ensure_seller_on_sale(seller: Member) -> None:
    """A suspended seller's products are off sale (no cart, checkout or bid) until reinstated; their
    own status is untouched, so reinstatement puts them back as they were."""
    if seller.status == MemberStatus.SUSPENDED:
        raise InvalidState(SELLER_SUSPENDED, seller=seller.username)


def set_status(session: Session, product: Product, target: str, now: datetime, reason: str, actor: str) -> None:
    """The one way a product's status changes: checked against the pipeline, with history."""
    change_status(session, pipelines.PRODUCT, product, ProductStatusHistory, target, now, reason, actor)
    product.updated_at = now


# --- a seller's listings ----------------------------------------------------------------------------

_FORM_ORDER = ("name", "description", "category", "weightGrams", "saleMethod", "price", "stock", "startPrice",
               "minIncrement", "reservePrice", "endsAt", "photoUrls")


def _checked(session: Session, form: ProductForm, now: datetime, policy: CatalogPolicy, *, stock_min: int = 1,
             check_end: bool = True) -> tuple[Listing, Category]:
    """The listing and its category, or one ValidationFailed with every problem in form order."""
    errors: list[FieldError] = []
    listing = None
    try:
        listing = validate_listing(form, now, policy, stock_min=stock_min, check_end=check_end)
    except ValidationFailed as failed:
        errors = list(failed.errors)
    category = _category(session, form.category) if form.category and form.category.strip() else None
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
    member = session.get_one(Member, seller.member_id)  # authenticated: the member exists
    product = Product(seller_id=member.id, category_id=category.id, sale_method=listing.sale_method,
                      status=None, seller_province_code=member.province_code,
                      seller_city_code=member.city_code, bid_count=0, created_at=now, updated_at=now)
    _apply(product, listing, category)
    session.add(product)
    set_status(session, product, ProductStatus.ACTIVE, now, "listed", actors.member(seller))
    session.flush()
    return _view(session, product, now)


def relist_auction(session: Session, seller: Principal, product: Product, ends_at: datetime | None, now: datetime,
                   policy: CatalogPolicy) -> ProductView:
    """A fresh auction of `product`'s listing (a new product: no bids, ending at `ends_at`), checked as a
    new listing is. The old product keeps its bids, winner and orders as they were."""
    category = session.get_one(Category, product.category_id)
    return sell_product(session, seller, replace(_form_of(product, category.code), ends_at=ends_at), now, policy)


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
    current = _form_of(product, session.get_one(Category, product.category_id).code)
    listing, category = _checked(session, merge(current, changes), now, policy, stock_min=0,
                                 check_end=changes.ends_at is not None)
    _apply(product, listing, category, photos=changes.photo_urls is not None)
    product.updated_at = now
    if product.sale_method == FIXED:
        if product.status == ProductStatus.ACTIVE and listing.stock == 0:
            set_status(session, product, ProductStatus.SOLD_OUT, now, "stock set to 0 by the seller",
                       actors.member(principal))
        elif product.status == ProductStatus.SOLD_OUT and listing.stock:
            set_status(session, product, ProductStatus.ACTIVE, now, "restocked by the seller", actors.member(principal))
    session.flush()
    return _view(session, product, now)


def product_history(session: Session, principal: Principal, product_id: int | None) -> list[HistoryEntry]:
    """A product's status changes, oldest first, with why and who made each: for its seller and admins."""
    product = product_by_id(session, product_id)
    authorize(principal, SELLER, ADMIN, owner_id=product.seller_id)
    return read_history(session, ProductStatusHistory, ProductStatusHistory.product_id, product.id)


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
               reason or ("withdrawn by an admin" if principal.is_admin else "withdrawn by the seller"),
               actors.member(principal))
    if product.sale_method == AUCTION and product.bid_count:
        _tell_bidders(session, product, reason, now)
    session.flush()
    return _view(session, product, now)


def _auction_ended(product: Product, now: datetime) -> bool:
    """An auction past its end time: only the closing job decides what becomes of it (the leader may
    have won it), however late the worker runs."""
    return product.sale_method == AUCTION and product.ends_at is not None and product.ends_at <= now


def _tell_bidders(session: Session, product: Product, reason: str, now: datetime) -> None:
    seller = session.get_one(Member, product.seller_id)
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
    query = select(Product).where(Product.id == _wanted(product_id))
    product = session.scalars(query.with_for_update() if lock else query).first()
    if product is None:
        raise NotFound("UNKNOWN_PRODUCT", productId=product_id)
    return product


def _wanted(product_id: int | None) -> int:
    if product_id is None:
        raise ValidationFailed([FieldError("productId", "REQUIRED")])
    if product_id <= 0:
        raise NotFound("UNKNOWN_PRODUCT", productId=product_id)
    return product_id


# what a product's view shows besides its own row: read with it, in one query
_LISTING = (Category.code.label("category_code"), Category.name.label("category_name"),
            Member.username.label("seller_username"), Member.status.label("seller_status"),
            SellerVerification.status.label("seller_verification"))


Columns = TypeVarTuple("Columns")


def _with_listing(query: Select[*Columns]) -> Select[*Columns]:
    return (query.select_from(Product).join(Category, Category.id == Product.category_id)
            .join(Member, Member.id == Product.seller_id)
            # outer: a seller made before verification existed has no row, and reads as not verified
            .outerjoin(SellerVerification, SellerVerification.member_id == Product.seller_id))


# a product page in one statement: the product's columns (plain rows, no ORM objects to build), its
# category and seller, and one row per photo (one with no URL when it has none); built once, as
# building and keying a new statement per call cost a quarter of the read
_PAGE = (_with_listing(select(*Product.__table__.columns, *_LISTING, ProductPhoto.url.label("photo_url")))
         .outerjoin(ProductPhoto, ProductPhoto.product_id == Product.id)
         .where(Product.id == bindparam("product_id")).order_by(ProductPhoto.position))


def get_product(reader: Reader, product_id: int | None, now: datetime) -> ProductView:
    """Any product that exists, whatever its status (the action says what may be done with it), in
    one query."""
    rows = reader.execute(_PAGE, {"product_id": _wanted(product_id)}).all()
    if not rows:
        raise NotFound("UNKNOWN_PRODUCT", productId=product_id)
    first = rows[0]
    return _view_of(first, now, first.category_code, first.category_name, first.seller_username,
                    first.seller_status, tuple(row.photo_url for row in rows if row.photo_url is not None),
                    first.seller_verification)


def _view(session: Session, product: Product, now: datetime) -> ProductView:
    category_code, category_name, seller, seller_status, verification = session.execute(
        _with_listing(select(*_LISTING)).where(Product.id == product.id)).one()
    return _view_of(product, now, category_code, category_name, seller, seller_status,
                    tuple(p.url for p in product.photos), verification)


class ProductColumns(Protocol):
    """What _view_of and auction_snapshot read of a product: a Product, or a row with its columns
    (get_product's, which builds no ORM object)."""
    id: int
    seller_id: int
    name: str
    description: str
    weight_grams: int
    sale_method: str
    status: str
    seller_province_code: str
    seller_city_code: str
    stock: int | None
    start_price: int | None
    min_increment: int | None
    reserve_price: int | None
    ends_at: datetime | None
    current_price: int | None
    list_price: int
    bid_count: int
    leader_id: int | None
    winner_id: int | None
    created_at: datetime
    updated_at: datetime


def _view_of(product: ProductColumns, now: datetime, category_code: str, category_name: str, seller: str,
             seller_status: str, photo_urls: tuple[str, ...], seller_verification: str | None) -> ProductView:
    """`product`: a Product, or a row with its columns; `seller_verification`: the seller's verification
    status, None without a row."""
    suspended = seller_status == MemberStatus.SUSPENDED
    auction = product.sale_method == AUCTION
    return ProductView(
        product_id=product.id, name=product.name, description=product.description,
        category_code=category_code, category_name=category_name, seller_username=seller,
        seller_province_code=product.seller_province_code, seller_city_code=product.seller_city_code,
        weight_grams=product.weight_grams, sale_method=product.sale_method, status=product.status,
        action=action_of(product.sale_method, product.status, product.stock, product.ends_at, now, suspended),
        price=product.list_price, stock=None if auction else product.stock,
        start_price=product.start_price, min_increment=product.min_increment,
        current_price=product.current_price, bid_count=product.bid_count, ends_at=product.ends_at,
        has_reserve=product.reserve_price is not None,
        reserve_met=auction_rules.reserve_met(auction_snapshot(product)) if auction else None,
        photo_urls=photo_urls, created_at=product.created_at,
        updated_at=product.updated_at, seller_suspended=suspended,
        seller_verified=seller_verification == VerificationStatus.VERIFIED)


def auction_snapshot(product: ProductColumns) -> auction_rules.Auction:
    """What the auction rules (domain.auction) need of an auction product's row (a Product, or a row
    with its columns)."""
    if product.ends_at is None:  # every auction has an end time; a fixed-price product has none
        raise InvalidState(auction_rules.NOT_AN_AUCTION, productId=product.id)
    return auction_rules.Auction(
        product_id=product.id, seller_id=product.seller_id, sale_method=product.sale_method, status=product.status,
        start_price=product.start_price or 0, min_increment=product.min_increment or 0,
        reserve_price=product.reserve_price, ends_at=product.ends_at, current_price=product.current_price,
        bid_count=product.bid_count or 0, leader_id=product.leader_id, winner_id=product.winner_id)
