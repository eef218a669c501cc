"""Callbacks in flight when the whole platform is killed (kill -9 of `serve`, its worker a child of it) are
all delivered after a restart on the same database: every event of the subscriber's feed, in the feed's
order, none lost; only the event in flight at the kill is received twice, both times with the same
X-Emall-Event-Id and body, every request signed with the subscription's secret.

The receiver is the sandboxes' callback inbox run as a process of its own (`emall-ws sandbox`, as a
subscriber's endpoint is another party's machine): it outlives the platform's kill and keeps what it was
sent. It records a request before its delay, so a slow inbox shows the POST in flight while the worker
still waits for the answer."""
from __future__ import annotations

import base64
import json
import os
import signal
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import select, update

from emall_ws.clock import utcnow
from emall_ws.db.models import EventSubscription
from emall_ws.db.session import Database
from emall_ws.serving.supervisor import STOP_SECONDS
from tests.builders import TEST_PASSWORD_HASH
from tests.e2e.payments import check_out_one
from tests.e2e.server import RunningServer
from tests.e2e.test_events_soap import behave, inbox, read_feed
from tests.e2e.test_order_refunds_soap import new_order_shop
from tests.e2e.test_serve_shutdown import Serve, _alive, listening
from tests.processes import free_port, running
from tests.waiting import eventually

# The inbox's answer while the platform is killed. Killed by SIGKILL, `serve` leaves its worker a SIGTERM,
# which asks for a clean stop: the worker goes on waiting for the POST in flight (and would send the next
# events) until its own group is SIGKILLed STOP_SECONDS later. Slower than that, the POST is still
# unanswered when the worker dies.
SLOW_MS = 10_000
assert SLOW_MS / 1000 > 2 * STOP_SECONDS


@contextmanager
def receiver(home: Path, port: int, platform_database_url: str, database_url: str) -> Iterator[str]:
    """`emall-ws sandbox` on `port`, apart from the platform (not killed with it): its URL."""
    home.mkdir()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_SANDBOX_PORT=str(port), EMALL_VAR_DIR=str(home / "var"),
               EMALL_SANDBOX_DATABASE_URL=database_url, EMALL_DATABASE_URL=platform_database_url)
    with running(["-m", "emall_ws.cli", "sandbox"], env, home, home / "sandbox.log", url):
        yield url


def subscription_row(database_url: str, subscription_id: str) -> EventSubscription:
    db = Database(database_url)
    try:
        with db.unit_of_work() as session:
            return session.scalars(select(EventSubscription)
                                   .where(EventSubscription.subscription_id == subscription_id)).one()
    finally:
        db.dispose()


def let_the_lease_run_out(database_url: str, subscription_id: str) -> None:
    """What the clock passing the dead worker's lease would do (CallbackPolicy: 3 times EMALL_CALLBACK_TIMEOUT,
    90 s here, renewed at each delivery): the subscription due now, for a worker to take over. Nothing else
    is changed."""
    db = Database(database_url)
    try:
        with db.unit_of_work() as session:
            session.execute(update(EventSubscription).where(EventSubscription.subscription_id == subscription_id)
                            .values(next_attempt_at=utcnow()))
    finally:
        db.dispose()


def kill_serve(serve: Serve) -> None:
    """kill -9 of `serve`; returns once every process of it (its worker too) has ended."""
    os.kill(serve.process.pid, signal.SIGKILL)
    serve.process.wait()
    eventually(lambda: not [pid for pid in serve.everything if _alive(pid)] and not listening(serve.port),
               lambda: f"every process of serve ended (left: {[p for p in serve.everything if _alive(p)]})",
               timeout=10)


def test_callbacks_in_flight_when_serve_is_killed_are_delivered_after_a_restart_in_order_none_lost(
        database_factory, mailbox, tmp_path):
    database_url = database_factory.new_url("callbacks_kill")
    port, sandbox_port, web_port = free_port(), free_port(), free_port()
    settings = dict(
        EMALL_DATABASE_URL=database_url, EMALL_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}",
        EMALL_SANDBOX="0",  # the receiver is the process started below, on EMALL_SANDBOX_PORT
        EMALL_PASSWORD_HASH=TEST_PASSWORD_HASH, EMALL_CLIENT_LIMIT_HOUR="100000", EMALL_DISPATCH_INTERVAL="0.2",
        EMALL_RETRY_BASE="1", EMALL_ALLOW_PRIVATE_CALLBACKS="1", EMALL_CALLBACK_INTERVAL="0.5",
        EMALL_CALLBACK_RETRY_BASE="1",
        EMALL_CALLBACK_TIMEOUT="30",  # the slow answer is an answer, not a timeout
        # each Serve has a var dir of its own; the restart must open the secret sealed before the kill
        EMALL_SECRET_KEY=base64.b64encode(os.urandom(32)).decode())
    with receiver(tmp_path / "receiver", sandbox_port, database_url,
                  database_factory.new_url("callbacks_kill_sandbox")) as sandbox_url:
        (tmp_path / "first").mkdir()
        first = Serve(tmp_path / "first", ports=(port, sandbox_port, web_port), **settings)
        again = None
        try:
            server = RunningServer(f"http://127.0.0.1:{port}", first.log_path, database_url, sandbox_url,
                                   f"http://127.0.0.1:{web_port}")
            shop = new_order_shop(server, mailbox)
            _, start = read_feed(server, shop.buyer)  # the subscription is told what happens from now on
            name = "integrator"
            behave(server, name, delayMs=SLOW_MS)
            events, auth = shop.buyer.service(server, "Events")
            new = events.subscribe(url=f"{sandbox_url}/partners/callbacks/{name}", types=["*"], **auth)
            subscription = new.subscription.subscriptionId
            for _ in range(2):  # order.created and invoice.issued each
                check_out_one(server, shop.buyer, shop.product)
            eventually(lambda: inbox(server, name), "the worker's first POST to the slow inbox", timeout=30)

            kill_serve(first)

            # In flight: received, but not recorded as delivered when the worker died (one at a time: one)
            before = inbox(server, name)
            killed = subscription_row(database_url, subscription)
            in_flight = [int(r["eventId"]) for r in before if int(r["eventId"]) > killed.delivered_seq]
            assert in_flight == [int(before[-1]["eventId"])], (before, killed.delivered_seq)
            # the dead worker's claim: a lease (90 s here) no other worker takes over before it ends
            assert (killed.next_attempt_at - utcnow()).total_seconds() > 30
            let_the_lease_run_out(database_url, subscription)

            behave(server, name)  # fast again: 200 at once
            (tmp_path / "again").mkdir()
            again = Serve(tmp_path / "again", ports=(port, sandbox_port, web_port), **settings)

            feed, _ = read_feed(server, shop.buyer, start)
            feed_ids = [change.eventId for change in feed]
            assert [change.type for change in feed] == ["order.created", "invoice.issued"] * 2
            eventually(lambda: subscription_row(database_url, subscription).delivered_seq == feed_ids[-1],
                       lambda: f"the restarted worker recording every event delivered "
                               f"({subscription_row(database_url, subscription).delivered_seq} of {feed_ids})",
                       timeout=30)

            received = inbox(server, name, new.secret)
            ids = [int(r["eventId"]) for r in received]
            assert all(r["answeredStatus"] == 200 and r["signatureValid"] and r["subscription"] == subscription
                       for r in received), received
            assert ids == [json.loads(r["body"])["id"] for r in received]  # the header names the body's event
            # the feed, in its order, none lost: the event in flight once more where the restart took over
            [repeated] = in_flight
            at = feed_ids.index(repeated)
            assert ids == feed_ids[:at + 1] + feed_ids[at:]
            assert Counter(ids)[repeated] == 2 and len(set(ids)) == len(feed_ids)
            assert len({r["body"] for r in received if int(r["eventId"]) == repeated}) == 1  # the same event
        finally:
            for serving in (first, again):
                if serving is not None:
                    serving.kill_all()
