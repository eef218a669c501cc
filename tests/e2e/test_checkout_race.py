"""The oversell race over SOAP (issue 6): 50 buyers, each its own client, check out the last 10 units of one
product at once against the real server (2 worker processes). Exactly 10 are sold, the stock ends at 0 and
is never negative, the others are refused cleanly; then the worker expires the 10 unpaid invoices, the
stock comes back once, and a second expiry run changes nothing.
Runs in both passes; in the MariaDB pass the server's database is MariaDB (asserted, never skipped)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import zeep
from sqlalchemy import func, select, update

from emall_ws.clock import utcnow
from emall_ws.db.models import Invoice, OrderLine, Product
from emall_ws.db.session import Database
from emall_ws.services.invoices import expire_due_invoices
from tests.builders import create_member
from tests.databases import backend
from tests.e2e.catalog import racing_stock, ready_to_check_out, stock_of
from tests.e2e.soap import client, detail_code, fault_code
from tests.races import at_once
from tests.waiting import eventually

BUYERS, UNITS = 50, 10


@pytest.fixture(scope="module")
def race(server):
    assert server.database_url.startswith("mysql" if backend() == "mariadb" else "sqlite")
    db = Database(server.database_url)
    try:
        seller, product_id = racing_stock(db, UNITS)
        buyers = [create_member(db) for _ in range(BUYERS)]
    finally:
        db.dispose()
    with ThreadPoolExecutor(8) as pool:  # logging in is an Argon2id check each: in parallel
        prepared = list(pool.map(lambda m: ready_to_check_out(server, m.username, product_id, seller.username),
                                 buyers))
    return product_id, prepared


@pytest.fixture(scope="module")
def outcomes(race) -> list:
    """What each buyer's checkout gave, all 50 released at once (run once, for every test here): an
    invoice number or the fault."""
    _product_id, prepared = race

    def buy(i: int) -> str:
        checkout, auth, choices = prepared[i]
        return checkout.checkout(choices=choices, **auth)[0].invoiceNumber

    return at_once(BUYERS, buy)


def test_fifty_buyers_for_the_last_ten_units_buy_exactly_ten(server, race, outcomes):
    product_id, _prepared = race
    sold = [o for o in outcomes if isinstance(o, str)]
    refused = [(fault_code(o), detail_code(o)) for o in outcomes if isinstance(o, zeep.exceptions.Fault)]
    assert len(sold) == UNITS and len(set(sold)) == UNITS
    assert len(refused) == BUYERS - UNITS, [o for o in outcomes if not isinstance(o, (str, zeep.exceptions.Fault))]
    assert {code for code, _detail in refused} <= {"Client.Conflict", "Client.InvalidState"}  # clean refusals
    assert stock_of(server, product_id) == 0
    db = Database(server.database_url)
    try:
        with db.unit_of_work() as session:
            assert session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == product_id)) \
                == UNITS
            assert session.get(Product, product_id).status == "SOLD_OUT"
    finally:
        db.dispose()
    print(f"\n{backend()}: {len(sold)} sold, refusals {sorted(set(refused))}")


def test_the_worker_expires_the_unpaid_invoices_and_the_stock_comes_back_once(server, race, outcomes):
    product_id, _prepared = race
    db = Database(server.database_url)
    try:
        with db.unit_of_work() as session:  # their due time passes
            numbers = list(session.scalars(select(Invoice.number)
                                           .join(OrderLine, OrderLine.order_id == Invoice.order_id)
                                           .where(OrderLine.product_id == product_id)))
            session.execute(update(Invoice).where(Invoice.number.in_(numbers))
                            .values(due_at=utcnow() - timedelta(minutes=1)))
        assert len(numbers) == UNITS
        eventually(lambda: stock_of(server, product_id) == UNITS,  # the worker's expiry job: every second here
                   lambda: f"the stock back at {UNITS} (it is {stock_of(server, product_id)})")
        catalog = client(server, "Catalog").service
        assert catalog.getProduct(productId=product_id).action == "BUY"  # on sale again
        with db.unit_of_work() as session:
            statuses = set(session.scalars(select(Invoice.status).where(Invoice.number.in_(numbers))))
        assert statuses == {"EXPIRED"}

        assert expire_due_invoices(db, utcnow()) == 0  # a second run finds nothing to do
        assert stock_of(server, product_id) == UNITS  # and gave nothing back twice
    finally:
        db.dispose()
