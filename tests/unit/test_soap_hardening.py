"""Hostile and broken input, in-process: a SOAP fault every time, and nothing leaked."""
import pytest

from tests.hostile import CASES, REGISTRY_NS, SECRET_MARK, XXE_UTF16
from tests.wsgi_client import call, envelope


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
    health = call(app, "GET", "/health")
    assert health.status == 200 and b'"database": "reachable"' in health.body
    index = call(app, "GET", "/")
    assert index.status == 200
    assert b'href="http://emall.test/ws/Registry?wsdl"' in index.body
    assert call(app, "GET", "/no-such-page").status == 404


def test_health_reports_an_unreachable_database(settings, tmp_path):
    from emall_ws.db.session import Database
    from emall_ws.soap.app import create_app

    broken = create_app(settings, Database(f"sqlite:///{tmp_path}"))  # a folder: cannot open
    response = call(broken, "GET", "/health")
    assert response.status == 503 and b'"database": "unreachable"' in response.body
