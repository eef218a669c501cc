"""Pushed mutations end to end: `emall-ws serve` with EMALL_MOOTA_SECRET, its mutation service sandbox
told the platform's webhook, and a buyer's transfer at the bank sandbox paying the invoice through the
push alone (the worker reads statements only at its start here). Pushes that are not genuine, sent over
real HTTP through the server's front, are refused and change nothing."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
import zeep
from sqlalchemy import func, select

from emall_ws.db.models import BankMutation
from emall_ws.hooks.signature import signature
from tests.e2e.catalog import fixed_form, new_member, new_shop
from tests.e2e.payments import check_out_one
from tests.e2e.server import serving
from tests.waiting import eventually

SECRET = "rahasia-bersama-moota-e2e-0123"
WINDOW = 10  # EMALL_HOOK_TIMESTAMP_WINDOW here: seconds a push's timestamp may be off
ACCOUNT = "5500000001"  # the seller's payout account at BCA, pushed by the service


def http(method: str, url: str, document=None, body: bytes | None = None, headers=None) -> tuple[int, dict]:
    data = body if body is not None else (json.dumps(document).encode() if document is not None else None)
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(scope="module")
def pushed_server(database_factory, tmp_path_factory, mailbox):
    # the worker reads statements once, at its start (before any invoice): only a push can pay
    with serving(database_factory, tmp_path_factory.mktemp("pushed"), mailbox, "pushed",
                 EMALL_MOOTA_SECRET=SECRET, EMALL_PUSHED_ACCOUNTS=f"bca:{ACCOUNT}",
                 EMALL_RECONCILE_INTERVAL="3600", EMALL_HOOK_TIMESTAMP_WINDOW=str(WINDOW)) as running:
        moota = f"{running.sandbox_url}/partners/moota"
        assert http("PUT", f"{moota}/webhook", {"url": f"{running.url}/hooks/mutations/moota",
                                                 "secret": SECRET})[0] == 200
        yield running


def bank(server):
    return zeep.Client(f"{server.sandbox_url}/partners/bank/bca?wsdl").service


def mutations_recorded(server) -> int:
    with server.database() as db, db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(BankMutation))


def test_a_transfer_is_pushed_and_pays_its_invoice_once(pushed_server, mailbox):
    server = pushed_server
    moota = f"{server.sandbox_url}/partners/moota"
    bank(server).openAccount(accountNumber=ACCOUNT, holderName="Koperasi Maju Bersama", openingBalance=0)
    assert http("POST", f"{moota}/accounts", {"bank": "bca", "accountNumber": ACCOUNT})[0] == 201
    shop = new_shop(server)
    seller = new_member(server, mailbox, seller=True, accountNumber=ACCOUNT)
    catalog, auth = seller.service(server, "Catalog")
    product = catalog.sellProduct(form=fixed_form(shop.category, stock=10), **auth).productId
    buyer = new_member(server, mailbox)
    invoice = check_out_one(server, buyer, product)
    assert invoice.payeeAccount == ACCOUNT
    before = mutations_recorded(server)

    started = time.monotonic()
    mutation = bank(server).transfer(toAccount=ACCOUNT, amount=invoice.amountDue, description=invoice.invoiceNumber,
                                     fromName="Budi Santoso", postedAt=None)
    assert time.monotonic() - started < 5  # the transfer does not wait on the platform
    payment, auth = buyer.service(server, "Payment")
    status = eventually(lambda: (s := payment.getPaymentStatus(invoiceNumber=invoice.invoiceNumber, **auth))
                        .status == "PAID" and s, "the invoice paid by the push", timeout=30)
    assert status.mutation.mutationId == mutation.mutationId  # the bank's own id, pushed
    [delivery] = [d for d in http("GET", f"{moota}/deliveries?bank=bca&accountNumber={ACCOUNT}")[1]["deliveries"]
                  if d["mutationIds"] == [mutation.mutationId]]
    assert (delivery["status"], delivery["lastStatus"]) == ("DELIVERED", 200)
    assert mutations_recorded(server) == before + 1

    # replayed byte for byte inside the window, and re-sent signed anew: 200, nothing new
    for how in ("replay", "resend"):
        status_code, answer = http("POST", f"{moota}/deliveries/{delivery['id']}/{how}")
        assert (status_code, answer["httpStatus"]) == (200, 200)
    assert mutations_recorded(server) == before + 1
    # the same request replayed once its timestamp is out of the window: refused
    time.sleep(WINDOW + 1.5)
    status_code, answer = http("POST", f"{moota}/deliveries/{delivery['id']}/replay")
    assert (status_code, answer["httpStatus"], answer["delivery"]["status"]) == (200, 401, "DELIVERED")
    assert mutations_recorded(server) == before + 1
    assert payment.getPaymentStatus(invoiceNumber=invoice.invoiceNumber, **auth).mutation.mutationId == \
        mutation.mutationId


def test_pushes_that_are_not_genuine_are_refused_over_http_and_change_nothing(pushed_server):
    server = pushed_server
    hook = f"{server.url}/hooks/mutations/moota"
    body = json.dumps({"account": {"bank": "bca", "accountNumber": ACCOUNT}, "mutations": [
        {"mutationId": "BCAFORGED0001", "postedAt": "2026-12-07T10:00:00+07:00", "type": "CR", "amount": 999_999,
         "description": "forged", "balance": 999_999}]}).encode()
    now = str(int(time.time()))
    before = mutations_recorded(server)
    assert http("POST", hook, body=body) == (401, {"error": "NO_SIGNATURE"})
    wrong = {"X-Emall-Timestamp": now, "X-Emall-Signature": signature("bukan-rahasia-kita-0123", now, body)}
    assert http("POST", hook, body=body, headers=wrong) == (401, {"error": "BAD_SIGNATURE"})
    stale = str(int(time.time()) - 3600)
    old = {"X-Emall-Timestamp": stale, "X-Emall-Signature": signature(SECRET, stale, body)}
    assert http("POST", hook, body=body, headers=old) == (401, {"error": "STALE_TIMESTAMP"})
    good = {"X-Emall-Timestamp": now, "X-Emall-Signature": signature(SECRET, now, b"{")}
    assert http("POST", hook, body=b"{", headers=good)[1]["error"] == "INVALID_JSON"
    assert http("POST", f"{server.url}/hooks/mutations/xendit", body=body)[0] == 404
    huge = b" " * 300_000
    assert http("POST", hook, body=huge) == (413, {"error": "REQUEST_TOO_LARGE"})
    assert mutations_recorded(server) == before
    log = server.log()
    assert "mutation_push_refused" in log and SECRET not in log
