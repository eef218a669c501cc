"""Limits that hold under concurrency, over SOAP (issue 22): against the real server (2 worker processes),
20 simultaneous wrong passwords for one name check exactly 5 and pause it, and 20 simultaneous addItem
calls on a cart of 45 lines stop at its cap of 50. Runs in both passes; in the MariaDB pass the
server's database is MariaDB (asserted, never skipped)."""
import hashlib
import re

import zeep
from sqlalchemy import func, select

from emall_ws.clock import utcnow
from emall_ws.db.models import CartLine, FailedTry, Product
from emall_ws.domain.cart import CartPolicy
from emall_ws.domain.members import username_key
from tests.builders import create_auction, create_member
from tests.databases import backend
from tests.e2e.members import PASSWORD, login
from tests.e2e.soap import client, detail_code, fault_code, unique, with_token
from tests.races import at_once

CALLERS = 20
MAX_FAILED_LOGINS = 5  # AuthPolicy's default


def outcome(result) -> str:
    return detail_code(result) if isinstance(result, zeep.exceptions.Fault) else "ok"


def test_twenty_simultaneous_wrong_passwords_check_five_and_pause_the_name(server):
    assert server.database_url.startswith("mysql" if backend() == "mariadb" else "sqlite")
    with server.database() as db:
        username = create_member(db, unique("sasaran")).username
    members = [client(server, "Member").service for _ in range(CALLERS)]  # a client each, as attackers are

    outcomes = at_once(CALLERS, lambda i: members[i].login(username=username, password=f"salah{i:05d}xyz"))
    assert sorted(map(outcome, outcomes)) == ["BAD_CREDENTIALS"] * 5 + ["LOGIN_PAUSED"] * 15
    right = at_once(1, lambda i: members[0].login(username=username, password=PASSWORD))[0]
    assert (fault_code(right), detail_code(right)) == ("Client.Authentication", "LOGIN_PAUSED")
    # a password was checked only where the refusal says BAD_CREDENTIALS: the server logs each refusal
    checked = re.findall(rf"login_failed .*username={username} reason=(\w+)", server.log())
    assert sorted(checked) == ["BAD_CREDENTIALS"] * 5 + ["LOGIN_PAUSED"] * 16
    key_hash = hashlib.sha256(username_key(username).encode()).hexdigest()  # how failures are kept
    with server.database() as db, db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(FailedTry)
                              .where(FailedTry.kind == "LOGIN", FailedTry.key_hash == key_hash)) == MAX_FAILED_LOGINS
    print(f"\n{backend()}: {checked.count('BAD_CREDENTIALS')} passwords checked of {CALLERS + 1} tries")


def test_twenty_simultaneous_adds_to_a_cart_of_45_lines_stop_at_50(server):
    cap = CartPolicy().lines_max
    with server.database() as db:
        seller = create_member(db, unique("lapak"), "SELLER")
        buyer = create_member(db, unique("pemborong"))
        products = [create_auction(db, seller.id, sale_method="FIXED", start_price=10_000, name=f"Keripik {i:02d}")
                    for i in range(cap - 5 + CALLERS)]
        with db.unit_of_work() as session:  # the set-up, not what is tested: 45 lines already there
            now = utcnow()
            session.add_all(CartLine(buyer_id=buyer.id, product_id=product_id, quantity=1, price_when_added=10_000,
                                     added_at=now, updated_at=now) for product_id in products[:cap - 5])
    token = login(server, buyer.username)
    carts = [client(server, "Cart") for _ in range(CALLERS)]
    outcomes = at_once(CALLERS, lambda i: carts[i].service.addItem(
        productId=products[cap - 5 + i], quantity=1, **with_token(carts[i], "Cart", token)))
    assert sorted(map(outcome, outcomes)) == ["CART_FULL"] * 15 + ["ok"] * 5
    with server.database() as db, db.unit_of_work() as session:
        lines = session.scalar(select(func.count()).select_from(CartLine).where(CartLine.buyer_id == buyer.id))
        assert lines == cap
        assert set(session.scalars(select(Product.stock).where(Product.id.in_(products)))) == {5}  # untouched
    print(f"\n{backend()}: {lines} lines after {CALLERS} simultaneous adds to {cap - 5}")
