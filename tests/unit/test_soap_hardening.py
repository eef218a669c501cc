"""Hostile and broken input, in-process: a SOAP fault every time, and nothing leaked."""
import html
import json

import pytest

from emall_ws.observability.health import Health
from emall_ws.partners import partner_entries
from emall_ws.soap.app import SERVICES
from emall_ws.soap.application import namespace_of
from tests.hostile import CASES, REGISTRY_NS, SECRET_MARK, XXE_UTF16
from tests.wsgi_client import call, envelope

# the cases whose request means the same to every service (the others call Registry's operations)
ANY_SERVICE = {"xxe local file", "xxe in utf-16 sent as utf-8", "billion laughs", "malformed xml", "empty body",
               "not a soap envelope", "wrong namespace", "body over the size limit", "PUT", "DELETE",
               "GET without ?wsdl"}
SOAP12 = ('<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
          '<t:anything xmlns:t="{ns}"/></env:Body></env:Envelope>')


@pytest.mark.parametrize("name, method, body, status, faultcode, detail_code", CASES,
                         ids=[c[0] for c in CASES])
def test_hostile_input_gets_a_soap_fault(app, name, method, body, status, faultcode, detail_code):
    response = call(app, method, "/ws/Registry", body)
    assert response.status == status
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.fault()[0] == faultcode
    assert response.fault()[2] == detail_code
    assert SECRET_MARK not in response.body
    assert b"Traceback" not in response.body


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_every_service_answers_hostile_input_with_a_soap_fault(app, service):
    namespace = namespace_of(service)
    cases = [c for c in CASES if c[0] in ANY_SERVICE] + [
        ("its own namespace, no such operation", "POST", envelope("drop_everything", namespace), 500,
         "Client.BadRequest", "UNKNOWN_OPERATION"),
        ("a SOAP 1.2 envelope", "POST", SOAP12.format(ns=namespace).encode(), 500, "Client.BadRequest", "NOT_SOAP"),
    ]
    for name, method, body, status, faultcode, detail_code in cases:
        response = call(app, method, f"/ws/{service}", body)
        assert (response.status, response.fault()[0], response.fault()[2]) == (status, faultcode, detail_code), name
        assert SECRET_MARK not in response.body and b"Traceback" not in response.body, name
    assert call(app, "GET", f"/ws/{service}", query="wsdl").status == 200  # and it keeps serving


def test_doctype_in_utf16_is_caught_by_the_parser_check(app):
    response = call(app, "POST", "/ws/Registry", XXE_UTF16, content_type="text/xml")
    assert response.fault()[2] == "DOCTYPE_FORBIDDEN"
    assert SECRET_MARK not in response.body


def test_chunked_body_over_the_limit_is_refused_without_reading_it_all(app):
    response = call(app, "POST", "/ws/Registry", b"<a>" + b"x" * 300_000, content_length=False)
    assert response.status == 413
    assert response.fault()[2] == "REQUEST_TOO_LARGE"


def test_unknown_service_gets_a_soap_fault(app):
    response = call(app, "POST", "/ws/Nothing", envelope("x", "urn:x"))
    assert response.status == 404
    assert response.fault()[:1] == ("Client.NotFound",)


def test_faults_speak_english_on_request(app):
    response = call(app, "POST", "/ws/Registry", envelope("get_serviceDetail", REGISTRY_NS,
                                                          {"serviceKey": "nope"}),
                    headers={"Accept-Language": "en"})
    assert response.fault() == ("Client.NotFound", "The key nope is not registered.", "UNKNOWN_KEY")


def test_validation_fault_names_the_failing_field(app):
    response = call(app, "POST", "/ws/Registry", envelope("find_service", REGISTRY_NS,
                                                          {"name": "x" * 300}))
    fields = [e.text for e in response.xml().iter("{urn:emall-kukm:fault}field")]
    assert fields == ["name"]


def test_wsdl_address_is_the_public_url_not_the_host_header(app):
    response = call(app, "GET", "/ws/Registry", query="wsdl")
    assert response.status == 200
    assert b'location="http://emall.test/ws/Registry"' in response.body
    assert b"attacker.example" not in response.body


def test_an_unexpected_error_is_a_logged_server_internal_fault(app, monkeypatch, caplog):
    from emall_ws.services import registry

    def explode(*_args):
        raise RuntimeError("secret detail /var/lib/emall")

    monkeypatch.setattr(registry, "get_service", explode)
    response = call(app, "POST", "/ws/Registry",
                    envelope("get_serviceDetail", REGISTRY_NS, {"serviceKey": "k"}))
    assert response.fault()[0] == "Server.Internal"
    assert response.fault()[2] == "INTERNAL"
    assert b"secret detail" not in response.body
    assert "secret detail" in caplog.text  # kept for the operators, not the caller


def test_health_and_index(app):
    app.health = Health(app.platform.db, app.platform.settings, probe=lambda url: True)  # no sockets
    health = call(app, "GET", "/health")
    assert health.status == 200 and json.loads(health.body)["components"]["database"] == {"status": "ok"}
    index = call(app, "GET", "/")
    assert index.status == 200
    page = index.body.decode()
    for spec in SERVICES:  # every service with its description, endpoint and WSDL link
        endpoint = f"http://emall.test/ws/{spec.name}"
        assert f"<tr><td>{spec.name}</td>" in page
        assert html.escape(spec.description) in page
        assert f'href="{endpoint}">{endpoint}</a>' in page and f'href="{endpoint}?wsdl"' in page
    for partner in partner_entries(app.platform.settings):  # and every partner endpoint
        assert f'href="{html.escape(partner.wsdl_url)}"' in page
    assert call(app, "GET", "/no-such-page").status == 404


def test_health_reports_an_unreachable_database(settings, tmp_path):
    from emall_ws.db.session import Database
    from emall_ws.soap.app import create_app

    broken = create_app(settings, Database(f"sqlite:///{tmp_path}"))  # a folder: cannot open
    broken.health = Health(broken.platform.db, broken.platform.settings, probe=lambda url: True)
    response = call(broken, "GET", "/health")
    assert response.status == 503 and json.loads(response.body)["failing"] == ["database"]
    assert json.loads(response.body)["components"]["database"] == {"status": "unreachable"}
    index = call(broken, "GET", "/")  # an answer that says why, never an empty 500
    assert index.status == 503 and b"database cannot be reached" in index.body
