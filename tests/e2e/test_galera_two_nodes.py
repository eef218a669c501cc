"""Every node writable (issue 24): two servers, A on node 1 and B on node 2 of a 3-node Galera cluster,
race each other as the single-server race tests race two processes, and no call may end in a Server
fault: 50 buyers for 10 units, one cart checked out three times at once, equal opening bids,
confirmPayment and reconcileNow through both servers while both workers reconcile, twin
registrations. Then node 2 is killed under a checkout load and rejoins: nothing acknowledged is lost
or doubled, and every table is the same on the three nodes.

Runs in tests/run.sh's Galera stage only (marker `galera`, left out of every other pass): it names the
running cluster's folder in EMALL_TEST_GALERA_DIR and makes the suite's databases on node 1
(EMALL_TEST_MYSQL_URL); without them these tests fail, they never skip."""
from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import zeep
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from emall_ws.clock import WIB
from emall_ws.db.models import Bid, Invoice, Member, Order, OrderLine, Product
from emall_ws.db.session import Database
from emall_ws.domain.partners import BANKS
from tests.builders import create_auction, create_member
from tests.databases import MYSQL_SERVER_URL
from tests.e2e.catalog import new_shop, racing_stock, ready_to_check_out, stock_of
from tests.e2e.members import form, login
from tests.e2e.payments import (assert_one_paying_row, assert_outbox_once, assert_paid_by, buy, new_buyer,
                                new_seller, transfer)
from tests.e2e.server import RunningServer, serving
from tests.processes import free_port
from tests.e2e.soap import client, detail_code, fault_code, field_errors, unique, with_token
from tests.races import at_once
from tests.waiting import eventually

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
import galera  # noqa: E402  (deploy/galera.py)
import galera_router  # noqa: E402  (deploy/galera_router.py)

pytestmark = pytest.mark.galera

CLUSTER_DIR = os.environ.get("EMALL_TEST_GALERA_DIR", "")


@pytest.fixture(scope="module")
def cluster() -> list[galera.Node]:
    assert CLUSTER_DIR, "EMALL_TEST_GALERA_DIR names the running cluster's folder (tests/run.sh's Galera stage)"
    nodes = galera.nodes(Path(CLUSTER_DIR))
    assert make_url(MYSQL_SERVER_URL).port == nodes[0].port, "the suite's databases are made on node 1"
    return nodes


@pytest.fixture(autouse=True)
def every_node_back(cluster):
    """A test that killed a node and failed before it rejoined leaves no hole for the next one."""
    yield
    for node in cluster:
        if not galera.is_running(node):
            galera.start_node(node, galera.cluster_address(cluster))


def off_the_cluster(home: Path) -> str:
    """The partner sandboxes' own database: the partners are not the platform, and a node killed
    would stall them with it (a courier that does not answer in time leaves a quote without options)."""
    return f"sqlite:///{home / 'sandbox.db'}"


def on_node(database_url: str, node: galera.Node) -> str:
    """The same database, through another node."""
    return make_url(database_url).set(port=node.port).render_as_string(hide_password=False)


@contextmanager
def two_servers(database_factory, home: Path, mailbox, name: str,
                cluster: list[galera.Node]) -> Iterator[tuple[RunningServer, RunningServer]]:
    """A on node 1 with the partner sandboxes, B on node 2 calling A's sandboxes: one database, one bank."""
    for folder in (home / "a", home / "b"):
        folder.mkdir()
    with serving(database_factory, home / "a", mailbox, name, EMALL_SANDBOX_DATABASE_URL=off_the_cluster(home)) as a:
        with serving(database_factory, home / "b", mailbox, f"{name}_b", on_node(a.database_url, cluster[1]),
                     EMALL_SANDBOX="0", EMALL_SANDBOX_PORT=str(urlsplit(a.sandbox_url).port)) as b:
            yield a, b


@pytest.fixture(scope="module")
def servers(database_factory, tmp_path_factory, mailbox, cluster):
    with two_servers(database_factory, tmp_path_factory.mktemp("galera"), mailbox, "galera", cluster) as pair:
        yield pair


@pytest.fixture(scope="module")
def db(servers):
    database = Database(servers[0].database_url)
    yield database
    database.dispose()


def alternately(servers, count: int) -> list[RunningServer]:
    """A, B, A, B ...: which server the i-th racer calls."""
    return list(itertools.islice(itertools.cycle(servers), count))


def codes(outcome) -> tuple[str, str | None]:
    """(fault code, detail code) of a fault; what else a call raised, by its type."""
    if isinstance(outcome, zeep.exceptions.Fault):
        return fault_code(outcome), outcome.detail is not None and detail_code(outcome) or None
    return type(outcome).__name__, str(outcome)


def no_server_fault(outcomes: list) -> None:
    """Every outcome is an answer or a Client fault: nothing failed on the platform's side."""
    unexpected = [codes(o) for o in outcomes if isinstance(o, Exception) and not codes(o)[0].startswith("Client.")]
    assert unexpected == []


def refusals(outcomes: list) -> Counter:
    return Counter(codes(o) for o in outcomes if isinstance(o, Exception))


# --- the races, through both servers at once -----------------------------------------------------

def test_fifty_buyers_on_two_nodes_buy_exactly_the_last_ten_units(servers, db):
    buyers_count, units = 50, 10
    seller, product_id = racing_stock(db, units)
    buyers = [create_member(db) for _ in range(buyers_count)]
    with ThreadPoolExecutor(8) as pool:  # logging in is an Argon2id check each: in parallel
        prepared = list(pool.map(lambda pair: ready_to_check_out(pair[0], pair[1].username, product_id,
                                                                 seller.username),
                                 zip(alternately(servers, buyers_count), buyers, strict=True)))

    def checkout(i: int) -> str:
        service, auth, choices = prepared[i]
        return service.checkout(choices=choices, **auth)[0].invoiceNumber

    outcomes = at_once(buyers_count, checkout)
    no_server_fault(outcomes)
    sold = [o for o in outcomes if isinstance(o, str)]
    assert len(sold) == len(set(sold)) == units, refusals(outcomes)
    assert {code for code, _detail in refusals(outcomes)} <= {"Client.Conflict", "Client.InvalidState"}
    assert [stock_of(server, product_id) for server in servers] == [0, 0]
    with db.unit_of_work() as session:
        assert session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == product_id)) == units


def test_one_cart_checked_out_three_times_at_once_on_two_nodes_sells_once(servers, db):
    seller, product_id = racing_stock(db, 20)
    buyer = create_member(db)
    a, b = servers
    # the same member's cart, the same choices, through A, B and A (a session token is valid on both)
    *_filled_on_a, choices = ready_to_check_out(a, buyer.username, product_id, seller.username, quantity=3)
    token = login(b, buyer.username)
    callers = [client(server, "Checkout") for server in (a, b, a)]

    def checkout(i: int) -> str:
        soap = callers[i]
        return soap.service.checkout(choices=choices, **with_token(soap, "Checkout", token))[0].invoiceNumber

    outcomes = at_once(len(callers), checkout)
    no_server_fault(outcomes)
    assert len([o for o in outcomes if isinstance(o, str)]) == 1, outcomes
    assert [stock_of(server, product_id) for server in servers] == [17, 17]
    with db.unit_of_work() as session:
        orders = session.scalar(select(func.count()).select_from(Order)
                                .join(Member, Member.id == Order.buyer_id).where(Member.username == buyer.username))
    assert orders == 1


def test_equal_opening_bids_on_two_nodes_leave_one_leader(servers, db):
    bidders, start = 20, 250_000
    seller = create_member(db, unique("bidstall"), "SELLER")
    product_id = create_auction(db, seller.id, start_price=start)
    members = [create_member(db) for _ in range(bidders)]
    callers = []
    for server, member in zip(alternately(servers, bidders), members, strict=True):
        soap = client(server, "Auction")
        callers.append((soap, with_token(soap, "Auction", login(server, member.username))))

    def bid(i: int):
        soap, auth = callers[i]
        return soap.service.placeBid(productId=product_id, amount=start, **auth)

    outcomes = at_once(bidders, bid)
    no_server_fault(outcomes)
    assert len([o for o in outcomes if not isinstance(o, Exception)]) == 1
    assert refusals(outcomes) == Counter({("Client.Conflict", "BID_TOO_LOW"): bidders - 1})
    assert [client(server, "Auction").service.getAuction(productId=product_id).bidCount for server in servers] \
        == [1, 1]
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Bid).where(Bid.product_id == product_id)) == 1


def test_confirm_payment_and_reconcilers_on_two_nodes_pay_each_invoice_once(servers, mailbox, db):
    """For each bank, an invoice paid by one transfer: its buyer's confirmPayment through A and through
    B and an admin's reconcileNow through both, released in the same instant, while both servers'
    workers read the same accounts every second."""
    a, b = servers
    shop = new_shop(a)
    banks = {code: zeep.Client(f"{a.sandbox_url}/partners/bank/{code}?wsdl").service for code in BANKS}
    sales = []
    for bank in sorted(BANKS):
        seller = new_seller(a, mailbox, shop, banks, bank)
        buyer = new_buyer(b, mailbox)
        sales.append((seller, buyer, buy(b, buyer, seller)))
    posted_at = (datetime.now(WIB) + timedelta(seconds=3)).replace(microsecond=0)  # no reading sees it early
    mutations = [transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber, posted_at=posted_at)
                 for seller, _buyer, invoice in sales]
    confirms = [(buyer.service(server, "Payment"), invoice.invoiceNumber)
                for _seller, buyer, invoice in sales for server in servers]
    reconcilers = [shop.admin.service(server, "Payment") for server in servers]
    release_at = posted_at.timestamp() + 1.2

    def call(i: int):
        time.sleep(max(0.0, release_at - time.time()))
        if i < len(confirms):
            (payment, auth), number = confirms[i]
            return payment.confirmPayment(invoiceNumber=number, **auth)
        payment, auth = reconcilers[i - len(confirms)]
        return payment.reconcileNow(**auth)

    outcomes = at_once(len(confirms) + len(reconcilers), call)
    no_server_fault(outcomes)
    for i, ((seller, buyer, invoice), mutation) in enumerate(zip(sales, mutations, strict=True)):
        for status in outcomes[2 * i:2 * i + 2]:
            assert_paid_by(status, mutation, seller, invoice)
        assert_one_paying_row(db, seller, mutation, invoice)
        assert_outbox_once(db, invoice, buyer, seller)


def test_twin_registrations_on_two_nodes_make_one_member_each(servers, db):
    """The same form sent to A and B in the same instant, twelve times: one member each, the twin
    told the name is taken."""
    twins = 12
    forms = [form() for _ in range(twins)]
    members = [client(server, "Member").service for server in servers]

    def register(i: int):
        return members[i % 2].register(form=forms[i // 2])

    outcomes = at_once(2 * twins, register)
    no_server_fault(outcomes)
    for i in range(twins):
        answered = [o for o in outcomes[2 * i:2 * i + 2] if not isinstance(o, Exception)]
        assert len(answered) == 1, outcomes[2 * i:2 * i + 2]
    told = {code for o in outcomes if isinstance(o, zeep.exceptions.Fault) for code, _text in field_errors(o).values()}
    assert told and told <= {"USERNAME_TAKEN", "EMAIL_TAKEN"}, told
    with db.unit_of_work() as session:
        usernames = [f["username"].lower() for f in forms]
        assert session.scalar(select(func.count()).select_from(Member)
                              .where(Member.username_key.in_(usernames))) == twins


# --- a node killed under load ---------------------------------------------------------------------

BUYERS_UNDER_LOAD = 24
KILL_AFTER = 4  # checkouts answered before node 2 is killed
LOAD_WITHIN = 150  # seconds the load may take, well inside the suite's 300 s per test


def checksums(database_url: str, node: galera.Node) -> dict[str, int]:
    """CHECKSUM TABLE of every table of the database, as the node holds it."""
    engine = create_engine(on_node(database_url, node))
    try:
        with engine.connect() as connection:
            tables = list(connection.scalars(text("SHOW TABLES")))
            return {row[0]: row[1] for row in connection.execute(text(f"CHECKSUM TABLE {', '.join(tables)}"))}
    finally:
        engine.dispose()


def assert_rejoined_equal(database_url: str, cluster: list[galera.Node], product_id: int,
                          answered: list[str]) -> None:
    """On every node: each answered invoice once, none doubled, the stock what the start minus the sold
    leaves (the product started with BUYERS_UNDER_LOAD * 2); then every table equal on the three nodes,
    once nothing writes."""
    for node in cluster:
        db = Database(on_node(database_url, node))
        try:
            with db.unit_of_work() as session:
                numbers = Counter(session.scalars(select(Invoice.number).join(Order, Order.id == Invoice.order_id)
                                                  .join(OrderLine, OrderLine.order_id == Order.id)
                                                  .where(OrderLine.product_id == product_id)))
                sold = session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == product_id))
                stock = session.get(Product, product_id).stock
        finally:
            db.dispose()
        assert set(answered) <= set(numbers), node.name  # nothing acknowledged lost
        assert set(numbers.values()) == {1}, node.name  # nor doubled
        assert stock == BUYERS_UNDER_LOAD * 2 - sold, node.name
    first, *others = cluster
    eventually(lambda: all(checksums(database_url, node) == checksums(database_url, first) for node in others),
               "every table equal on the three nodes", timeout=60, interval=1)


def serves(server: RunningServer, product_id: int) -> bool:
    try:
        return stock_of(server, product_id) >= 0
    except zeep.exceptions.Fault as fault:
        assert codes(fault) == ("Server.Unavailable", "DATABASE_UNAVAILABLE")
        return False


def test_a_node_killed_under_load_loses_and_doubles_nothing_and_rejoins_equal(database_factory, tmp_path, mailbox,
                                                                              cluster):
    """Buyers check out through A and B; node 2 (B's) gets SIGKILL after the first answers. A goes on
    serving; B answers Server.Unavailable while its node is gone, never Server.Internal. Node 2 rejoins
    (IST): every acknowledged invoice is there once on every node, the stock adds up, and once the
    servers stop every table is equal on the three nodes."""
    answered: list[str] = []  # invoice numbers
    outcomes: list[tuple[str, object]] = []  # (server, answer or fault)
    lock = threading.Lock()
    with two_servers(database_factory, tmp_path, mailbox, "galera_kill", cluster) as servers:
        a, b = servers
        db = Database(a.database_url)
        try:
            seller, product_id = racing_stock(db, BUYERS_UNDER_LOAD * 2)
            buyers = [create_member(db) for _ in range(BUYERS_UNDER_LOAD)]
        finally:
            db.dispose()
        killed = threading.Event()

        def shopper(server: RunningServer, name: str, mine: list) -> None:
            for member in mine:
                try:
                    service, auth, choices = ready_to_check_out(server, member.username, product_id,
                                                                seller.username, quantity=2)
                    number = service.checkout(choices=choices, **auth)[0].invoiceNumber
                except Exception as error:  # noqa: BLE001 - the fault is the outcome
                    with lock:
                        outcomes.append((name, error))
                    continue
                with lock:
                    outcomes.append((name, number))
                    answered.append(number)
                    if len(answered) == KILL_AFTER and not killed.is_set():
                        galera.kill(cluster[1])
                        killed.set()

        threads = [threading.Thread(target=shopper, args=(server, name, buyers[i::4]), daemon=True)
                   for i, (server, name) in enumerate([(a, "A"), (b, "B"), (a, "A"), (b, "B")])]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + LOAD_WITHIN
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert killed.is_set() and not any(t.is_alive() for t in threads)
        faults = [(name, o) for name, o in outcomes if isinstance(o, Exception)]
        assert {(name, codes(o)) for name, o in faults} <= {("B", ("Server.Unavailable", "DATABASE_UNAVAILABLE"))}
        assert len([1 for name, o in outcomes if name == "A" and isinstance(o, str)]) == BUYERS_UNDER_LOAD // 2
        print(f"\nnode 2 killed after {KILL_AFTER} checkouts: {len(answered)} of {BUYERS_UNDER_LOAD} answered, "
              f"B answered Server.Unavailable {len(faults)} times")

        galera.start_node(cluster[1], galera.cluster_address(cluster))  # rejoins by IST, waits until Synced
        eventually(lambda: serves(b, product_id), "B serving again")
        database_url = a.database_url

    assert_rejoined_equal(database_url, cluster, product_id, answered)


# --- through the router, as deployed -------------------------------------------------------------

def test_through_the_router_the_active_node_killed_moves_every_call_to_the_next(database_factory, tmp_path,
                                                                              mailbox, cluster):
    """deploy/galera/haproxy.cfg with its clustercheck in front of the cluster, one server behind it, a
    reader and a shopper calling it; node 1 (the active one) gets SIGKILL. Calls answer, or answer
    Server.Unavailable while HAProxy moves to node 2 (never Server.Internal); within 30 s every call
    answers again, what was answered is there, and node 1 rejoins with every table equal."""
    router = galera_router.start(Path(CLUSTER_DIR), free_port())
    try:
        database_url = make_url(database_factory.new_url("galera_router")).set(port=router.port) \
            .render_as_string(hide_password=False)
        with serving(database_factory, tmp_path, mailbox, "galera_router", database_url,
                     EMALL_SANDBOX_DATABASE_URL=off_the_cluster(tmp_path)) as server:
            db = Database(database_url)
            try:
                seller, product_id = racing_stock(db, BUYERS_UNDER_LOAD * 2)
                buyers = [create_member(db) for _ in range(BUYERS_UNDER_LOAD)]
            finally:
                db.dispose()
            answered, faults = [], []  # invoice numbers; (seconds after the kill, fault)
            killed_at = float("inf")  # no fault may come before the kill: its time after it is negative
            for i, member in enumerate(buyers):
                if i == KILL_AFTER:
                    galera.kill(cluster[0])
                    killed_at = time.monotonic()
                while True:  # as an integrator does on Server.Unavailable: look, then ask again
                    try:
                        service, auth, choices = ready_to_check_out(server, member.username, product_id,
                                                                    seller.username)
                        answered.append(service.checkout(choices=choices, **auth)[0].invoiceNumber)
                        break
                    except zeep.exceptions.Fault as fault:
                        faults.append((time.monotonic() - killed_at, codes(fault)))
                        assert 0 <= faults[-1][0] < 30, faults
                        time.sleep(0.5)
            assert {code for _after, code in faults} <= {("Server.Unavailable", "DATABASE_UNAVAILABLE")}
            assert len(answered) == BUYERS_UNDER_LOAD
            print(f"\nnode 1 killed: {len(faults)} Server.Unavailable answers, the last "
                  f"{max(after for after, _code in faults):.1f} s after the kill" if faults else "no fault")
    finally:
        router.stop()
    galera.start_node(cluster[0], galera.cluster_address(cluster))
    assert_rejoined_equal(database_url, cluster, product_id, answered)
