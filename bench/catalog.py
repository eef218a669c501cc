"""The catalogue under load: searchProducts, getProduct and listCategories on 100,000 products from 1,000
sellers (MariaDB), as ratios to the bare spyne echo and to the PHP reference (bench/php_reference.py)
measured in the same run; plus the query plans of the searches.

    .venv/bin/python bench/catalog.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306] [--database emall_bench_catalog]
                                      [--products 100000] [--sellers 1000] [--reseed] [--explain-only]
                                      [--duration 10] [--connections 8] [--threads 2] [--rounds 3] [--no-php]
                                      [--mysqlclient] [--floor]

1. Seeds the database (only when it is missing or --reseed): categories, sellers, products (80 % fixed
   price, 20 % auction, 95 % ACTIVE), one photo each, by multi-row INSERTs in one transaction (~25 s).
   Names and descriptions draw on word lists, so a text search has rare and common words.
2. Prints EXPLAIN of each search the benchmark makes (the platform's own query, compiled for MariaDB) and
   fails if any reads the product table by a full scan (type ALL).
3. Measures, round by round, the echo and each target, every one with its own server started as bench/run.py
   does (`emall-ws serve`: granian, 2 workers, 1 blocking thread; the echo under the same granian settings),
   loaded by wrk from a separate process; a Lua script checks every answer (200, the operation's response,
   no fault). getProduct asks for a random product each time. Medians and ratios go to stdout as a markdown
   table, raw figures to bench/results/catalog-<timestamp>.json.
4. Unless --no-php: before the rounds, compares one answer of each operation (every search of SEARCHES,
   listCategories, getProduct of a product of each sale method, status, with bids or none) from the platform
   and from the PHP reference field by field, and stops on a difference; then measures the PHP reference in
   the same rounds, with the same requests and the same checks, and reports each platform figure also as a
   ratio to PHP's (requests/s and p99).
5. With --mysqlclient (`pip install mysqlclient` into the virtualenv first), also measures the platform's
   targets served through mysqlclient (`mysql+mysqldb://`) in the same rounds, suffixed [mysqlclient].
6. With --floor, also measures bench/floor_app.py (the server and the driver alone doing getProduct's
   SELECT, no SOAP), compared with PHP's getProduct: the most any change on our side could reach.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from run import (ECHO, PRODUCTION, REPO_ROOT, THREADS, WORKERS, Target, free_port,  # noqa: E402
                 machine, parse_wrk, run_wrk, server_command, soap_post, stop_server, wait_ready, wrk_script)

import php_reference  # noqa: E402
from databases import fresh_database, rows_in  # noqa: E402
from raw import save_results  # noqa: E402
from sqlalchemy import func, insert, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from emall_ws.data.regions import load_regions  # noqa: E402
from emall_ws.db import product_terms  # noqa: E402
from emall_ws.db.models import Category, Member, Product  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402
from emall_ws.db.migrate import current, head, upgrade  # noqa: E402

PHP_TEXT_INDEX = "ix_product_text"
NOW = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
CATEGORIES = ("makanan", "minuman", "kerajinan", "batik", "tenun", "fesyen", "aksesoris", "kosmetik",
              "herbal", "pertanian", "perikanan", "peternakan", "furnitur", "dekorasi", "mainan", "buku",
              "elektronik", "otomotif", "olahraga", "jasa")
NOUNS = ("kopi", "teh", "keripik", "sambal", "dodol", "batik", "tenun", "songket", "ulos", "keris", "wayang",
         "anyaman", "rotan", "madu", "gula", "beras", "rendang", "abon", "kerupuk", "tas", "sepatu", "kaos",
         "kemeja", "mukena", "sarung", "lilin", "sabun", "minyak", "jamu", "cokelat", "vanili", "cengkeh",
         "lada", "kayu", "gerabah", "perak", "mutiara", "lukisan", "patung", "bantal")
ADJECTIVES = ("asli", "premium", "organik", "tradisional", "khas", "modern", "halus", "wangi", "pedas",
              "manis", "gurih", "renyah", "segar", "alami", "klasik", "antik", "ukir", "tulis", "cap", "motif")
PLACES = ("aceh", "gayo", "toraja", "garut", "malang", "solo", "jogja", "pekalongan", "bali", "lombok",
          "sumba", "flores", "minang", "palembang", "banjar", "manado", "makassar", "cirebon", "madura",
          "jepara", "kalimantan", "papua", "bandung", "semarang", "tasik", "kudus", "bogor", "medan")


# --- seeding --------------------------------------------------------------------------------------------------

def database_url(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


def seed(server_url: str, database: str, products: int, sellers: int, reseed: bool) -> str:
    """The URL of the seeded database; seeds it unless it already holds the products asked for (then
    brings its schema to this code's revision, as `emall-ws migrate` would)."""
    if not reseed and rows_in(server_url, database, "product") == products:
        print(f"seed: {database} already holds {products} products", file=sys.stderr)
        db = Database(database_url(server_url, database))
        try:
            with db.engine.connect() as connection:
                behind = current(connection) != head()
            if behind:  # the upgrade compares the schema with the models, which lack PHP's index
                drop_php_text_index(db)
                for line in upgrade(db):
                    print(f"seed: {line}", file=sys.stderr)
            php_text_index(db)
        finally:
            db.dispose()
        return database_url(server_url, database)
    url = fresh_database(server_url, database)
    started = time.monotonic()
    db = Database(url)
    db.create_schema()
    php_text_index(db)
    with db.engine.begin() as connection:
        # the FULLTEXT index is there during the load, which is faster than a rebuild after it
        _load(connection, products, sellers)
        product_terms.fill(connection)  # the platform's text index: INSERTs bypass the models
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE TABLE product, product_photo, member, category"))
    db.dispose()
    print(f"seed: {products} products of {sellers} sellers loaded in {time.monotonic() - started:.1f} s",
          file=sys.stderr)
    return url


def php_text_index(db: Database) -> None:
    """The PHP reference's text index, MariaDB's FULLTEXT (the platform's is product_term since revision
    0006, which dropped this one): added when missing. The answers compared before the rounds show it works."""
    with db.engine.begin() as connection:
        if PHP_TEXT_INDEX not in _indexes(connection):
            connection.execute(text(f"CREATE FULLTEXT INDEX {PHP_TEXT_INDEX} ON product (name, description)"))
            # on MariaDB 10.11 a FULLTEXT index added to a table holding rows matched nothing until the
            # table was rebuilt (seen 2026-12-06: 0 matches for "+kopi* +gayo*", 5,058 after this)
            connection.execute(text("ALTER TABLE product FORCE"))


def drop_php_text_index(db: Database) -> None:
    with db.engine.begin() as connection:
        if PHP_TEXT_INDEX in _indexes(connection):
            connection.execute(text(f"DROP INDEX {PHP_TEXT_INDEX} ON product"))


def _indexes(connection) -> set[str]:
    return {index["name"] for index in inspect(connection).get_indexes("product")}


def _load(connection, products: int, sellers: int, chunk: int = 5000) -> None:
    rng = random.Random(20261128)  # the same catalogue every time
    regions = load_regions()
    cities = [c for p in regions.provinces() for c in regions.cities(p.code)]
    connection.execute(insert(Category), [dict(code=code, name=code.title(), created_at=NOW) for code in CATEGORIES])
    connection.execute(insert(Member), [_seller(i, rng.choice(cities)) for i in range(1, sellers + 1)])
    seller_rows = connection.execute(select(Member.id, Member.province_code, Member.city_code)).all()
    category_ids = connection.execute(select(Category.id)).scalars().all()
    for start in range(0, products, chunk):
        # ids 1..products (random_id_script's), also on Galera, whose auto-increment steps by the cluster size
        rows = [dict(_product(rng, rng.choice(seller_rows), rng.choice(category_ids)), id=n)
                for n in range(start + 1, min(start + chunk, products) + 1)]
        connection.execute(insert(Product), rows)
    connection.execute(text("INSERT INTO product_photo (product_id, url, position) "
                            "SELECT id, CONCAT('https://cdn.example.id/p/', id, '.jpg'), 0 FROM product"))


def _seller(i: int, city) -> dict:
    name = f"ukm{i:04d}"
    return dict(username=name, username_key=name, email=f"{name}@example.co.id", email_key=f"{name}@example.co.id",
                password_hash="!", name=f"UKM {i}", address="Jl. Merdeka 1", phone="+6281234567890",
                province_code=city.province_code, city_code=city.code, role="SELLER", status="ACTIVE",
                created_at=NOW, activated_at=NOW)


def _product(rng: random.Random, seller, category_id: int) -> dict:
    noun, adjective, place = rng.choice(NOUNS), rng.choice(ADJECTIVES), rng.choice(PLACES)
    words = " ".join(rng.choice(NOUNS + ADJECTIVES + PLACES) for _ in range(20))
    created = NOW - timedelta(seconds=rng.randrange(180 * 86400))
    status = "ACTIVE" if rng.random() < 0.95 else rng.choice(("SOLD_OUT", "WITHDRAWN"))
    row = dict(seller_id=seller.id, category_id=category_id, name=f"{noun.title()} {adjective} {place.title()}",
               description=f"{noun} {adjective} dari {place}. {words}.", weight_grams=rng.randrange(100, 5000),
               status=status, seller_province_code=seller.province_code, seller_city_code=seller.city_code,
               price=None, stock=None, start_price=None, min_increment=None, reserve_price=None, ends_at=None,
               current_price=None, bid_count=0, created_at=created, updated_at=created)
    if rng.random() < 0.8:
        row.update(sale_method="FIXED", price=rng.randrange(5, 5000) * 1000, stock=rng.randrange(1, 200))
    else:
        start = rng.randrange(50, 20000) * 1000
        bids = rng.choice((0, 0, 1, 3, 8))
        row.update(sale_method="AUCTION", start_price=start, min_increment=max(1000, start // 50), stock=1,
                   ends_at=NOW + timedelta(seconds=rng.randrange(3600, 30 * 86400)), bid_count=bids,
                   current_price=start + bids * max(1000, start // 50) if bids else None)
    return row


# --- the searches, their plans ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchCase:
    label: str
    filters: dict  # SearchFilters' SOAP fields
    page_size: int = 20


SEARCHES = (
    SearchCase("newest", {}),
    SearchCase("text", {"text": "kopi gayo"}),
    SearchCase("category, price asc", {"category": "batik", "sort": "PRICE_ASC"}),
    SearchCase("province", {"province": "33"}),
    SearchCase("city, fixed", {"city": "33.74", "saleMethod": "FIXED"}),
    SearchCase("price range, price desc", {"minPrice": 100000, "maxPrice": 200000, "sort": "PRICE_DESC"}),
    SearchCase("ending soonest", {"sort": "ENDING_SOON"}),
    SearchCase("seller", {"seller": "ukm0042"}),
)
_SNAKE = {"saleMethod": "sale_method", "minPrice": "min_price", "maxPrice": "max_price"}


def explain(url: str) -> list[dict]:
    """EXPLAIN of each search as the platform runs it; a full scan of product is an error."""
    from emall_ws.domain.catalog import CatalogPolicy, SearchFilters, validate_search
    from emall_ws.services import catalog_search

    db = Database(url)
    plans = []
    try:
        with db.unit_of_work() as session:
            for case in SEARCHES:
                filters = SearchFilters(**{_SNAKE.get(k, k): v for k, v in case.filters.items()},
                                        page_size=case.page_size)
                search = validate_search(filters, CatalogPolicy())
                query = catalog_search.search_query(session, search, NOW)
                sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
                rows = [dict(r._mapping) for r in session.execute(text("EXPLAIN " + sql))]
                plans.append({"search": case.label, "sql": sql, "plan": rows})
    finally:
        db.dispose()
    for item in plans:
        for row in item["plan"]:
            if row["table"] == "product" and row["type"] == "ALL":
                raise SystemExit(f"full table scan of product in search {item['search']!r}:\n{item['sql']}")
    return plans


def plans_text(plans: list[dict]) -> str:
    keys = ("table", "type", "key", "rows", "Extra")
    lines = []
    for item in plans:
        lines.append(f"{item['search']}:")
        for row in item["plan"]:
            lines.append("    " + "  ".join(f"{k}={row.get(k)}" for k in keys))
    return "\n".join(lines)


# --- load -------------------------------------------------------------------------------------------------------

def _envelope(operation: str, inner: str) -> str:
    return ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:c="urn:emall-kukm:catalog"><soapenv:Body><c:{operation}>{inner}</c:{operation}>'
            '</soapenv:Body></soapenv:Envelope>')


def search_target(case: SearchCase) -> Target:
    filters = "".join(f"<c:{k}>{v}</c:{k}>" for k, v in case.filters.items())
    return Target(name=f"searchProducts ({case.label})", module="emall_ws.wsgi", path="/ws/Catalog",
                  soap_action="searchProducts",
                  body=_envelope("searchProducts", f"<c:filters>{filters}</c:filters><c:page>1</c:page>"
                                                   f"<c:pageSize>{case.page_size}</c:pageSize>"),
                  expect=("searchProductsResponse", ":productId>"), ready_path="/health", needs_db=True)


# the expected texts leave the namespace prefix out: spyne writes tns:, PHP's SoapServer ns1:
GET_PRODUCT = Target(name="getProduct (random id)", module="emall_ws.wsgi", path="/ws/Catalog",
                     soap_action="getProduct", body=_envelope("getProduct", "<c:productId>1</c:productId>"),
                     expect=("getProductResponse", ":action>"), ready_path="/health", needs_db=True)

LIST_CATEGORIES = Target(name="listCategories", module="emall_ws.wsgi", path="/ws/Catalog",
                         soap_action="listCategories", body=_envelope("listCategories", ""),
                         expect=("listCategoriesResponse", ":code>batik<"), ready_path="/health", needs_db=True)
# --floor: bench/floor_app.py, the server and the driver alone under getProduct's load
FLOOR = replace(GET_PRODUCT, name="floor: server + getProduct's SELECT", module="floor_app", ready_path="/")
PHP = "PHP "  # the prefix of the PHP reference's targets
MYSQLCLIENT = " [mysqlclient]"  # the suffix of the platform's targets served through mysqlclient


def php_target(target: Target) -> Target:
    return replace(target, name=PHP + target.name, ready_path=php_reference.READY_PATH)

# every request asks for another product (ids 1..N, all exist); checks every answer like run.py's script
_RANDOM_ID_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = '"getProduct"'
local threads = {}
function setup(thread) table.insert(threads, thread) end
bad = 0
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
function request()
   return wrk.format(nil, nil, nil, head .. math.random(1, count) .. tail)
end
function response(status, headers, body)
   local ok = status == 200 and not body:find("Fault>", 1, true)
   for _, text in ipairs(expect) do ok = ok and body:find(text, 1, true) ~= nil end
   if not ok then bad = bad + 1 end
end
function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do total = total + thread:get("bad") end
   io.write(string.format("Bad answers: %d\\n", total))
end
"""


def random_id_script(workdir: Path, products: int) -> Path:
    head, tail = GET_PRODUCT.body.split("<c:productId>1</c:productId>")
    script = workdir / "get-product.lua"
    script.write_text(f"head = {json.dumps(head + '<c:productId>')}\ntail = {json.dumps('</c:productId>' + tail)}\n"
                      f"count = {products}\nexpect = {{{', '.join(json.dumps(e) for e in GET_PRODUCT.expect)}}}\n"
                      + _RANDOM_ID_LUA)
    return script


def start(target: Target, workdir: Path, url: str, **settings: str) -> tuple[subprocess.Popen, int]:
    """The server of `target` on `url`'s database; `settings`: more EMALL_* variables."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}
    env.update(PYTHONPATH=os.pathsep.join([str(BENCH_DIR), str(REPO_ROOT)]), EMALL_VAR_DIR=str(workdir),
               EMALL_DATABASE_URL=url, EMALL_PUBLIC_URL=f"http://127.0.0.1:{port}", EMALL_WORKERS=str(WORKERS),
               EMALL_THREADS=str(THREADS), **settings)
    with open(workdir / "server.log", "wb") as log:
        process = subprocess.Popen(server_command(PRODUCTION, target, port), cwd=REPO_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(port, target, process)
    except Exception:
        stop_server(process)
        print((workdir / "server.log").read_text(errors="replace"), file=sys.stderr)
        raise
    return process, port


def measure(target: Target, url: str, products: int, args) -> dict:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="emall-bench-catalog-") as tmp:
        workdir = Path(tmp)
        processes, port = (php_reference.start(workdir, url) if target.name.startswith(PHP)
                           else _one(start(target, workdir, url)))
        try:
            status, body = soap_post(port, target)
            if status != 200 or not all(e in body for e in target.expect) or "Fault>" in body:
                raise RuntimeError(f"{target.name}: bad answer {status}: {body[:500]}")
            script = (random_id_script(workdir, products) if target.soap_action == GET_PRODUCT.soap_action
                      else wrk_script(target, workdir, "m"))
            run_wrk(port, target, script, 2, args)  # warm-up
            result = parse_wrk(run_wrk(port, target, script, args.duration, args))
        finally:
            php_reference.stop(processes)
    if result["non_2xx"] or result["bad_answers"]:
        raise RuntimeError(f"{target.name}: {result['non_2xx']} non-2xx, {result['bad_answers']} bad answers")
    return {**result, "response_bytes": len(body.encode()), "load_1min_before": load_before}


def _one(started: tuple[subprocess.Popen, int]) -> tuple[list[subprocess.Popen], int]:
    return [started[0]], started[1]


def compare_answers(url: str, targets: list[Target]) -> int:
    """One answer of each operation from the platform and from the PHP reference, compared field by field
    (bench/php_reference.py normalised); a difference stops the benchmark. The number of answers compared."""
    with tempfile.TemporaryDirectory(prefix="emall-bench-catalog-") as tmp:
        db = Database(url)
        try:
            with db.engine.connect() as connection:  # a product of each sale method and status, bids or none
                ids = connection.execute(select(func.min(Product.id))
                                         .group_by(Product.sale_method, Product.status, Product.bid_count > 0)
                                         .order_by(func.min(Product.id))).scalars().all()
        finally:
            db.dispose()
        products = [replace(GET_PRODUCT, name=f"getProduct {i}",
                            body=GET_PRODUCT.body.replace("<c:productId>1<", f"<c:productId>{i}<")) for i in ids]
        (Path(tmp) / "platform").mkdir()
        platform, platform_port = start(GET_PRODUCT, Path(tmp) / "platform", url)
        php: list[subprocess.Popen] = []
        try:
            php, php_port = php_reference.start(Path(tmp), url)
            for target in targets + products:
                answers = [soap_post(port, target) for port in (platform_port, php_port)]
                if any(status != 200 for status, _ in answers):
                    raise SystemExit(f"{target.name}: not answered by both: {answers}")
                found = php_reference.differences(answers[0][1], answers[1][1])
                if found:
                    raise SystemExit(f"{target.name}: the PHP reference answers otherwise:\n" + "\n".join(found[:20]))
        finally:
            php_reference.stop(php)
            stop_server(platform)
    return len(targets) + len(products)


METRICS = ("requests_per_s", "p50_ms", "p99_ms")


def summarize(runs: list[dict], targets: list[Target]) -> list[dict]:
    """Medians over the rounds; ratios as medians of each round's ratio to that round's echo, and for the
    platform's targets to that round's PHP reference (requests/s and p99)."""
    echo = {r["round"]: r for r in runs if r["target"] == ECHO.name}
    rows = []
    for target in targets:
        mine = [r for r in runs if r["target"] == target.name]
        row = {"target": target.name, **{k: statistics.median(r[k] for r in mine) for k in METRICS}}
        for key in METRICS:
            row[f"{key}_vs_echo"] = statistics.median(r[key] / echo[r["round"]][key] for r in mine)
        mine_at_php = target.name.removesuffix(MYSQLCLIENT)
        php_name = PHP + (GET_PRODUCT.name if mine_at_php == FLOOR.name else mine_at_php)
        php = {r["round"]: r for r in runs if r["target"] == php_name}
        if php:
            for key in ("requests_per_s", "p99_ms"):
                row[f"{key}_vs_php"] = statistics.median(r[key] / php[r["round"]][key] for r in mine)
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| target | req/s | p50 ms | p99 ms | req/s ÷ echo | p50 ÷ echo | p99 ÷ echo | req/s ÷ PHP | p99 ÷ PHP |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        vs_php = (f"{r['requests_per_s_vs_php']:.2f} | {r['p99_ms_vs_php']:.2f}" if "requests_per_s_vs_php" in r
                  else "— | —")
        lines.append(f"| {r['target']} | {r['requests_per_s']:.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                     f"{r['requests_per_s_vs_echo']:.3f} | {r['p50_ms_vs_echo']:.2f} | {r['p99_ms_vs_echo']:.2f} | "
                     f"{vs_php} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL",
                                                              "mysql+pymysql://root@127.0.0.1:3306"))
    parser.add_argument("--database", default="emall_bench_catalog")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--sellers", type=int, default=1000)
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database is there")
    parser.add_argument("--explain-only", action="store_true", help="seed and print the plans, no load")
    parser.add_argument("--search", action="append", default=[], metavar="LABEL",
                        choices=[c.label for c in SEARCHES], help="searches to load (default: newest, text)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-php", action="store_true", help="leave the PHP reference out (no PHP installed)")
    parser.add_argument("--mysqlclient", action="store_true",
                        help="also measure the platform's targets through mysqlclient (mysql+mysqldb://)")
    parser.add_argument("--floor", action="store_true",
                        help="also measure bench/floor_app.py: the server and the driver alone under getProduct")
    args = parser.parse_args()

    url = seed(args.mysql_url, args.database, args.products, args.sellers, args.reseed)
    plans = explain(url)
    print(plans_text(plans))
    if args.explain_only:
        return 0
    cases = [c for c in SEARCHES if c.label in (args.search or ["newest", "text"])]
    platform = [search_target(c) for c in cases] + [GET_PRODUCT, LIST_CATEGORIES]
    targets = [ECHO] + platform
    compared = 0
    if not args.no_php:
        compared = compare_answers(url, [search_target(c) for c in SEARCHES] + [LIST_CATEGORIES])
        print(f"the PHP reference's answers are the platform's: {compared} answers compared field by field",
              file=sys.stderr)
        targets += [php_target(t) for t in platform]
    if args.floor:
        platform.append(FLOOR)
        targets.append(FLOOR)
    urls = {t.name: url for t in targets}
    if args.mysqlclient:
        variants = [replace(t, name=t.name + MYSQLCLIENT) for t in platform]
        urls.update({t.name: url.replace("+pymysql", "+mysqldb", 1) for t in variants})
        targets += variants
    runs = []
    for round_ in range(1, args.rounds + 1):
        for target in targets:
            result = measure(target, urls[target.name], args.products, args)
            runs.append({"round": round_, "target": target.name, **result})
            print(f"round {round_} {target.name:40} {result['requests_per_s']:8.1f} req/s "
                  f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms", file=sys.stderr)
    rows = summarize(runs, targets)
    save_results("catalog", {"machine": machine(), "settings": {**vars(args), "workers": WORKERS,
                                                                     "blocking_threads": THREADS},
                             "answers_compared_with_php": compared, "plans": plans, "medians": rows, "runs": runs})
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
