"""Every way a partner fails ends in the right adapter exception; only safe reads are retried.

Each case warms the adapter's client up first (a normal call, which also fetches the WSDL),
then switches the sandbox path into a failure mode and counts on the sandbox side how many
requests for the operation arrived. Calls meant to be answered wait PATIENT seconds; only those
meant to time out (SLOW mode) give up after IMPATIENT.
"""
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest

from adapters.bank import ZeepBankAdapter
from adapters.base import CallPolicy, PartnerClient, forget_clients, partner_client
from adapters.breaker import forget_breakers
from adapters.courier import ZeepCourierAdapter
from adapters.dukcapil import ZeepDukcapilAdapter
from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.oss import ZeepOssAdapter
from adapters.sms import ZeepSmsAdapter
from tests.sandbox_server import IMPATIENT, PATIENT, free_port, partners, sandbox  # noqa: F401
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.network
RETRIES = 2
OPTIONS = dict(timeout=PATIENT, retries=RETRIES, backoff=0.01)
GIVING_UP = dict(OPTIONS, timeout=IMPATIENT)  # against SLOW mode only
SLOW_MS = 1500  # how long SLOW mode takes to answer: past IMPATIENT


@dataclass
class Case:
    name: str
    path: Callable  # partners -> the endpoint URL
    operation: str  # as the sandbox logs it
    safe: bool  # a read: retried
    call: Callable  # (partners, url, adapter options) -> the adapter's answer


_made: dict[tuple, str] = {}  # what the cases read, made once per sandbox (account, waybill, message)


def _once(partners, what: str, make: Callable[[], str]) -> str:
    key = (partners.url, what)
    if key not in _made:
        _made[key] = make()
    return _made[key]


def _new_account(partners) -> str:
    number = f"{uuid.uuid4().int % 10 ** 10:010d}"
    partners.driver(partners.bank("bca")).service.openAccount(number, "Koperasi", 1_000)
    return number


def _mutations(partners, url, options):
    now = datetime.now(timezone.utc)
    account = _once(partners, "account", lambda: _new_account(partners))
    return ZeepBankAdapter("bca", url, **options).get_mutations(account, now - timedelta(days=1), now)


def _tracking(partners, url, options):
    waybill = _once(partners, "waybill", lambda: partners.driver(url).service.registerShipment(
        None, "31.74", "32.73", "REG").waybill)
    return ZeepCourierAdapter("tiki", url, **options).track(waybill)


def _send(partners, url, options=OPTIONS):
    return ZeepSmsAdapter(url, **options).send("+6281200000001", "Halo", f"ref-{uuid.uuid4()}")


def _status(partners, url, options):
    message_id = _once(partners, "message", lambda: _send(partners, url))
    return ZeepSmsAdapter(url, **options).status(message_id)


def _inquiry(partners, url, options):
    account = _once(partners, "account", lambda: _new_account(partners))
    return ZeepBankAdapter("bca", url, **options).inquiry_account(account)


def _nik(partners, url, options):
    nik = _once(partners, "person", lambda: partners.driver(partners.dukcapil).service.addPerson(
        "3273050503850002", "Budi Santoso", "1985-03-05", False))
    return ZeepDukcapilAdapter(url, **options).verify_nik(nik, "Budi Santoso", date(1985, 3, 5))


def _nib(partners, url, options):
    nib = _once(partners, "business", lambda: partners.driver(partners.oss).service.addBusiness(
        "9120001234567", "Keripik Tempe Bu Siti", "3174015708900001", {"string": ["10794", "47911"]}).nib)
    return ZeepOssAdapter(url, **options).verify_nib(nib)


CASES = [
    Case("bank.get_mutations", lambda p: p.bank("bca"), "getMutations", True, _mutations),
    Case("bank.inquiry_account", lambda p: p.bank("bca"), "inquiryAccount", True, _inquiry),
    Case("dukcapil.verify_nik", lambda p: p.dukcapil, "verifyNik", True, _nik),
    Case("oss.verify_nib", lambda p: p.oss, "verifyNib", True, _nib),
    Case("courier.get_tariff", lambda p: p.courier("wahana"), "getTariff", True,
         lambda p, url, options: ZeepCourierAdapter("wahana", url, **options).get_tariff("31.74", "32.73", 1000)),
    Case("courier.track", lambda p: p.courier("tiki"), "track", True, _tracking),
    Case("sms.send", lambda p: p.sms, "sendSms", False, _send),
    Case("sms.status", lambda p: p.sms, "getStatus", True, _status),
]
IDS = [case.name for case in CASES]


def _attempts(case: Case) -> int:
    return 1 + RETRIES if case.safe else 1


@dataclass
class Outcome:
    answer: object
    error: Exception | None
    arrived: int  # requests for the operation the partner received
    seconds: float  # how long the call took, all its attempts


def _run(partners, case: Case, mode: str, delay_ms: int = 0, options: dict = OPTIONS) -> Outcome:
    url = case.path(partners)
    case.call(partners, url, OPTIONS)  # warm: the client exists, the WSDL is cached (GIVING_UP's client reads it there)
    partners.fail(url, mode, delay_ms)
    before = partners.calls(url, case.operation)
    answer, error = None, None
    started = time.monotonic()
    try:
        answer = case.call(partners, url, options)
    except Exception as raised:  # noqa: BLE001 (the test inspects it)
        error = raised
    finally:
        seconds = time.monotonic() - started
        partners.fail(url, "NORMAL")
    return Outcome(answer, error, partners.calls(url, case.operation) - before, seconds)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_unavailable_is_partner_unavailable_and_only_reads_are_retried(partners, case):
    outcome = _run(partners, case, "UNAVAILABLE")
    assert isinstance(outcome.error, PartnerUnavailable), outcome.error
    assert "503" in str(outcome.error)
    assert outcome.arrived == _attempts(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_too_slow_is_partner_unavailable_and_only_reads_are_retried(partners, case):
    outcome = _run(partners, case, "SLOW", delay_ms=SLOW_MS, options=GIVING_UP)
    assert isinstance(outcome.error, PartnerUnavailable), outcome.error  # waiting for the answer would succeed
    assert "Timeout" in str(outcome.error)
    assert outcome.arrived == _attempts(case)
    # it gave up after its attempts, each cut off at IMPATIENT (the backoffs add 0.03 s), instead of
    # going on; 1 s an attempt and 2 s the call are slack for a busy machine
    assert outcome.seconds < _attempts(case) * (IMPATIENT + 1) + 2


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_server_fault_is_partner_unavailable_and_only_reads_are_retried(partners, case):
    outcome = _run(partners, case, "FAULT")  # Server.Maintenance: the partner's own trouble
    assert isinstance(outcome.error, PartnerUnavailable), outcome.error
    assert "Server.Maintenance" in str(outcome.error)
    assert outcome.arrived == _attempts(case)


def test_a_client_fault_is_partner_rejected_and_not_retried(partners):
    before = partners.calls(partners.sms, "sendSms")
    with pytest.raises(PartnerRejected) as refused:  # the request is wrong: asking again cannot help
        ZeepSmsAdapter(partners.sms, **OPTIONS).send("081200000001", "Halo", f"ref-{uuid.uuid4()}")
    assert refused.value.code.startswith("Client.")
    assert partners.calls(partners.sms, "sendSms") - before == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_garbage_is_a_bad_partner_response_and_not_retried(partners, case):
    outcome = _run(partners, case, "GARBAGE")
    assert isinstance(outcome.error, BadPartnerResponse), outcome.error
    assert outcome.arrived == 1


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "sms.send"], ids=[i for i in IDS if i != "sms.send"])
def test_an_unexpected_field_is_tolerated(partners, case):
    url = case.path(partners)
    normal = case.call(partners, url, OPTIONS)
    outcome = _run(partners, case, "UNEXPECTED_FIELD")
    assert outcome.error is None, outcome.error
    if case.name == "sms.status":  # polling moves a message on: compare what stays
        assert (outcome.answer.message_id, outcome.answer.status) == (normal.message_id, "DELIVERED")
    else:
        assert outcome.answer == normal


def test_an_unexpected_field_in_a_send_is_tolerated(partners):
    [send] = [case for case in CASES if case.name == "sms.send"]
    outcome = _run(partners, send, "UNEXPECTED_FIELD")
    assert outcome.error is None and outcome.answer.startswith("SMS")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_closed_port_is_partner_unavailable(partners, case):
    url = case.path(partners).replace(partners.url, f"http://127.0.0.1:{free_port()}")
    forget_clients()  # nothing cached for that address either way
    with pytest.raises(PartnerUnavailable) as down:
        case.call(partners, url, OPTIONS)
    assert "ConnectionError" in str(down.value)


def test_a_partner_down_at_start_up_is_used_once_it_is_back(partners):
    url = partners.courier("pcp")
    adapter = ZeepCourierAdapter("pcp", url, **OPTIONS)
    forget_clients()
    partners.fail(url, "UNAVAILABLE")  # the WSDL too
    with pytest.raises(PartnerUnavailable):
        adapter.get_tariff("31.74", "32.73", 1000)
    partners.fail(url, "NORMAL")
    assert adapter.get_tariff("31.74", "32.73", 1000)


def test_set_failure_mode_always_gets_through(partners):
    driver = partners.driver(partners.sms).service
    assert driver.setFailureMode("UNAVAILABLE", 0) == "UNAVAILABLE"
    with pytest.raises(PartnerUnavailable):
        ZeepSmsAdapter(partners.sms, **OPTIONS).send("+6281200000001", "Halo", f"ref-{uuid.uuid4()}")
    assert driver.setFailureMode("NORMAL", 0) == "NORMAL"
    assert ZeepSmsAdapter(partners.sms, **OPTIONS).send("+6281200000001", "Halo", f"ref-{uuid.uuid4()}")


def test_a_send_that_timed_out_may_have_happened_and_its_reference_makes_the_resend_safe(partners):
    reference = f"ref-{uuid.uuid4()}"
    adapter = ZeepSmsAdapter(partners.sms, **OPTIONS)
    adapter.send("+6281200000002", "warm", f"ref-{uuid.uuid4()}")
    partners.fail(partners.sms, "SLOW", 800)
    with pytest.raises(PartnerUnavailable):
        ZeepSmsAdapter(partners.sms, **GIVING_UP).send("+6281200000002", "Kode: 424242", reference)
    partners.fail(partners.sms, "NORMAL")
    eventually(lambda: [m for m in partners.driver(partners.sms).service.listMessages("+6281200000002")
                        if m.reference == reference],
               "the slow request completed on the gateway after the adapter gave up")

    resent = adapter.send("+6281200000002", "Kode: 424242", reference)

    received = [m for m in partners.driver(partners.sms).service.listMessages("+6281200000002")
                if m.reference == reference]
    assert [m.messageId for m in received] == [resent]  # one message, whatever the first try did


def _tariff(url: str):
    return ZeepCourierAdapter("jne", url, timeout=5).get_tariff("31.74", "32.73", 1000)


def test_clients_are_built_once_per_endpoint(partners, monkeypatch):
    url = partners.courier("jne")
    forget_clients()
    built, build = [], PartnerClient.__init__

    def counting(self, endpoint, policy):
        built.append(endpoint)
        build(self, endpoint, policy)

    monkeypatch.setattr(PartnerClient, "__init__", counting)
    for _ in range(3):  # a new adapter each time, as callers make them
        _tariff(url)
    assert built == [url]
    policy = CallPolicy(timeout=5)
    assert partner_client(url, policy) is partner_client(url, policy)


def test_a_client_built_again_reads_its_wsdl_from_the_cache(partners):
    url = partners.courier("jne")
    _tariff(url)
    fetched = partners.calls(url, "?wsdl")
    forget_clients()
    _tariff(url)
    assert partners.calls(url, "?wsdl") == fetched


# --- inside a SOAP request: one attempt, one deadline, connect and whole answer included ----------

IN_REQUEST = dict(timeout=1.0, retries=0, breaker=True)


@pytest.fixture
def fresh_breakers():
    forget_breakers()
    yield
    forget_breakers()


@pytest.mark.parametrize("case", [c for c in CASES if c.safe], ids=[c.name for c in CASES if c.safe])
def test_in_a_request_a_slow_partner_is_tried_once_and_given_up_at_the_deadline(partners, case, fresh_breakers):
    outcome = _run(partners, case, "SLOW", delay_ms=3000, options=IN_REQUEST)
    assert isinstance(outcome.error, PartnerUnavailable) and "Timeout" in str(outcome.error), outcome.error
    assert outcome.arrived == 1  # no retry: the worker retries, nobody waits for it
    assert 1.0 <= outcome.seconds < 1.0 + 0.5


class TricklingPartner:
    """An HTTP server that answers 200 at once, then its body a byte at a time (a per-read timeout
    alone would wait for ever)."""

    def __init__(self, every: float):
        self.every = every
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/partners/courier/jne"
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        connection, _ = self.listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n")
            while not self._stop.wait(self.every):
                try:
                    connection.sendall(b" ")
                except OSError:
                    return

    def close(self):
        self._stop.set()
        self.listener.close()


def test_an_answer_that_trickles_in_is_cut_at_the_deadline(fresh_breakers):
    partner = TricklingPartner(every=0.1)
    try:
        adapter = ZeepCourierAdapter("jne", partner.url, wsdl=str(ROOT / "wsdl/partners/courier.wsdl"), **IN_REQUEST)
        started = time.monotonic()
        with pytest.raises(PartnerUnavailable, match="deadline"):
            adapter.get_tariff("31.74", "32.73", 1000)
        assert 1.0 <= time.monotonic() - started < 1.5
    finally:
        partner.close()
