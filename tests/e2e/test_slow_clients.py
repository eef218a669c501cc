"""Slow and stalled clients cannot starve `emall-ws serve`: bodies are read in the event loop, and one
that does not arrive within EMALL_BODY_TIMEOUT is answered 408 with a SOAP fault."""
from __future__ import annotations

import socket
import time

import pytest
from lxml import etree

from tests.e2e.raw_http import address, ordinary_call, read_until_closed
from tests.e2e.server import serving

# seconds are the measure here: run alone, after the parallel pass (tests/run.sh)
pytestmark = pytest.mark.timing

BODY_TIMEOUT = 4.0  # seconds: long enough to hold the stalls while ordinary calls are made
STALLED = 500


@pytest.fixture(scope="module")
def patient_server(database_factory, tmp_path_factory, mailbox):
    with serving(database_factory, tmp_path_factory.mktemp("slow"), mailbox, "slow",
                 EMALL_BODY_TIMEOUT=str(BODY_TIMEOUT), EMALL_SANDBOX="0") as running_server:
        yield running_server


def stalled_upload(server, body_start: bytes = b"<soapenv:Envelope", declared: int = 1000) -> socket.socket:
    """A connection that sent its headers and the start of its body, then went quiet."""
    connection = socket.create_connection(address(server), timeout=5)
    connection.sendall(b"POST /ws/Member HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                       b"SOAPAction: \"listCities\"\r\nContent-Length: %d\r\n\r\n%s" % (declared, body_start))
    return connection


def fault_code(answer: bytes) -> str:
    return etree.fromstring(answer.split(b"\r\n\r\n", 1)[1]).findtext(".//{urn:emall-kukm:fault}code")


def test_ordinary_calls_are_answered_within_a_second_while_500_uploads_stall(patient_server):
    stalls = [stalled_upload(patient_server) for _ in range(STALLED)]
    try:
        held_from = time.monotonic()
        results = [ordinary_call(patient_server) for _ in range(20)]
        still_held = time.monotonic() - held_from < BODY_TIMEOUT  # no stall was cut meanwhile
        for answer, _seconds in results:
            assert answer.startswith(b"HTTP/1.1 200") and b"listCitiesResponse" in answer
        assert max(seconds for _answer, seconds in results) < 1.0, [round(s, 3) for _a, s in results]
        assert still_held, "the calls took longer than the body timeout: the stalls did not hold"
        for stall in stalls[:5]:  # the stalls are then cut, with the fault
            answer = read_until_closed(stall, BODY_TIMEOUT + 5)
            assert answer.startswith(b"HTTP/1.1 408") and fault_code(answer) == "BODY_TIMEOUT"
    finally:
        for stall in stalls:
            stall.close()


def test_a_body_that_stops_halfway_gets_408_body_timeout_and_the_connection_is_closed(patient_server):
    stall = stalled_upload(patient_server)
    started = time.monotonic()
    try:
        answer = read_until_closed(stall, BODY_TIMEOUT + 5)  # ends only when the server closes
    finally:
        stall.close()
    assert BODY_TIMEOUT - 0.5 <= time.monotonic() - started
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert answer.startswith(b"HTTP/1.1 408") and b"connection: close" in head
    assert b"Client.BadRequest" in answer and fault_code(answer) == "BODY_TIMEOUT"
    assert "Traceback" not in patient_server.log()


def test_a_chunked_body_that_stalls_gets_408_too(patient_server):
    connection = socket.create_connection(address(patient_server), timeout=5)
    try:
        connection.sendall(b"POST /ws/Member HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n5\r\n<soap\r\n")
        answer = read_until_closed(connection, BODY_TIMEOUT + 5)
    finally:
        connection.close()
    assert answer.startswith(b"HTTP/1.1 408") and fault_code(answer) == "BODY_TIMEOUT"


def test_headers_that_never_end_are_cut_at_the_same_deadline(patient_server):
    connection = socket.create_connection(address(patient_server), timeout=5)
    started = time.monotonic()
    try:
        connection.sendall(b"POST /ws/Member HTTP/1.1\r\nHost: x\r\nContent-Type: te")
        read_until_closed(connection, BODY_TIMEOUT + 5)  # raises socket.timeout if never closed
    finally:
        connection.close()
    assert time.monotonic() - started < BODY_TIMEOUT + 5
    answer, _seconds = ordinary_call(patient_server)
    assert answer.startswith(b"HTTP/1.1 200")
