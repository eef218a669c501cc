"""The dispatcher sending SMS through the SMS gateway sandbox over real HTTP (ZeepSmsAdapter), in
each way the gateway fails: the message waits, PENDING with its error and a later attempt time,
and once the gateway is back it reaches the phone exactly once (the sandbox's listMessages)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.sms import ZeepSmsAdapter
from emall_ws.clock import utcnow
from emall_ws.notify.dispatcher import Dispatcher, DispatchStats
from emall_ws.notify.outbox import SMS
from emall_ws.notify.sms import SmsSender
from emall_ws.notify.sms_status import SmsStatusPoller
from tests.sandbox_server import IMPATIENT, PATIENT, free_port, partners, sandbox  # noqa: F401
from tests.sms import enqueue_activation, frozen, received, rows
from tests.waiting import eventually

pytestmark = pytest.mark.network
SLOW_MS = 1200  # how long the SLOW gateway takes: past IMPATIENT
RETRY = timedelta(minutes=1)  # the dispatcher's first backoff


def adapter(url: str, timeout: float = PATIENT) -> ZeepSmsAdapter:
    """timeout: seconds it waits for the gateway (IMPATIENT only where the send is to time out)."""
    return ZeepSmsAdapter(url, timeout=timeout, backoff=0.01)


# (failure mode, or CLOSED for nothing listening on the gateway's port; what the error says)
CLOSED = "CLOSED_PORT"
FAILURES = [("UNAVAILABLE", "503"), ("SLOW", "Timeout"), ("FAULT", "Server.Maintenance"),
            ("GARBAGE", "BadPartnerResponse"), (CLOSED, "ConnectionError")]


@pytest.mark.parametrize("mode, error", FAILURES, ids=[mode for mode, _ in FAILURES])
def test_while_the_gateway_fails_the_sms_waits_and_once_it_is_back_arrives_exactly_once(
        db, partners, mode, error):
    msisdn = enqueue_activation(db)
    if mode == CLOSED:
        sender = SmsSender(adapter(f"http://127.0.0.1:{free_port()}/partners/sms"))
    else:
        sender = SmsSender(adapter(partners.sms, IMPATIENT if mode == "SLOW" else PATIENT))
        partners.fail(partners.sms, mode, SLOW_MS)
    dispatcher = Dispatcher(db, {SMS: sender}, backoff_base=RETRY, monotonic=frozen)
    t0 = utcnow() + timedelta(seconds=1)
    try:
        assert dispatcher.run_once(t0) == DispatchStats(retried=1, claimed=1)
    finally:
        partners.fail(partners.sms, "NORMAL")
    [row] = rows(db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("PENDING", 1, t0 + RETRY)
    assert error in row.error, row.error
    assert dispatcher.run_once(t0 + RETRY / 2).claimed == 0  # not before its time
    if mode == "SLOW":
        eventually(lambda: received(partners, msisdn), "the gateway to finish the request the adapter gave up on")
    else:
        assert received(partners, msisdn) == []

    sender.adapter = adapter(partners.sms)  # the gateway is back (on its port, for CLOSED)
    assert dispatcher.run_once(t0 + RETRY).sent == 1
    assert dispatcher.run_once(t0 + timedelta(days=1)).claimed == 0

    [row] = rows(db)
    [message] = received(partners, msisdn)  # once, even where the first try reached the gateway
    assert (row.status, row.attempts, row.provider_id) == ("SENT", 2, message.messageId)
    assert message.reference == row.reference


def test_the_delivery_status_of_a_sent_sms_is_read_back_from_the_gateway(db, partners):
    enqueue_activation(db)
    gateway = adapter(partners.sms)
    assert Dispatcher(db, {SMS: SmsSender(gateway)}).run_once().sent == 1
    poller = SmsStatusPoller(db, gateway)
    poller.run_once()  # the sandbox answers ACCEPTED first, DELIVERED when asked again
    poller.run_once()
    [row] = rows(db)
    assert (row.status, row.delivery_status) == ("SENT", "DELIVERED")
