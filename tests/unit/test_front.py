"""The asynchronous front: bodies read whole within a limit and a deadline before the WSGI app runs."""
from __future__ import annotations

import asyncio
import gzip
import logging
import threading
import time
from dataclasses import dataclass, field

import pytest
from lxml import etree

from emall_ws.client_address import parse_networks
from emall_ws.logs import ACCESS_LOGGER
from emall_ws.observability.access import register_services
from emall_ws.serving.front import AsyncFront
from emall_ws.soap.partner_bound import PartnerBoundRequests


class Headers(dict):
    def items(self):  # RSGI headers: (name, value) pairs, lower-case names
        return list(super().items())


@dataclass
class Scope:
    headers: Headers
    method: str = "POST"
    path: str = "/ws/Member"
    query_string: str = ""
    proto: str = "http"
    http_version: str = "1.1"
    scheme: str = "http"
    server: str = "127.0.0.1:8000"
    client: str = "10.1.2.3:50000"


@dataclass
class Protocol:
    """An RSGI protocol whose body comes in `chunks`, `delay` seconds apart (None: never more)."""
    chunks: list[bytes]
    delay: float | None = 0.0
    answers: list = field(default_factory=list)

    async def __call__(self) -> bytes:
        return b"".join([chunk async for chunk in self])

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk
            if self.delay is None:
                await asyncio.Event().wait()  # the client stalls
            await asyncio.sleep(self.delay)

    def response_bytes(self, status, headers, body):
        self.answers.append((status, dict(headers), body))


class Recorder:
    """A WSGI app that records the environ and body it was called with."""

    def __init__(self):
        self.calls = []

    def __call__(self, environ, start_response):
        self.calls.append((environ, environ["wsgi.input"].read()))
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<ok/>"]


def serve(protocol: Protocol, headers: dict, *, limit: int = 100, timeout: float = 0.3, app=None):
    app = app or Recorder()
    front = AsyncFront(app, max_body_bytes=limit, body_timeout=timeout)
    asyncio.run(front.__rsgi__(Scope(Headers(headers)), protocol))
    [answer] = protocol.answers
    return answer, app


def detail_code(body: bytes) -> str:
    return etree.fromstring(body).findtext(".//{urn:emall-kukm:fault}code")


def test_a_whole_body_reaches_the_app_with_the_peer_address_and_headers():
    protocol = Protocol([b"<a>", b"</a>"])
    (status, headers, body), app = serve(protocol, {"content-length": "7", "content-type": "text/xml",
                                                    "soapaction": '"login"', "x-a": "1"})
    assert (status, body) == (200, b"<ok/>")
    [(environ, received)] = app.calls
    assert received == b"<a></a>" and environ["CONTENT_LENGTH"] == "7"
    assert environ["REMOTE_ADDR"] == "10.1.2.3" and environ["HTTP_SOAPACTION"] == '"login"'
    assert environ["CONTENT_TYPE"] == "text/xml" and environ["HTTP_X_A"] == "1"
    assert environ["PATH_INFO"] == "/ws/Member" and environ["REQUEST_METHOD"] == "POST"


def test_a_chunked_body_is_read_whole():
    (status, _, _), app = serve(Protocol([b"<a>", b"x" * 50, b"</a>"]), {"transfer-encoding": "chunked"})
    assert status == 200 and app.calls[0][1] == b"<a>" + b"x" * 50 + b"</a>"


@pytest.mark.parametrize("headers", [{"content-length": "101"}, {"content-length": "12abc"}])
def test_a_declared_length_over_the_limit_is_413_without_reading_or_calling_the_app(headers):
    protocol = Protocol([b"never read"], delay=None)
    (status, answer_headers, body), app = serve(protocol, headers)
    assert status == 413 and detail_code(body) == "REQUEST_TOO_LARGE"
    assert answer_headers["connection"] == "close" and app.calls == []


def test_a_chunked_body_over_the_limit_is_413_and_the_app_is_not_called():
    (status, _, body), app = serve(Protocol([b"x" * 60, b"x" * 60]), {"transfer-encoding": "chunked"})
    assert status == 413 and detail_code(body) == "REQUEST_TOO_LARGE" and app.calls == []


@pytest.mark.parametrize("headers", [{"content-length": "50"}, {"transfer-encoding": "chunked"}])
def test_a_stalled_body_is_408_body_timeout_and_the_connection_closed(headers):
    (status, answer_headers, body), app = serve(Protocol([b"<a>"], delay=None), headers, timeout=0.2)
    assert status == 408 and detail_code(body) == "BODY_TIMEOUT"
    assert answer_headers["connection"] == "close" and app.calls == []


def test_a_trickling_body_is_cut_at_the_deadline_however_steady_it_is():
    (status, _, body), app = serve(Protocol([b"x"] * 50, delay=0.02), {"content-length": "50"}, timeout=0.3)
    assert status == 408 and detail_code(body) == "BODY_TIMEOUT" and app.calls == []


def test_a_stalled_client_does_not_hold_up_another_one():
    """Both requests on one event loop (one worker): the stalled one waits alone."""
    app = Recorder()
    front = AsyncFront(app, max_body_bytes=100, body_timeout=0.5)
    stalled, ordinary = Protocol([b"<a>"], delay=None), Protocol([b"<b/>"])

    async def both():
        waiting = asyncio.create_task(front.__rsgi__(Scope(Headers({"content-length": "50"})), stalled))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(front.__rsgi__(Scope(Headers({"content-length": "4"})), ordinary), 0.2)
        assert ordinary.answers[0][0] == 200 and stalled.answers == []  # answered while the other waits
        await waiting

    asyncio.run(both())
    assert stalled.answers[0][0] == 408 and [body for _, body in app.calls] == [b"<b/>"]


def test_an_app_that_fails_outside_its_own_error_handling_still_answers_a_soap_fault():
    def broken(environ, start_response):
        raise RuntimeError("bug")

    (status, _, body), _app = serve(Protocol([b"<a/>"]), {"content-length": "4"}, app=broken)
    assert status == 500 and detail_code(body) == "INTERNAL" and b"bug" not in body


def test_the_deadline_holds_within_one_sweep_and_no_timer_is_left_once_reads_end():
    front = AsyncFront(Recorder(), max_body_bytes=100, body_timeout=0.4)
    stalled = Protocol([b"<a>"], delay=None)

    async def timed():
        loop = asyncio.get_running_loop()
        started = loop.time()
        await front.__rsgi__(Scope(Headers({"content-length": "50"})), stalled)
        elapsed = loop.time() - started
        await asyncio.sleep(0.25)  # past the next sweep: nothing is read, so no sweep is planned again
        return elapsed, front._deadlines._sweep_planned

    elapsed, sweep_planned = asyncio.run(timed())
    assert stalled.answers[0][0] == 408 and 0.4 <= elapsed < 0.4 + 0.1 + 0.1  # one sweep (0.1 s) late at most
    assert not sweep_planned


def test_a_read_cancelled_from_outside_is_not_answered_408():
    """A worker that stops cancels its requests: that cancellation goes on, it is no late body."""
    front = AsyncFront(Recorder(), max_body_bytes=100, body_timeout=5)
    stalled = Protocol([b"<a>"], delay=None)

    async def cancelled():
        task = asyncio.create_task(front.__rsgi__(Scope(Headers({"content-length": "50"})), stalled))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert stalled.answers == []


def test_a_request_the_front_refuses_gets_its_access_line(caplog):
    register_services({"Member": ["login"]})
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        (status, _, body), _app = serve(Protocol([b"<a>"], delay=None), {"content-length": "50"}, timeout=0.2)
    [line] = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert status == 408
    assert ("client=10.1.2.3 call=Member.- outcome=Client.BadRequest code=BODY_TIMEOUT" in line
            and f"bytes={len(body)}" in line)
    ms = float(line.split(" ms=")[1].split()[0])
    assert ms >= 200  # from the request's arrival: the whole wait for the body


def test_a_refusal_behind_a_trusted_proxy_names_the_forwarded_client(caplog):
    register_services({"Member": ["login"]})
    front = AsyncFront(Recorder(), max_body_bytes=10, body_timeout=1, trusted_proxies=parse_networks("10.1.2.0/24"))
    protocol = Protocol([])
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        asyncio.run(front.__rsgi__(Scope(Headers({"content-length": "50", "x-forwarded-for": "198.51.100.1"})),
                                   protocol))
    [line] = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert protocol.answers[0][0] == 413 and "client=198.51.100.1 call=Member.-" in line


class SlowPartner:
    """A WSGI app whose partner-bound operation waits on a partner; the others answer at once.
    Records which thread ran each call."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.threads: dict[bytes, str] = {}

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read()
        self.threads[body] = threading.current_thread().name
        if b"quoteShipping" in body:
            time.sleep(self.seconds)
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<ok/>"]


@pytest.mark.parametrize("threads", [1, 3])
def test_a_partner_bound_operation_waits_on_its_own_threads_and_the_others_are_answered_meanwhile(threads):
    app = SlowPartner(seconds=0.5)
    front = AsyncFront(app, max_body_bytes=1000, body_timeout=1, threads=threads,
                       partner_bound=PartnerBoundRequests({"/ws/Checkout": ["quoteShipping"]}))
    quote, listing = b"<Body><quoteShipping/></Body>", b"<Body><getInvoice/></Body>"
    slow, ordinary = Protocol([quote]), Protocol([listing])

    async def both():
        loop = asyncio.get_running_loop()
        waiting = asyncio.create_task(front.__rsgi__(
            Scope(Headers({"content-length": str(len(quote))}), path="/ws/Checkout"), slow))
        await asyncio.sleep(0.05)
        started = loop.time()
        await front.__rsgi__(Scope(Headers({"content-length": str(len(listing))}), path="/ws/Checkout"), ordinary)
        assert loop.time() - started < 0.2 and slow.answers == []  # answered while the quote waits
        await waiting

    asyncio.run(both())
    assert slow.answers[0][0] == 200 and ordinary.answers[0][0] == 200
    assert app.threads[quote].startswith("emall-partner-bound")
    # the others as before: on the event loop's thread, or on the EMALL_THREADS pool
    assert app.threads[listing].startswith("MainThread" if threads == 1 else "emall-operation")


def test_a_compressed_body_runs_on_the_partner_bound_threads_since_its_operation_cannot_be_read():
    app = SlowPartner(seconds=0)
    front = AsyncFront(app, max_body_bytes=1000, body_timeout=1,
                       partner_bound=PartnerBoundRequests({"/ws/Checkout": ["quoteShipping"]}))
    body = gzip.compress(b"<Body><quoteShipping/></Body>")
    headers = Headers({"content-length": str(len(body)), "content-encoding": "gzip"})
    asyncio.run(front.__rsgi__(Scope(headers, path="/ws/Checkout"), Protocol([body])))
    assert app.threads[body].startswith("emall-partner-bound")
