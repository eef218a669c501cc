"""Catalogue search: ACTIVE products of sellers not suspended, matching every filter (verified sellers only,
when asked), a page at a time."""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, UnaryExpression, and_, bindparam, select
from sqlalchemy.orm import aliased

from emall_ws.db.session import Reader
from emall_ws.db.models import Base, Category, Member, Product, ProductPhoto, ProductTerm, SellerVerification
from emall_ws.domain.catalog import (ENDING_SOON, FIXED, NEWEST, PRICE_ASC, PRICE_DESC, CatalogPolicy, Search,
                                     SearchFilters, action_of, validate_search)
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.pipelines import MemberStatus, ProductStatus, VerificationStatus
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.search_words import term_bits
from emall_ws.domain.members import SELLER


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
    seller_verified: bool  # the seller's verification is VERIFIED (no row yet: not verified)


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
    if _region_errors(search, regions):
        check_filters(session, search, regions)
    statement, values = _statement_and_values(session, search, now)
    rows = session.execute(statement, values).all()
    if not rows and (search.category or search.seller):
        # the statement looks the category and seller up by name (a round trip less per search): no
        # product found may be an unknown name, a field error rather than an empty page
        check_filters(session, search, regions)
    has_more = len(rows) > search.page_size
    return ProductPage([_summary(row, now) for row in rows[:search.page_size]], search.page, search.page_size,
                       has_more)


def check_filters(session: Reader, search: Search, regions: RegionCatalog) -> None:
    """Every unknown category, seller or region among the filters, as one ValidationFailed."""
    errors: list[FieldError] = []
    if search.category and session.scalar(_CATEGORY_ID, {"category": search.category}) is None:
        errors.append(FieldError("category", "UNKNOWN_CATEGORY"))
    if search.seller and session.scalar(_SELLER_ID, {"seller": search.seller}) is None:
        errors.append(FieldError("seller", "UNKNOWN_SELLER"))
    errors += _region_errors(search, regions)
    if errors:
        raise ValidationFailed(errors)


def _region_errors(search: Search, regions: RegionCatalog) -> list[FieldError]:
    errors: list[FieldError] = []
    if search.province and regions.province(search.province) is None:
        errors.append(FieldError("province", "UNKNOWN_PROVINCE"))
    if search.city:
        city = regions.city(search.city)
        if city is None:
            errors.append(FieldError("city", "UNKNOWN_CITY"))
        elif search.province and city.province_code != search.province:
            errors.append(FieldError("city", "CITY_NOT_IN_PROVINCE"))
    return errors


def search_query(session: Reader, search: Search, now: datetime) -> Select[*tuple[Any, ...]]:
    """The SELECT of one search's page, its values bound; public so bench/catalog.py can EXPLAIN it."""
    statement, values = _statement_and_values(session, search, now)
    return statement.params(values)


@dataclass(frozen=True)
class _Shape:
    """What a search's statement is made of, without its values: one statement per shape, built once."""
    terms: int  # how many search terms (0: no text), bound as term_0 (the rarest), term_1 ...
    filters: tuple[str, ...]  # the names of the filters given, in _FILTERS' order
    sort: str
    by_term: bool = False  # whether product_term's rows of term_0 drive the search, or product's indexes
    index: str | None = None  # not by_term: the product index to walk (a filter's, _WALKABLE); None: any


def _statement_and_values(session: Reader, search: Search,
                          now: datetime) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    given = (("category", search.category), ("seller", search.seller), ("province", search.province),
             ("city", search.city), ("sale_method", search.sale_method), ("min_price", search.min_price),
             ("max_price", search.max_price),
             ("verified", VerificationStatus.VERIFIED if search.verified_only else None),
             ("now", now if search.sort == ENDING_SOON else None))
    values: dict[str, Any] = {name: value for name, value in given if value is not None}
    shape = _Shape(len(search.terms), tuple(name for name in _FILTERS if name in values), search.sort)
    if search.terms:
        terms, walked_filter = _rarest_first(session, shape, search.terms, values, now)
        values.update({f"term_{n}": term for n, term in enumerate(terms)}, other_terms=term_bits(terms[1:]))
        shape = replace(shape, by_term=walked_filter is None, index=_WALKABLE.get(walked_filter or ""))
    values.update(page_offset=search.offset, page_limit=search.page_size + 1)  # one more: is there a next page?
    return _statement(shape), values


# the category's and seller's ids by name, inside the statements that filter on them (never correlated
# with the category and member the page joins)
_CATEGORY, _SELLER = aliased(Category, name="named_category"), aliased(Member, name="named_seller")
_CATEGORY_ID = select(_CATEGORY.id).where(_CATEGORY.code == bindparam("category")).correlate(None)
_SELLER_ID = (select(_SELLER.id).where(_SELLER.username_key == bindparam("seller"), _SELLER.role == SELLER)
              .correlate(None))

# each filter: its condition, on its bound value of the same name
_FILTERS: dict[str, ColumnElement[bool]] = {
    "category": Product.category_id == _CATEGORY_ID.scalar_subquery(),
    "seller": Product.seller_id == _SELLER_ID.scalar_subquery(),
    "province": Product.seller_province_code == bindparam("province"),
    "city": Product.seller_city_code == bindparam("city"),
    "sale_method": Product.sale_method == bindparam("sale_method"),
    "min_price": Product.list_price >= bindparam("min_price"),
    "max_price": Product.list_price <= bindparam("max_price"),
    # verifiedOnly: the page's outer join of seller_verification (a seller without a row is not verified)
    "verified": SellerVerification.status == bindparam("verified"),
    # open auctions only: an ended one awaits its closing job
    "now": Product.ends_at > bindparam("now"),
}


@lru_cache(maxsize=512)  # 8 term counts x 2^9 filter sets x 4 sorts x 2 could be; a few are
def _statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    """The statement of every search of `shape`; building and keying one per call cost as much as
    running it. Each search term is joined on product_term's whole key, one row or none, which
    MariaDB looks up by the key (an EXISTS it made a semi-join reading each term's every row)."""
    order = _ORDER[shape.sort]
    query: Select[*tuple[Any, ...]]
    if shape.by_term:
        # the products holding the rarest term, newest first in product_term's key (the product's own
        # created_at and id: the NEWEST order without a sort)
        driver = aliased(ProductTerm, name="walked")
        query = _using(select(*_SUMMARY).select_from(driver), driver)
        for n in range(1, shape.terms):
            query = _holding(query, n, driver.created_at, driver.product_id)
        if shape.terms > 1:  # the other terms' bits, tested in the row walked before any of them is looked up
            query = query.where(driver.signature.bitwise_and(bindparam("other_terms")) == bindparam("other_terms"))
        query = (_using(query, Product)
                 .join(Product, and_(Product.id == driver.product_id, Product.created_at == driver.created_at))
                 .where(driver.term == bindparam("term_0")))
        if shape.sort == NEWEST:
            order = (driver.created_at.desc(), driver.product_id.desc())
    else:
        query = select(*_SUMMARY).select_from(Product)
        if shape.index:
            # left to choose, MariaDB walked every product newest first (the status index) testing the
            # category on each, where the category's index holds a twentieth of them: 41 ms against 4
            query = _using(query, Product, index=shape.index)
        for n in range(shape.terms):
            query = _holding(query, n, Product.created_at, Product.id)
    query = (_using(query, Category, Member, SellerVerification)
             .join(Category, Category.id == Product.category_id)
             .join(Member, Member.id == Product.seller_id)
             # sellerVerified of each result, in the same query: a seller may have no row (not verified)
             .outerjoin(SellerVerification, SellerVerification.member_id == Product.seller_id)
             .outerjoin(ProductPhoto, and_(ProductPhoto.product_id == Product.id, ProductPhoto.position == 0))
             # a suspended seller's products are off sale
             .where(Product.status == ProductStatus.ACTIVE, Member.status != MemberStatus.SUSPENDED,
                    *(_FILTERS[name] for name in shape.filters))
             # the tables in the order written, so the first one's index serves the filter and the
             # ORDER BY ... LIMIT; left alone, MariaDB starts from the small category or member table and
             # sorts every match
             .prefix_with("STRAIGHT_JOIN", dialect="mysql"))
    return (query.order_by(*order).limit(bindparam("page_limit", type_=Integer))
            .offset(bindparam("page_offset", type_=Integer)))


def _holding(query: Select[*tuple[Any, ...]], n: int, created_at: Any, product_id: Any) -> Select[*tuple[Any, ...]]:
    """`query` joined with term_n's row of the same product."""
    term = aliased(ProductTerm)
    return _using(query, term).join(term, and_(term.term == bindparam(f"term_{n}"),
                                               term.created_at == created_at, term.product_id == product_id))


def _using(query: Select[*tuple[Any, ...]], *tables: Any, index: str = "PRIMARY") -> Select[*tuple[Any, ...]]:
    """MariaDB told which index of each of `tables` to use (each joined by its key, unless `index` says
    otherwise): left to choose, its optimizer estimated every index a condition names, a third of a
    four-word search's time, and may pick one that reads more."""
    for table in tables:
        query = query.with_hint(table, f"FORCE INDEX ({index})", dialect_name="mysql")
    return query


# how many of a term's rows, and of a filter's products, are read newest first to tell which is rarer: fewer
# than this many are rare (a walk of all of them is short); as many, by how many a day they reach back to.
# Terms are sampled by the handful in a search, so fewer each (0.1-0.2 ms). A burst of more listings than
# FILTER_SAMPLE in a category makes it look commoner than over the weeks a search may walk back: the term
# is walked instead, ~15 ms on 100,000 products rather than ~4
TERM_SAMPLE, FILTER_SAMPLE = 100, 250


def _walking_index(column: Any) -> str:
    """The product index that serves `column`'s filter newest first."""
    return next(str(index.name) for index in Base.metadata.tables[Product.__tablename__].indexes
                if index.columns.keys()[-1] == "created_at" and column.key in index.columns)


# the filters the product table has an index on that ends in created_at, and that index: a search driven
# by the products walks it newest first, and tests the other filters and the terms on each product it reads
_WALKABLE = {name: _walking_index(column) for name, column in (
    ("category", Product.category_id), ("seller", Product.seller_id),
    ("province", Product.seller_province_code), ("city", Product.seller_city_code))}


def _rarest_first(session: Reader, shape: _Shape, terms: tuple[str, ...], values: dict[str, Any],
                  now: datetime) -> tuple[list[str], str | None]:
    """The terms, rarest first, and the filter whose products a search walks, when they are rarer than
    the rarest term's rows (a common word in a category); None: the rarest term's rows are walked. Each
    term and each such filter is sampled, newest first, in one statement; a single term and no such filter
    needs none."""
    walkable = tuple(name for name in shape.filters if name in _WALKABLE)
    if len(terms) == 1 and not walkable:
        return list(terms), None
    reached = session.execute(_sampling(len(terms), walkable),
                              {**values, **{f"sample_{n}": term for n, term in enumerate(terms)}}).one()
    rates = [_per_second(moment, TERM_SAMPLE if n < len(terms) else FILTER_SAMPLE, now)
             for n, moment in enumerate(reached)]
    order = sorted(range(len(terms)), key=rates.__getitem__)  # stable: ties keep the order typed
    rarest_filter = min(range(len(terms), len(rates)), key=rates.__getitem__, default=None)
    if rarest_filter is None or rates[order[0]] <= rates[rarest_filter]:
        return [terms[n] for n in order], None
    return [terms[n] for n in order], walkable[rarest_filter - len(terms)]


def _per_second(reached: datetime | None, sample: int, now: datetime) -> float:
    """How many rows a second a sample of `sample` rows that reached back to `reached` holds; 0 for fewer."""
    return 0.0 if reached is None else sample / max((now - reached).total_seconds(), 1.0)


@lru_cache(maxsize=512)
def _sampling(terms: int, walkable: tuple[str, ...]) -> Select[*tuple[Any, ...]]:
    """Per term, then per walkable filter: the created_at of its TERM_SAMPLE-th or FILTER_SAMPLE-th newest
    row (NULL if it has fewer), read in the index that a search driven by it would walk."""
    def sampled(newest: Select[Any], sample: int) -> Any:
        return newest.limit(1).offset(sample - 1).scalar_subquery()

    return select(
        *(sampled(select(ProductTerm.created_at).where(ProductTerm.term == bindparam(f"sample_{n}"))
                  .order_by(ProductTerm.created_at.desc(), ProductTerm.product_id.desc()), TERM_SAMPLE)
          for n in range(terms)),
        *(sampled(select(Product.created_at).where(Product.status == ProductStatus.ACTIVE, _FILTERS[name])
                  .order_by(Product.created_at.desc()), FILTER_SAMPLE)
          for name in walkable))


# what a result shows, as plain rows (no ORM objects to build); the first photo read in the same query
_SUMMARY = (Product.id, Product.name, Product.seller_province_code, Product.seller_city_code, Product.sale_method,
            Product.status, Product.stock, Product.list_price, Product.bid_count, Product.ends_at,
            Product.created_at, Category.code.label("category_code"), Member.username.label("seller_username"),
            ProductPhoto.url.label("photo_url"), SellerVerification.status.label("seller_verification"))

_ORDER: dict[str, tuple[UnaryExpression[Any], ...]] = {
    NEWEST: (Product.created_at.desc(), Product.id.desc()),
    PRICE_ASC: (Product.list_price.asc(), Product.id.asc()),
    PRICE_DESC: (Product.list_price.desc(), Product.id.desc()),
    ENDING_SOON: (Product.ends_at.asc(), Product.id.asc()),
}


def _summary(row: Any, now: datetime) -> ProductSummary:
    return ProductSummary(
        product_id=row.id, name=row.name, category_code=row.category_code, seller_username=row.seller_username,
        seller_province_code=row.seller_province_code, seller_city_code=row.seller_city_code,
        sale_method=row.sale_method, status=row.status,
        action=action_of(row.sale_method, row.status, row.stock, row.ends_at, now),
        price=row.list_price, stock=row.stock if row.sale_method == FIXED else None,
        bid_count=row.bid_count, ends_at=row.ends_at, photo_url=row.photo_url, created_at=row.created_at,
        seller_verified=row.seller_verification == VerificationStatus.VERIFIED)
