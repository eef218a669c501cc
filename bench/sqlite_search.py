"""Text search on the embedded SQLite database, in process (issue 14: under 20 ms on 100,000 products):
`catalog_search.search_products` as searchProducts runs it, through SQLite's FTS5 index of the products
(emall_ws/db/text_index.py), or with --regexp through the REGEXP scan of every name and description that
the index replaced (kept here only, for the comparison).

    .venv/bin/python bench/sqlite_search.py [--products 100000] [--sellers 1000] [--calls 50] [--regexp]

1. Seeds a temporary SQLite database made by `create_schema`: bench/catalog.py's catalogue (its sellers
   and products, the same random seed, one photo each), through the triggers that keep the index.
2. Prints EXPLAIN QUERY PLAN of a search with many matches and of one with few; without --regexp, fails
   unless the first reads product_fts and the second looks its matches up by id (catalog_search._text_match).
3. Calls each search of SEARCHES `--calls` times after a few warm-up calls, each in its own
   `Database.read` (a pooled connection, no transaction: the catalogue's read path), and prints the
   median and p90 wall time in ms: the SQL and building the page of 20.
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog import CATEGORIES, NOW, _product, _seller  # noqa: E402
from sqlalchemy import and_, insert, or_, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from emall_ws.data.regions import load_regions  # noqa: E402
from emall_ws.db import text_index  # noqa: E402
from emall_ws.db.models import Category, Member, Product, ProductPhoto  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402
from emall_ws.domain.catalog import CatalogPolicy, SearchFilters, validate_search  # noqa: E402
from emall_ws.services import catalog_search  # noqa: E402

# every word of bench/catalog.py's catalogue is in about 1 product of 5: the rarer searches combine
# them; "durian" is in none (the REGEXP scan's worst case)
SEARCHES = ("kopi gayo", "kopi", "songket sumba antik", "keris toraja antik ukir perak", "durian")


def seed(db: Database, products: int, sellers: int, chunk: int = 5000) -> None:
    """bench/catalog.py's _load, less its MariaDB-only CONCAT (SQLite 3.40 has no concat())."""
    rng = random.Random(20261128)
    regions = load_regions()
    cities = [c for p in regions.provinces() for c in regions.cities(p.code)]
    with db.engine.begin() as connection:
        connection.execute(insert(Category), [dict(code=c, name=c.title(), created_at=NOW) for c in CATEGORIES])
        connection.execute(insert(Member), [_seller(i, rng.choice(cities)) for i in range(1, sellers + 1)])
        seller_rows = connection.execute(select(Member.id, Member.province_code, Member.city_code)).all()
        category_ids = connection.execute(select(Category.id)).scalars().all()
        for start in range(0, products, chunk):
            connection.execute(insert(Product), [
                dict(_product(rng, rng.choice(seller_rows), rng.choice(category_ids)), id=n)
                for n in range(start + 1, min(start + chunk, products) + 1)])
        connection.execute(insert(ProductPhoto).from_select(
            ["product_id", "url", "position"],
            select(Product.id, text("'https://cdn.example.id/p/' || product.id || '.jpg'"), text("0"))))


def regexp_match(_session, terms):
    """catalog_search._text_match on SQLite before the FTS5 index: Python's re on every name and
    description, walking the sort's index."""
    return and_(*(or_(Product.name.regexp_match(word_start), Product.description.regexp_match(word_start))
                  for word_start in (rf"(?i)\b{re.escape(term)}" for term in terms))), False


def plan(db: Database, words: str) -> list[str]:
    """EXPLAIN QUERY PLAN of the search's SELECT as search_products sends it (a page of 20, one more)."""
    search = validate_search(SearchFilters(text=words), CatalogPolicy())
    with Session(db.engine) as session:
        query = catalog_search.search_query(session, search, None, None, NOW).limit(search.page_size + 1)
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        return [row.detail for row in session.execute(text("EXPLAIN QUERY PLAN " + sql))]


def matches(db: Database, words: str) -> int:
    """How many products hold every word (ACTIVE or not), as the text index counts them."""
    terms = validate_search(SearchFilters(text=words), CatalogPolicy()).terms
    with db.engine.connect() as connection:
        return connection.scalar(text("SELECT count(*) FROM product_fts WHERE product_fts MATCH :query"),
                                 {"query": text_index.match_query(terms)})


def timed(db: Database, words: str, calls: int) -> tuple[list[float], int]:
    regions, policy, filters = load_regions(), CatalogPolicy(), SearchFilters(text=words)

    def call():
        return db.read(lambda session: catalog_search.search_products(session, filters, regions, NOW, policy))

    for _ in range(3):  # warm-up: the connection, SQLite's page cache, SQLAlchemy's statement cache
        found = len(call().products)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--sellers", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--regexp", action="store_true", help="the REGEXP scan instead of the FTS5 index")
    args = parser.parse_args()
    if args.regexp:
        catalog_search._text_match = regexp_match
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/search.db")
        db.create_schema()
        started = time.monotonic()
        seed(db, args.products, args.sellers)
        print(f"seed: {args.products} products of {args.sellers} sellers in {time.monotonic() - started:.1f} s")
        for words, expected in ((SEARCHES[0], "product_fts"), (SEARCHES[3], "product USING INTEGER PRIMARY KEY")):
            steps = plan(db, words)
            print(f"plan of {words!r}:\n    " + "\n    ".join(steps))
            if not args.regexp and not any(expected in step for step in steps):
                raise SystemExit(f"the search for {words!r} does not read {expected}")
        print(f"{'search':32} {'matches':>7} {'page':>4} {'median ms':>9} {'p90 ms':>7}   ({args.calls} calls, "
              f"{'REGEXP' if args.regexp else 'FTS5'})")
        for words in SEARCHES:
            times, found = timed(db, words, args.calls)
            p90 = statistics.quantiles(times, n=10)[-1]
            print(f"{words!r:32} {matches(db, words):>7} {found:>4} {statistics.median(times):>9.2f} {p90:>7.2f}")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
