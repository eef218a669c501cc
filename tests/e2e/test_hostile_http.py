"""Hostile and broken requests over real HTTP: a SOAP fault each, and the server keeps serving."""
import http.client
from urllib.parse import urlsplit

import pytest

from tests.hostile import CASES, REGISTRY_NS, SECRET_MARK
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
