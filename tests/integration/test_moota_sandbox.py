"""The mutation service sandbox (sandbox/moota.py), in-process over its own SQLite database, pushing to a
webhook served by this test over real HTTP: a mutation posted by the bank sandbox on a registered account
is pushed after its transaction commits, signed, with the bank's own mutation id, without the transfer
waiting; a failed delivery is retried, a refused one not; deliveries can be re-sent and replayed; the
sandbox-only endpoints answer loopback callers only."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree
from sqlalchemy import func, select

from emall_ws.hooks.signature import signature
from emall_ws.sandbox import moota_push
from emall_ws.sandbox.contracts import BANK_NS
from emall_ws.sandbox.moota_store import MootaAccount, MootaDelivery, MootaWebhook
from emall_ws.sandbox.server import create_sandbox_app
from tests.waiting import eventually
from tests.wsgi_client import call, envelope

SECRET = "rahasia-bersama-moota-0123"
ACCOUNT = "0123456789"


class Webhook:
    """An HTTP server recording each push; answers `statuses` in turn (then 200), once `gate` is open."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.statuses: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.gate.wait(10)
                hook.received.append((dict(self.headers), body))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/mutations/moota"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def sandbox(tmp_path):
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}")
    yield app
    app.db.dispose()


def json_call(app, method: str, path: str, document=None, remote_addr: str = "127.0.0.1", query: str = ""):
    answer = call(app, method, "/partners/moota" + path, json.dumps(document).encode() if document is not None else b"",
                  content_type="application/json", remote_addr=remote_addr, query=query)
    return answer.status, json.loads(answer.body)


def ready(app, webhook: Webhook, account: str = ACCOUNT) -> None:
    """The account opened at the bank, registered with the service, and the webhook set."""
    opened = call(app, "POST", "/partners/bank/bca", envelope("openAccount", BANK_NS, {
        "accountNumber": account, "holderName": "Koperasi Maju", "openingBalance": "0"}))
    assert opened.status == 200, opened.body
    assert json_call(app, "POST", "/accounts", {"bank": "bca", "accountNumber": account})[0] == 201
    assert json_call(app, "PUT", "/webhook", {"url": webhook.url, "secret": SECRET})[0] == 200


def transfer(app, amount: int = 150_123, account: str = ACCOUNT) -> str:
    """The new mutation's id, as the bank answers it."""
    answer = call(app, "POST", "/partners/bank/bca", envelope("transfer", BANK_NS, {
        "toAccount": account, "amount": str(amount), "description": "INV/20261207/000001", "fromName": "BUDI"}))
    assert answer.status == 200, answer.body
    return etree.fromstring(answer.body).findtext(".//{*}mutationId")


def deliveries(app) -> list[dict]:
    return json_call(app, "GET", "/deliveries")[1]["deliveries"]


def settled(app, count: int = 1) -> list[dict]:
    return eventually(lambda: len(found := [d for d in deliveries(app)
                                            if d["status"] not in ("PENDING", "RETRYING")]) >= count
                      and found, f"{count} deliveries settled: {deliveries(app)}", timeout=15)


def test_a_transfer_to_a_registered_account_is_pushed_signed_with_the_banks_mutation_id(sandbox, webhook):
    ready(sandbox, webhook)
    mutation_id = transfer(sandbox)
    [delivery] = settled(sandbox)
    assert (delivery["status"], delivery["attempts"], delivery["lastStatus"], delivery["mutationIds"]) == (
        "DELIVERED", 1, 200, [mutation_id])
    [(headers, body)] = webhook.received
    timestamp = headers["X-Emall-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert headers["X-Emall-Signature"] == signature(SECRET, timestamp, body)
    assert headers["Content-Type"] == "application/json"
    document = json.loads(body)
    assert document["account"] == {"bank": "bca", "accountNumber": ACCOUNT}
    [pushed] = document["mutations"]
    assert (pushed["mutationId"], pushed["type"], pushed["amount"], pushed["balance"]) == (
        mutation_id, "CR", 150_123, 150_123)
    assert pushed["postedAt"].endswith("+07:00") and "INV/20261207/000001" in pushed["description"]
    # the service's own view of the account lists the same mutation, as the bank numbers it
    status, listed = json_call(sandbox, "GET", f"/accounts/bca/{ACCOUNT}/mutations")
    assert status == 200 and listed["mutations"] == document["mutations"]


def test_a_transfer_to_an_account_not_registered_is_pushed_nowhere(sandbox, webhook):
    ready(sandbox, webhook)
    call(sandbox, "POST", "/partners/bank/bca", envelope("openAccount", BANK_NS, {
        "accountNumber": "9876543210", "holderName": "Toko Lain", "openingBalance": "5000"}))
    transfer(sandbox, account="9876543210")
    time.sleep(0.3)
    assert deliveries(sandbox) == [] and webhook.received == []
    assert json_call(sandbox, "GET", "/accounts/bca/9876543210/mutations")[0] == 404


def test_the_transfer_does_not_wait_for_the_webhook(sandbox, webhook):
    ready(sandbox, webhook)
    webhook.gate.clear()  # the platform takes its time: the push waits, the transfer does not
    transfer(sandbox)
    [delivery] = deliveries(sandbox)
    assert delivery["status"] == "PENDING" and webhook.received == []
    webhook.gate.set()
    assert settled(sandbox)[0]["status"] == "DELIVERED"


def test_a_failed_delivery_is_retried_with_backoff_and_a_refused_one_is_not(sandbox, webhook, monkeypatch):
    monkeypatch.setattr(moota_push, "RETRY_DELAYS", (0.05, 0.1, 0.2))
    ready(sandbox, webhook)
    webhook.statuses = [503, 500]
    transfer(sandbox)
    [delivery] = settled(sandbox)
    assert (delivery["status"], delivery["attempts"], delivery["lastStatus"]) == ("DELIVERED", 3, 200)
    assert len({body for _, body in webhook.received}) == 1  # the same push each time
    webhook.statuses = [401]
    transfer(sandbox, 10_000)
    delivery = settled(sandbox, 2)[0]
    time.sleep(0.5)  # no retry comes
    assert (delivery["status"], delivery["attempts"], delivery["lastStatus"]) == ("FAILED", 1, 401)
    assert len(webhook.received) == 4


def test_a_webhook_that_never_answers_gives_up_after_four_tries(sandbox, webhook, monkeypatch):
    monkeypatch.setattr(moota_push, "RETRY_DELAYS", (0.05, 0.05, 0.05))
    ready(sandbox, webhook)
    json_call(sandbox, "PUT", "/webhook", {"url": "http://127.0.0.1:9/nobody", "secret": SECRET})
    transfer(sandbox)
    delivery = eventually(lambda: (d := deliveries(sandbox)[0])["attempts"] == 4 and d, "four tries", timeout=15)
    assert (delivery["status"], delivery["lastStatus"]) == ("FAILED", 0)


def test_a_delivery_is_replayed_byte_for_byte_or_re_sent_signed_anew(sandbox, webhook):
    ready(sandbox, webhook)
    transfer(sandbox)
    [delivery] = settled(sandbox)
    status, replayed = json_call(sandbox, "POST", f"/deliveries/{delivery['id']}/replay")
    assert (status, replayed["httpStatus"], replayed["delivery"]["attempts"]) == (200, 200, 2)
    (first_headers, first_body), (again_headers, again_body) = webhook.received
    assert again_body == first_body
    for name in ("X-Emall-Timestamp", "X-Emall-Signature"):
        assert again_headers[name] == first_headers[name]
    status, resent = json_call(sandbox, "POST", f"/deliveries/{delivery['id']}/resend")
    assert (status, resent["httpStatus"]) == (200, 200)
    headers, body = webhook.received[-1]
    assert body == first_body and headers["X-Emall-Signature"] == signature(SECRET, headers["X-Emall-Timestamp"], body)
    assert json_call(sandbox, "POST", "/deliveries/999/replay")[0] == 404


def test_without_a_webhook_a_delivery_waits_and_is_re_sent_once_one_is_set(sandbox, webhook):
    call(sandbox, "POST", "/partners/bank/bca", envelope("openAccount", BANK_NS, {
        "accountNumber": ACCOUNT, "holderName": "Koperasi Maju", "openingBalance": "0"}))
    json_call(sandbox, "POST", "/accounts", {"bank": "bca", "accountNumber": ACCOUNT})
    transfer(sandbox)
    [delivery] = settled(sandbox)
    assert (delivery["status"], delivery["attempts"]) == ("NO_WEBHOOK", 0)
    json_call(sandbox, "PUT", "/webhook", {"url": webhook.url, "secret": SECRET})
    assert json_call(sandbox, "POST", f"/deliveries/{delivery['id']}/resend")[1]["delivery"]["status"] == "DELIVERED"


def test_registering_is_idempotent_and_checked_and_listed(sandbox):
    assert json_call(sandbox, "POST", "/accounts", {"bank": "BCA", "accountNumber": ACCOUNT})[0] == 201
    assert json_call(sandbox, "POST", "/accounts", {"bank": "bca", "accountNumber": ACCOUNT})[0] == 200
    assert json_call(sandbox, "GET", f"/accounts/bca/{ACCOUNT}/mutations") == (
        200, {"account": {"bank": "bca", "accountNumber": ACCOUNT}, "mutations": []})  # not opened yet
    for document, code in (({"bank": "bcx", "accountNumber": ACCOUNT}, "UNKNOWN_BANK"),
                           ({"bank": "bca", "accountNumber": "12"}, "INVALID_ACCOUNT_NUMBER"),
                           ({}, "UNKNOWN_BANK")):
        assert json_call(sandbox, "POST", "/accounts", document) == (400, pytest.approx({
            "error": code, "message": json_call(sandbox, "POST", "/accounts", document)[1]["message"]}))
    assert json_call(sandbox, "GET", "/accounts")[1]["accounts"][0]["accountNumber"] == ACCOUNT
    answer = call(sandbox, "POST", "/partners/moota/accounts", b"{not json", content_type="application/json")
    assert answer.status == 400 and json.loads(answer.body)["error"] == "INVALID_JSON"
    assert json_call(sandbox, "GET", "/nothing")[0] == 404


def test_the_webhook_is_shown_without_its_secret_and_checked(sandbox, webhook):
    assert json_call(sandbox, "GET", "/webhook") == (200, {"url": None, "secretSet": False})
    json_call(sandbox, "PUT", "/webhook", {"url": webhook.url, "secret": SECRET})
    status, shown = json_call(sandbox, "GET", "/webhook")
    assert (status, shown) == (200, {"url": webhook.url, "secretSet": True}) and SECRET not in json.dumps(shown)
    for document in ({"url": "ftp://x", "secret": SECRET}, {"url": webhook.url, "secret": "pendek"}, {}):
        status, refused = json_call(sandbox, "PUT", "/webhook", document)
        assert (status, refused["error"]) == (400, "INVALID_WEBHOOK") and "pendek" not in refused["message"]
    assert json_call(sandbox, "GET", "/webhook")[1]["url"] == webhook.url


def test_the_sandbox_only_endpoints_answer_loopback_callers_only_and_change_nothing(sandbox, webhook):
    ready(sandbox, webhook)
    transfer(sandbox)
    [delivery] = settled(sandbox)
    outsider = "203.0.113.9"
    for method, path, document in (("POST", "/accounts", {"bank": "bca", "accountNumber": "9876543210"}),
                                   ("PUT", "/webhook", {"url": "http://203.0.113.9/steal", "secret": SECRET}),
                                   ("POST", f"/deliveries/{delivery['id']}/replay", None),
                                   ("POST", f"/deliveries/{delivery['id']}/resend", None)):
        assert json_call(sandbox, method, path, document, remote_addr=outsider) == (403, {
            "error": "SANDBOX_LOOPBACK_ONLY", "message": "sandbox-only: callers on this machine only"})
    with sandbox.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(MootaAccount)) == 1
        assert session.get_one(MootaWebhook, 1).url == webhook.url
        assert session.get_one(MootaDelivery, delivery["id"]).attempts == 1
    assert len(webhook.received) == 1
    # what anyone may read: the accounts, the deliveries and an account's mutations
    assert json_call(sandbox, "GET", "/deliveries", remote_addr=outsider)[0] == 200
