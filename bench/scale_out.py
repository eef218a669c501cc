"""Scale-out shown: the production deployment of deploy/ on loopback, the paper's flow for many buyers
through nginx, one server instance and one worker killed with SIGKILL midway, then everything checked.

    .venv/bin/python bench/scale_out.py [--mysql-url mysql+pymysql://root@127.0.0.1:3306]
        [--buyers 40] [--clients 8] [--flow-only | --throughput-only] [--rounds 3] [--duration 10]

Flow (deploy/loopback.py: nginx with TLS in front of 2 `emall-ws server` instances, 2 `emall-ws
worker` processes and the partner sandboxes, on a fresh MariaDB database; every call goes through
nginx over HTTPS, as an integrator's would): sellers register with a NIK and a payout account and list
a fixed-price product and an auction; buyers register and activate with the code mailed to them (a
real SMTP server in this process), bid, fill the cart, quote and check out; four in five pay by
bank transfer (the sandbox bank) and leave the rest to the workers: the reconcile job pays the
invoice, the seller ships with a courier's waybill, the courier delivers, the tracking poll sees it
and the completion job completes the order (EMALL_AUTO_COMPLETE_DAYS=0, EMALL_COMPLAINT_DAYS=0). The
fifth never pays: the expiry job expires the invoice (EMALL_INVOICE_DUE_HOURS=0.02, 72 s). The auctions' end is moved to
shortly after the kill (there is no waiting an hour), so the close job closes them. When half the
buyers have checked out, server instance 1 and worker 1 get SIGKILL.

A buyer whose invoice the reconcile job has not paid within 60 s (the killed worker may have held
that account's reading lease, 5 minutes) calls Payment.confirmPayment, as the platform offers.
A client does what an integrator must when the proxy answers Server.Unavailable (the call was
handed to the instance that died): a read is asked again, a change is first looked up (the cart,
the invoices, the order) and repeated only when it did not happen.

Checked afterwards, in the database and at the partners: one order and one invoice per checkout
made, none lost or doubled; no invoice paid twice, every transfer paid exactly its invoice; every
status change of every order and invoice recorded once; every auction closed once; stock = start
minus what open and paid orders hold; every notification SENT, each email received once (by
Message-ID, which is the notification's reference), or twice only when its first attempt died with
the killed worker (at-least-once: the same Message-ID, shown once by a mail client), and each SMS at
the gateway exactly once (the gateway answers a repeated reference with the first message).

Throughput (through nginx, 1 instance against 2, interleaved rounds): Catalog.getProduct for a
random product of 20,000 (bench/catalog.py's catalogue) with wrk, and the checkout loop of
bench/checkout.py (3 addItem + checkout per iteration) with one thread and one keep-alive HTTPS
connection per buyer. Each instance runs EMALL_WORKERS=1 so that instances, not processes inside
one, are what changes. Raw figures: bench/results/scale-out-<stamp>.json.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(REPO_ROOT), str(BENCH_DIR), str(REPO_ROOT / "deploy")]

import loopback  # noqa: E402  (deploy/loopback.py)
import zeep  # noqa: E402
from auction import ENVELOPE  # noqa: E402
from catalog import random_id_script, seed as seed_catalog  # noqa: E402
from checkout import Client, body, run_load, seed as seed_buyers  # noqa: E402
from databases import drop_database, fresh_database, server_version  # noqa: E402
from raw import save_results  # noqa: E402
from run import parse_wrk  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from emall_ws.clock import utcnow  # noqa: E402
from emall_ws.db.session import Database  # noqa: E402
from tests import builders  # noqa: E402
from tests.e2e.catalog import auction_form, fixed_form  # noqa: E402
from tests.e2e.mailbox import start_smtp_server  # noqa: E402
from tests.e2e.members import PASSWORD, form, seller_form  # noqa: E402

ADMIN_PASSWORD = "operator12345"
STOCK = 10_000
UNAVAILABLE = "Server.Unavailable"
PAY_PATIENCE = 60  # seconds a buyer leaves the reconcile job (every 1 s here) before calling confirmPayment
FLOW_SETTINGS = dict(EMALL_WORKERS="1", EMALL_DISPATCH_INTERVAL="0.2", EMALL_RETRY_BASE="1",
                     EMALL_RECONCILE_INTERVAL="1", EMALL_TRACKING_INTERVAL="1", EMALL_AUTO_COMPLETE_DAYS="0",
                     EMALL_COMPLAINT_DAYS="0", EMALL_INVOICE_DUE_HOURS="0.02", EMALL_CLIENT_LIMIT_HOUR="100000",
                     EMALL_LOG_LEVEL="WARNING", EMALL_MAX_OPEN_INVOICES="50")


# --- clients ------------------------------------------------------------------------------------

class Portal:
    """The platform's services through nginx, as zeep clients (one set per thread), and the sandboxes'."""

    def __init__(self, url: str, sandbox_url: str):
        self.url, self.sandbox_url = url, sandbox_url
        self._local = threading.local()
        self.unavailable = Counter()  # operation -> Server.Unavailable answers seen

    def _client(self, wsdl: str) -> zeep.Client:
        clients = self._local.__dict__.setdefault("clients", {})
        while wsdl not in clients:
            try:
                clients[wsdl] = zeep.Client(wsdl, settings=zeep.Settings(strict=False))
            except Exception:  # the WSDL asked of the instance that died: ask again
                self.unavailable["?wsdl"] += 1
                time.sleep(0.2)
        return clients[wsdl]

    def call(self, service: str, operation: str, token: str | None = None, *, retry: bool = True, **kwargs):
        """The operation's answer; a Server.Unavailable is asked again when `retry` (reads), else raised."""
        client = self._client(f"{self.url}/ws/{service}?wsdl")
        if token:
            header = client.get_element(f"{{urn:emall-kukm:{service.lower()}}}SessionHeader")
            kwargs["_soapheaders"] = [header(token=token)]
        while True:
            try:
                return getattr(client.service, operation)(**kwargs)
            except zeep.exceptions.Fault as fault:
                if not fault.code.endswith(UNAVAILABLE):
                    raise
                self.unavailable[operation] += 1
                if not retry:
                    raise
                time.sleep(0.2)

    def change(self, service: str, operation: str, token: str | None, done, **kwargs):
        """A call that changes data: after a Server.Unavailable, `done()` says whether it happened
        (its result, or None), and it is repeated only when it did not."""
        while True:
            try:
                return self.call(service, operation, token, retry=False, **kwargs)
            except zeep.exceptions.Fault as fault:
                if not fault.code.endswith(UNAVAILABLE):
                    raise
                time.sleep(0.2)
                result = done()
                if result is not None:
                    return result

    def partner(self, path: str):
        return self._client(f"{self.sandbox_url}/partners/{path}?wsdl").service


@dataclass
class Seller:
    username: str
    token: str
    account: str
    product_id: int = 0
    auction_id: int = 0


@dataclass
class Outcome:
    """What the clients did, to be compared with what the platform recorded."""
    checkouts: dict[str, str] = field(default_factory=dict)  # buyer -> invoice number
    paid: dict[str, int] = field(default_factory=dict)  # invoice number -> amount transferred
    unpaid: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)  # order numbers
    bids: int = 0
    confirmed: int = 0  # invoices the reconcile job had not paid within PAY_PATIENCE: confirmPayment
    lock: threading.Lock = field(default_factory=threading.Lock)


_phones = itertools.count(1)


def register(portal: Portal, mailbox, values: dict) -> str:
    """Registered, activated with the mailed code, logged in: the session token."""
    values["phone"] = f"0812{os.getpid() % 10_000:04d}{next(_phones):04d}"
    portal.call("Member", "register", form=values)
    code = mailbox.code_for(values["email"])
    portal.call("Member", "activate", username=values["username"], code=code)
    return portal.call("Member", "login", username=values["username"], password=PASSWORD).token


def set_up_shop(portal: Portal, mailbox, deployment, sellers: int) -> tuple[str, list[Seller]]:
    admin = f"admin{os.getpid()}"
    made = deployment.emall_ws("create-admin", "--username", admin, "--email", f"{admin}@kemenkopukm.go.id",
                               EMALL_ADMIN_PASSWORD=ADMIN_PASSWORD)
    if made.returncode:
        raise RuntimeError(made.stderr)
    admin_token = portal.call("Member", "login", username=admin, password=ADMIN_PASSWORD).token
    category = portal.call("Catalog", "createCategory", admin_token, code="kerajinan", name="Kerajinan").code
    bank = portal.partner("bank/bca")
    shop = []
    for i in range(sellers):
        account = f"88{i:08d}"
        bank.openAccount(accountNumber=account, holderName="Koperasi Maju Bersama", openingBalance=0)
        name = f"koperasi{i}"
        token = register(portal, mailbox, seller_form(username=name, email=f"{name}@example.co.id",
                                                     accountNumber=account))
        seller = Seller(name, token, account)
        seller.product_id = portal.call("Catalog", "sellProduct", token,
                                        form=fixed_form(category, stock=STOCK)).productId
        seller.auction_id = portal.call("Catalog", "sellProduct", token, form=auction_form(
            category, reservePrice=None, startPrice=100_000, minIncrement=5_000)).productId
        shop.append(seller)
    return category, shop


def buy(portal: Portal, mailbox, sellers: list[Seller], index: int, outcome: Outcome, checked_out) -> None:
    """One buyer's whole flow; `checked_out()` is called once the checkout is done."""
    name = f"pembeli{index}"
    token = register(portal, mailbox, form(username=name, email=f"{name}@example.co.id"))
    seller = sellers[index % len(sellers)]
    auction = sellers[(index + 1) % len(sellers)].auction_id
    try:
        portal.call("Auction", "placeBid", token, retry=False, productId=auction, amount=100_000 + 5_000 * index)
        with outcome.lock:
            outcome.bids += 1
    except zeep.exceptions.Fault:
        pass  # outbid already, the auction closed, or the instance died: a bid is a bid, not a must

    def in_cart():  # this buyer's cart only ever holds this product
        cart = portal.call("Cart", "getCart", token)
        return cart if cart.itemCount else None

    portal.change("Cart", "addItem", token, in_cart, productId=seller.product_id, quantity=1)

    def jne_quoted():  # a courier that misses the quote's deadline (a loaded sandbox) is left out: ask again
        [group] = portal.call("Checkout", "quoteShipping", token)
        offers = [o for o in (group.options.ShippingOption if group.options else []) if o.courier == "jne"]
        return min(offers, key=lambda o: o.cost) if offers else None

    option = until(jne_quoted, "a JNE tariff in the quote", 120, 1)
    choices = {"ShippingChoice": [{"sellerUsername": seller.username, "courier": "jne", "service": option.service}]}

    def invoiced():
        invoices = portal.call("Checkout", "listInvoices", token, status=None) or []
        return invoices or None

    [invoice] = portal.change("Checkout", "checkout", token, invoiced, choices=choices)
    with outcome.lock:
        outcome.checkouts[name] = invoice.invoiceNumber
    checked_out()
    if index % 5 == 0:  # never pays: the expiry job's
        with outcome.lock:
            outcome.unpaid.append(invoice.invoiceNumber)
        return
    portal.partner("bank/bca").transfer(toAccount=seller.account, amount=invoice.amountDue,
                                        description=invoice.invoiceNumber, fromName="Budi Santoso", postedAt=None)
    with outcome.lock:
        outcome.paid[invoice.invoiceNumber] = invoice.amountDue
    def paid() -> bool:
        return portal.call("Payment", "getPaymentStatus", token, invoiceNumber=invoice.invoiceNumber).status == "PAID"

    try:
        until(paid, "paid by the reconcile job", PAY_PATIENCE)
    except AssertionError:  # a worker killed while it read this account holds its lease (5 min):
        with outcome.lock:  # the buyer asks for the reading at once, as the platform offers
            outcome.confirmed += 1
        portal.call("Payment", "confirmPayment", token, invoiceNumber=invoice.invoiceNumber)
        until(paid, "paid after confirmPayment")
    courier = portal.partner("courier/jne")
    waybill = courier.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                       service=option.service, receiverName="Siti Aminah").waybill

    def shipped():
        order = portal.call("Shipping", "trackOrder", seller.token, orderNumber=invoice.orderNumber)
        return order if order.orderStatus != "PAID" else None

    portal.change("Shipping", "shipOrder", seller.token, shipped, orderNumber=invoice.orderNumber,
                  courier="jne", waybill=waybill, reason=None)
    while not courier.advanceShipment(waybill=waybill, failAttempt=False).delivered:
        pass
    until(lambda: portal.call("Shipping", "trackOrder", token,
                              orderNumber=invoice.orderNumber).orderStatus == "DELIVERED",
          "delivered, as the tracking poll saw it", 300)
    with outcome.lock:
        outcome.delivered.append(invoice.orderNumber)


def until(condition, what: str, timeout: float = 180, interval: float = 0.5):
    """The condition's first true answer, asked every `interval` s for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while not (answer := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(interval)
    return answer


# --- the flow with kills ------------------------------------------------------------------------

def run_flow(args, mysql_url: str, folder: Path) -> dict:
    database, sandbox = args.database, f"{args.database}_sandbox"
    database_url, sandbox_url = fresh_database(mysql_url, database), fresh_database(mysql_url, sandbox)
    smtp_port = loopback.free_port()
    controller, mailbox = start_smtp_server(smtp_port)
    deployment = None
    try:
        deployment = loopback.start(folder, database_url, sandbox_url, f"smtp://127.0.0.1:{smtp_port}",
                                    servers=2, workers=2, **FLOW_SETTINGS)
        os.environ["REQUESTS_CA_BUNDLE"] = str(deployment.certificate)  # zeep's requests trust nginx's certificate
        portal = Portal(deployment.url, deployment.sandbox_url)
        started = time.monotonic()
        _category, sellers = set_up_shop(portal, mailbox, deployment, args.sellers)
        outcome = Outcome()
        killed: dict[str, float] = {}
        half = args.buyers // 2
        done = itertools.count(1)
        db = Database(database_url)

        def checked_out() -> None:
            if next(done) == half:  # midway: one instance and one worker die
                for process in (deployment.servers[0], deployment.workers[0]):
                    process.kill()
                    killed[process.name] = time.monotonic() - started
                print(f"killed with SIGKILL after {half} checkouts: {', '.join(killed)}", flush=True)
                for seller in sellers:  # the auctions end shortly after, for the surviving worker to close
                    builders.set_ends_at(db, seller.auction_id, utcnow() + timedelta(seconds=5))

        with ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(buy, portal, mailbox, sellers, i, outcome, checked_out)
                           for i in range(1, args.buyers + 1)]:
                future.result()
        if len(killed) != 2:
            raise AssertionError("nothing was killed: fewer than 2 buyers?")
        # the operator restarts what died (systemctl restart): the instance rejoins nginx's rotation,
        # and the worker's first round runs every job, completion included (it runs every 5 minutes)
        restarted = [deployment.restart(deployment.servers[0]), deployment.restart(deployment.workers[0])]
        until(lambda: quiet(database_url), "orders completed, auctions closed, invoices expired, "
                                           "notifications sent", 420, 1)
        flow_seconds = time.monotonic() - started
        db.dispose()
        checks = check_everything(database_url, sandbox_url, mailbox, outcome, sellers)
        return {"buyers": args.buyers, "sellers": args.sellers, "clients": args.clients, "killed_at_s": killed,
                "flow_seconds": flow_seconds, "unavailable_answers": dict(portal.unavailable),
                "checkouts": len(outcome.checkouts), "paid": len(outcome.paid), "unpaid": len(outcome.unpaid),
                "delivered": len(outcome.delivered), "bids": outcome.bids, "confirmed_by_buyer": outcome.confirmed,
                "checks": checks,
                "restarted_instance_calls": restarted[0].output().count("emall_ws.access: call")}
    except BaseException:
        if deployment is not None:
            for process in deployment.processes():
                print(f"--- {process.name} ({process.log})\n{tail(process.log)}", file=sys.stderr)
        raise
    finally:
        if deployment is not None:
            deployment.stop()
        controller.stop()
        for name in (database, sandbox):
            drop_database(mysql_url, name)


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def quiet(database_url: str) -> bool:
    """Nothing left for a job to do: delivered orders completed, auctions closed, unpaid invoices
    expired, notifications sent."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as c:
            return not c.execute(text(
                "SELECT (SELECT COUNT(*) FROM product WHERE sale_method = 'AUCTION' AND status = 'ACTIVE')"
                " + (SELECT COUNT(*) FROM purchase_order WHERE status IN ('PAID', 'SHIPPED', 'DELIVERED'))"
                " + (SELECT COUNT(*) FROM invoice WHERE status = 'UNPAID')"
                " + (SELECT COUNT(*) FROM notification WHERE status = 'PENDING')")).scalar()
    finally:
        engine.dispose()


def check_everything(database_url: str, sandbox_url: str, mailbox, outcome: Outcome, sellers: list[Seller]) -> dict:
    """Every invariant of the run, each as (what was found, whether it holds); raises if one does not."""
    engine, sandbox = create_engine(database_url), create_engine(sandbox_url)
    checks: dict[str, dict] = {}

    def check(name: str, found, holds: bool) -> None:
        checks[name] = {"found": found, "holds": holds}

    try:
        with engine.connect() as c, sandbox.connect() as s:
            rows = lambda sql: c.execute(text(sql)).all()  # noqa: E731
            invoices = dict(rows("SELECT number, status FROM invoice"))
            check("one invoice per checkout made, none other",
                  len(invoices), sorted(invoices) == sorted(outcome.checkouts.values()))
            orders = rows("SELECT m.username, COUNT(*) FROM purchase_order o JOIN member m ON m.id = o.buyer_id "
                          "WHERE o.auction_product_id IS NULL GROUP BY m.username")
            check("one fixed-price order per buyer", len(orders),
                  sorted(orders) == sorted((name, 1) for name in outcome.checkouts))
            check("every transferred invoice PAID, every other EXPIRED",
                  Counter(invoices.values()),
                  all(invoices[n] == "PAID" for n in outcome.paid) and all(invoices[n] == "EXPIRED"
                                                                            for n in outcome.unpaid))
            payments = rows("SELECT i.number, COUNT(*), SUM(b.amount) FROM bank_mutation b "
                            "JOIN invoice i ON i.id = b.invoice_id WHERE b.match_status = 'PAID' GROUP BY i.number")
            check("each paid invoice paid by exactly one mutation, of its amount", len(payments),
                  sorted(payments) == sorted((n, 1, amount) for n, amount in outcome.paid.items()))
            repeats = rows("SELECT invoice_id, to_status, COUNT(*) FROM invoice_status_history "
                           "GROUP BY invoice_id, to_status HAVING COUNT(*) > 1")
            repeats += rows("SELECT order_id, to_status, COUNT(*) FROM order_status_history "
                            "GROUP BY order_id, to_status HAVING COUNT(*) > 1")
            check("every status change of an order or invoice recorded once", len(repeats), not repeats)
            completed = dict(rows("SELECT status, COUNT(*) FROM purchase_order WHERE auction_product_id IS NULL "
                                  "GROUP BY status"))
            check("every paid order completed (poll, completion), every unpaid one cancelled", completed,
                  completed.get("COMPLETED", 0) == len(outcome.paid) == len(outcome.delivered)
                  and completed.get("CANCELLED", 0) == len(outcome.unpaid))
            closes = rows("SELECT p.id, COUNT(h.id) FROM product p LEFT JOIN product_status_history h "
                          "ON h.product_id = p.id AND h.to_status = 'CLOSED' WHERE p.sale_method = 'AUCTION' "
                          "GROUP BY p.id")
            check("every auction closed exactly once", len(closes),
                  len(closes) == len(sellers) and all(count == 1 for _id, count in closes))
            stock = rows("SELECT p.id, p.stock, "
                         "COALESCE(SUM(CASE WHEN o.status <> 'CANCELLED' THEN l.quantity END), 0) "
                         "FROM product p LEFT JOIN order_line l ON l.product_id = p.id "
                         "LEFT JOIN purchase_order o ON o.id = l.order_id "
                         "WHERE p.sale_method = 'FIXED' GROUP BY p.id, p.stock")
            check("stock = start - units of open and paid orders", len(stock),
                  all(left == STOCK - held for _id, left, held in stock))
            statuses = dict(rows("SELECT status, COUNT(*) FROM notification GROUP BY status"))
            check("every notification SENT", statuses, set(statuses) == {"SENT"})
            # at least once (emall_ws/notify/dispatcher.py): an email whose first attempt died with the
            # killed worker, sent but not recorded, is sent again with the same Message-ID, which a mail
            # client shows once; a repeat of an email tried once would be two dispatchers sending it
            attempts = dict(rows("SELECT reference, attempts FROM notification "
                                 "WHERE channel = 'EMAIL' AND status = 'SENT'"))
            received = Counter(str(m["Message-ID"]).strip("<>").split("@")[0] for m in mailbox.messages)
            repeated = {reference: attempts.get(reference) for reference, n in received.items() if n > 1}
            check("each email received once, or again only after its first attempt died with the killed worker",
                  {"notifications": len(attempts), "received": sum(received.values()), "repeated": repeated},
                  set(received) == set(attempts) and all(n <= attempts[r] for r, n in received.items()))
            sms = {reference for (reference,) in rows(
                "SELECT reference FROM notification WHERE channel = 'SMS' AND status = 'SENT'")}
            gateway = Counter(r for (r,) in s.execute(text("SELECT reference FROM sandbox_sms_messages")).all())
            check("each SMS at the gateway exactly once",
                  {"notifications": len(sms), "at_gateway": sum(gateway.values())},
                  set(gateway) == sms and all(n == 1 for n in gateway.values()))
    finally:
        engine.dispose()
        sandbox.dispose()
    failed = [name for name, result in checks.items() if not result["holds"]]
    for name, result in checks.items():
        print(f"  {'ok  ' if result['holds'] else 'FAIL'} {name}: {result['found']}", flush=True)
    if failed:
        raise AssertionError(f"{len(failed)} checks failed: {failed}")
    return checks


# --- throughput through nginx, 1 instance against 2 ----------------------------------------------

PRODUCTS = 20_000  # the throughput's catalogue


@dataclass
class Seeded:
    """The throughput's databases: the platform's (catalogue, sellers, buyers) and the sandboxes'."""
    database_url: str
    sandbox_url: str
    sellers: list[str]
    buyers: list[str]
    products: list[int]  # what the checkout loop buys


def seed_throughput(mysql_url: str, database: str, clients: int, sandbox_mysql_url: str | None = None) -> Seeded:
    """`database` on `mysql_url` seeded, and `database`_sandbox made on `sandbox_mysql_url` (default: the same)."""
    database_url = seed_catalog(mysql_url, database, PRODUCTS, 200, reseed=True)
    sandbox_url = fresh_database(sandbox_mysql_url or mysql_url, f"{database}_sandbox")
    return Seeded(database_url, sandbox_url, *seed_buyers(database_url, clients))


def measure_throughput(folder: Path, seeded: Seeded, servers: int, args) -> dict[str, dict]:
    """The deployment started on `seeded` with `servers` instances, getProduct and the checkout loop
    measured, the deployment stopped: each scenario's result."""
    deployment = loopback.start(folder, seeded.database_url, seeded.sandbox_url, "smtp://127.0.0.1:9",
                                servers=servers, workers=1,
                                EMALL_WORKERS="1", EMALL_LOG_LEVEL="WARNING", EMALL_ACCESS_LOG="0",
                                EMALL_CLIENT_LIMIT_HOUR="100000", EMALL_MAX_OPEN_INVOICES="1000000")
    try:
        script = random_id_script(deployment.folder, PRODUCTS)
        get_product = wrk(deployment, script, args)
        checkout = checkout_load(deployment, seeded.sellers, seeded.buyers, seeded.products, args)
    finally:
        deployment.stop()
    return {"getProduct (random of 20,000)": get_product, "checkout (3 addItem + checkout)": checkout}


def run_throughput(args, mysql_url: str, folder: Path) -> list[dict]:
    database = f"{args.database}_tp"
    runs = []
    try:
        seeded = seed_throughput(mysql_url, database, args.clients)
        for round_ in range(1, args.rounds + 1):
            for servers in (1, 2):
                for name, result in measure_throughput(folder / f"r{round_}-{servers}", seeded, servers,
                                                       args).items():
                    runs.append({"round": round_, "instances": servers, "scenario": name, **result})
                    print(f"round {round_}, {servers} instance(s), {name}: {result['per_s']:.1f}/s, "
                          f"p50 {result['p50_ms']:.1f} ms", flush=True)
    finally:
        for name in (database, f"{database}_sandbox"):
            drop_database(mysql_url, name)
    return runs


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(deployment) -> Counter:
    """CPU seconds used so far by each part: the server instances, the worker and nginx (each
    process a session of its own, granian's and nginx's workers in it) and MariaDB."""
    parts = {p.popen.pid: "instances" if p in deployment.servers else "worker" if p in deployment.workers
             else p.name for p in deployment.processes()}
    used: Counter = Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        name, fields = line[line.index("(") + 1:line.rindex(")")], line[line.rindex(")") + 2:].split()
        part = parts.get(int(fields[3])) or ("database" if name == "mariadbd" else None)
        if part:
            used[part] += (int(fields[11]) + int(fields[12])) / TICKS
    return used


def client_cpu_seconds() -> float:
    """This process's threads and the children it has waited for (wrk)."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def with_cpu(deployment, measure, counted: str = "count") -> dict:
    """measure()'s result with the CPU milliseconds each part spent per operation while it ran (a
    getProduct call, or a checkout iteration; result[counted] of them): where an operation's time goes."""
    before, client_before = cpu_seconds(deployment), client_cpu_seconds()
    result = measure()
    used = cpu_seconds(deployment) - before
    used["client"] = client_cpu_seconds() - client_before
    result["cpu_ms_per_op"] = {part: round(seconds * 1000 / result[counted], 3) for part, seconds in used.items()}
    return result


def wrk(deployment, script: Path, args) -> dict:
    def command(seconds: int) -> list[str]:
        return ["wrk", "--latency", "-t", "2", "-c", str(args.clients), "-d", f"{seconds}s", "--timeout", "10s",
                "-s", str(script), f"{deployment.url}/ws/Catalog"]

    subprocess.run(command(2), check=True, capture_output=True)  # warm-up
    result = with_cpu(deployment, lambda: parse_wrk(
        subprocess.run(command(args.duration), check=True, capture_output=True, text=True).stdout), "requests")
    if result["non_2xx"] or result["bad_answers"]:
        raise RuntimeError(f"getProduct: {result['non_2xx']} non-2xx, {result['bad_answers']} bad answers")
    return {"per_s": result["requests_per_s"], "count": result["requests"], "p50_ms": result["p50_ms"],
            "p99_ms": result["p99_ms"], "cpu_ms_per_op": result["cpu_ms_per_op"]}


class TlsClient(Client):
    """bench/checkout.py's client (one keep-alive connection, every answer checked) over HTTPS to nginx."""

    def __init__(self, deployment):
        host, port = deployment.url.removeprefix("https://").split(":")
        self.connection = http.client.HTTPSConnection(host, int(port), timeout=30, context=deployment.ssl_context())


def checkout_load(deployment, sellers: list[str], buyers: list[str], products: list[int], args) -> dict:
    """bench/checkout.py's loop, through nginx: every buyer fills the cart and checks out, again and again.
    The invoices of earlier measurements are cancelled first, straight in the database: each holds one
    of the 999 unique codes of its payee account and amount until it is paid, and nobody pays here."""
    engine = create_engine(deployment.env["EMALL_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("UPDATE invoice SET status = 'CANCELLED', open_amount_key = NULL "
                                "WHERE status = 'UNPAID'"))
    engine.dispose()
    tokens = []
    probe = TlsClient(deployment)
    for name in buyers:
        login = ENVELOPE.format(ns="urn:emall-kukm:member", header="", body=(
            f"<t:login><t:username>{name}</t:username><t:password>{builders.PASSWORD}</t:password>"
            "</t:login>"))
        _, answer = probe.call("/ws/Member", "login", login.encode(), "loginResponse")
        tokens.append(re.search(r"<tns:token>([^<]+)<", answer).group(1))
    add = [[body("urn:emall-kukm:cart", token, f"<t:addItem><t:productId>{p}</t:productId>"
                 f"<t:quantity>1</t:quantity></t:addItem>") for p in products] for token in tokens]
    # each buyer quotes a full cart once; checkout charges that quote
    for token, payloads in zip(tokens, add, strict=True):
        for payload in payloads:
            probe.call("/ws/Cart", "addItem", payload, "addItemResponse")
        _, quote = probe.call("/ws/Checkout", "quoteShipping",
                              body("urn:emall-kukm:checkout", token, "<t:quoteShipping/>"), "quoteShippingResponse")
        probe.call("/ws/Cart", "clearCart", body("urn:emall-kukm:cart", token, "<t:clearCart/>"), "clearCartResponse")
    service = re.search(r"<tns:courier>jne</tns:courier><tns:service>([^<]+)<", quote).group(1)
    choices = "".join(f"<t:ShippingChoice><t:sellerUsername>{s}</t:sellerUsername><t:courier>jne</t:courier>"
                      f"<t:service>{service}</t:service></t:ShippingChoice>" for s in sellers)
    checkouts = [body("urn:emall-kukm:checkout", token, f"<t:checkout><t:choices>{choices}</t:choices></t:checkout>")
                 for token in tokens]

    def iteration(i: int, state: dict) -> float:
        client = state.setdefault("client", TlsClient(deployment))
        for payload in add[i]:
            client.call("/ws/Cart", "addItem", payload, "addItemResponse")
        return client.call("/ws/Checkout", "checkout", checkouts[i], "checkoutResponse")[0]

    run_load(len(tokens), 2, iteration)  # warm-up
    return with_cpu(deployment, lambda: run_load(len(tokens), args.duration, iteration))


def summary(runs: list[dict]) -> str:
    lines = ["| scenario | 1 instance /s | 2 instances /s | 2 : 1 | p50 ms (1 / 2) |", "|---|---:|---:|---:|---:|"]
    for scenario in dict.fromkeys(r["scenario"] for r in runs):
        one = [r for r in runs if r["scenario"] == scenario and r["instances"] == 1]
        two = [r for r in runs if r["scenario"] == scenario and r["instances"] == 2]
        ratio = statistics.median(b["per_s"] / a["per_s"] for a, b in zip(one, two, strict=True))
        lines.append(f"| {scenario} | {statistics.median(r['per_s'] for r in one):.1f} | "
                     f"{statistics.median(r['per_s'] for r in two):.1f} | {ratio:.2f} | "
                     f"{statistics.median(r['p50_ms'] for r in one):.1f} / "
                     f"{statistics.median(r['p50_ms'] for r in two):.1f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mysql-url", default=os.environ.get("EMALL_TEST_MYSQL_URL")
                        or "mysql+pymysql://root@127.0.0.1:3306", help="MariaDB server (no database)")
    parser.add_argument("--database", default=f"emall_scale_{os.getpid()}",
                        help="name of the databases made for the run (and dropped after it)")
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--sellers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8, help="buyers at once (threads)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per throughput measurement")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--flow-only", action="store_true", help="the flow with kills and its checks, no throughput")
    only.add_argument("--throughput-only", action="store_true")
    args = parser.parse_args()
    if shutil.which("nginx") is None and shutil.which("/usr/sbin/nginx") is None:
        sys.exit("nginx not found: apt-get install -y nginx")
    loopback.stop_on_sigterm()
    random.seed(args.buyers)
    results: dict = {"args": vars(args), "mariadb": server_version(args.mysql_url), "nproc": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="emall-scale-out-") as tmp:
        if not args.throughput_only:
            print(f"flow: {args.buyers} buyers, {args.sellers} sellers, {args.clients} at once; "
                  "server 1 and worker 1 killed midway", flush=True)
            results["flow"] = run_flow(args, args.mysql_url, Path(tmp) / "flow")
            print(f"flow done in {results['flow']['flow_seconds']:.0f} s; Server.Unavailable answers: "
                  f"{results['flow']['unavailable_answers']}; paid after the buyer's confirmPayment: "
                  f"{results['flow']['confirmed_by_buyer']}", flush=True)
        if not args.flow_only:
            results["throughput"] = run_throughput(args, args.mysql_url, Path(tmp) / "throughput")
            print("\n" + summary(results["throughput"]))
    save_results("scale-out", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
