"""Payment reconciliation at scale, and confirmPayment latency, on MariaDB.

    .venv/bin/python bench/payments.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306]
                                       [--sizes 10000,30000,100000] [--per-account 100] [--confirmations 40]

Part 1, reconciliation (in-process; per size one child process seeds, another reconciles, so that the
reconciling child's peak memory is its own):
N open invoices (UNPAID, 100 per payee account by default, each with its unique code) are written
straight into a fresh database, and an in-process bank returns, for each account, one credit of the
exact amount of each of its invoices: N mutations against N invoices. Measured: the first
`reconcile()` round (every mutation recorded, every invoice and order PAID with history, 4 outbox rows
per invoice), every statement recorded again (nothing new: the cost of overlapping windows), the child's
peak RSS (and its RSS before reconciling, with the statements built), and as the reference in the same
run, a bare executemany of N rows of the same shape into a scratch table (the floor any recording of N
mutations pays). The bank is in-process so that the figures are the platform's own; the sandbox bank
over HTTP is what part 2 measures.

Part 2, confirmPayment over HTTP: `emall-ws serve` (granian, 2 workers, partner sandboxes on their own
port) on a fresh database; one seller account opened at the BCA sandbox; for each of K invoices the
buyer's transfer is posted in the sandbox, then Payment.confirmPayment is called (it reads the account
through the bank adapter: a zeep call to the sandbox) and must answer PAID. The reference is the bare
spyne echo (bench/echo_app.py) under granian, called by the same client in the same run.
Raw figures go to bench/results/payments-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

from auction import (ECHO_BODY, ENVELOPE, VENV_BIN, code_env, free_port, login, snapshot, start, stop,  # noqa: E402
                     wait_ready)
from databases import drop_database, fresh_database  # noqa: E402
from raw import save_results  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

BATCH = 5000
ACCOUNT_BASE = 5_550_000_000  # BCA account numbers are 10 digits


def seed_invoices(db, count: int, per_account: int, issued_at: datetime, buyer_id: int, seller_id: int,
                  first_id: int = 1) -> list[tuple[str, int]]:
    """`count` UNPAID invoices (and their orders) issued at `issued_at`; returns (account, amount) each."""
    from emall_ws.db.models import Invoice, Order

    due_at = issued_at + timedelta(hours=24)
    payable = []
    for start_id in range(first_id, first_id + count, BATCH):
        orders, invoices = [], []
        for i in range(start_id, min(start_id + BATCH, first_id + count)):
            account = str(ACCOUNT_BASE + (i - 1) // per_account)
            code = (i - 1) % per_account + 1
            goods, shipping = 100_000, 9_000
            orders.append(dict(id=i, number=f"ORD/BENCH/{i:08d}", buyer_id=buyer_id, seller_id=seller_id,
                               status="AWAITING_PAYMENT", courier="jne", courier_service="REG", shipping_cost=shipping,
                               etd_days=2, ship_name="Budi", ship_address="Jl. Merdeka 1", ship_city_code="31.74",
                               origin_city_code="33.74", goods_total=goods, weight_grams=300, created_at=issued_at,
                               updated_at=issued_at))
            invoices.append(dict(id=i, number=f"INV/BENCH/{i:08d}", order_id=i, buyer_id=buyer_id, seller_id=seller_id,
                                 payee_bank="bca", payee_account=account, payee_holder="KOPERASI BENCH",
                                 goods_total=goods, shipping_cost=shipping, unique_code=code,
                                 amount_due=goods + shipping + code, status="UNPAID",
                                 open_amount_key=f"bca:{account}:{goods + shipping + code}",
                                 stock_restored=False, issued_at=issued_at,
                                 due_at=due_at))
            payable.append((account, goods + shipping + code))
        with db.unit_of_work() as session:
            session.execute(insert(Order), orders)
            session.execute(insert(Invoice), invoices)
    return payable


class StatementBank:
    """An in-process bank: each account's statement, as the adapter would return it."""

    def __init__(self, payable: list[tuple[str, int]], posted_at: datetime):
        from adapters.bank import Mutation

        self.bank = "bca"
        self.statements: dict[str, list] = {}
        for n, (account, amount) in enumerate(payable, 1):
            self.statements.setdefault(account, []).append(
                Mutation(f"BCA{n:010d}", posted_at.replace(tzinfo=timezone.utc), "CR", amount, "TRSF E-BANKING CR", 0))

    def get_mutations(self, account_number, from_time, to_time):
        return [m for m in self.statements.get(account_number, ()) if from_time <= m.posted_at < to_time]


def seed_one_size(database_url: str, size: int, per_account: int) -> None:
    """Part 1's data, in a child process of its own (so that the reconciling child's memory is its own)."""
    from emall_ws.clock import utcnow
    from emall_ws.db.session import Database
    from tests.builders import create_member

    db = Database(database_url)
    db.create_schema()
    buyer, seller = create_member(db, "benchbuyer"), create_member(db, "benchseller", "SELLER")
    seed_invoices(db, size, per_account, utcnow().replace(microsecond=0) - timedelta(hours=2), buyer.id, seller.id)
    db.dispose()


def reconcile_one_size(database_url: str, size: int, per_account: int) -> dict:
    """Part 1 for one size, in this (child) process, on what seed_one_size wrote."""
    from sqlalchemy import func, select

    from emall_ws.clock import utcnow
    from emall_ws.db.models import BankMutation, Invoice, Notification
    from emall_ws.db.session import Database
    from emall_ws.services.payments import ReconcilePolicy, reconcile, record_mutations

    db = Database(database_url)
    policy = ReconcilePolicy()
    with db.unit_of_work() as session:
        issued = session.scalar(select(func.min(Invoice.issued_at)))
        payable = list(session.execute(select(Invoice.payee_account, Invoice.amount_due).order_by(Invoice.id)))
    bank = StatementBank(payable, issued + timedelta(minutes=30))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    first = reconcile(db, {"bca": bank}, utcnow(), policy)
    first_s = time.perf_counter() - started
    # the same statements read again (the worker's overlapping windows): every mutation is known
    started = time.perf_counter()
    again = [record_mutations(db, "bca", account, statement, utcnow(), policy)
             for account, statement in bank.statements.items()]
    second_s = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with db.unit_of_work() as session:
        counts = {"paid": session.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == "PAID")),
                  "mutations": session.scalar(select(func.count()).select_from(BankMutation)),
                  "notifications": session.scalar(select(func.count()).select_from(Notification))}
    assert first.outcome.paid and len(first.outcome.paid) == size and not first.failures, first.failures
    assert sum(o.read for o in again) == size and not any(o.recorded or o.paid for o in again)
    assert counts == {"paid": size, "mutations": size, "notifications": 4 * size}, counts
    # the reference: N rows of the same shape, bare executemany into a scratch table
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch_mutation LIKE bank_mutation"))
    rows = [dict(bank="bca", account_number=a, mutation_id=f"R{n:010d}", posted_at=issued, type="CR", amount=amt,
                 description="TRSF E-BANKING CR", balance=0, read_at=issued, match_status="NO_MATCH", note="")
            for n, (a, amt) in enumerate(payable)]
    started = time.perf_counter()
    with db.engine.begin() as connection:
        for i in range(0, len(rows), BATCH):
            connection.execute(text(
                "INSERT INTO scratch_mutation (bank, account_number, mutation_id, posted_at, type, amount, description,"
                " balance, read_at, match_status, note) VALUES (:bank, :account_number, :mutation_id, :posted_at,"
                " :type, :amount, :description, :balance, :read_at, :match_status, :note)"), rows[i:i + BATCH])
    reference_s = time.perf_counter() - started
    db.dispose()
    return {"size": size, "accounts": len(bank.statements), "first_round_s": first_s, "second_round_s": second_s,
            "reference_insert_s": reference_s, "peak_rss_mb": rss_after / 1024, "rss_before_mb": rss_before / 1024,
            **counts}


# --- part 2: confirmPayment over HTTP ---------------------------------------------------------------

def post(connection: http.client.HTTPConnection, path: str, body: bytes) -> tuple[float, str]:
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    response = connection.getresponse()
    answer = response.read().decode()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}: {answer[:500]}")
    return elapsed, answer


def confirm_latency(mysql_url: str, stamp: str, confirmations: int) -> dict:
    import zeep

    from emall_ws.clock import utcnow
    from emall_ws.db.session import Database
    from tests.builders import create_member

    name = f"emall_bench_pay_http_{stamp.lower()}"
    database_url = fresh_database(mysql_url, name)
    sandbox_name = name + "_sandbox"
    sandbox_url = fresh_database(mysql_url, sandbox_name)
    processes = []
    try:
        with tempfile.TemporaryDirectory(prefix="emall-bench-pay-") as tmp:
            workdir = Path(tmp)
            code = workdir / "code"
            code_info = snapshot(code)
            port, sandbox_port, echo_port = free_port(), free_port(), free_port()
            base = f"http://127.0.0.1:{port}"
            env = code_env(code, EMALL_DATABASE_URL=database_url, EMALL_VAR_DIR=str(workdir / "var"),
                           EMALL_PUBLIC_URL=base, EMALL_WORKERS="2", EMALL_THREADS="1", EMALL_LOG_LEVEL="WARNING",
                           EMALL_SANDBOX_PORT=str(sandbox_port), EMALL_SANDBOX_DATABASE_URL=sandbox_url,
                           EMALL_RECONCILE_INTERVAL="3600")  # the worker's round must not pay them first
            db = Database(database_url)
            db.create_schema()
            buyer, seller = create_member(db, "benchbuyer"), create_member(db, "benchseller", "SELLER")
            payable = seed_invoices(db, confirmations, confirmations, utcnow().replace(microsecond=0), buyer.id,
                                    seller.id)
            db.dispose()
            processes.append(start([str(VENV_BIN / "emall-ws"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", "2"], env, base + "/health", workdir / "server.log"))
            processes.append(start([str(VENV_BIN / "granian"), "--interface", "wsgi", "--factory", "--workers", "2",
                                    "--blocking-threads", "1", "--host", "127.0.0.1", "--port", str(echo_port),
                                    "--no-ws",
                                    "echo_app:create_app"], env, f"http://127.0.0.1:{echo_port}/?wsdl",
                                   workdir / "echo.log"))
            bank_url = f"http://127.0.0.1:{sandbox_port}/partners/bank/bca"
            wait_ready(bank_url + "?wsdl", processes[0], workdir / "server.log")  # the sandboxes start apart
            bank = zeep.Client(bank_url + "?wsdl").service
            bank.openAccount(payable[0][0], "KOPERASI BENCH", 0)
            token = login(base, "benchbuyer")
            header = f"<soapenv:Header><t:SessionHeader><t:token>{token}</t:token></t:SessionHeader></soapenv:Header>"
            platform = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            echo = http.client.HTTPConnection("127.0.0.1", echo_port, timeout=60)
            confirm_ms, echo_ms = [], []
            for n, (account, amount) in enumerate(payable, 1):
                bank.transfer(account, amount, f"INV/BENCH/{n:08d}", "Budi")
                body = ENVELOPE.format(ns="urn:emall-kukm:payment", header=header,
                                       body=f"<t:confirmPayment><t:invoiceNumber>INV/BENCH/{n:08d}</t:invoiceNumber>"
                                            "</t:confirmPayment>").encode()
                elapsed, answer = post(platform, "/ws/Payment", body)
                if not re.search(r"<(\w+:)?status>PAID<", answer):
                    raise RuntimeError(f"invoice {n} not PAID: {answer[:800]}")
                confirm_ms.append(elapsed)
                for _ in range(5):
                    echo_ms.append(post(echo, "/", ECHO_BODY.encode())[0])
            return {"code": code_info, "confirmations": confirmations,
                    "confirm_ms_p50": statistics.median(confirm_ms),
                    "confirm_ms_p90": statistics.quantiles(confirm_ms, n=10)[-1],
                    "echo_ms_p50": statistics.median(echo_ms), "echo_ms_p90": statistics.quantiles(echo_ms, n=10)[-1],
                    "confirm_ms": confirm_ms}
    finally:
        for process in processes:
            stop(process)
        drop_database(mysql_url, name)
        drop_database(mysql_url, sandbox_name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL")
                        or "mysql+pymysql://root@127.0.0.1:3306", help="MariaDB server (no database)")
    parser.add_argument("--sizes", default="10000,30000,100000", help="invoices (= mutations) per reconcile run")
    parser.add_argument("--per-account", type=int, default=100, help="open invoices per payee account")
    parser.add_argument("--confirmations", type=int, default=40, help="confirmPayment calls in part 2")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # the children of part 1
    parser.add_argument("--phase", choices=("seed", "reconcile"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        seed_one_size(args.database_url, args.one_size, args.per_account)
        return 0
    if args.phase == "reconcile":
        print(json.dumps(reconcile_one_size(args.database_url, args.one_size, args.per_account)))
        return 0

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results = {"stamp": stamp, "load_1min_before": os.getloadavg()[0], "reconcile": []}
    for size in (int(s) for s in args.sizes.split(",")):
        name = f"emall_bench_pay_{stamp.lower()}_{size}"
        url = fresh_database(args.mysql_url, name)
        try:
            for phase in ("seed", "reconcile"):
                child = subprocess.run([sys.executable, __file__, "--phase", phase, "--one-size", str(size),
                                        "--database-url", url, "--per-account", str(args.per_account)],
                                       capture_output=True, text=True, cwd=REPO_ROOT)
                if child.returncode:
                    raise RuntimeError(child.stderr[-3000:])
            row = json.loads(child.stdout.strip().splitlines()[-1])
        finally:
            drop_database(args.mysql_url, name)
        results["reconcile"].append(row)
        print(f"{size:>7} mutations / {row['accounts']} accounts: first round {row['first_round_s']:.1f} s "
              f"({size / row['first_round_s']:.0f}/s), re-read {row['second_round_s']:.2f} s, "
              f"reference insert {row['reference_insert_s']:.2f} s, peak RSS {row['peak_rss_mb']:.0f} MB", flush=True)
    results["confirm"] = confirm_latency(args.mysql_url, stamp, args.confirmations)
    confirm = results["confirm"]
    print(f"confirmPayment p50 {confirm['confirm_ms_p50']:.1f} ms p90 {confirm['confirm_ms_p90']:.1f} ms; "
          f"echo p50 {confirm['echo_ms_p50']:.2f} ms p90 {confirm['echo_ms_p90']:.2f} ms")
    save_results("payments", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
