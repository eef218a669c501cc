"""The storefront's pages under load, each beside the SOAP call it wraps (issue 19, item 5): the product page
against Catalog.getProduct, the search page against Catalog.searchProducts, p50 and p99 with 8 connections.

    .venv/bin/python bench/storefront.py [--products 200] [--word kopi] [--duration 5] [--rounds 3]
                                         [--connections 8] [--threads 2]

1. Starts one `emall-ws serve` for the whole run (its own temporary var folder and SQLite database, free
   loopback ports): the SOAP server (granian, 2 workers, 1 blocking thread), the worker, the partner
   sandboxes and the storefront (granian, 1 worker, 8 threads, calling the SOAP server with zeep), with
   production's settings but EMALL_PASSWORD_HASH=cheapest (seeding only: no page or call measured hashes).
2. Seeds it over SOAP, as a shop would be: an admin made by `emall-ws create-admin` creates a category; a
   seller registers, activates with the code mailed to an SMTP server in this process
   (tests/e2e/mailbox.py), logs in and sells --products products (Catalog.sellProduct; 4 in 5 at a fixed
   price, 1 in 5 auctions; every fourth named after --word, so that the search page is a full one).
3. Checks one answer of each target: the search page shows as many products (12, the storefront's page
   size) as the SOAP search answers.
4. Round by round, every target once, each 2 s of warm-up then --duration seconds of `wrk --latency`:
   the storefront's GET /produk/<id> (a random product each request), Catalog.getProduct POSTed to the
   platform (a random product), the storefront's GET /?q=<word>, and Catalog.searchProducts with the filter
   that page sends (text, newest first, page 1 of 12). The search page also calls Catalog.listCategories
   each time (provinces are read once per process). wrk's Lua script checks every answer (HTTP 200, the
   markers of a right answer, no `Fault>`); one wrong answer fails the run.

Prints, as a markdown table, the medians over the rounds of req/s, p50 and p99 per target, and for each
page the median of its per-round ratios to the call it wraps; the 1-minute load before and after.
Raw figures: bench/results/storefront-<stamp>.json. Needs `wrk` (Debian package).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# the repository first: this file bears the storefront package's name (nothing here imports the package)
sys.path[:0] = [str(REPO_ROOT), str(BENCH_DIR)]

from catalog import (ADJECTIVES, GET_PRODUCT, NOUNS, PLACES, SearchCase,  # noqa: E402
                     random_id_script, search_target)
from raw import save_results  # noqa: E402
from run import _WRK_LUA as CHECKED_ANSWERS_LUA  # noqa: E402  (run.py's checks of every answer)
from run import (PRODUCTION, WARMUP_SECONDS, WORKERS, Target, free_port, lua_list, machine,  # noqa: E402
                 parse_wrk, run_wrk, server_command, soap_post, stop_server, wait_ready, wrk_script)

from tests.e2e.catalog import ADMIN_PASSWORD, Member, auction_form, create_admin, fixed_form, new_category  # noqa: E402
from tests.e2e.mailbox import start_smtp_server  # noqa: E402
from tests.e2e.members import as_member, login, register_and_activate, seller_form  # noqa: E402
from tests.e2e.server import RunningServer  # noqa: E402

PAGE_SIZE = 12  # storefront/pages/catalog.py's: its search page asks for as many
METRICS = ("requests_per_s", "p50_ms", "p99_ms")
STOREFRONT_READY = "/static/style.css"

# a random product's page each request; `tid` is set by run.py's setup(), so each thread draws its own ids
_RANDOM_PRODUCT_LUA = """
function init(args) math.randomseed(os.time() * 100 + tid) end
function request() return wrk.format("GET", "/produk/" .. math.random(1, count)) end
"""


@dataclass(frozen=True)
class Pair:
    """A storefront page and the SOAP call it wraps, measured in the same rounds."""
    page: Target
    call: Target


# --- the server and its shop ----------------------------------------------------------------------------------

@contextmanager
def serving(workdir: Path, smtp_port: int) -> Iterator[RunningServer]:
    """`emall-ws serve` with everything it runs, on free ports, until the block ends."""
    port, sandbox_port, web_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMALL_")}  # no stray settings
    env.update(EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_SANDBOX_PORT=str(sandbox_port),
               EMALL_WEB_PORT=str(web_port), EMALL_WORKERS=str(WORKERS), EMALL_VAR_DIR=str(workdir / "var"),
               EMALL_DATABASE_URL=f"sqlite:///{workdir / 'emall.db'}", EMALL_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
               EMALL_PASSWORD_HASH="cheapest")
    log = workdir / "server.log"
    with open(log, "wb") as out:  # own session, so stopping it reaches every child
        process = subprocess.Popen(server_command(PRODUCTION, GET_PRODUCT, port), cwd=REPO_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_ready(port, GET_PRODUCT, process)
        wait_ready(web_port, page_target("ready", STOREFRONT_READY, ()), process)
        yield RunningServer(f"http://127.0.0.1:{port}", log, env["EMALL_DATABASE_URL"],
                            f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{web_port}")
    except BaseException:
        print(tail(log), file=sys.stderr)
        raise
    finally:
        stop_server(process)


def tail(path: Path, lines: int = 60) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def seed(server: RunningServer, mailbox, products: int, word: str) -> str:
    """An admin's category and a seller's `products`, all through SOAP; the seller's username."""
    admin_name = create_admin(server)
    category = new_category(server, Member(admin_name, login(server, admin_name, ADMIN_PASSWORD)))
    seller = register_and_activate(server, mailbox, seller_form())
    catalog, auth = as_member(server, "Catalog", login(server, seller["username"]))
    rng = random.Random(20261207)  # the same shop every run
    ids = [catalog.sellProduct(form=product_form(rng, category, index, word), **auth).productId
           for index in range(products)]
    if ids != list(range(1, products + 1)):  # the random-id scripts draw from 1..products
        raise RuntimeError(f"product ids are not 1..{products}: {ids[:5]}...")
    return seller["username"]


def product_form(rng: random.Random, category: str, index: int, word: str) -> dict:
    """bench/catalog.py's kind of product: a name and description from its word lists."""
    noun = word if index % 4 == 0 else rng.choice(NOUNS)
    name = f"{noun.title()} {rng.choice(ADJECTIVES)} {rng.choice(PLACES).title()}"
    words = " ".join(rng.choice(NOUNS + ADJECTIVES + PLACES) for _ in range(20))
    common = dict(name=name, description=f"{name}. {words}.", weightGrams=rng.randrange(100, 5000))
    if index % 5 == 4:
        start = rng.randrange(50, 20000) * 1000
        return auction_form(category, startPrice=start, minIncrement=max(1000, start // 50), reservePrice=None,
                            **common)
    return fixed_form(category, price=rng.randrange(5, 5000) * 1000, stock=rng.randrange(1, 200), **common)


# --- targets and their scripts ----------------------------------------------------------------------------------

def page_target(name: str, path: str, expect: tuple[str, ...]) -> Target:
    """A storefront page as run.py's Target: GET `path`, right when the HTML holds every `expect`."""
    return Target(name=name, module="storefront", path=path, soap_action="", body="", expect=expect,
                  ready_path=STOREFRONT_READY, needs_db=False)


def pairs(seller: str, word: str) -> list[Pair]:
    product_page = page_target("page GET /produk/{id} (random id)", "/produk/1", ('<article class="product">', seller))
    search_page = page_target(f"page GET /?q={word}", "/?" + urlencode({"q": word}),
                              ("Hasil pencarian", 'class="card"', seller))
    search_call = search_target(SearchCase("text", {"text": word, "sort": "NEWEST"}, page_size=PAGE_SIZE))
    return [Pair(product_page, replace(GET_PRODUCT, name="SOAP Catalog.getProduct (random id)")),
            Pair(search_page, replace(search_call, name=f"SOAP Catalog.searchProducts (text {word!r}, newest, 12)"))]


def page_script(page: Target, workdir: Path, products: int) -> Path:
    """wrk's script for a page: GET, every answer checked by run.py's checks; the product page asks for a
    random product of 1..`products` each time."""
    random_product = page.path.startswith("/produk/")
    script = workdir / ("page-product.lua" if random_product else "page-search.lua")
    lines = ['wrk.method = "GET"', 'body_parts = {""}', 'prefix = ""', f"expect = {lua_list(page.expect)}",
             f"count = {products}", CHECKED_ANSWERS_LUA]
    if random_product:
        lines.append(_RANDOM_PRODUCT_LUA)
    script.write_text("\n".join(lines))
    return script


def call_script(call: Target, workdir: Path, products: int) -> Path:
    if call.soap_action == GET_PRODUCT.soap_action:
        return random_id_script(workdir, products)
    return wrk_script(call, workdir, "m")


def http_get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def checked_answer(port: int, target: Target) -> str:
    """One answer of `target`, which must be right: the load never measures errors."""
    status, body = http_get(port, target.path) if not target.body else soap_post(port, target)
    if status != 200 or "Fault>" in body or not all(text in body for text in target.expect):
        raise RuntimeError(f"{target.name}: bad answer {status}: {body[:800]}")
    return body


def check_search_page_matches_call(pair: Pair, ports: dict[str, int]) -> int:
    """The page shows as many products as the call answers, a full page: the same work behind both."""
    cards = checked_answer(ports["page"], pair.page).count('class="card"')
    products = checked_answer(ports["call"], pair.call).count(":productId>") // 2  # its open and close tags
    if not cards == products == PAGE_SIZE:
        raise RuntimeError(f"search: {cards} cards on the page, {products} products in the SOAP answer, "
                           f"not both {PAGE_SIZE}")
    return products


# --- load -------------------------------------------------------------------------------------------------------

def measure(port: int, target: Target, script: Path, args) -> dict:
    load_before = os.getloadavg()[0]  # the machine may be shared: judge noisy figures by it afterwards
    warmup = parse_wrk(run_wrk(port, target, script, WARMUP_SECONDS, args))
    result = parse_wrk(run_wrk(port, target, script, args.duration, args))
    for run in (warmup, result):
        if run["non_2xx"] or run["bad_answers"]:
            raise RuntimeError(f"{target.name}: {run['non_2xx']} non-2xx, {run['bad_answers']} bad answers")
    return {**result, "load_1min_before": load_before}


def summarize(runs: list[dict], pairs_: list[Pair]) -> list[dict]:
    """Medians over the rounds; for a page, the median of its per-round ratios to the call it wraps."""
    rows = []
    for pair in pairs_:
        calls = {r["round"]: r for r in runs if r["target"] == pair.call.name}
        for target in (pair.page, pair.call):
            mine = [r for r in runs if r["target"] == target.name]
            row = {"target": target.name, **{k: statistics.median(r[k] for r in mine) for k in METRICS},
                   "socket_errors": sum(sum(r["socket_errors"].values()) for r in mine)}
            if target is pair.page:
                for key in METRICS:
                    row[f"{key}_vs_call"] = statistics.median(r[key] / calls[r["round"]][key] for r in mine)
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| target | req/s | p50 ms | p99 ms | req/s ÷ call | p50 ÷ call | p99 ÷ call | socket errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratios = (f"{r['requests_per_s_vs_call']:.3f} | {r['p50_ms_vs_call']:.2f} | {r['p99_ms_vs_call']:.2f}"
                  if "p50_ms_vs_call" in r else "— | — | —")
        lines.append(f"| {r['target']} | {r['requests_per_s']:.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                     f"{ratios} | {r['socket_errors']} |")
    return "\n".join(lines)


def run_rounds(ports: dict[str, int], pairs_: list[Pair], workdir: Path, args) -> list[dict]:
    """Every target once a round, pages on the storefront's port, calls on the platform's."""
    scripts = {p.page.name: page_script(p.page, workdir, args.products) for p in pairs_}
    scripts.update({p.call.name: call_script(p.call, workdir, args.products) for p in pairs_})
    runs = []
    for round_ in range(1, args.rounds + 1):
        for pair in pairs_:
            for kind, target in (("page", pair.page), ("call", pair.call)):
                result = measure(ports[kind], target, scripts[target.name], args)
                runs.append({"round": round_, "target": target.name, **result})
                print(f"round {round_} {target.name:58} {result['requests_per_s']:8.1f} req/s "
                      f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms "
                      f"(load {result['load_1min_before']:.1f})", file=sys.stderr)
    return runs


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def source() -> dict:
    """The commit measured, and whether the working tree differs from it (read-only git)."""
    git = ["git", "-C", str(REPO_ROOT)]
    commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "emall_ws", "storefront"], capture_output=True,
                           text=True).stdout
    return {"commit": commit, "uncommitted_changes": bool(dirty.strip())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=200, help="products sold through SOAP before the load")
    parser.add_argument("--word", default="kopi", help="the search page's text (one of bench/catalog.py's nouns)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repetitions; medians reported")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections: browsers loading pages")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    if args.products < 4 * PAGE_SIZE:
        sys.exit(f"--products {args.products}: at least {4 * PAGE_SIZE}, so that a search fills a page")

    load_before = os.getloadavg()[0]
    smtp, mailbox = start_smtp_server(free_port())
    try:
        with tempfile.TemporaryDirectory(prefix="emall-bench-storefront-") as tmp, \
                serving(Path(tmp), smtp.port) as server:
            seller = seed(server, mailbox, args.products, args.word)
            print(f"seeded: {args.products} products of {seller}", file=sys.stderr)
            pairs_ = pairs(seller, args.word)
            ports = {"page": port_of(server.storefront_url), "call": port_of(server.url)}
            for pair in pairs_:
                checked_answer(ports["page"], pair.page)
                checked_answer(ports["call"], pair.call)
            results_per_search = check_search_page_matches_call(pairs_[1], ports)
            runs = run_rounds(ports, pairs_, Path(tmp), args)
    finally:
        smtp.stop()
    load_after = os.getloadavg()[0]

    rows = summarize(runs, pairs_)
    print(table(rows))
    print(f"\n1-minute load: {load_before:.2f} before, {load_after:.2f} after ({os.cpu_count()} CPUs)")
    save_results("storefront", {"machine": machine(), "source": source(), "settings": vars(args),
                                "load_1min": {"before": load_before, "after": load_after},
                                "results_per_search": results_per_search, "medians": rows, "runs": runs})
    return 0


if __name__ == "__main__":
    sys.exit(main())
