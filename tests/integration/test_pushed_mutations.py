"""POST /hooks/mutations/moota against the test database (SQLite or MariaDB), in-process: a signed push
pays its invoice exactly once, whatever is pushed again, duplicated, reordered or read from the statement
at the same moment; every refused push changes nothing; pushed accounts are read only as a fallback."""
from __future__ import annotations

import json
import logging
import sqlite3
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from emall_ws.clock import aware, to_wib
from emall_ws.config import Settings
from emall_ws.db.models import BankMutation, Invoice
from emall_ws.hooks import mutations as hook
from emall_ws.hooks.signature import signature
from emall_ws.services import payments
from emall_ws.services.payments import ReconcilePolicy, reconcile
from emall_ws.soap.app import create_app
from tests.builders import NOW
from tests.integration.catalog_fixtures import count
from tests.integration.test_payments import ACCOUNT, RECONCILE, FakeBank, buy, invoice_row, shop, state  # noqa: F401
from tests.races import at_once
from tests.wsgi_client import call

SECRET = "rahasia-bersama-moota-0123"
HOOK = "/hooks/mutations/moota"
RECEIVED = NOW + timedelta(hours=1)  # the platform's clock when pushes arrive


@pytest.fixture
def app(db, tmp_path):
    app = create_app(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_SANDBOX": "0",
                                        "EMALL_MOOTA_SECRET": SECRET}), db)
    app.platform.clock = lambda: RECEIVED
    return app


def mutation(mutation_id: str, amount: int, minutes: int, kind: str = "CR") -> dict:
    posted = to_wib(NOW + timedelta(minutes=minutes))
    return {"mutationId": mutation_id, "postedAt": posted.isoformat(), "type": kind, "amount": amount,
            "description": "TRSF E-BANKING CR 0712/FTSCY/WS95031 BUDI", "balance": 5_000_000}


def push_body(*mutations: dict, bank: str = "bca", account: str = ACCOUNT) -> bytes:
    return json.dumps({"account": {"bank": bank, "accountNumber": account}, "mutations": list(mutations)}).encode()


def signed(body: bytes, *, at=None, secret: str = SECRET) -> dict:
    timestamp = str(int(aware(at or RECEIVED).timestamp()))
    return {"X-Emall-Timestamp": timestamp, "X-Emall-Signature": signature(secret, timestamp, body)}


def push(app, body: bytes, headers: dict | None = None, path: str = HOOK, method: str = "POST"):
    return call(app, method, path, body, headers=signed(body) if headers is None else headers,
                content_type="application/json")


def mutation_rows(db):
    with db.unit_of_work() as session:
        return sorted(session.execute(select(BankMutation.mutation_id, BankMutation.match_status)).all())


def test_a_signed_push_pays_its_invoice_once_and_again_records_nothing(db, shop, app):
    invoice = buy(db, shop)
    body = push_body(mutation("BCA26112800000042", invoice.amount_due, 7))
    answer = push(app, body)
    assert (answer.status, json.loads(answer.body)) == (200, {"received": 1, "recorded": 1})
    assert answer.headers["Content-Type"] == "application/json"
    assert invoice_row(db, invoice.number) == ("PAID", NOW + timedelta(minutes=7), "PAID")
    assert mutation_rows(db) == [("BCA26112800000042", "PAID")]
    before = state(db)
    # the same body re-sent as it was (a replay within the window) and re-signed (the service's retry)
    for headers in (signed(body), signed(body, at=RECEIVED + timedelta(seconds=30))):
        again = push(app, body, headers)
        assert (again.status, json.loads(again.body)) == (200, {"received": 1, "recorded": 0})
    assert state(db) == before


def test_a_push_and_a_statement_reading_of_one_mutation_are_one_mutation(db, shop, app):
    invoice = buy(db, shop)
    bank = FakeBank()
    read = bank.credit(invoice.amount_due, NOW + timedelta(minutes=7), "BCA26112800000042")
    assert reconcile(db, {"bca": bank}, RECEIVED, RECONCILE).outcome.paid == [invoice.number]
    before = state(db)
    answer = push(app, push_body(mutation(read.mutation_id, invoice.amount_due, 7)))
    assert (answer.status, json.loads(answer.body)) == (200, {"received": 1, "recorded": 0})
    assert state(db) == before


@pytest.mark.parametrize("headers", [
    {}, {"X-Emall-Timestamp": "1796000000"}, {"X-Emall-Signature": "sha256=00"},
], ids=["unsigned", "timestamp-only", "signature-only"])
def test_an_unsigned_push_is_401_and_changes_nothing(db, shop, app, headers, caplog):
    invoice = buy(db, shop)
    before = state(db)
    with caplog.at_level(logging.INFO):
        answer = push(app, push_body(mutation("BCA1", invoice.amount_due, 7)), headers)
    assert (answer.status, json.loads(answer.body)) == (401, {"error": "NO_SIGNATURE"})
    assert state(db) == before
    [event] = [r for r in caplog.records if r.name == "emall_ws.security"]
    assert event.fields["event"] == "mutation_push_refused" and event.fields["reason"] == "NO_SIGNATURE"
    assert event.fields["client"] == "127.0.0.1" and event.fields["provider"] == "moota"
    [line] = [r for r in caplog.records if r.name == "emall_ws.access"]
    assert (line.fields["event"], line.fields["hook"], line.fields["status"], line.fields["code"]) == (
        "hook", "mutations.moota", "401", "NO_SIGNATURE")
    assert SECRET not in caplog.text


def test_a_wrongly_signed_push_is_401_and_changes_nothing(db, shop, app):
    invoice = buy(db, shop)
    body = push_body(mutation("BCA1", invoice.amount_due, 7))
    before = state(db)
    forged = body.replace(b'"amount": ', b'"amount": 1')  # changed after signing
    for sent, headers in ((body, signed(body, secret="bukan-rahasia-kita-0123")), (forged, signed(body))):
        answer = push(app, sent, headers)
        assert (answer.status, json.loads(answer.body)) == (401, {"error": "BAD_SIGNATURE"})
    assert state(db) == before


@pytest.mark.parametrize("off", [timedelta(seconds=-301), timedelta(seconds=301), timedelta(days=-1)])
def test_a_push_signed_outside_the_window_is_401_and_changes_nothing(db, shop, app, off):
    invoice = buy(db, shop)
    body = push_body(mutation("BCA1", invoice.amount_due, 7))
    before = state(db)
    answer = push(app, body, signed(body, at=RECEIVED + off))
    assert (answer.status, json.loads(answer.body)) == (401, {"error": "STALE_TIMESTAMP"})
    assert state(db) == before


def test_a_mutation_twice_in_one_push_is_recorded_once(db, shop, app):
    invoice = buy(db, shop)
    credit = mutation("BCA1", invoice.amount_due, 7)
    answer = push(app, push_body(credit, credit, credit))
    assert (answer.status, json.loads(answer.body)) == (200, {"received": 3, "recorded": 1})
    assert mutation_rows(db) == [("BCA1", "PAID")] and invoice_row(db, invoice.number)[0] == "PAID"


def test_a_later_mutation_pushed_before_an_earlier_one_both_are_recorded_and_pay(db, shop, app):
    first, second = buy(db, shop, 0), buy(db, shop, 1, quantity=2)
    later = push(app, push_body(mutation("BCA2", second.amount_due, 20)))
    earlier = push(app, push_body(mutation("BCA1", first.amount_due, 10)))
    assert [json.loads(a.body)["recorded"] for a in (later, earlier)] == [1, 1]
    assert mutation_rows(db) == [("BCA1", "PAID"), ("BCA2", "PAID")]
    assert invoice_row(db, first.number)[0] == invoice_row(db, second.number)[0] == "PAID"


def test_a_push_for_an_account_no_invoice_uses_is_recorded_and_held_as_a_reading_would(db, shop, app):
    answer = push(app, push_body(mutation("MDR1", 250_000, 7), mutation("MDR2", 1_000, 8, "DB"),
                                 bank="mandiri", account="1230004567890"))
    assert (answer.status, json.loads(answer.body)) == (200, {"received": 2, "recorded": 2})
    assert mutation_rows(db) == [("MDR1", "NO_MATCH"), ("MDR2", "DEBIT")]


@pytest.mark.parametrize("body, code", [
    (b"{", "INVALID_JSON"), (b"[1]", "INVALID_PUSH"),
    (push_body(mutation("BCA1", 100, 7), bank="bcx"), "UNKNOWN_BANK"),
    (push_body({"mutationId": "BCA1"}), "INVALID_MUTATION"),
    (push_body(dict(mutation("BCA1", 100, 7), postedAt="2026-11-28T10:07:00")), "INVALID_MUTATION"),
])
def test_a_signed_body_that_is_not_a_push_is_400_in_json_and_changes_nothing(db, shop, app, body, code):
    buy(db, shop)
    before = state(db)
    answer = push(app, body)
    assert answer.status == 400 and json.loads(answer.body)["error"] == code and json.loads(answer.body)["message"]
    assert state(db) == before


def test_a_push_on_another_method_provider_or_encoding_or_too_large_changes_nothing(db, shop, app):
    invoice = buy(db, shop)
    body = push_body(mutation("BCA1", invoice.amount_due, 7))
    before = state(db)
    assert push(app, body, method="GET").status == 405
    assert push(app, body, method="PUT").headers["Allow"] == "POST"
    assert [push(app, body, path=path).status for path in ("/hooks/mutations/xendit", "/hooks/mutations/",
                                                            "/hooks/other")] == [404] * 3
    assert json.loads(push(app, body, dict(signed(body), **{"Content-Encoding": "gzip"})).body) == {
        "error": "UNSUPPORTED_ENCODING"}
    large = b" " * app.platform.settings.max_request_bytes + body
    assert push(app, large).status == 413
    assert state(db) == before


def test_without_the_secret_the_hook_is_not_there(db, shop, tmp_path):
    app = create_app(Settings.from_env({"EMALL_VAR_DIR": str(tmp_path), "EMALL_SANDBOX": "0"}), db)
    invoice = buy(db, shop)
    before = state(db)
    body = push_body(mutation("BCA1", invoice.amount_due, 7))
    answer = push(app, body)
    assert (answer.status, json.loads(answer.body)) == (404, {"error": "UNKNOWN_HOOK"})
    assert state(db) == before


def test_pushes_and_statement_readings_of_the_same_mutations_at_once_pay_each_invoice_once(db, shop, app):
    invoices = [buy(db, shop, i % 3, 1 + i % 3) for i in range(6)]
    bank = FakeBank()
    credits = [bank.credit(invoice.amount_due, NOW + timedelta(minutes=1 + index), f"BCA{index:08d}")
               for index, invoice in enumerate(invoices)]
    body = push_body(*(mutation(c.mutation_id, c.amount, 1 + i) for i, c in enumerate(credits)))

    def attempt(i: int):
        if i % 2:  # half push, half read the statement
            return push(app, body).status
        return payments.record_mutations(db, "bca", ACCOUNT, bank.mutations, RECEIVED, RECONCILE).recorded

    outcomes = at_once(4, attempt)
    assert [o for i, o in enumerate(outcomes) if i % 2] == [200, 200], outcomes
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert count(db, BankMutation) == 6 and count(db, Invoice, Invoice.status == "PAID") == 6
    assert count(db, BankMutation, BankMutation.match_status == "PAID") == 6


def test_a_pushed_account_is_read_first_then_only_once_the_fallback_interval_has_passed(db, shop):
    invoice = buy(db, shop)
    bank = FakeBank()
    policy = ReconcilePolicy(pushed=frozenset({("bca", ACCOUNT)}), push_fallback=timedelta(hours=1))
    utc = timezone.utc
    first = reconcile(db, {"bca": bank}, NOW + timedelta(minutes=1), policy)  # never read: read now
    assert (first.accounts, first.left_to_push) == (1, 0)
    for minutes in (2, 30, 60):  # pushes bring the mutations meanwhile
        report = reconcile(db, {"bca": bank}, NOW + timedelta(minutes=minutes), policy)
        assert (report.accounts, report.left_to_push) == (0, 1)
    # a push that never came: the fallback reading, once due, reads all that was missed
    bank.credit(invoice.amount_due, NOW + timedelta(minutes=20))
    fallback = reconcile(db, {"bca": bank}, NOW + timedelta(minutes=61), policy)
    assert fallback.outcome.paid == [invoice.number]
    # from a little before where the last reading ended (here: the invoice's issue, later than that)
    assert bank.windows[-1][1:] == (NOW.replace(tzinfo=utc), (NOW + timedelta(minutes=61)).replace(tzinfo=utc))
    # an account not pushed is read each round as before
    assert reconcile(db, {"bca": bank}, NOW + timedelta(minutes=62), RECONCILE).accounts == 1


def test_a_push_that_pays_does_not_put_off_the_fallback_reading(db, shop, app):
    invoice, other = buy(db, shop, 0), buy(db, shop, 1, quantity=2)
    bank = FakeBank()
    policy = ReconcilePolicy(pushed=frozenset({("bca", ACCOUNT)}), push_fallback=timedelta(minutes=30))
    reconcile(db, {"bca": bank}, NOW + timedelta(minutes=1), policy)
    assert push(app, push_body(mutation("BCA1", invoice.amount_due, 5))).status == 200  # at RECEIVED, NOW + 1 h
    bank.credit(other.amount_due, NOW + timedelta(minutes=10))  # its push was lost
    assert reconcile(db, {"bca": bank}, NOW + timedelta(minutes=31), policy).outcome.paid == [other.number]


def test_a_busy_database_answers_503_so_the_service_retries_and_a_failure_of_ours_500(db, shop, app, monkeypatch):
    invoice = buy(db, shop)
    body = push_body(mutation("BCA1", invoice.amount_due, 7))
    before = state(db)
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5  # SQLITE_BUSY, as the driver sets it
    monkeypatch.setattr(hook, "record_mutations", lambda *_args: (_ for _ in ()).throw(
        OperationalError("INSERT ...", {}, locked)))
    answer = push(app, body)
    assert (answer.status, json.loads(answer.body), answer.headers["Retry-After"]) == (
        503, {"error": "DATABASE_UNAVAILABLE"}, "5")
    monkeypatch.setattr(hook, "record_mutations", lambda *_args: 1 / 0)
    answer = push(app, body)
    assert (answer.status, json.loads(answer.body)) == (500, {"error": "INTERNAL"})
    assert state(db) == before
    monkeypatch.undo()
    assert json.loads(push(app, body).body) == {"received": 1, "recorded": 1}  # the service's retry
