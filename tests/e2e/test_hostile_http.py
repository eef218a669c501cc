"""Hostile and broken requests over real HTTP: a SOAP fault each, and the server keeps serving."""
import gzip
import http.client
import re
import zlib
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.members import form
from tests.e2e.raw_http import LIST_CITIES
from tests.hostile import CASES, MEMBER_NS, REGISTRY_NS, SECRET_MARK, gzip_bomb, multi_ref, register, registered
from tests.wsgi_client import Response, envelope


def request(server, method, path, body=b"", headers=None) -> Response:
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body or None,
                           headers={"Content-Type": "text/xml; charset=utf-8", **(headers or {})})
        answer = connection.getresponse()
        return Response(answer.status, dict(answer.getheaders()), answer.read())
    finally:
        connection.close()


def assert_still_serving(server):
    answer = request(server, "POST", "/ws/Registry", envelope("find_service", REGISTRY_NS, {"name": "%"}),
                     headers={"SOAPAction": '"find_service"'})
    assert answer.status == 200 and b"find_serviceResponse" in answer.body


@pytest.mark.parametrize("name, method, body, status, faultcode, detail_code", CASES,
                         ids=[c[0] for c in CASES])
def test_hostile_request_over_http(server, name, method, body, status, faultcode, detail_code):
    answer = request(server, method, "/ws/Registry", body)
    assert answer.status == status
    assert answer.fault()[0] == faultcode and answer.fault()[2] == detail_code
    assert SECRET_MARK not in answer.body and b"Traceback" not in answer.body
    assert b"<html" not in answer.body.lower()
    assert_still_serving(server)


def test_chunked_body_over_the_limit(server):
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", "/ws/Registry", body=iter([b"<a>", b"x" * 300_000]),
                           headers={"Content-Type": "text/xml", "Transfer-Encoding": "chunked"},
                           encode_chunked=True)
        answer = connection.getresponse()
        response = Response(answer.status, dict(answer.getheaders()), answer.read())
    finally:
        connection.close()
    assert response.status == 413 and response.fault()[2] == "REQUEST_TOO_LARGE"
    assert_still_serving(server)


def test_passwords_in_requests_never_reach_the_log(server):
    marker = "S3cret-Password-Marker"
    request(server, "POST", "/ws/Registry", f"<broken>{marker}".encode())
    request(server, "POST", "/ws/Registry", envelope("find_service", REGISTRY_NS, {"name": marker * 20}))
    assert_still_serving(server)
    assert marker not in server.log()


def server_workers_rss_kib(server) -> int:
    """Resident memory of the SOAP server's processes (granian's and its workers) serving `server`."""
    port = f"EMALL_PORT={urlsplit(server.url).port}".encode()
    total = 0
    for proc in Path("/proc").iterdir():
        try:
            if b"emall_ws.cli\0server" in (proc / "cmdline").read_bytes() \
                    and port in (proc / "environ").read_bytes().split(b"\0"):
                total += int(re.search(r"VmRSS:\s+(\d+)", (proc / "status").read_text()).group(1))
        except (OSError, AttributeError):
            continue
    assert total, "the server's processes were found"
    return total


def timed(server, body) -> tuple[Response, float]:
    started = time.perf_counter()
    answer = request(server, "POST", "/ws/Registry", body, headers={"SOAPAction": '"find_service"'})
    return answer, time.perf_counter() - started


def test_soap_encoding_multi_references_are_refused_before_anything_is_built(server):
    """4,000 references to one 170 KB element, within the size limit: as cheap as an ordinary call."""
    amplifier = multi_ref(4000, 170_000)
    assert 250_000 < len(amplifier) <= 256 * 1024
    ordinary = envelope("find_service", REGISTRY_NS, {"name": "Member"})
    rss_before = server_workers_rss_kib(server)
    attacks = [timed(server, amplifier) for _ in range(6)]
    calls = [timed(server, ordinary)[1] for _ in range(6)]
    for answer, _seconds in attacks:
        assert answer.status == 500 and answer.fault()[2] == "SOAP_ENCODING_FORBIDDEN"
    assert statistics.median(s for _a, s in attacks) < statistics.median(calls) + 0.050
    assert server_workers_rss_kib(server) - rss_before < 20 * 1024


def is_registered(server, values: dict) -> bool:
    with server.database() as db:
        return registered(db, values["username"])


def test_an_unknown_operation_over_http_names_what_came_and_the_operations(server):
    values = form()
    answer = request(server, "POST", "/ws/Member", register(values, operation="registerMember"),
                     headers={"Accept-Language": "en"})
    code, message, detail = answer.fault()
    assert (answer.status, code, detail) == (500, "Client.BadRequest", "UNKNOWN_OPERATION")
    assert f'The element registerMember (namespace "{MEMBER_NS}") is not an operation' in message
    assert ", register, activate, " in message
    assert not is_registered(server, values)


def test_a_schema_fault_over_http_keeps_what_was_expected(server):
    values = form()
    answer = request(server, "POST", "/ws/Member", register(values, extra="<t:nickname>x</t:nickname>"))
    code, message, detail = answer.fault()
    assert (answer.status, code, detail) == (500, "Client.Validation", "VALIDATION_FAILED")
    assert f"Expected is one of ( {{{MEMBER_NS}}}nik, " in message
    assert f"Expected is one of ( {{{MEMBER_NS}}}nik, " in answer.xml().findtext(".//{urn:emall-kukm:fault}message")
    assert not is_registered(server, values)


def test_a_gzip_request_over_http_is_served(server):
    values = form()
    answer = request(server, "POST", "/ws/Member", gzip.compress(register(values)),
                     headers={"Content-Encoding": "gzip"})
    assert answer.status == 200 and f"<tns:username>{values['username']}</tns:username>".encode() in answer.body
    assert is_registered(server, values)


def test_a_deflate_request_over_http_is_answered_as_the_plain_one(server):
    answer = request(server, "POST", "/ws/Member", zlib.compress(LIST_CITIES), headers={"Content-Encoding": "deflate"})
    assert answer.status == 200 and answer.body == request(server, "POST", "/ws/Member", LIST_CITIES).body


@pytest.mark.parametrize("encoding, encode, status, detail_code", [
    ("gzip", lambda body: gzip_bomb(body, 50_000_000), 413, "DECODED_TOO_LARGE"),
    ("br", lambda body: body, 415, "UNSUPPORTED_ENCODING"),
    ("gzip", lambda body: gzip.compress(body)[:-20], 500, "BAD_ENCODING"),
], ids=["zip bomb", "unknown encoding", "gzip cut short"])
def test_an_encoded_body_that_cannot_be_read_is_a_client_fault_over_http(server, encoding, encode, status, detail_code):
    values = form()
    answer = request(server, "POST", "/ws/Member", encode(register(values)), headers={"Content-Encoding": encoding})
    assert (answer.status, answer.fault()[0], answer.fault()[2]) == (status, "Client.BadRequest", detail_code)
    assert not is_registered(server, values)
    assert_still_serving(server)
