"""Catalogue search: ACTIVE products of sellers not suspended, matching every filter, a page at a time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, UnaryExpression, and_, column, func, literal_column, select, table
from sqlalchemy.dialects.mysql import match

from emall_ws.db import text_index
from emall_ws.db.session import Reader, dialect_name
from emall_ws.db.models import Category, Member, Product, ProductPhoto
from emall_ws.domain.catalog import (ENDING_SOON, FIXED, NEWEST, PRICE_ASC, PRICE_DESC, CatalogPolicy, Search,
                                     SearchFilters, action_of, boolean_query, validate_search)
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.pipelines import MemberStatus, ProductStatus
from emall_ws.domain.regions import RegionCatalog
from emall_ws.services.auth import SELLER


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


def search_products(session: Reader, filters: SearchFilters, regions: RegionCatalog, now: datetime,
                    policy: CatalogPolicy) -> ProductPage:
    """ACTIVE products of sellers not suspended matching every filter given, one page of them."""
    search = validate_search(filters, policy)
    category_id, seller_id = resolve_filters(session, search, regions)
    query = search_query(session, search, category_id, seller_id, now)
    rows = session.execute(query.offset(search.offset).limit(search.page_size + 1)).all()
    has_more = len(rows) > search.page_size
    return ProductPage([_summary(row, now) for row in rows[:search.page_size]], search.page, search.page_size,
                       has_more)


def resolve_filters(session: Reader, search: Search, regions: RegionCatalog) -> tuple[int | None, int | None]:
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


def search_query(session: Reader, search: Search, category_id: int | None, seller_id: int | None,
                 now: datetime) -> Select[*tuple[Any, ...]]:
    """The SELECT of one search (without its page); public so bench/catalog.py can EXPLAIN it. On
    SQLite, a text search first asks the text index for its few matches (_text_match)."""
    text_match, by_id = _text_match(session, search.terms) if search.terms else (None, False)
    active = Product.status == ProductStatus.ACTIVE
    query = (select(*_SUMMARY)
             .select_from(Product)
             .join(Category, Category.id == Product.category_id)
             .join(Member, Member.id == Product.seller_id)
             .outerjoin(ProductPhoto, and_(ProductPhoto.product_id == Product.id, ProductPhoto.position == 0))
             # a suspended seller's products are off sale. likely(): SQLite, which has no statistics,
             # takes "status = 'ACTIVE'" for a rare value and would walk that index through every
             # product, checking each against the few matches, instead of looking them up by id
             .where(func.likely(active) if by_id else active, Member.status != MemberStatus.SUSPENDED)
             # product drives the join, so its index serves the filter and the ORDER BY ... LIMIT; left
             # alone, MariaDB starts from the small category or member table and sorts every match
             .prefix_with("STRAIGHT_JOIN", dialect="mysql"))
    if text_match is not None:
        query = query.where(text_match)
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


# what a result shows, as plain rows (no ORM objects to build); the first photo read in the same query
_SUMMARY = (Product.id, Product.name, Product.seller_province_code, Product.seller_city_code, Product.sale_method,
            Product.status, Product.stock, Product.list_price, Product.bid_count, Product.ends_at,
            Product.created_at, Category.code.label("category_code"), Member.username.label("seller_username"),
            ProductPhoto.url.label("photo_url"))

_ORDER: dict[str, tuple[UnaryExpression[Any], ...]] = {
    NEWEST: (Product.created_at.desc(), Product.id.desc()),
    PRICE_ASC: (Product.list_price.asc(), Product.id.asc()),
    PRICE_DESC: (Product.list_price.desc(), Product.id.desc()),
    ENDING_SOON: (Product.ends_at.asc(), Product.id.asc()),
}


# SQLite's text index: a virtual table, no model (emall_ws/db/text_index.py)
_PRODUCT_FTS = table(text_index.NAME, column("rowid"))
# SQLite: up to this many matches, a text search looks them up by id and sorts them (about 6 µs each
# on 100,000 products); beyond, walking the sort's index meets a page of them soon (bench/sqlite_search.py)
FEW_TEXT_MATCHES = 1000


def _text_match(session: Reader, terms: tuple[str, ...]) -> tuple[ColumnElement[bool], bool]:
    """Every term must begin a word of the name or the description ("kopi" finds "Kopiah" and
    "es-kopi", never "Bukopi"), case ignored; and whether the search looks its matches up by id.
    MariaDB: the FULLTEXT index (ix_product_text) in boolean mode. SQLite: the FTS5 index
    product_fts (emall_ws/db/text_index.py: its tokenizer takes letters, digits and "_" for word
    characters, as the FULLTEXT parser does, and like MariaDB's collation ignores accents), every
    term a prefix query. The terms hold word characters only (domain.catalog.search_terms), and both
    queries are bound parameters, so neither can be subverted."""
    if dialect_name(session) in ("mysql", "mariadb"):
        return match(Product.name.expression, Product.description.expression,
                     against=boolean_query(terms)).in_boolean_mode(), False
    matching = select(_PRODUCT_FTS.c.rowid).where(
        literal_column(text_index.NAME).op("MATCH")(text_index.match_query(terms)))
    # SQLite's planner cannot tell a rare word from a common one. Walking the sort's index, checking
    # each product against the matches, goes through all 100,000 when few (or none) match; looking
    # each match up by id sorts thousands when many do. So the index is asked first how many match.
    few = session.scalars(matching.limit(FEW_TEXT_MATCHES + 1)).all()
    if len(few) <= FEW_TEXT_MATCHES:
        return Product.id.in_(few), True
    return Product.id.in_(matching), False


def _summary(row: Any, now: datetime) -> ProductSummary:
    return ProductSummary(
        product_id=row.id, name=row.name, category_code=row.category_code, seller_username=row.seller_username,
        seller_province_code=row.seller_province_code, seller_city_code=row.seller_city_code,
        sale_method=row.sale_method, status=row.status,
        action=action_of(row.sale_method, row.status, row.stock, row.ends_at, now),
        price=row.list_price, stock=row.stock if row.sale_method == FIXED else None,
        bid_count=row.bid_count, ends_at=row.ends_at, photo_url=row.photo_url, created_at=row.created_at)
