"""Checkout throughput, and a logged-in buyer's hot reads, with concurrent buyers on MariaDB, against the
bare spyne echo in the same run.

    .venv/bin/python bench/checkout.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306]
                                       [--clients 8] [--duration 10] [--rounds 3] [--workers 2]

Starts `emall-ws serve` (granian, --workers, 1 blocking thread, its background worker and the partner
sandboxes on a port of their own: quoteShipping asks the couriers' sandboxes for tariffs) on a
fresh MariaDB database (created, then dropped), seeds two sellers with payout accounts and three
fixed-price products (two from one seller, one from the other; stock large enough for the whole run)
and one buyer per client straight into the database, logs every buyer in over SOAP, and starts the echo
reference (bench/echo_app.py) under granian with the same settings.

The load is a closed loop in this process (one thread and one keep-alive HTTP connection per buyer;
wrk cannot chain calls): each buyer fills their cart with 3 lines from the 2 sellers (Cart.addItem x3)
and checks out (Checkout.checkout, JNE's first quoted service for both sellers), again and again. Each
buyer quotes shipping once before the load (Checkout.quoteShipping on a full cart): every cart is alike,
so the stored quotes stay valid for every checkout of the run (EMALL_QUOTE_TTL_MINUTES, 60).
Every answer is checked (HTTP 200, the response element, no fault). Reported: checkouts/s (whole
iterations, i.e. 3 addItem + 1 checkout each), the checkout call's own p50/p99 latency, and the echo's
req/s and p50/p99 under the same client (threads, connections); the ratio is checkouts/s : echo req/s.
The members' hot reads (issue 14), in the same rounds and the same closed loop, each buyer with its
session token: Cart.getCart of a cart of those 3 lines (filled again before each measurement, since the
checkouts empty it) and Checkout.getInvoice of the buyer's first invoice (from one checkout each before
the rounds); reported as calls/s and their ratio to the echo's req/s.
After the rounds the database is checked: orders = 2 x checkouts, stock never negative, unique codes
distinct among open invoices per account. Raw figures go to bench/results/checkout-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

from auction import (ECHO_BODY, ENVELOPE, VENV_BIN, code_env, free_port, login, snapshot,  # noqa: E402
                     start, stop)
from databases import drop_database, fresh_database, server_version  # noqa: E402
from raw import RESULTS_DIR, save_results  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

WARMUP_SECONDS = 2
STOCK = 1_000_000
HEADER = "<soapenv:Header><t:SessionHeader><t:token>{token}</t:token></t:SessionHeader></soapenv:Header>"


def body(ns: str, token: str, inner: str) -> bytes:
    return ENVELOPE.format(ns=ns, header=HEADER.format(token=token), body=inner).encode()


def seed(database_url: str, buyers: int) -> tuple[list[str], list[str], list[int]]:
    from sqlalchemy import update

    from emall_ws.db.models import Member, Product
    from emall_ws.domain.errors import Conflict
    from emall_ws.db.session import Database
    from tests.builders import create_member
    from tests.builders import FIXED_FORM, add_category, sell
    from emall_ws.services.auth import Principal

    db = Database(database_url)
    try:
        try:
            add_category(db)
        except Conflict:  # a catalogue seeded before has it (bench/scale_out.py)
            pass
        sellers = [create_member(db, f"benchseller{i}", "SELLER") for i in range(2)]
        with db.unit_of_work() as session:
            for i, seller in enumerate(sellers):
                session.execute(update(Member).where(Member.id == seller.id).values(
                    bank_code="BCA", account_number=f"55500{i:05d}", account_holder=f"KOPERASI BENCH {i}"))
        principals = [Principal(s.id, s.username, "SELLER") for s in sellers]
        products = [sell(db, principals[0], FIXED_FORM, stock=STOCK).product_id,
                    sell(db, principals[0], FIXED_FORM, name="Teh Kaligua", price=40_000, weight_grams=150,
                         stock=STOCK).product_id,
                    sell(db, principals[1], FIXED_FORM, name="Batik Tulis", price=450_000, weight_grams=500,
                         stock=STOCK).product_id]
        with db.unit_of_work() as session:  # the fixtures sell "now" of their own clock; keep them for sale
            session.execute(update(Product).where(Product.id.in_(products)).values(status="ACTIVE"))
        names = [create_member(db, f"benchbuyer{i:03d}").username for i in range(buyers)]
        return [s.username for s in sellers], names, products
    finally:
        db.dispose()


class Client:
    def __init__(self, host: str, port: int):
        self.connection = http.client.HTTPConnection(host, port, timeout=30)

    def call(self, path: str, action: str, payload: bytes, expect: str) -> tuple[float, str]:
        started = time.perf_counter()
        self.connection.request("POST", path, payload, {"Content-Type": "text/xml; charset=utf-8",
                                                        "SOAPAction": f'"{action}"'})
        answer = self.connection.getresponse()
        text_ = answer.read().decode()
        elapsed = time.perf_counter() - started
        if answer.status != 200 or expect not in text_ or "Fault>" in text_:
            raise RuntimeError(f"{action}: HTTP {answer.status}: {text_[:600]}")
        return elapsed, text_


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_load(clients: int, seconds: float, work) -> dict:
    """`work(index, client_state)` repeatedly in `clients` threads for `seconds`; returns latencies/counts."""
    stop_at = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    done = [0] * clients
    errors: list[BaseException] = []

    def loop(i: int) -> None:
        state: dict = {}
        try:
            while time.perf_counter() < stop_at:
                latencies[i].append(work(i, state))
                done[i] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    flat = [x for per in latencies for x in per]
    return {"count": sum(done), "seconds": elapsed, "per_s": sum(done) / elapsed,
            "p50_ms": percentile(flat, 50) * 1000, "p99_ms": percentile(flat, 99) * 1000}


def check_database(database_url: str, products: list[int]) -> dict:
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            orders = c.execute(text("SELECT COUNT(*) FROM purchase_order")).scalar()
            invoices = c.execute(text("SELECT COUNT(*) FROM invoice")).scalar()
            sold = c.execute(text("SELECT COALESCE(SUM(quantity), 0) FROM order_line")).scalar()
            stock = c.execute(text(f"SELECT SUM({STOCK} - stock), MIN(stock) FROM product "
                                   f"WHERE id IN ({','.join(map(str, products))})")).one()
            duplicates = c.execute(text(
                "SELECT COUNT(*) FROM (SELECT payee_bank, payee_account, amount_due FROM invoice "
                "WHERE status = 'UNPAID' GROUP BY payee_bank, payee_account, amount_due "
                "HAVING COUNT(*) > 1) d")).scalar()
    finally:
        engine.dispose()
    assert sold == stock[0] and stock[1] >= 0 and duplicates == 0 and orders == invoices, (sold, stock, duplicates)
    return {"orders": orders, "invoices": invoices, "units_sold": int(sold), "min_stock": stock[1],
            "duplicate_open_amounts": duplicates}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL")
                        or "mysql+pymysql://root@127.0.0.1:3306", help="MariaDB server (no database)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent buyers (threads = connections)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    args = parser.parse_args()

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    database = f"emall_bench_checkout_{stamp.lower()}"
    database_url = fresh_database(args.mysql_url, database)
    sandbox_url = fresh_database(args.mysql_url, database + "_sandbox")
    mariadb = server_version(args.mysql_url)
    processes: list[subprocess.Popen] = []
    runs: list[dict] = []
    try:
        with tempfile.TemporaryDirectory(prefix="emall-bench-checkout-") as tmp:
            workdir = Path(tmp)
            code = workdir / "code"
            code_info = snapshot(code)
            port, echo_port, sandbox_port = free_port(), free_port(), free_port()
            base = f"http://127.0.0.1:{port}"
            env = code_env(code, EMALL_DATABASE_URL=database_url, EMALL_VAR_DIR=str(workdir / "var"),
                           EMALL_PUBLIC_URL=base, EMALL_WORKERS=str(args.workers), EMALL_THREADS="1",
                           EMALL_LOG_LEVEL="WARNING", EMALL_SANDBOX_PORT=str(sandbox_port),
                           EMALL_SANDBOX_DATABASE_URL=sandbox_url,
                           # every buyer checks out hundreds of times and pays nothing (the default limit is 5 unpaid)
                           EMALL_MAX_OPEN_INVOICES="1000000")
            processes.append(start([str(VENV_BIN / "emall-ws"), "serve", "--host", "127.0.0.1", "--port",
                                    str(port), "--workers", str(args.workers)], env, base + "/health",
                                   workdir / "server.log"))
            processes.append(start([str(VENV_BIN / "granian"), "--interface", "wsgi", "--factory", "--workers",
                                    str(args.workers), "--blocking-threads", "1", "--host", "127.0.0.1",
                                    "--port", str(echo_port), "--no-ws", "echo_app:create_app"],
                                   env, f"http://127.0.0.1:{echo_port}/?wsdl", workdir / "echo.log"))
            sellers, names, products = seed(database_url, args.clients)
            tokens = [login(base, name) for name in names]
            add = [[body("urn:emall-kukm:cart", token,
                         f"<t:addItem><t:productId>{p}</t:productId><t:quantity>1</t:quantity></t:addItem>")
                    for p in products] for token in tokens]
            # every buyer quotes a full cart once (checkout charges the stored quote); JNE's first service
            probe = Client("127.0.0.1", port)
            for token, payloads in zip(tokens, add, strict=True):
                for payload in payloads:
                    probe.call("/ws/Cart", "addItem", payload, "addItemResponse")
                _, quote = probe.call("/ws/Checkout", "quoteShipping",
                                      body("urn:emall-kukm:checkout", token, "<t:quoteShipping/>"),
                                      "quoteShippingResponse")
                probe.call("/ws/Cart", "clearCart", body("urn:emall-kukm:cart", token, "<t:clearCart/>"),
                           "clearCartResponse")
            service = re.search(r"<tns:courier>jne</tns:courier><tns:service>([^<]+)<", quote).group(1)
            choices = "".join(f"<t:ShippingChoice><t:sellerUsername>{s}</t:sellerUsername><t:courier>jne"
                              f"</t:courier><t:service>{service}</t:service></t:ShippingChoice>" for s in sellers)
            checkouts = [body("urn:emall-kukm:checkout", token,
                              f"<t:checkout><t:choices>{choices}</t:choices></t:checkout>") for token in tokens]

            def fill_carts(lines: int = 3) -> None:
                """Every buyer's cart holds `lines` of the 3 lines (the checkouts start from an empty one)."""
                for token, payloads in zip(tokens, add, strict=True):
                    probe.call("/ws/Cart", "clearCart", body("urn:emall-kukm:cart", token, "<t:clearCart/>"),
                               "clearCartResponse")
                    for payload in payloads[:lines]:
                        probe.call("/ws/Cart", "addItem", payload, "addItemResponse")

            fill_carts()  # one checkout each: the invoice getInvoice reads
            invoices = [re.search(r"INV/[^<]+", probe.call("/ws/Checkout", "checkout", payload,
                                                           "checkoutResponse")[1]).group(0)
                        for payload in checkouts]
            get_cart = [body("urn:emall-kukm:cart", token, "<t:getCart/>") for token in tokens]
            get_invoice = [body("urn:emall-kukm:checkout", token,
                                f"<t:getInvoice><t:invoiceNumber>{number}</t:invoiceNumber></t:getInvoice>")
                           for token, number in zip(tokens, invoices, strict=True)]

            def buy(i: int, state: dict) -> float:
                client = state.setdefault("client", Client("127.0.0.1", port))
                for payload in add[i]:
                    client.call("/ws/Cart", "addItem", payload, "addItemResponse")
                elapsed, answer = client.call("/ws/Checkout", "checkout", checkouts[i], "checkoutResponse")
                assert answer.count("INV/") == 2, answer[:400]
                return elapsed

            def echo(_i: int, state: dict) -> float:
                client = state.setdefault("client", Client("127.0.0.1", echo_port))
                return client.call("/", "echo", ECHO_BODY.encode(), "echoResponse")[0]

            def cart(i: int, state: dict) -> float:
                client = state.setdefault("client", Client("127.0.0.1", port))
                elapsed, answer = client.call("/ws/Cart", "getCart", get_cart[i], "getCartResponse")
                assert answer.count("<tns:productId>") == 3, answer[:400]
                return elapsed

            def invoice(i: int, state: dict) -> float:
                client = state.setdefault("client", Client("127.0.0.1", port))
                return client.call("/ws/Checkout", "getInvoice", get_invoice[i], invoices[i])[0]

            scenarios = {"echo (reference)": echo, "getCart (3 lines, 2 sellers)": cart,
                         "getInvoice": invoice, "checkout (3 lines, 2 sellers)": buy}
            for round_ in range(1, args.rounds + 1):
                for name, work in scenarios.items():
                    fill_carts(3 if work is cart else 0)
                    load_before = os.getloadavg()[0]
                    try:
                        run_load(args.clients, WARMUP_SECONDS, work)
                        result = run_load(args.clients, args.duration, work)
                    except Exception:
                        shutil.copy(workdir / "server.log", RESULTS_DIR.parent / "checkout-failed-server.log")
                        print((workdir / "server.log").read_text(errors="replace")[-4000:], file=sys.stderr)
                        raise
                    runs.append({"round": round_, "scenario": name, "load_1min_before": load_before, **result})
                    print(f"round {round_} {name}: {result['per_s']:.1f}/s, p50 {result['p50_ms']:.2f} ms, "
                          f"p99 {result['p99_ms']:.2f} ms", flush=True)
            for process in processes:
                stop(process)
            check = check_database(database_url, products)
    finally:
        for process in processes:
            stop(process)
        for name in (database, database + "_sandbox"):
            drop_database(args.mysql_url, name)

    rows = []
    for name in scenarios:
        mine = [r for r in runs if r["scenario"] == name]
        medians = {k: statistics.median(r[k] for r in mine) for k in ("per_s", "p50_ms", "p99_ms")}
        rows.append({"scenario": name, **medians})
    echo_row = rows[0]
    lines = ["| scenario | calls or checkouts per s | ratio to echo | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['scenario']} | {row['per_s']:.1f} | {row['per_s'] / echo_row['per_s']:.3f} | "
                     f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} |")
    print("\n" + "\n".join(lines) + f"\n\ndatabase check: {check}")
    save_results("checkout", {"args": vars(args), "code": code_info, "mariadb": mariadb, "nproc": os.cpu_count(),
                              "runs": runs, "summary": rows, "database_check": check})
    return 0


if __name__ == "__main__":
    sys.exit(main())
