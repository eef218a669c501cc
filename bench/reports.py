"""Report.salesReport over a year of 100,000 orders from 200 sellers (MariaDB), as ratios to the bare spyne
echo measured in the same run; plus the query plans and query count of each report.

    .venv/bin/python bench/reports.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306] [--database emall_bench_reports]
                                      [--orders 100000] [--sellers 200] [--buyers 2000] [--reseed] [--keep]
                                      [--explain-only] [--duration 10] [--connections 8] [--threads 2] [--rounds 3]

1. Seeds a throw-away database (dropped at the end unless --keep): sellers with payout accounts, buyers, an
   admin, 5 products per seller, and orders issued uniformly over the last 365 days, 1-3 lines each, with
   their invoices (UNPAID in the last 12 hours, else ~75 % PAID, 12 % EXPIRED, 13 % CANCELLED; paid orders
   PAID, SHIPPED, DELIVERED or COMPLETED, with a shipment once shipped), by multi-row INSERTs. Status
   history and the outbox are not seeded: no report reads them. Two login sessions (the seller `ukm0042`,
   the admin) are written straight into auth_session, so the load carries a SessionHeader token.
2. Runs each report once in this process, recording every SQL statement it sends; prints EXPLAIN of each
   (as sent, with its parameters) and fails if the invoice table is read by a full scan (type ALL); then
   times exportSalesReport's work (query + CSV) in this process for each case, without the row cap.
3. Measures, round by round, the echo and each report, every one with its own `emall-ws serve` (granian,
   2 workers, 1 blocking thread, background worker; sandboxes off), loaded by wrk from a separate process;
   the Lua script checks every answer (200, salesReportResponse with rows, no fault). Medians and ratios go
   to stdout as a markdown table, raw figures to bench/results/reports-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from databases import drop_database, fresh_database, rows_in  # noqa: E402
from raw import save_results  # noqa: E402
from catalog import database_url, start as start_server_on, summarize, table  # noqa: E402
from run import (ECHO, THREADS, WORKERS, Target, machine,  # noqa: E402
                 parse_wrk, run_wrk, soap_post, stop_server, wrk_script)

from sqlalchemy import event, insert, select, text  # noqa: E402

from emall_ws.clock import to_wib  # noqa: E402
from emall_ws.db.models import AuthSession, Invoice, Member, Order, OrderLine, Product, Shipment  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402

NOW = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
TODAY = to_wib(NOW).date()
SELLER, SELLER_TOKEN, ADMIN_TOKEN = "ukm0042", "bench-report-seller-token", "bench-report-admin-token"
CITIES = ("31.74", "32.73", "33.74", "33.72", "35.78", "34.71", "51.71", "73.71", "12.71", "64.72")
COURIERS = ("jne", "pos", "tiki", "wahana", "pcp", "fedex", "dhl")
PAID_STATUSES = (("COMPLETED", 50), ("DELIVERED", 15), ("SHIPPED", 20), ("PAID", 15))


# --- seeding ---------------------------------------------------------------------------------------------------

def seed(server_url: str, database: str, args) -> str:
    if not args.reseed and rows_in(server_url, database, "purchase_order") == args.orders:
        print(f"seed: {database} already holds {args.orders} orders", file=sys.stderr)
        return database_url(server_url, database)
    url = fresh_database(server_url, database)
    started = time.monotonic()
    db = Database(url)
    db.create_schema()
    with db.engine.begin() as connection:
        _load(connection, args.orders, args.sellers, args.buyers)
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE TABLE invoice, purchase_order, order_line, shipment, member"))
    db.dispose()
    print(f"seed: {args.orders} orders of {args.sellers} sellers loaded in {time.monotonic() - started:.1f} s",
          file=sys.stderr)
    return url


def _member(name: str, role: str, city: str, **payout) -> dict:
    payout = {"bank_code": None, "account_number": None, "account_holder": None, **payout}  # one shape per INSERT
    return dict(username=name, username_key=name, email=f"{name}@example.co.id", email_key=f"{name}@example.co.id",
                password_hash="!", name=name.upper(), address="Jl. Merdeka 1", phone="+6281234567890",
                province_code=city[:2], city_code=city, role=role, status="ACTIVE",
                created_at=NOW - timedelta(days=400), activated_at=NOW - timedelta(days=400), **payout)


def _load(connection, orders: int, sellers: int, buyers: int, chunk: int = 5000) -> None:
    rng = random.Random(20261128)
    members = [_member(f"ukm{i:04d}", "SELLER", CITIES[i % len(CITIES)], bank_code="bca",
                       account_number=f"55{i:08d}", account_holder=f"KOPERASI {i}") for i in range(1, sellers + 1)]
    members += [_member(f"pembeli{i:05d}", "BUYER", rng.choice(CITIES)) for i in range(1, buyers + 1)]
    members.append(_member("adminbench", "ADMIN", "31.74"))
    connection.execute(insert(Member), members)
    ids = dict(connection.execute(select(Member.username, Member.id)).all())
    seller_rows = connection.execute(select(Member.id, Member.city_code, Member.account_number)
                                     .where(Member.role == "SELLER")).all()
    buyer_rows = connection.execute(select(Member.id, Member.city_code).where(Member.role == "BUYER")).all()
    connection.execute(insert(AuthSession), [
        dict(member_id=ids[name], token_hash=_hash(token), created_at=NOW, expires_at=NOW + timedelta(days=30))
        for name, token in ((SELLER, SELLER_TOKEN), ("adminbench", ADMIN_TOKEN))])
    category = connection.execute(text("INSERT INTO category (code, name, created_at) VALUES ('umum', 'Umum', :n)"),
                                  {"n": NOW}).lastrowid
    products = [dict(seller_id=s.id, category_id=category, name=f"Produk {k} {s.id}", description="-",
                     weight_grams=rng.randrange(100, 3000), sale_method="FIXED", status="ACTIVE",
                     seller_province_code=s.city_code[:2], seller_city_code=s.city_code,
                     price=rng.randrange(5, 500) * 1000, stock=1000, bid_count=0, created_at=NOW, updated_at=NOW)
                for s in seller_rows for k in range(5)]
    connection.execute(insert(Product), products)
    by_seller: dict[int, list] = {}
    for p in connection.execute(select(Product.id, Product.seller_id, Product.name, Product.price,
                                       Product.weight_grams)):
        by_seller.setdefault(p.seller_id, []).append(p)
    codes: dict[int, int] = {}
    for start in range(0, orders, chunk):
        batch = [_order(rng, n, rng.choice(seller_rows), rng.choice(buyer_rows), by_seller, codes)
                 for n in range(start + 1, min(start + chunk, orders) + 1)]
        connection.execute(insert(Order), [b[0] for b in batch])
        connection.execute(insert(OrderLine), [line for b in batch for line in b[1]])
        connection.execute(insert(Invoice), [b[2] for b in batch])
        shipments = [b[3] for b in batch if b[3]]
        if shipments:
            connection.execute(insert(Shipment), shipments)


def _hash(token: str) -> str:
    from emall_ws.services.auth import token_hash

    return token_hash(token)


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _order(rng: random.Random, n: int, seller, buyer, products: dict, codes: dict) -> tuple:
    issued = NOW - timedelta(seconds=rng.randrange(365 * 86400))
    wib = to_wib(issued)
    chosen = rng.sample(products[seller.id], rng.randint(1, 3))
    lines = [dict(order_id=n, product_id=p.id, name=p.name, quantity=rng.randint(1, 4), unit_price=p.price,
                  weight_grams=p.weight_grams) for p in chosen]
    for line in lines:
        line["weight_grams"] *= line["quantity"]
    goods = sum(line["quantity"] * line["unit_price"] for line in lines)
    weight = sum(line["weight_grams"] for line in lines)
    shipping = 9_000 * -(-weight // 1000)
    courier = rng.choice(COURIERS)
    if NOW - issued < timedelta(hours=12):
        invoice_status, order_status = "UNPAID", "AWAITING_PAYMENT"
    else:
        invoice_status = _pick(rng, (("PAID", 75), ("EXPIRED", 12), ("CANCELLED", 13)))
        order_status = _pick(rng, PAID_STATUSES) if invoice_status == "PAID" else "CANCELLED"
    code = codes[seller.id] = codes.get(seller.id, 0) % 999 + 1
    paid_at = issued + timedelta(minutes=rng.randrange(5, 600)) if invoice_status == "PAID" else None
    closed_at = paid_at or (issued + timedelta(hours=24) if invoice_status != "UNPAID" else None)
    order = dict(id=n, number=f"ORD/{wib:%Y%m%d}/{n:06d}", buyer_id=buyer.id, seller_id=seller.id,
                 status=order_status, courier=courier, courier_service="REG", shipping_cost=shipping, etd_days=3,
                 ship_name="Pembeli", ship_address="Jl. Sudirman 1", ship_city_code=buyer.city_code,
                 origin_city_code=seller.city_code, goods_total=goods, weight_grams=weight, created_at=issued,
                 updated_at=closed_at or issued)
    invoice = dict(id=n, number=f"INV/{wib:%Y%m%d}/{n:06d}", order_id=n, buyer_id=buyer.id, seller_id=seller.id,
                   payee_bank="bca", payee_account=seller.account_number, payee_holder="KOPERASI",
                   goods_total=goods, shipping_cost=shipping, unique_code=code, amount_due=goods + shipping + code,
                   status=invoice_status, stock_restored=invoice_status in ("EXPIRED", "CANCELLED"),
                   open_amount_key=(f"bca:{seller.account_number}:{goods + shipping + code}"
                                    if invoice_status == "UNPAID" else None),
                   issued_at=issued, due_at=issued + timedelta(hours=24), paid_at=paid_at, closed_at=closed_at)
    shipment = None
    if order_status in ("SHIPPED", "DELIVERED", "COMPLETED"):
        shipped = paid_at + timedelta(hours=rng.randrange(2, 48))
        delivered = order_status != "SHIPPED"
        shipment = dict(order_id=n, courier=courier, waybill=f"{courier.upper()}{n:012d}",
                        status="Delivered" if delivered else "InTransit", courier_status="-", final=delivered,
                        received_by="Pembeli" if delivered else None,
                        delivered_at=shipped + timedelta(days=2) if delivered else None, shipped_at=shipped,
                        # far ahead: the running server's worker must not poll couriers during the load
                        next_check_at=NOW + timedelta(days=365), last_check_error="")
    return order, lines, invoice, shipment


# --- the reports, their plans ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    label: str
    token: str
    from_date: date
    to_date: date
    page_size: int = 50


CASES = (
    Case(f"seller {SELLER}, 365 days, page 1", SELLER_TOKEN, TODAY - timedelta(days=364), TODAY),
    Case("admin, all sellers, 30 days, page 1", ADMIN_TOKEN, TODAY - timedelta(days=29), TODAY),
    Case("admin, all sellers, 365 days, page 1", ADMIN_TOKEN, TODAY - timedelta(days=364), TODAY),
)


def explain(url: str) -> list[dict]:
    """Runs each report in this process, records its statements, EXPLAINs each; a full scan of invoice fails."""
    from emall_ws.data.regions import load_regions
    from emall_ws.domain.reports import ReportPolicy, ReportRequest
    from emall_ws.services import reports
    from emall_ws.services.auth import principal_for_token

    db = Database(url)
    regions = load_regions()
    found = []
    try:
        for case in CASES:
            statements: list[tuple[str, object]] = []

            def record(conn, cursor, statement, parameters, context, executemany):
                statements.append((statement, parameters))  # noqa: B023 (listened to within this iteration only)

            with db.unit_of_work() as session:
                principal = principal_for_token(session, case.token, NOW)
            timings = []
            for _ in range(5):
                with db.unit_of_work() as session:
                    started = time.perf_counter()
                    event.listen(db.engine, "before_cursor_execute", record)
                    try:
                        result = reports.report(session, principal, reports.SALES,
                                                ReportRequest(case.from_date, case.to_date, 1, case.page_size),
                                                regions, ReportPolicy())
                    finally:
                        event.remove(db.engine, "before_cursor_execute", record)
                    timings.append((time.perf_counter() - started) * 1000)
            per_call = statements[:len(statements) // 5]
            plans = []
            with db.engine.connect() as connection:
                for statement, parameters in per_call:
                    rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
                    plans.append({"sql": statement, "plan": [dict(r) for r in rows]})
            found.append({"case": case.label, "rows": result.total_rows, "statements": len(per_call),
                          "in_process_ms_median": statistics.median(timings), "queries": plans})
    finally:
        db.dispose()
    for item in found:
        for query in item["queries"]:
            for row in query["plan"]:
                if row["table"] == "invoice" and row["type"] == "ALL":
                    raise SystemExit(f"full table scan of invoice in {item['case']!r}:\n{query['sql']}")
    return found


def export_timings(url: str) -> list[dict]:
    """exportSalesReport's work (query + CSV) per case, in this process, without the row cap: why there is one."""
    from emall_ws.data.regions import load_regions
    from emall_ws.domain.reports import ReportPolicy, ReportRequest
    from emall_ws.services import report_csv, reports
    from emall_ws.services.auth import principal_for_token

    db = Database(url)
    found = []
    try:
        for case in CASES:
            with db.unit_of_work() as session:
                principal = principal_for_token(session, case.token, NOW)
                started = time.perf_counter()
                export = reports.export(session, principal, reports.SALES, ReportRequest(case.from_date, case.to_date),
                                        load_regions(), ReportPolicy(export_max_rows=10**9))
                content = report_csv.render(export.rows)
                found.append({"case": case.label, "rows": export.total_rows, "bytes": len(content),
                              "seconds": time.perf_counter() - started})
    finally:
        db.dispose()
    return found


def plans_text(found: list[dict]) -> str:
    keys = ("table", "type", "key", "rows", "Extra")
    lines = []
    for item in found:
        lines.append(f"{item['case']}: {item['rows']} rows in the period, {item['statements']} statements, "
                     f"in-process median {item['in_process_ms_median']:.1f} ms")
        for query in item["queries"]:
            lines.append("  " + " ".join(query["sql"].split())[:150])
            for row in query["plan"]:
                lines.append("    " + "  ".join(f"{k}={row.get(k)}" for k in keys))
    return "\n".join(lines)


# --- load -------------------------------------------------------------------------------------------------------

def target(case: Case) -> Target:
    body = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:r="urn:emall-kukm:report"><soapenv:Header><r:SessionHeader>'
            f'<r:token>{case.token}</r:token></r:SessionHeader></soapenv:Header><soapenv:Body><r:salesReport>'
            f'<r:fromDate>{case.from_date}</r:fromDate><r:toDate>{case.to_date}</r:toDate><r:page>1</r:page>'
            f'<r:pageSize>{case.page_size}</r:pageSize></r:salesReport></soapenv:Body></soapenv:Envelope>')
    return Target(name=f"salesReport ({case.label})", module="emall_ws.wsgi", path="/ws/Report",
                  soap_action="salesReport", body=body, expect=("salesReportResponse", "<tns:invoiceNumber>"),
                  ready_path="/health", needs_db=True)


def measure(target_: Target, url: str, args) -> dict:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="emall-bench-reports-") as tmp:
        workdir = Path(tmp)
        process, port = start_server_on(target_, workdir, url, EMALL_SANDBOX="0")
        try:
            status, body = soap_post(port, target_)
            if status != 200 or not all(e in body for e in target_.expect) or "Fault>" in body:
                raise RuntimeError(f"{target_.name}: bad answer {status}: {body[:500]}")
            script = wrk_script(target_, workdir, "m")
            run_wrk(port, target_, script, 2, args)  # warm-up
            result = parse_wrk(run_wrk(port, target_, script, args.duration, args))
        finally:
            stop_server(process)
    if result["non_2xx"] or result["bad_answers"]:
        raise RuntimeError(f"{target_.name}: {result['non_2xx']} non-2xx, {result['bad_answers']} bad answers")
    return {**result, "response_bytes": len(body.encode()), "load_1min_before": load_before}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL",
                                                              "mysql+pymysql://root@127.0.0.1:3306"))
    parser.add_argument("--database", default="emall_bench_reports")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--sellers", type=int, default=200)
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database is there")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --explain-only)")
    parser.add_argument("--explain-only", action="store_true", help="seed and print the plans, no load")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    url = seed(args.mysql_url, args.database, args)
    try:
        plans = explain(url)
        print(plans_text(plans))
        exports = export_timings(url)
        for item in exports:
            print(f"export (in process, no cap) {item['case']}: {item['rows']} rows, {item['bytes']} bytes, "
                  f"{item['seconds']:.2f} s")
        if args.explain_only:
            return 0
        targets = [ECHO] + [target(c) for c in CASES]
        runs = []
        for round_ in range(1, args.rounds + 1):
            for t in targets:
                result = measure(t, url, args)
                runs.append({"round": round_, "target": t.name, **result})
                print(f"round {round_} {t.name:55} {result['requests_per_s']:8.1f} req/s "
                      f"p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms", file=sys.stderr)
    finally:
        if not args.keep:
            drop_database(args.mysql_url, args.database)
    rows = summarize(runs, targets)
    save_results("reports", {"machine": machine(), "settings": {**vars(args), "workers": WORKERS,
                                                                     "blocking_threads": THREADS},
                             "plans": plans, "exports": exports, "medians": rows, "runs": runs})
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
