"""Events over SOAP: an integrator follows everything that happens to its invoices and orders without
polling any of them. The change feed (listChanges) tells the buyer and the seller each step of an order,
issued to completed, in order, each once, read a page at a time with the cursor; a bad, foreign or expired
cursor is a clear fault. A subscriber's endpoint (the sandbox's callback receiver) is POSTed each event, signed,
in the feed's order; one that fails is retried and nothing is lost; the delivery log tells what happened."""
from __future__ import annotations

import base64
import json
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from zeep.helpers import serialize_object

from tests.e2e.catalog import new_member
from tests.e2e.payments import check_out_one
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors, unique
from tests.e2e.test_order_complaints_soap import shipped
from tests.e2e.test_order_refunds_soap import OrderShop, new_order_shop, paid_order
from tests.feed_following import Page, follow_while
from tests.races import at_once
from tests.waiting import eventually


@pytest.fixture(scope="module")
def shop(server, mailbox) -> OrderShop:
    return new_order_shop(server, mailbox)


def read_feed(server, member, cursor=None, limit=None) -> tuple[list, str]:
    """Every event after `cursor`, page by page (`limit` each): (the events, the cursor after them)."""
    events, auth = member.service(server, "Events")
    found = []
    while True:
        page = events.listChanges(cursor=cursor, limit=limit, **auth)
        found += list(page.changes.Change) if page.changes else []
        assert page.cursor
        cursor = page.cursor
        if not page.hasMore:
            return found, cursor


def test_the_buyer_and_the_seller_follow_an_order_from_its_invoice_to_its_completion(server, shop):
    _, start = read_feed(server, shop.buyer)
    _, seller_start = read_feed(server, shop.seller)
    number, amount = shipped(server, shop, delivered=True)
    shipping, auth = shop.buyer.service(server, "Shipping")
    assert shipping.confirmReceived(orderNumber=number, **auth) == "COMPLETED"

    changes, after = read_feed(server, shop.buyer, start, limit=2)  # pages of two: the cursor joins them
    steps = [(c.type, c.status) for c in changes if c.type != "shipment.tracking_updated"]
    assert steps == [("order.created", "AWAITING_PAYMENT"), ("invoice.issued", "UNPAID"), ("invoice.paid", "PAID"),
                     ("order.paid", "PAID"), ("order.shipped", "SHIPPED"), ("order.delivered", "DELIVERED"),
                     ("order.completed", "COMPLETED")]
    tracking = [c.status for c in changes if c.type == "shipment.tracking_updated"]
    assert tracking and tracking[-1] == "Delivered"
    ids = [c.eventId for c in changes]
    assert ids == sorted(set(ids))  # in order, each once
    assert {c.orderNumber for c in changes} == {number}
    invoice = next(c.invoiceNumber for c in changes if c.type == "invoice.paid")
    checkout, auth = shop.buyer.service(server, "Checkout")
    assert checkout.getInvoice(invoiceNumber=invoice, **auth).amountDue == amount  # the numbers fetch the object
    delivered = next(c for c in changes if c.type == "shipment.tracking_updated" and c.status == "Delivered")
    assert (delivered.courier, bool(delivered.waybill)) == ("jne", True)

    seller_changes, _ = read_feed(server, shop.seller, seller_start, limit=500)
    assert [c.type for c in seller_changes] == [c.type for c in changes]  # the seller is told the same steps
    assert not set(ids) & {c.eventId for c in seller_changes}  # as events of its own feed

    again, still = read_feed(server, shop.buyer, after)  # nothing new: nothing repeated
    assert again == [] and still


def test_a_bad_a_foreign_or_an_expired_cursor_is_refused(server, shop):
    events, auth = shop.buyer.service(server, "Events")
    fault = fault_of(events.listChanges, cursor="not-a-cursor", limit=None, **auth)
    assert (fault_code(fault), field_errors(fault)["cursor"][0]) == ("Client.Validation", "CURSOR_INVALID")

    theirs, seller_auth = shop.seller.service(server, "Events")
    seller_cursor = theirs.listChanges(cursor=None, limit=1, **seller_auth).cursor
    fault = fault_of(events.listChanges, cursor=seller_cursor, limit=None, **auth)
    assert field_errors(fault)["cursor"][0] == "CURSOR_INVALID"

    mine = events.listChanges(cursor=None, limit=1, **auth).cursor
    member, seq, issued = base64.urlsafe_b64decode(mine).decode().split(":")
    old = base64.urlsafe_b64encode(f"{member}:{seq}:{int(issued) - 31 * 86400}".encode()).decode()
    fault = fault_of(events.listChanges, cursor=old, limit=None, **auth)
    assert field_errors(fault)["cursor"][0] == "CURSOR_EXPIRED"

    fault = fault_of(events.listChanges, cursor=None, limit=0, **auth)
    assert field_errors(fault)["limit"][0] == "MIN_VALUE"
    fault = fault_of(events.listChanges, cursor=None, limit=None)  # no credentials
    assert (fault_code(fault), detail_code(fault)) == ("Client.Authentication", "AUTHENTICATION_REQUIRED")


def test_a_feed_read_while_buyers_check_out_and_pay_through_both_server_processes_misses_nothing(
        server, mailbox, shop):
    """Six buyers check out and pay at once, twice each, through the server's two processes, while the seller's
    integrator follows its feed: what it read along the way is the whole feed read afterwards, in order."""
    buyers = [new_member(server, mailbox) for _ in range(6)]
    _, start = read_feed(server, shop.seller)
    events, auth = shop.seller.service(server, "Events")

    def read_page(cursor: str | None) -> Page:
        page = events.listChanges(cursor=cursor, limit=5, **auth)
        return Page([change.eventId for change in (page.changes.Change if page.changes else [])], page.cursor,
                    page.hasMore)

    def buy_twice(i: int) -> list[str]:
        return [paid_order(server, buyers[i], shop.product)[0] for _ in range(2)]

    outcomes, followed = follow_while(lambda: at_once(len(buyers), buy_twice), read_page, start)
    numbers = {number for outcome in outcomes for number in outcome}  # an exception would fail here
    whole, _ = read_feed(server, shop.seller, start, limit=500)
    assert len(numbers) == 12 and {c.orderNumber for c in whole} == numbers
    assert len(whole) == 12 * 4  # order created, invoice issued, invoice paid, order paid
    assert followed == [c.eventId for c in whole]


# --- callbacks: the worker POSTs each event to the subscriber, signed; the sandbox's receiver records them ---

def inbox(server, name: str, secret: str | None = None) -> list[dict]:
    query = f"?{urlencode({'secret': secret})}" if secret else ""
    with urlopen(f"{server.sandbox_url}/partners/callbacks/{name}{query}", timeout=10) as answer:
        return json.loads(answer.read())["received"]


def behave(server, name: str, **behaviour) -> None:
    request = Request(f"{server.sandbox_url}/partners/callbacks/{name}/behaviour", method="PUT",
                      data=json.dumps(behaviour).encode(), headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=10):
        pass


def test_a_subscriber_is_told_each_step_of_an_order_signed_in_order_and_reads_the_delivery_log(server, shop):
    events, auth = shop.buyer.service(server, "Events")
    name = unique("pembeli")
    new = events.subscribe(url=f"{server.sandbox_url}/partners/callbacks/{name}", types=["*"], **auth)
    assert new.secret.startswith("whsec_") and new.subscription.status == "ACTIVE"
    subscription = new.subscription.subscriptionId
    [listed] = [s for s in events.listSubscriptions(**auth) if s.subscriptionId == subscription]
    assert "secret" not in serialize_object(listed, dict)  # shown once, never again
    number, _ = shipped(server, shop, delivered=True)

    def received() -> list[dict]:
        found = inbox(server, name, new.secret)
        return found if any(json.loads(r["body"])["type"] == "order.delivered" for r in found) else []

    deliveries = eventually(received, "the order's events delivered to the inbox", timeout=30)
    feed, _ = read_feed(server, shop.buyer, None, limit=500)
    mine = [c for c in feed if c.orderNumber == number]
    bodies = [json.loads(r["body"]) for r in deliveries]
    assert [b["id"] for b in bodies] == [c.eventId for c in mine][:len(bodies)]  # the feed's events, in its order
    assert [b["type"] for b in bodies][:4] == ["order.created", "invoice.issued", "invoice.paid", "order.paid"]
    assert all(r["signatureValid"] and r["answeredStatus"] == 200 for r in deliveries)
    assert [int(r["eventId"]) for r in deliveries] == [b["id"] for b in bodies]
    assert {r["subscription"] for r in deliveries} == {subscription}
    assert not any(r["signatureValid"] for r in inbox(server, name, "whsec_not-the-secret"))

    log = events.listDeliveries(subscriptionId=subscription, page=None, pageSize=None, **auth)
    delivered = [d for d in log.deliveries.Delivery if d.outcome == "DELIVERED"]
    assert log.total >= len(bodies) and [d.eventId for d in delivered][::-1][:len(bodies)] == [b["id"] for b in bodies]

    test = events.sendTestEvent(subscriptionId=subscription, **auth)
    assert (test.eventType, test.outcome, test.httpStatus, test.eventId) == ("test", "DELIVERED", 200, None)
    assert json.loads(inbox(server, name)[-1]["body"])["type"] == "test"


def test_a_failing_endpoint_is_retried_in_order_and_nothing_is_lost(server, shop):
    events, auth = shop.buyer.service(server, "Events")
    name = unique("gagal")
    behave(server, name, failTimes=2, failStatus=503)
    new = events.subscribe(url=f"{server.sandbox_url}/partners/callbacks/{name}", types=["invoice.issued"], **auth)
    invoice = check_out_one(server, shop.buyer, shop.product)
    records = eventually(lambda: [r for r in inbox(server, name) if r["answeredStatus"] == 200],
                         "the invoice.issued delivered after two failures", timeout=30)
    everything = inbox(server, name)
    assert [r["answeredStatus"] for r in everything] == [503, 503, 200]
    assert len({r["eventId"] for r in everything}) == 1  # the same event each time, none after it meanwhile
    assert json.loads(records[0]["body"])["invoiceNumber"] == invoice.invoiceNumber
    log = events.listDeliveries(subscriptionId=new.subscription.subscriptionId, page=1, pageSize=10, **auth)
    assert [(d.outcome, d.httpStatus, d.attempt) for d in log.deliveries.Delivery] == [
        ("DELIVERED", 200, 3), ("FAILED", 503, 2), ("FAILED", 503, 1)]


def test_subscription_faults_change_nothing(server, shop):
    events, auth = shop.seller.service(server, "Events")
    before = events.listSubscriptions(**auth) or []
    for url, types, field, code in (
            ("ftp://example.co.id/hook", ["*"], "url", "CALLBACK_URL_INVALID"),
            ("https://example.co.id/hook", ["order.teleported"], "types", "EVENT_TYPE_UNKNOWN"),
            ("https://example.co.id/hook", [], "types", "REQUIRED")):
        fault = fault_of(events.subscribe, url=url, types=types, **auth)
        assert (fault_code(fault), field_errors(fault)[field][0]) == ("Client.Validation", code)
    for operation in (events.unsubscribe, events.resumeSubscription, events.sendTestEvent):
        fault = fault_of(operation, subscriptionId="sub-0000", **auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "SUBSCRIPTION_NOT_FOUND")
    theirs, buyer_auth = shop.buyer.service(server, "Events")
    buyers = theirs.subscribe(url=f"{server.sandbox_url}/partners/callbacks/{unique('lain')}", types=["*"],
                              **buyer_auth).subscription
    fault = fault_of(events.unsubscribe, subscriptionId=buyers.subscriptionId, **auth)  # another member's
    assert detail_code(fault) == "SUBSCRIPTION_NOT_FOUND"
    assert (events.listSubscriptions(**auth) or []) == before
    assert buyers.subscriptionId in [s.subscriptionId for s in theirs.listSubscriptions(**buyer_auth)]
