"""Callbacks against the test database (SQLite or MariaDB) and a real HTTP receiver on loopback: what a
subscription refuses, events sent signed and in the feed's order, retries with backoff, suspension and
resuming, a slow endpoint, a worker killed between a POST and its record, two workers at once."""
from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from emall_ws.clock import aware
from emall_ws.db.models import ChangeEvent, EventDelivery, EventSubscription, Notification
from emall_ws.domain.errors import Conflict, InvalidState, NotFound, ValidationFailed
from emall_ws.hooks.signature import refusal
from emall_ws.platform import Platform
from emall_ws.secret_box import SecretBox
from emall_ws.services import callback_delivery, callbacks
from emall_ws.services import callback_calls
from emall_ws.services.callback_calls import (NOT_LOOKED_UP_IN_TIME, TLS_NAME_HEADER, UNRESOLVED_IN_TIME, Deadline,
                                              address_errors, http_session, post)
from emall_ws.services.callback_delivery import CallbackPolicy
from tests.builders import NOW, add_member, order_for, signed_in
from tests.integration.checkout_fixtures import shop  # noqa: F401 (a fixture)
from tests.races import at_once

pytestmark = pytest.mark.network

BOX = SecretBox(base64.b64encode(bytes(range(32))).decode())
POLICY = CallbackPolicy(timeout=2.0, retry_base=timedelta(seconds=30), max_failures=3, allow_private=True)
PUBLIC = "https://93.184.216.34/hooks/emall"  # an address literal: accepted without asking any DNS


# --- a receiver -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> int:
        return int(self.headers["X-Emall-Event-Id"])

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """An HTTP endpoint on 127.0.0.1 (HTTPS with `tls`) recording every POST; it answers `fail_status` to
    the next `fail_times` requests and waits `delay` seconds before each answer."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self.fail_times, self.fail_status, self.delay = 0, 500, 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str = "/hooks/emall") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def ids(self, path: str | None = None) -> list[int]:
        return [request.event_id for request in self.received if path is None or request.path == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: Received) -> int:
        with self._lock:
            self.received.append(request)
            failing = self.fail_times > 0
            self.fail_times -= failing
        time.sleep(self.delay)
        return self.fail_status if failing else 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._answer(Received(self.path, dict(self.headers.items()), body))
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the platform stopped waiting (its timeout)
                    pass

            def log_message(self, *_args) -> None:
                pass

        return Handler


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


class Clock:
    """The worker's now, moved by the test."""

    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# --- helpers ----------------------------------------------------------------------------------------------

def subscribe(db, member, url, types=("*",), allow_private=True, now=NOW):
    with db.unit_of_work() as session:
        return callbacks.subscribe(session, member, url, list(types), now, BOX, allow_private, POLICY.timeout)


def subscription(db, subscription_id) -> EventSubscription:
    with db.unit_of_work() as session:
        row = session.scalars(select(EventSubscription).where(
            EventSubscription.subscription_id == subscription_id)).one()
        session.expunge(row)
        return row


def feed(db, member) -> list[tuple[int, str]]:
    with db.unit_of_work() as session:
        return list(session.execute(select(ChangeEvent.seq, ChangeEvent.type)
                                    .where(ChangeEvent.member_id == member.member_id).order_by(ChangeEvent.seq)))


def deliveries(db, member, subscription_id, page=None, page_size=None):
    with db.unit_of_work() as session:
        return callbacks.list_deliveries(session, member, subscription_id, page, page_size)


def count(db, model) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model))


def deliver(db, clock, policy=POLICY) -> int:
    return callback_delivery.deliver_due(db, clock, BOX, policy)


# --- subscribing ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, types, code", [
    ("http://10.0.0.5/hook", ["*"], "CALLBACK_URL_PRIVATE"),
    ("http://localhost:8080/hook", ["*"], "CALLBACK_URL_PRIVATE"),
    ("http://[::1]/hook", ["*"], "CALLBACK_URL_PRIVATE"),
    ("http://[::ffff:127.0.0.1]/hook", ["*"], "CALLBACK_URL_PRIVATE"),
    ("http://169.254.169.254/latest/meta-data", ["*"], "CALLBACK_URL_PRIVATE"),
    ("http://0.0.0.0/hook", ["*"], "CALLBACK_URL_PRIVATE"),
    ("ftp://93.184.216.34/hook", ["*"], "CALLBACK_URL_INVALID"),
    ("https://toko:rahasia@93.184.216.34/hook", ["*"], "CALLBACK_URL_INVALID"),
    ("https:///hook", ["*"], "CALLBACK_URL_INVALID"),
    ("https://93.184.216.34/ada spasi", ["*"], "CALLBACK_URL_INVALID"),
    ("   ", ["*"], "REQUIRED"),
    (PUBLIC + "/" + "a" * 500, ["*"], "TOO_LONG"),
    ("http://no-such-host.invalid/hook", ["*"], "CALLBACK_URL_UNRESOLVED"),
    (PUBLIC, ["invoice.paid", "order.teleported"], "EVENT_TYPE_UNKNOWN"),
    (PUBLIC, ["test"], "EVENT_TYPE_UNKNOWN"),
    (PUBLIC, [], "REQUIRED"),
    (PUBLIC, ["*", "invoice.paid"], "EVENT_TYPES_ALL_ALONE"),
])
def test_a_refused_subscription_names_its_fault_and_writes_nothing(db, url, types, code):
    buyer = add_member(db, "budi", "BUYER")
    with pytest.raises(ValidationFailed) as refused:
        subscribe(db, buyer, url, types, allow_private=False)
    assert [error.code for error in refused.value.errors] == [code]
    assert count(db, EventSubscription) == 0
    if code == "EVENT_TYPE_UNKNOWN":
        assert refused.value.errors[0].params["type"] in ("order.teleported", "test")


def test_a_public_address_is_accepted_and_a_private_one_only_when_allowed(db, receiver):
    buyer = add_member(db, "budi", "BUYER")
    assert subscribe(db, buyer, PUBLIC, allow_private=False).subscription.status == "ACTIVE"
    assert subscribe(db, buyer, receiver.url(), allow_private=True).subscription.url == receiver.url()


def test_the_secret_is_shown_once_sealed_at_rest_and_never_listed(db):
    buyer = add_member(db, "budi", "BUYER")
    created = subscribe(db, buyer, PUBLIC, ["order.shipped", "invoice.paid"])
    view = created.subscription
    assert created.secret.startswith("whsec_") and len(created.secret) > 40
    assert view.subscription_id.startswith("sub-") and view.types == ("invoice.paid", "order.shipped")
    assert (view.status, view.failures, view.last_outcome) == ("ACTIVE", 0, None)
    row = subscription(db, view.subscription_id)
    assert created.secret not in row.sealed_secret
    assert BOX.open(row.sealed_secret, view.subscription_id) == created.secret
    with db.unit_of_work() as session:
        listed = callbacks.list_subscriptions(session, buyer)
    assert listed == [view]
    assert not any("secret" in field.name for field in fields(listed[0]))


def test_the_same_url_twice_and_an_eleventh_subscription_are_conflicts(db):
    buyer = add_member(db, "budi", "BUYER")
    first = subscribe(db, buyer, PUBLIC)
    with pytest.raises(Conflict, match="SUBSCRIPTION_EXISTS"):
        subscribe(db, buyer, PUBLIC, ["invoice.paid"])
    for i in range(1, 10):
        subscribe(db, buyer, f"{PUBLIC}/{i}")
    with pytest.raises(Conflict, match="TOO_MANY_SUBSCRIPTIONS") as refused:
        subscribe(db, buyer, f"{PUBLIC}/11")
    assert refused.value.params == {"limit": 10} and count(db, EventSubscription) == 10
    subscribe(db, add_member(db, "ani", "BUYER"), PUBLIC)  # another member's are counted apart
    with db.unit_of_work() as session:  # an ended one is neither counted nor in the way of its URL
        callbacks.unsubscribe(session, buyer, first.subscription.subscription_id, NOW)
    assert subscribe(db, buyer, PUBLIC).subscription.url == PUBLIC


# --- delivering ---------------------------------------------------------------------------------------------

def test_a_checkout_is_delivered_in_the_feeds_order_signed_and_logged(db, shop, receiver):
    buyer = shop.buyer
    order_for(db, buyer, shop.kopi, "koperasi_semarang", paid=False)  # before subscribing: the feed's
    before = feed(db, buyer)
    created = subscribe(db, buyer, receiver.url())
    sub_id = created.subscription.subscription_id
    order_for(db, buyer, shop.teh, "koperasi_semarang")  # invoice.issued, order.created, then paid
    expected = [event for event in feed(db, buyer) if event not in before]
    assert {kind for _seq, kind in expected} == {"invoice.issued", "order.created", "invoice.paid", "order.paid"}
    clock = Clock()

    assert deliver(db, clock) == 4
    assert [(request.event_id, request.headers["X-Emall-Event-Type"]) for request in receiver.received] == expected
    for request in receiver.received:
        headers = request.headers
        assert refusal(created.secret, headers["X-Emall-Timestamp"], headers["X-Emall-Signature"], request.body,
                       aware(clock()).timestamp(), 300) is None
        assert headers["Content-Type"] == "application/json" and headers["User-Agent"] == "emall-ws-callbacks"
        assert headers["X-Emall-Subscription"] == sub_id
        body = request.json
        assert (body["id"], body["type"]) == (request.event_id, headers["X-Emall-Event-Type"])
        assert body["occurredAt"] == "2026-11-28T10:00:00+07:00" and body["orderNumber"].startswith("ORD/")
    assert refusal("whsec_another", receiver.received[0].headers["X-Emall-Timestamp"],
                   receiver.received[0].headers["X-Emall-Signature"], receiver.received[0].body,
                   aware(clock()).timestamp(), 300) == "BAD_SIGNATURE"

    log = deliveries(db, buyer, sub_id)
    assert log.total == 4 and (log.page, log.page_size) == (1, 50)
    assert [(d.event_id, d.event_type, d.outcome, d.attempt, d.http_status, d.error)
            for d in log.deliveries] == [(seq, kind, "DELIVERED", 1, 200, "") for seq, kind in reversed(expected)]
    row = subscription(db, sub_id)
    assert (row.delivered_seq, row.failures, row.next_attempt_at) == (expected[-1][0], 0, NOW)
    assert deliver(db, clock) == 0 and len(receiver.received) == 4  # nothing sent twice
    with db.unit_of_work() as session:
        [view] = callbacks.list_subscriptions(session, buyer)
    assert (view.last_outcome, view.last_delivery_at) == ("DELIVERED", NOW)


def test_a_subscription_is_sent_only_the_types_it_asked_for(db, shop, receiver):
    buyer = shop.buyer
    sub_id = subscribe(db, buyer, receiver.url(), ["invoice.paid"]).subscription.subscription_id
    order_for(db, buyer, shop.kopi, "koperasi_semarang")
    [paid] = [seq for seq, kind in feed(db, buyer) if kind == "invoice.paid"]
    assert deliver(db, Clock()) == 1
    assert [(r.event_id, r.headers["X-Emall-Event-Type"]) for r in receiver.received] == [(paid, "invoice.paid")]
    assert subscription(db, sub_id).delivered_seq == feed(db, buyer)[-1][0]  # passed the others over


def test_failures_are_retried_with_backoff_and_nothing_overtakes_the_failed_event(db, shop, receiver):
    buyer = shop.buyer
    sub_id = subscribe(db, buyer, receiver.url()).subscription.subscription_id
    order_for(db, buyer, shop.kopi, "koperasi_semarang", paid=False)
    first, second = [seq for seq, _kind in feed(db, buyer)]
    receiver.fail_times = 2
    clock = Clock()

    assert deliver(db, clock) == 0
    row = subscription(db, sub_id)
    assert (row.failures, row.next_attempt_at, row.delivered_seq) == (1, NOW + timedelta(seconds=30), first - 1)
    clock.advance(seconds=29)
    assert deliver(db, clock) == 0 and receiver.ids() == [first]  # not due yet
    clock.advance(seconds=1)
    assert deliver(db, clock) == 0
    row = subscription(db, sub_id)
    assert (row.failures, row.next_attempt_at) == (2, clock() + timedelta(seconds=60))  # doubled
    clock.advance(seconds=60)
    assert deliver(db, clock) == 2
    assert receiver.ids() == [first, first, first, second]
    assert [(d.event_id, d.attempt, d.outcome, d.http_status, d.error)
            for d in reversed(deliveries(db, buyer, sub_id).deliveries)] == [
        (first, 1, "FAILED", 500, "HTTP 500"), (first, 2, "FAILED", 500, "HTTP 500"),
        (first, 3, "DELIVERED", 200, ""), (second, 1, "DELIVERED", 200, "")]
    assert subscription(db, sub_id).failures == 0


def test_max_failures_suspend_and_email_the_member_and_resuming_delivers_what_waited(db, shop, receiver):
    buyer = shop.buyer
    sub_id = subscribe(db, buyer, receiver.url()).subscription.subscription_id
    order_for(db, buyer, shop.kopi, "koperasi_semarang", paid=False)
    receiver.fail_times = 3
    clock = Clock()
    for _ in range(3):
        deliver(db, clock)
        clock.advance(hours=1)
    row = subscription(db, sub_id)
    assert (row.status, row.failures, row.suspended_at) == ("SUSPENDED", 3, NOW + timedelta(hours=2))
    with db.unit_of_work() as session:
        [email] = session.scalars(select(Notification).where(Notification.template == "callbacks_suspended"))
        data = json.loads(email.data)
    assert (email.channel, email.recipient) == ("EMAIL", "budi@example.co.id")
    assert (data["subscription_id"], data["url"], data["failures"], data["last_error"]) == (
        sub_id, receiver.url(), 3, "HTTP 500")
    from emall_ws.notify.templates import render

    text = render("callbacks_suspended", data).text
    assert "Events.resumeSubscription" in text and sub_id in text and "HTTP 500" in text

    order_for(db, buyer, shop.teh, "koperasi_semarang")  # while suspended: kept, not sent
    assert deliver(db, clock) == 0 and len(receiver.received) == 3
    test = callbacks.send_test_event(db, buyer.member_id, sub_id, clock(), BOX, 2.0, True)  # checked first
    assert (test.event_id, test.event_type, test.outcome, test.http_status) == (None, "test", "DELIVERED", 200)
    assert receiver.received[-1].json == {"id": 0, "type": "test", "occurredAt": "2026-11-28T13:00:00+07:00",
                                          "subscription": sub_id}
    assert subscription(db, sub_id).failures == 3  # a test event changes nothing

    with db.unit_of_work() as session:
        resumed = callbacks.resume_subscription(session, buyer, sub_id, clock())
    assert (resumed.status, resumed.failures, resumed.suspended_at) == ("ACTIVE", 0, None)
    assert deliver(db, clock) == 6
    assert receiver.ids()[4:] == [seq for seq, _kind in feed(db, buyer)]  # all of them, in order
    with db.unit_of_work() as session, pytest.raises(InvalidState, match="SUBSCRIPTION_NOT_SUSPENDED"):
        callbacks.resume_subscription(session, buyer, sub_id, clock())


def test_an_endpoint_slower_than_the_timeout_fails_the_delivery(db, shop, receiver):
    buyer = shop.buyer
    sub_id = subscribe(db, buyer, receiver.url()).subscription.subscription_id
    order_for(db, buyer, shop.kopi, "koperasi_semarang", paid=False)
    receiver.delay = 1.0
    started = time.monotonic()
    assert deliver(db, Clock(), CallbackPolicy(timeout=0.3, allow_private=True)) == 0
    assert time.monotonic() - started < 0.9  # one attempt, given up after its timeout
    [failed] = deliveries(db, buyer, sub_id).deliveries
    assert (failed.outcome, failed.http_status, failed.error) == ("FAILED", None, "timeout")
    assert subscription(db, sub_id).failures == 1


def test_a_refused_connection_and_an_address_now_private_fail_the_attempt(db, shop, receiver):
    buyer = shop.buyer
    closed = Receiver()
    closed.stop()  # nobody listens there any more
    gone = subscribe(db, buyer, closed.url()).subscription.subscription_id
    private = subscribe(db, buyer, receiver.url()).subscription.subscription_id
    order_for(db, buyer, shop.kopi, "koperasi_semarang", paid=False)
    assert deliver(db, Clock(), CallbackPolicy(allow_private=False)) == 0
    assert deliveries(db, buyer, gone).deliveries[0].error == "CALLBACK_URL_PRIVATE"
    assert deliveries(db, buyer, private).deliveries[0].error == "CALLBACK_URL_PRIVATE"
    assert receiver.received == []
    clock = Clock(NOW + timedelta(hours=1))
    assert deliver(db, clock) == 2
    assert deliveries(db, buyer, gone).deliveries[0].error == "connection refused"
    with db.unit_of_work() as session:  # each one's own last attempt
        listed = callbacks.list_subscriptions(session, buyer)
    assert {view.subscription_id: view.last_outcome for view in listed} == {gone: "FAILED", private: "DELIVERED"}


def test_a_worker_killed_after_a_post_sends_that_event_again_and_loses_nothing(db, shop, receiver, monkeypatch):
    buyer = shop.buyer
    subscribe(db, buyer, receiver.url())
    order_for(db, buyer, shop.kopi, "koperasi_semarang")
    seqs = [seq for seq, _kind in feed(db, buyer)]
    record = callback_delivery.record_delivered
    calls = []

    def dies_at_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker was killed")
        return record(*args, **kwargs)

    monkeypatch.setattr(callback_delivery, "record_delivered", dies_at_the_second)
    clock = Clock()
    assert deliver(db, clock) == 0  # the round ended at its death, the first one's record committed
    assert receiver.ids() == seqs[:2]
    monkeypatch.setattr(callback_delivery, "record_delivered", record)
    assert deliver(db, clock) == 0  # its lease still holds the subscription
    clock.advance(seconds=POLICY.lease.total_seconds() + 1)
    assert deliver(db, clock) == 3
    assert receiver.ids() == [seqs[0], seqs[1], *seqs[1:]]  # the one in flight again, then the rest


def test_two_workers_at_once_deliver_each_event_once_in_order(db, shop, receiver):
    buyer, seller = shop.buyer, shop.semarang
    subscribe(db, buyer, receiver.url("/buyer"))
    subscribe(db, seller, receiver.url("/seller"))
    for product in (shop.kopi, shop.teh, shop.kopi):
        order_for(db, buyer, product, "koperasi_semarang")
    receiver.delay = 0.02  # the rounds overlap
    clock = Clock()
    outcomes = at_once(2, lambda _i: deliver(db, clock))
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    expected = {"/buyer": [seq for seq, _kind in feed(db, buyer)], "/seller": [seq for seq, _kind in feed(db, seller)]}
    assert sum(outcomes) == len(expected["/buyer"]) + len(expected["/seller"])
    assert {path: receiver.ids(path) for path in expected} == expected


def test_an_ended_subscription_is_sent_nothing_and_others_ids_are_not_found(db, shop, receiver):
    buyer, other = shop.buyer, shop.other
    sub_id = subscribe(db, buyer, receiver.url()).subscription.subscription_id
    with db.unit_of_work() as session:
        ended = callbacks.unsubscribe(session, buyer, sub_id, NOW)
        assert callbacks.list_subscriptions(session, buyer) == []
        assert callbacks.unsubscribe(session, buyer, sub_id, NOW + timedelta(hours=1)).ended_at == NOW  # again
    assert (ended.status, ended.ended_at) == ("ENDED", NOW)
    order_for(db, buyer, shop.kopi, "koperasi_semarang")
    assert deliver(db, Clock()) == 0 and receiver.received == []
    with pytest.raises(InvalidState, match="SUBSCRIPTION_ENDED"):
        callbacks.send_test_event(db, buyer.member_id, sub_id, NOW, BOX, 2.0, True)

    live = subscribe(db, buyer, receiver.url("/live")).subscription.subscription_id
    for attempt in (
            lambda session: callbacks.unsubscribe(session, other, live, NOW),
            lambda session: callbacks.resume_subscription(session, other, live, NOW),
            lambda session: callbacks.list_deliveries(session, other, live, None, None),
            lambda session: callbacks.unsubscribe(session, buyer, "sub-000000000000000000000000", NOW)):
        with db.unit_of_work() as session, pytest.raises(NotFound, match="SUBSCRIPTION_NOT_FOUND"):
            attempt(session)
    with pytest.raises(NotFound, match="SUBSCRIPTION_NOT_FOUND"):
        callbacks.send_test_event(db, other.member_id, live, NOW, BOX, 2.0, True)
    assert subscription(db, live).status == "ACTIVE" and receiver.received == []


def test_the_delivery_log_pages_newest_first_and_old_rows_are_forgotten(db, receiver):
    buyer = add_member(db, "budi", "BUYER")
    sub_id = subscribe(db, buyer, receiver.url()).subscription.subscription_id
    for days_ago in (40, 31, 2, 0):
        callbacks.send_test_event(db, buyer.member_id, sub_id, NOW - timedelta(days=days_ago), BOX, 2.0, True)
    page = deliveries(db, buyer, sub_id, page=2, page_size=1)
    assert (page.total, [d.attempted_at for d in page.deliveries]) == (4, [NOW - timedelta(days=2)])
    assert deliveries(db, buyer, sub_id, page=9).deliveries == []
    with pytest.raises(ValidationFailed) as refused:
        deliveries(db, buyer, sub_id, page=0, page_size=0)
    assert [(e.field, e.code) for e in refused.value.errors] == [("page", "MIN_VALUE"), ("pageSize", "MIN_VALUE")]
    assert deliveries(db, buyer, sub_id, page_size=1000).page_size == 200

    assert callback_delivery.forget_old_deliveries(db, NOW, timedelta(days=30)) == 2
    assert [d.attempted_at for d in deliveries(db, buyer, sub_id).deliveries] == [NOW, NOW - timedelta(days=2)]
    assert callback_delivery.forget_old(db, NOW + timedelta(days=29), timedelta(days=30)) == 1
    assert count(db, EventDelivery) == 1


# --- DNS that does not answer ---------------------------------------------------------------------------------

HOST = "hooks.toko.test"  # the receiver's name, answered by the test's resolver
TIMEOUT = 1.0  # EMALL_CALLBACK_TIMEOUT of the use cases below


class Resolver:
    """socket.getaddrinfo with HOST at 127.0.0.1, answered after `delay` seconds (or at `release`)."""

    def __init__(self, system) -> None:
        self.system, self.delay, self.release = system, 0.0, threading.Event()

    def __call__(self, host, port, *args, **kwargs):
        if host != HOST:
            return self.system(host, port, *args, **kwargs)
        if self.delay:
            self.release.wait(self.delay)
        return self.system("127.0.0.1", port, *args, **kwargs)

    def answer_the_hung(self) -> None:
        """The look-ups waiting answered and done (a caller meanwhile would wait on them), the next ones
        delayed again."""
        self.release.set()
        wait_for_the_look_ups()
        self.release = threading.Event()


def wait_for_the_look_ups(within: float = 5) -> None:
    """Until no look-up is in flight in callback_calls' resolvers."""
    deadline = time.monotonic() + within
    while callback_calls._IN_FLIGHT and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def dns(monkeypatch):
    resolver = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    yield resolver
    resolver.release.set()  # the resolver threads still waiting go back to their pool
    wait_for_the_look_ups()


@pytest.fixture
def platform(db, settings):
    return Platform(replace(settings, callback_timeout=TIMEOUT, allow_private_callbacks=True), db, clock=lambda: NOW)


def named(receiver: Receiver) -> str:
    return receiver.url().replace("127.0.0.1", HOST)


def test_a_subscription_whose_dns_hangs_is_refused_in_time_and_writes_nothing(platform, db, dns, receiver):
    credentials = signed_in(db, add_member(db, "budi", "BUYER"))
    dns.delay = 30
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as refused:
        platform.events.subscribe(credentials, named(receiver), ["*"])
    assert time.monotonic() - started < TIMEOUT + 1  # not the resolver's 30 s
    assert [(error.field, error.code) for error in refused.value.errors] == [("url", UNRESOLVED_IN_TIME)]
    assert count(db, EventSubscription) == 0

    dns.answer_the_hung()  # a new look-up: one of the name still hanging is waited on, not asked again
    dns.delay = 0
    assert platform.events.subscribe(credentials, named(receiver), ["*"]).subscription.url == named(receiver)


def test_a_test_event_whose_dns_hangs_fails_in_time_and_the_post_has_what_dns_left(platform, db, dns, receiver):
    credentials = signed_in(db, add_member(db, "budi", "BUYER"))
    sub_id = platform.events.subscribe(credentials, named(receiver), ["*"]).subscription.subscription_id
    assert platform.events.send_test_event(credentials, sub_id).outcome == "DELIVERED"

    dns.delay = 30
    started = time.monotonic()
    hung = platform.events.send_test_event(credentials, sub_id)
    assert time.monotonic() - started < TIMEOUT + 1
    assert (hung.outcome, hung.http_status, hung.error) == ("FAILED", None, UNRESOLVED_IN_TIME)

    dns.answer_the_hung()
    dns.delay, receiver.delay = 0.6, 0.6  # each within the timeout, not both: one deadline for the two
    started = time.monotonic()
    late = platform.events.send_test_event(credentials, sub_id)
    assert time.monotonic() - started < TIMEOUT + 0.5
    assert (late.outcome, late.error) == ("FAILED", "timeout")
    assert len(receiver.received) == 2  # the first one, and the one given up


def certificate_for(name: str, folder) -> tuple[str, str]:
    """A self-signed certificate for `name` and its key: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now().astimezone()
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.mark.parametrize("certified, error", [(HOST, ""), ("lain.toko.test", "TLS error: hostname")])
def test_over_https_the_address_checked_is_called_and_its_certificate_checked_against_the_name(
        dns, tmp_path, certified, error):
    cert_file, key_file = certificate_for(certified, tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    named_by_client: list[str] = []
    tls.sni_callback = lambda _socket, name, _context: named_by_client.append(name)
    receiver = Receiver(tls)
    try:
        with http_session() as http:
            http.verify = cert_file  # the test's certificate is the one trusted
            outcome = post(http, named(receiver).replace("http://", "https://"), {}, b"{}", TIMEOUT, True)
    finally:
        receiver.stop()
    assert named_by_client == [HOST]  # SNI names the host, not the address called
    assert outcome.error.startswith(error) and outcome.delivered == (not error)
    assert [request.headers["Host"].split(":")[0] for request in receiver.received] == ([HOST] if not error else [])


def test_a_host_header_or_private_header_given_to_an_address_in_the_url_does_not_choose_the_certificates_name(
        tmp_path):
    cert_file, key_file = certificate_for(HOST, tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    receiver = Receiver(tls)
    try:
        with http_session() as http:
            http.verify = cert_file
            outcome = post(http, receiver.url().replace("http://", "https://"),
                           {"Host": HOST, TLS_NAME_HEADER: HOST}, b"{}", TIMEOUT, True)
    finally:
        receiver.stop()
    assert "IP address mismatch" in outcome.error  # checked against 127.0.0.1, as written
    assert receiver.received == []


# --- the resolvers' threads, and a name's addresses -------------------------------------------------------------

class Names:
    """socket.getaddrinfo for *.toko.test: `addresses` answers each name (IPv4 literals); a name in `hanging`
    is answered only once `release` is set; it counts the look-ups each name had."""

    def __init__(self, system) -> None:
        self.system, self.release = system, threading.Event()
        self.addresses: dict[str, list[str]] = {}
        self.hanging: set[str] = set()
        self.asked: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, host, port, *args, **kwargs):
        if not host.endswith(".toko.test"):
            return self.system(host, port, *args, **kwargs)
        with self._lock:
            self.asked[host] = self.asked.get(host, 0) + 1
        if host in self.hanging:
            self.release.wait(30)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in self.addresses[host]]


@pytest.fixture
def names(monkeypatch):
    names = Names(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", names)
    yield names
    names.release.set()
    wait_for_the_look_ups()  # the hung ones done, for the next test


def hang(names: Names, hosts: list[str], within: float) -> list[threading.Thread]:
    """One caller a host, each waiting `within` seconds on its look-up, started (and the look-ups asked)."""
    callers = [threading.Thread(target=address_errors, args=(f"http://{host}/hook", True, Deadline.after(within)),
                                daemon=True) for host in hosts]
    for caller in callers:
        caller.start()
    started = time.monotonic()
    while len(callback_calls._IN_FLIGHT) < len(set(hosts)) and time.monotonic() - started < 2:
        time.sleep(0.01)
    return callers


def test_callers_for_a_name_whose_dns_hangs_share_one_thread_and_other_names_resolve_in_time(names, receiver):
    names.hanging, names.addresses["hang.toko.test"] = {"hang.toko.test"}, ["127.0.0.1"]
    names.addresses["good.toko.test"] = ["127.0.0.1"]
    callers = hang(names, ["hang.toko.test"] * 40, within=3)  # more callers than the pool has threads
    time.sleep(0.2)
    with http_session() as http:
        outcome = post(http, receiver.url().replace("127.0.0.1", "good.toko.test"), {}, b"{}", TIMEOUT, True)
    assert outcome.delivered
    assert names.asked["hang.toko.test"] == 1  # one look-up, however many waited on it
    names.release.set()
    for caller in callers:
        caller.join(5)


def test_a_look_up_that_never_got_a_thread_is_told_from_one_that_ran_too_long(names, receiver):
    hosts = [f"hang{number}.toko.test" for number in range(callback_calls.RESOLVERS._max_workers)]
    names.hanging = set(hosts)
    names.addresses.update({host: ["127.0.0.1"] for host in hosts + ["good.toko.test"]})
    callers = hang(names, hosts, within=3)  # every thread held
    with http_session() as http:
        queued = post(http, receiver.url().replace("127.0.0.1", "good.toko.test"), {}, b"{}", 0.3, True)
        assert (queued.http_status, queued.error) == (None, NOT_LOOKED_UP_IN_TIME)
        assert [error.code for error in address_errors("http://good.toko.test/hook", True, Deadline.after(0.3))] == [
            UNRESOLVED_IN_TIME]  # a subscription's fault code all the same
        ran = post(http, "http://hang0.toko.test/hook", {}, b"{}", 0.3, True)
        assert (ran.http_status, ran.error) == (None, UNRESOLVED_IN_TIME)
        assert "good.toko.test" not in names.asked  # the queued look-ups were cancelled, never run
        names.release.set()
        for caller in callers:
            caller.join(5)
        assert post(http, receiver.url().replace("127.0.0.1", "good.toko.test"), {}, b"{}", TIMEOUT, True).delivered


def test_a_name_whose_first_address_refuses_is_posted_to_its_next_and_an_http_answer_ends_it(names, receiver):
    names.addresses["two.toko.test"] = ["127.0.0.2", "127.0.0.1"]  # nothing listens at 127.0.0.2
    url = receiver.url().replace("127.0.0.1", "two.toko.test")
    with http_session() as http:
        assert post(http, url, {}, b"{}", TIMEOUT, True).delivered
        assert receiver.received[0].headers["Host"].split(":")[0] == "two.toko.test"
        names.addresses["two.toko.test"] = ["127.0.0.1", "127.0.0.2"]
        receiver.fail_times = 1
        failed = post(http, url, {}, b"{}", TIMEOUT, True)
    assert (failed.http_status, failed.error) == (500, "HTTP 500")  # not the next address's refusal
    assert len(receiver.received) == 2
    names.addresses["two.toko.test"] = ["127.0.0.2", "127.0.0.3"]
    with http_session() as http:
        assert post(http, url, {}, b"{}", TIMEOUT, True).error == "connection refused"  # the last one's
