"""Text search in process (issues 14 and 25): searchProducts with a text filter, query shape by query shape,
on MariaDB and on SQLite, against issue 25's target (p50 <= 5 ms and p95 <= 10 ms on 100,000 products);
the write cost of a product's insert and update; and the text index's size per 100,000 products.

    .venv/bin/python bench/text_search.py [--database mariadb|sqlite|both] [--calls 200] [--rounds 3]
        [--writes 200] [--products 100000] [--sellers 1000] [--reseed]
        [--mysql-url mysql+pymysql://root@127.0.0.1:3306] [--mysql-database emall_bench_catalog] [--code DIR]

For each database asked for (both by default, MariaDB first):

1. The catalogue. MariaDB: bench/catalog.py's seeded database, through its seed() (seeds only when missing,
   else brings the schema to this code's revision, as `emall-ws migrate` does); a database holding another
   number of products than --products is refused unless --reseed, rather than dropped. SQLite: a
   temporary database made by `Database.create_schema` and seeded with the same catalogue by Core INSERTs
   (catalog.py's rows, the same random seed, one photo each). Where the code has the product_term table
   (issue 25), a catalogue with products and no terms gets them from `emall_ws.db.product_terms.fill`,
   imported only then: always the SQLite seed, whose INSERTs bypass the flush that keeps the terms.
2. The index's size, per 100,000 products. MariaDB: information_schema.TABLES data_length +
   index_length of product_term (after ANALYZE TABLE), and the .ibd files of the FULLTEXT index's
   auxiliary tables (INNODB_SYS_TABLESPACES.ALLOCATED_SIZE of `<db>/FTS_<product's table id>_*`) where
   the code has no product_term (one kept beside product_term for the PHP reference is reported apart,
   and the writes below pay for it as well). SQLite: the `dbstat` virtual table's pages of product_term
   and of product_fts* (FTS5), and the file's growth (page_count * page_size) over the fill.
3. A rare word: the word lists give none (each of their 88 words is in about 1 product of 5, "dari" in
   every one), so RARE_PRODUCTS products holding RARE_WORD and no word of the lists are listed first,
   through the platform's use case (so the platform indexes them), untimed.
4. The plan of each shape (EXPLAIN, or SQLite's EXPLAIN QUERY PLAN); a full scan of product fails the run.
5. The shapes of SHAPES, each called through `Database.read` + `catalog_search.search_products` (a pooled
   connection, no transaction: the catalogue's read path; the SQL and building the page), newest first, a
   page of 20: how many products match (ACTIVE, of sellers not suspended: the search's own query,
   counted), then after warm-up --calls calls per shape per round, --rounds rounds interleaved. Every
   answer is checked (the page holds min(20, matches) products). Per shape: the median over the rounds of
   each round's p50 and p95, "met" or "NOT met" against p50 <= 5 ms and p95 <= 10 ms.
6. The write cost: --writes products listed through CatalogUseCases.sell_product, then each one's name
   and description changed through CatalogUseCases.update_product (the use cases the SOAP operations
   call: one transaction each, its caller identified by a session token, the service as
   tests/builders.py `sell` and tests/integration/catalog_fixtures.py `update` call it), each with new
   text drawn like the catalogue's; median and p95 ms of each.
7. MariaDB: the products (their product_term rows too, which no foreign key names), seller and session of
   the run are deleted at the end (and those an interrupted run left, at the start), so the catalogue keeps
   its --products products and their terms alone; SQLite's database goes.

Results as a markdown table on stdout; raw figures to bench/results/text_search-<timestamp>.json. --code DIR
measures the platform's code found in DIR (e.g. a worktree of another commit) with these benchmark modules.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

BENCH_DIR = Path(__file__).resolve().parent


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("mariadb", "sqlite", "both"), default="both")
    parser.add_argument("--calls", type=int, default=200, help="calls of each shape per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writes", type=int, default=200, help="product inserts, and as many updates")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--sellers", type=int, default=1000)
    parser.add_argument("--reseed", action="store_true", help="MariaDB: seed the catalogue again")
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL",
                                                              "mysql+pymysql://root@127.0.0.1:3306"))
    parser.add_argument("--mysql-database", default="emall_bench_catalog", help="bench/catalog.py's database")
    parser.add_argument("--code", type=Path, help="the platform's code from this folder instead (e.g. a worktree)")
    return parser.parse_args()


ARGS = parse()
sys.path[:0] = [str(ARGS.code or BENCH_DIR.parent), str(BENCH_DIR)]  # not the installed package's folder
import emall_ws  # noqa: E402  (first, from there: the benchmark modules put their folders on the path)
from catalog import CATEGORIES, NOW, _product, _seller, database_url, seed  # noqa: E402
from databases import rows_in, server_version  # noqa: E402
from raw import save_results  # noqa: E402
from run import machine  # noqa: E402
from sqlalchemy import ClauseElement, Executable, delete, func, insert, inspect, select, text  # noqa: E402
from sqlalchemy.ext.compiler import compiles  # noqa: E402

from emall_ws.config import Settings  # noqa: E402
from emall_ws.data.regions import load_regions  # noqa: E402
from emall_ws.db.models import AuthSession, Base, Category, Member, Product, ProductPhoto  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402
from emall_ws.domain.catalog import CatalogPolicy, ProductForm, SearchFilters, validate_search  # noqa: E402
from emall_ws.platform import Platform  # noqa: E402
from emall_ws.services import catalog_search  # noqa: E402
from emall_ws.services.auth import Credentials, token_hash  # noqa: E402

P50_TARGET_MS, P95_TARGET_MS = 5.0, 10.0  # issue 25, on 100,000 products
PAGE = 20
TERM_TABLE = "product_term"  # issue 25's index; before it: FTS5 (SQLite), FULLTEXT ix_product_text (MariaDB)
BENCH_SELLER = "textbench"  # the member listing this run's products (deleted after on MariaDB)
RARE_WORD, RARE_PRODUCTS = "rambutan", 100
RARE_NAME = "Rambutan Binjai Rapiah"
RARE_DESCRIPTION = "Rambutan binjai rapiah, dipetik pagi ini."  # no word of catalog.py's lists


@dataclass(frozen=True)
class Shape:
    label: str
    text: str
    filters: dict = field(default_factory=dict)  # more SearchFilters fields

    def search_filters(self) -> SearchFilters:
        return SearchFilters(text=self.text, sort="NEWEST", page=1, page_size=PAGE, **self.filters)

    def describe(self) -> str:
        more = ", ".join(f"{k}={v}" for k, v in self.filters.items())
        return repr(self.text) + (f" + {more}" if more else "")


# words of bench/catalog.py's lists (NOUNS, ADJECTIVES, PLACES), each in about 1 product of 5, but the rare one
SHAPES = (
    Shape("two common words", "kopi gayo"),
    Shape("one common word", "kopi"),
    Shape("a rare word", RARE_WORD),
    Shape("three words", "batik tulis pekalongan"),
    Shape("a 3-letter prefix", "ker"),  # keripik, keris, kerupuk
    Shape("a word matching nothing", "durian"),
    Shape("four words, few hits", "keris toraja antik ukir"),
    Shape("text, category, price range", "kopi",
          {"category": "makanan", "min_price": 100_000, "max_price": 1_000_000}),
)


# --- the catalogue and its index ---------------------------------------------------------------------------

def has_term_table() -> bool:
    return TERM_TABLE in Base.metadata.tables


def fill_terms(db: Database, always: bool) -> dict | None:
    """product_term filled from the products (emall_ws.db.product_terms.fill), when the code has the table
    and (unless `always`) it is empty while products are there; its time and product count."""
    if not has_term_table():
        print("text index: this code has no product_term (issue 25's index): measuring its own index "
              "(SQLite: FTS5 kept by triggers; MariaDB: FULLTEXT), nothing to fill")
        return None
    try:
        from emall_ws.db import product_terms
    except ImportError as error:
        raise SystemExit(f"this code has the {TERM_TABLE} table but no emall_ws.db.product_terms "
                         f"to fill it: {error}") from error
    with db.engine.connect() as connection:
        empty = connection.scalar(text(f"SELECT count(*) FROM (SELECT 1 FROM {TERM_TABLE} LIMIT 1) t")) == 0
    if not (always or empty):
        return None
    started = time.monotonic()
    with db.engine.begin() as connection:
        done = product_terms.fill(connection)
    seconds = time.monotonic() - started
    print(f"fill: the terms of {done} products in {seconds:.1f} s (emall_ws.db.product_terms.fill)")
    return {"products": done, "seconds": seconds}


def seed_sqlite(db: Database, products: int, sellers: int, chunk: int = 5000) -> None:
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


def sqlite_file_bytes(db: Database) -> int:
    with db.engine.connect() as connection:
        return (connection.exec_driver_sql("PRAGMA page_count").scalar()
                * connection.exec_driver_sql("PRAGMA page_size").scalar())


def sqlite_sizes(db: Database) -> dict:
    """Bytes of pages per table (its indexes included), from dbstat: product_term, product_fts*, product."""
    with db.engine.connect() as connection:
        try:
            rows = connection.exec_driver_sql(
                "SELECT m.tbl_name, sum(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
                "WHERE m.tbl_name IN ('product', 'product_term') OR m.tbl_name LIKE 'product_fts%' "
                "GROUP BY m.tbl_name").all()
        except Exception as error:  # SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
            return {"dbstat": f"unavailable: {error}"}
    tables = dict(rows)
    index = {name: size for name, size in tables.items() if name != "product"}
    return {"measured": "dbstat pages (tables and their indexes)", "tables": tables, "index_bytes": sum(index.values()),
            "index_parts": sorted(index), "product_bytes": tables.get("product")}


def mariadb_sizes(db: Database) -> dict:
    """product_term's data_length + index_length (information_schema.TABLES, after ANALYZE TABLE), and the
    FULLTEXT index's auxiliary tables' files (INNODB_SYS_TABLESPACES.ALLOCATED_SIZE) if there are any."""
    with db.engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT DATABASE()").scalar()
        present = set(connection.execute(text(
            "SELECT table_name FROM information_schema.TABLES WHERE table_schema = :s "
            "AND table_name IN ('product', 'product_term')"), {"s": schema}).scalars())
        connection.exec_driver_sql("ANALYZE TABLE " + ", ".join(sorted(present))).all()
        tables = {row.table_name: {"data_length": row.data_length, "index_length": row.index_length}
                  for row in connection.execute(text(
                      "SELECT table_name, data_length, index_length FROM information_schema.TABLES "
                      "WHERE table_schema = :s AND table_name IN ('product', 'product_term')"), {"s": schema})}
        table_id = connection.execute(text("SELECT table_id FROM information_schema.INNODB_SYS_TABLES "
                                           "WHERE name = :n"), {"n": f"{schema}/product"}).scalar()
        fulltext = connection.execute(text(
            "SELECT name, allocated_size FROM information_schema.INNODB_SYS_TABLESPACES WHERE name LIKE :n"),
            {"n": f"{schema}/FTS\\_{table_id:016x}\\_%"}).all() if table_id is not None else []
        has_fulltext = connection.execute(text(
            "SELECT count(*) FROM information_schema.STATISTICS WHERE table_schema = :s AND table_name = 'product' "
            "AND index_type = 'FULLTEXT'"), {"s": schema}).scalar() > 0
    term = tables.get(TERM_TABLE)
    result = {"measured": "information_schema.TABLES data_length + index_length of product_term; FULLTEXT: "
                          "its auxiliary tables' .ibd files (INNODB_SYS_TABLESPACES.ALLOCATED_SIZE)",
              "tables": tables, "fulltext_index": has_fulltext,
              "fulltext_aux_files": {name.split("/", 1)[1]: size for name, size in fulltext},
              "product_bytes": tables["product"]["data_length"] + tables["product"]["index_length"]}
    result["fulltext_bytes"] = sum(size for _, size in fulltext) if has_fulltext else 0
    # the platform's index: product_term where the code has it (bench/catalog.py may keep a FULLTEXT
    # index beside it for the PHP reference: reported apart), else the FULLTEXT index
    if has_term_table():
        result["index_bytes"] = term["data_length"] + term["index_length"] if term else 0
        result["index_parts"] = [TERM_TABLE]
    else:
        result["index_bytes"], result["index_parts"] = result["fulltext_bytes"], ["FULLTEXT aux tables"]
    return result


def product_count(db: Database) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Product))


# --- the run's own products ----------------------------------------------------------------------------------

def bench_seller(db: Database) -> Credentials:
    """The seller listing this run's products (made now), with a session: its credentials."""
    city = load_regions().cities("31")[0]
    token = secrets.token_urlsafe(32)
    with db.engine.begin() as connection:
        row = {**_seller(0, city), "username": BENCH_SELLER, "username_key": BENCH_SELLER, "name": "Text Bench",
               "email": f"{BENCH_SELLER}@example.co.id", "email_key": f"{BENCH_SELLER}@example.co.id"}
        member_id = connection.execute(insert(Member).values(**row)).inserted_primary_key[0]
        connection.execute(insert(AuthSession).values(member_id=member_id, token_hash=token_hash(token),
                                                      created_at=NOW, expires_at=NOW + timedelta(days=1)))
    return Credentials(token=token)


def remove_bench_rows(db: Database) -> int:
    """Deletes the bench seller, its session and products, and every row naming them; how many products."""
    with db.engine.begin() as connection:
        seller = connection.scalar(select(Member.id).where(Member.username_key == BENCH_SELLER))
        if seller is None:
            return 0
        ids = connection.scalars(select(Product.id).where(Product.seller_id == seller)).all()
        present = set(inspect(connection).get_table_names())
        if TERM_TABLE in present and ids:  # no foreign key names the product: its terms, by their key
            from emall_ws.db import product_terms
            for product in connection.execute(select(Product.id, Product.name, Product.description,
                                                     Product.created_at).where(Product.id.in_(ids))):
                product_terms.forget(connection, *product)
        for table in reversed(Base.metadata.sorted_tables):  # the rows naming a product or member first
            if table.name not in present:
                continue
            for key in table.foreign_keys:
                if key.column is Product.__table__.c.id and ids:
                    connection.execute(delete(table).where(key.parent.in_(ids)))
                elif key.column is Member.__table__.c.id:
                    connection.execute(delete(table).where(key.parent == seller))
        connection.execute(delete(Member).where(Member.id == seller))
    return len(ids)


def listing_text(rng: random.Random) -> tuple[str, str]:
    """A name and description drawn as bench/catalog.py's products' are."""
    row = _product(rng, SimpleNamespace(id=0, province_code="", city_code=""), 0)
    return row["name"], row["description"]


def form(name: str, description: str) -> ProductForm:
    return ProductForm(name=name, description=description, category="makanan", weight_grams=500,
                       sale_method="FIXED", price=85_000, stock=10, photo_urls=("https://cdn.example.id/p/bench.jpg",))


def list_rare_products(platform: Platform, credentials: Credentials) -> None:
    for _ in range(RARE_PRODUCTS):
        platform.catalog.sell_product(credentials, form(RARE_NAME, RARE_DESCRIPTION))


def writes(platform: Platform, credentials: Credentials, count: int) -> dict:
    """`count` products listed, then each one's name and description changed: ms per transaction."""
    rng = random.Random(20270101)
    inserted, updated, ids = [], [], []
    for _ in range(count):
        listing = form(*listing_text(rng))
        started = time.perf_counter()
        view = platform.catalog.sell_product(credentials, listing)
        inserted.append((time.perf_counter() - started) * 1000)
        ids.append(view.product_id)
    for product_id in ids:
        name, description = listing_text(rng)
        started = time.perf_counter()
        view = platform.catalog.update_product(credentials, product_id, ProductForm(name=name, description=description))
        updated.append((time.perf_counter() - started) * 1000)
        if view.name != name:
            raise RuntimeError(f"product {product_id} not updated: {view.name!r}")
    return {"insert": summary(inserted), "update": summary(updated)}


def summary(times: list[float]) -> dict:
    return {"n": len(times), "median_ms": statistics.median(times), "p95_ms": p95(times),
            "mean_ms": statistics.fmean(times)}


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]


# --- the searches ----------------------------------------------------------------------------------------------

def resolved(connection, shape: Shape):
    search = validate_search(shape.search_filters(), CatalogPolicy())
    if hasattr(catalog_search, "resolve_filters"):  # code (--code) from before the statement looked the names up
        ids = catalog_search.resolve_filters(connection, search, load_regions())
        return search, catalog_search.search_query(connection, search, *ids, NOW)
    return search, catalog_search.search_query(connection, search, NOW)


def matches(db: Database, shape: Shape) -> int:
    """The products the search finds (ACTIVE, sellers not suspended, its other filters), counted: its
    query without the page (search_query gives one with or without its page, as the code has it)."""
    def count(connection) -> int:
        _, query = resolved(connection, shape)
        whole = query.order_by(None).limit(None).offset(None)
        return connection.scalar(select(func.count()).select_from(whole.subquery()))
    return db.read(count)


class Explain(Executable, ClauseElement):
    """EXPLAIN (or SQLite's EXPLAIN QUERY PLAN) of a statement, its values bound as when it runs."""
    inherit_cache = False

    def __init__(self, statement, prefix: str):
        self.statement, self.prefix = statement, prefix


@compiles(Explain)
def _explain(element: Explain, compiler, **kw) -> str:
    return f"{element.prefix} " + compiler.process(element.statement, **kw)


_FULL_SCAN_SQLITE = re.compile(r"^SCAN product$|^SCAN product (?!.*USING)")


def plan(db: Database, shape: Shape) -> list[str]:
    """The search's query plan (its page, one more row), one line per step; fails on a full scan of product."""
    def explain(connection) -> list[str]:
        search, query = resolved(connection, shape)
        query = query.limit(search.page_size + 1).offset(search.offset)
        if connection.dialect.name == "sqlite":
            steps = [row.detail for row in connection.execute(Explain(query, "EXPLAIN QUERY PLAN"))]
            if any(_FULL_SCAN_SQLITE.match(step) for step in steps):
                raise SystemExit(f"full scan of product in {shape.label!r}:\n{query}\n" + "\n".join(steps))
            return steps
        rows = [dict(row._mapping) for row in connection.execute(Explain(query, "EXPLAIN"))]
        if any(row["table"] == "product" and row["type"] == "ALL" for row in rows):
            raise SystemExit(f"full scan of product in {shape.label!r}:\n{query}")
        return [f"{row['table']} {row['type']} key={row['key']} rows={row['rows']} {row['Extra'] or ''}".strip()
                for row in rows]
    return db.read(explain)


def searcher(db: Database, shape: Shape, expected: int):
    regions, policy, filters = load_regions(), CatalogPolicy(), shape.search_filters()

    def call() -> None:
        page = db.read(lambda connection: catalog_search.search_products(connection, filters, regions, NOW, policy))
        if len(page.products) != min(PAGE, expected):
            raise RuntimeError(f"{shape.label}: {len(page.products)} products on the page, {expected} match")
    return call


def searches(db: Database, counts: dict[str, int], calls: int, rounds: int) -> list[dict]:
    """Every shape `calls` times a round, the rounds interleaved; per shape the median of the rounds' p50, p95."""
    callers = {shape.label: searcher(db, shape, counts[shape.label]) for shape in SHAPES}
    for call in callers.values():  # warm-up: connections, page caches, SQLAlchemy's statement cache
        for _ in range(10):
            call()
    per_round: dict[str, list[tuple[float, float]]] = {shape.label: [] for shape in SHAPES}
    for round_ in range(1, rounds + 1):
        for shape in SHAPES:
            call, times = callers[shape.label], []
            for _ in range(calls):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
            per_round[shape.label].append((statistics.median(times), p95(times)))
            print(f"  round {round_} {shape.label:30} p50 {statistics.median(times):7.2f} ms  "
                  f"p95 {p95(times):7.2f} ms", file=sys.stderr)
    rows = []
    for shape in SHAPES:
        rounds_ = per_round[shape.label]
        p50_ms, p95_ms = statistics.median(r[0] for r in rounds_), statistics.median(r[1] for r in rounds_)
        rows.append({"shape": shape.label, "search": shape.describe(), "matches": counts[shape.label],
                     "p50_ms": p50_ms, "p95_ms": p95_ms, "rounds": rounds_,
                     "met": p50_ms <= P50_TARGET_MS and p95_ms <= P95_TARGET_MS})
    return rows


# --- one database ----------------------------------------------------------------------------------------------

def measure(name: str, db: Database, args, sizes: dict, fill: dict | None) -> dict:
    """Steps 3-6 on a seeded, indexed catalogue."""
    products = product_count(db)
    url = db.engine.url.render_as_string(hide_password=False)
    platform = Platform(Settings.from_env(env={"EMALL_DATABASE_URL": url}), db)
    credentials = bench_seller(db)
    list_rare_products(platform, credentials)
    counts = {shape.label: matches(db, shape) for shape in SHAPES}
    print(f"{name}: {products} products (+{RARE_PRODUCTS} holding {RARE_WORD!r}); text index: "
          f"{TERM_TABLE if has_term_table() else 'FTS5' if name == 'sqlite' else 'FULLTEXT'}")
    for shape in SHAPES:
        print(f"  {shape.label:30} {shape.describe():60} {counts[shape.label]:>7} match")
        print("      plan: " + " | ".join(plan(db, shape)))
    load_before = os.getloadavg()[0]
    rows = searches(db, counts, args.calls, args.rounds)
    written = writes(platform, credentials, args.writes) if args.writes else {}
    return {"database": name, "products": products, "term_table": has_term_table(), "fill": fill, "sizes": sizes,
            "index_bytes_per_100k_products": sizes.get("index_bytes", 0) * 100_000 / products,
            "searches": rows, "writes": written, "load_1min": [load_before, os.getloadavg()[0]]}


def run_mariadb(args) -> dict:
    db_name = args.mysql_database
    held = rows_in(args.mysql_url, db_name, "product")
    if held is not None:
        existing = Database(database_url(args.mysql_url, db_name))
        try:
            left = remove_bench_rows(existing)
            if left:
                print(f"mariadb: deleted {left} products an earlier run left")
        finally:
            existing.dispose()
        held = rows_in(args.mysql_url, db_name, "product")
    if held not in (None, args.products) and not args.reseed:
        raise SystemExit(f"{db_name} holds {held} products, not {args.products}: pass --products {held}, "
                         "or --reseed to seed it again (bench/catalog.py's seed drops a database it finds otherwise)")
    url = seed(args.mysql_url, db_name, args.products, args.sellers, args.reseed)
    db = Database(url)
    try:
        fill = fill_terms(db, always=False)
        sizes = mariadb_sizes(db)
        return {**measure("mariadb", db, args, sizes, fill), "server": server_version(args.mysql_url)}
    finally:
        removed = remove_bench_rows(db)
        print(f"mariadb: deleted the run's {removed} products, its seller and session", file=sys.stderr)
        db.dispose()


def run_sqlite(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="emall-bench-text-search-") as folder:
        db = Database(f"sqlite:///{folder}/search.db")
        try:
            db.create_schema()
            started = time.monotonic()
            seed_sqlite(db, args.products, args.sellers)
            print(f"sqlite: seeded {args.products} products of {args.sellers} sellers in "
                  f"{time.monotonic() - started:.1f} s")
            before = sqlite_file_bytes(db)
            fill = fill_terms(db, always=True)
            sizes = sqlite_sizes(db)
            if fill is not None:
                sizes["file_growth_over_fill_bytes"] = sqlite_file_bytes(db) - before
                sizes.setdefault("index_bytes", sizes["file_growth_over_fill_bytes"])  # no dbstat
            return {**measure("sqlite", db, args, sizes, fill), "sqlite": sqlite3.sqlite_version}
        finally:
            db.dispose()


def mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def report(results: list[dict], args) -> str:
    lines = [f"{args.calls} calls per shape per round, {args.rounds} rounds; medians of the rounds' p50 and p95; "
             f"target p50 <= {P50_TARGET_MS:g} ms, p95 <= {P95_TARGET_MS:g} ms", "",
             "| database | shape | search | matches | p50 ms | p95 ms | target |", "|---|---|---|---:|---:|---:|---|"]
    for result in results:
        for row in result["searches"]:
            lines.append(f"| {result['database']} | {row['shape']} | {row['search']} | {row['matches']:,} | "
                         f"{row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {'met' if row['met'] else 'NOT met'} |")
    lines += ["", "| database | write (one transaction each) | n | median ms | p95 ms |", "|---|---|---:|---:|---:|"]
    for result in results:
        for kind, what in (("insert", "sellProduct: a new product"), ("update", "updateProduct: name and description")):
            if kind in result["writes"]:
                w = result["writes"][kind]
                lines.append(f"| {result['database']} | {what} | {w['n']} | {w['median_ms']:.2f} | {w['p95_ms']:.2f} |")
    lines += ["", "| database | products | text index | index size | per 100,000 products | product table |",
              "|---|---:|---|---:|---:|---:|"]
    for result in results:
        sizes = result["sizes"]
        index = (TERM_TABLE if result["term_table"] else "FTS5" if result["database"] == "sqlite" else "FULLTEXT")
        parts = ", ".join(sizes.get("index_parts", []))
        lines.append(f"| {result['database']} | {result['products']:,} | {index} ({parts}) | "
                     f"{mb(sizes.get('index_bytes', 0))} | {mb(result['index_bytes_per_100k_products'])} | "
                     f"{mb(sizes.get('product_bytes') or 0)} |")
    lines.append("")
    for result in results:
        load = result["load_1min"]
        lines.append(f"{result['database']}: sizes measured as {result['sizes'].get('measured', 'the file growth')}; "
                     f"1-minute load {load[0]:.1f} before the searches, {load[1]:.1f} after the writes")
        if result["term_table"] and result["sizes"].get("fulltext_index"):
            lines.append(f"{result['database']}: the database also holds a FULLTEXT index on product "
                         f"(bench/catalog.py's, for the PHP reference), {mb(result['sizes']['fulltext_bytes'])} "
                         "not counted above; the writes paid for it too")
    return "\n".join(lines)


def main() -> int:
    args = ARGS
    print(f"code: {Path(emall_ws.__file__).parent.parent}")
    chosen = ("mariadb", "sqlite") if args.database == "both" else (args.database,)
    results = [run_mariadb(args) if name == "mariadb" else run_sqlite(args) for name in chosen]
    save_results("text_search", {"machine": machine(), "settings": vars(args), "now": NOW,
                                 "shapes": [asdict(shape) for shape in SHAPES], "results": results})
    print()
    print(report(results, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
