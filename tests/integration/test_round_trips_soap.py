"""What a hot read costs the database, counted over SOAP (in-process WSGI) where it reaches the
database: every statement, COMMIT and ROLLBACK, and on MariaDB the pool's ping of a checked-out
connection. Catalog.getProduct for anyone, Cart.getCart and Checkout.getInvoice for a
logged-in buyer: each at most MAX_ROUND_TRIPS (issue 14), and the answer still the right one."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest
import pymysql
from sqlalchemy import Engine, event

from emall_ws.config import Settings
from emall_ws.services.auth import Principal
from emall_ws.soap.app import create_app
from emall_ws.services import catalog
from tests.builders import (NOW, PASSWORD, FIXED_FORM, POLICY, add_category, add_seller, create_member, order_for, put,
                            sell)
from tests.wsgi_client import call, envelope

MAX_ROUND_TRIPS = 8
# getProduct: one SELECT of the product with its category, seller and photos, outside a transaction
# (Database.read: no BEGIN, COMMIT or ROLLBACK, and on MariaDB no ping of the checked-out connection)
GET_PRODUCT_ROUND_TRIPS = 1


class RoundTrips:
    """Counts what reaches the database while it listens: each command PyMySQL sends to MariaDB (a
    statement, COMMIT, ROLLBACK, the pool's ping), each statement SQLite runs (BEGIN and COMMIT too)."""

    def __init__(self, engine: Engine, monkeypatch: pytest.MonkeyPatch):
        self.sent: list[str] = []  # what reached the database, in order ("" for a ping)
        self.listening = False
        if engine.dialect.name == "mysql":
            send = pymysql.connections.Connection._execute_command

            def counted(connection, command, sql):
                self._statement(sql.decode(errors="replace") if isinstance(sql, bytes) else sql)
                return send(connection, command, sql)

            monkeypatch.setattr(pymysql.connections.Connection, "_execute_command", counted)
        else:
            event.listen(engine, "checkout", lambda dbapi_connection, _record, _proxy:
                         dbapi_connection.set_trace_callback(self._statement))

    def _statement(self, sql: str) -> None:
        if self.listening:
            self.sent.append(sql)

    @property
    def count(self) -> int:
        return len(self.sent)

    @contextmanager
    def counting(self) -> Iterator[RoundTrips]:
        self.sent, self.listening = [], True
        try:
            yield self
        finally:
            self.listening = False


@pytest.fixture
def app(db, tmp_path):
    return create_app(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_SANDBOX": "0",
                                         "EMALL_PASSWORD_HASH": "cheapest"}), db)


@pytest.fixture
def bought(db):
    """A buyer with one product in the cart and an invoice for another: (buyer, product id, invoice number)."""
    add_category(db)
    seller = add_seller(db, "koperasi_semarang", "33.74")
    kopi, teh = (sell(db, seller, FIXED_FORM, name=name).product_id for name in ("Kopi Gayo", "Teh Kaligua"))
    member = create_member(db, "budi_santoso")
    buyer = Principal(member.id, member.username, member.role)
    invoice_number = order_for(db, buyer, teh, seller.username, paid=False).invoice_number
    put(db, buyer, kopi, 2)
    return buyer, kopi, invoice_number


def soap(app, service: str, operation: str, fields: dict, token: str | None = None):
    namespace = f"urn:emall-kukm:{service.lower()}"
    body = envelope(operation, namespace, fields)
    if token is not None:  # the service's SessionHeader
        body = body.replace(b"<soapenv:Body>", f'<soapenv:Header><t:SessionHeader xmlns:t="{namespace}">'
                                               f"<t:token>{token}</t:token></t:SessionHeader></soapenv:Header>"
                                               "<soapenv:Body>".encode(), 1)
    answer = call(app, "POST", f"/ws/{service}", body)
    assert answer.status == 200, answer.body[:800]
    return answer.xml()


def token_of(app, username: str) -> str:
    return soap(app, "Member", "login", {"username": username, "password": PASSWORD}).findtext(".//{*}token")


@pytest.mark.parametrize("operation", ["getProduct", "getCart", "getInvoice"])
def test_a_hot_read_costs_at_most_eight_round_trips(db, app, bought, operation, monkeypatch):
    buyer, kopi, invoice_number = bought
    token = token_of(app, buyer.username)
    service, fields, token, shows = {
        "getProduct": ("Catalog", {"productId": kopi}, None, ("productId", str(kopi))),
        "getCart": ("Cart", {}, token, ("productId", str(kopi))),
        "getInvoice": ("Checkout", {"invoiceNumber": invoice_number}, token, ("invoiceNumber", invoice_number)),
    }[operation]
    soap(app, service, operation, fields, token)  # the first call of a process loads what it keeps
    with RoundTrips(db.engine, monkeypatch).counting() as round_trips:
        answer = soap(app, service, operation, fields, token)
    tag, value = shows
    assert value in [e.text for e in answer.iter(f"{{*}}{tag}")]
    print(f"\n{operation}: {round_trips.count} round trips")
    assert 0 < round_trips.count <= MAX_ROUND_TRIPS, round_trips.sent
    assert not [sql for sql in round_trips.sent if sql.upper().startswith("ROLLBACK")]  # the unit of work committed
    if operation == "getProduct":
        assert round_trips.count == GET_PRODUCT_ROUND_TRIPS, round_trips.sent


def test_the_categories_answer_is_kept_per_version_and_follows_a_category_added_elsewhere(db, tmp_path, monkeypatch):
    """Each process keeps its listCategories answer; a call reads only the categories' version (one
    round trip), and a category added through another process (here another application on the same
    database) is in the next answer of every process."""
    add_category(db, "makanan", "Makanan & Minuman")
    first, other = (create_app(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path / name), "EMALL_SANDBOX": "0"}), db)
                    for name in ("first", "other"))

    def codes(app) -> list[str]:
        return [e.text for e in soap(app, "Catalog", "listCategories", {}).iter("{*}code")]

    assert codes(first) == codes(other) == ["makanan"]
    with RoundTrips(db.engine, monkeypatch).counting() as round_trips:
        assert codes(first) == ["makanan"]
    assert round_trips.count == 1, round_trips.sent
    with other.platform.db.unit_of_work() as session:  # as another process would
        catalog.create_category(session, "batik", "Batik", NOW, POLICY)
    assert codes(first) == codes(other) == ["batik", "makanan"]
