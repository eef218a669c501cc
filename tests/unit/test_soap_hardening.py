"""Hostile and broken input, in-process: a SOAP fault every time, and nothing leaked."""
import gzip
import html
import json
import tracemalloc
import zlib

import pytest

from emall_ws.observability.health import Health
from emall_ws.partners import partner_entries
from emall_ws.soap.app import SERVICES
from emall_ws.soap.application import namespace_of
from emall_ws.soap.member import MemberService
from tests.hostile import CASES, MEMBER_NS, REGISTRY_NS, SECRET_MARK, XXE_UTF16, gzip_bomb, register, registered
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
    assert health.status == 200
    assert json.loads(health.body)["components"]["database"] == {"status": "ok", "write": "proven"}
    index = call(app, "GET", "/")
    assert index.status == 200
    page = index.body.decode()
    for spec in SERVICES:  # every service with its description, endpoint and WSDL link (more: test_index_page.py)
        endpoint = f"http://emall.test/ws/{spec.name}"
        assert html.escape(spec.description) in page
        assert f"<code>{endpoint}</code>" in page and f'href="{endpoint}?wsdl"' in page
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
    assert json.loads(response.body)["components"]["database"] == {"status": "unavailable", "error": "sqlite 14"}
    index = call(broken, "GET", "/")  # static, read from no database: it opens and points to /health
    assert index.status == 200 and b'href="/health"' in index.body


FORM = {"province": "31", "city": "31.74", "address": "Jl. Gatot Subroto Kav. 94", "phone": "081234567890",
        "name": "Budi Santoso", "username": "budi", "password": "rahasia123", "email": "budi@example.co.id"}
FIND_SERVICE = envelope("find_service", REGISTRY_NS, {"name": "Member"})


def test_an_unknown_operation_names_what_came_and_lists_the_operations(app):
    response = call(app, "POST", "/ws/Member", register(FORM, operation="registerMember"),
                    headers={"Accept-Language": "en"})
    code, message, detail = response.fault()
    assert (code, detail) == ("Client.BadRequest", "UNKNOWN_OPERATION")
    assert message.startswith(f'The element registerMember (namespace "{MEMBER_NS}") is not an operation')
    assert f'in namespace "{MEMBER_NS}", are: listProvinces, listCities, ' in message
    assert all(operation in message for operation in MemberService.public_methods)
    assert not registered(app.platform.db, "budi")


def test_an_element_the_schema_declares_that_is_no_operation_is_named_too(app):
    response = call(app, "POST", "/ws/Member", envelope("registerResponse", MEMBER_NS))
    assert response.fault()[::2] == ("Client.BadRequest", "UNKNOWN_OPERATION")
    assert response.fault()[1].startswith(f'Elemen registerResponse (namespace "{MEMBER_NS}") bukan operasi')


def test_an_operation_in_another_namespace_names_that_namespace(app):
    message = call(app, "POST", "/ws/Member", register(FORM).replace(MEMBER_NS.encode(), b"urn:x")).fault()[1]
    assert message.startswith('Elemen register (namespace "urn:x") bukan operasi layanan ini.')
    assert f'namespace "{MEMBER_NS}": listProvinces, ' in message
    assert not registered(app.platform.db, "budi")


def test_a_schema_fault_keeps_what_was_expected(app):
    response = call(app, "POST", "/ws/Member", register(FORM, extra="<t:nickname>b</t:nickname>"),
                    headers={"Accept-Language": "en"})
    assert response.status == 500 and response.fault()[::2] == ("Client.Validation", "VALIDATION_FAILED")
    [error] = response.xml().iter("{urn:emall-kukm:fault}error")
    expected = f"Expected is one of ( {{{MEMBER_NS}}}nik, {{{MEMBER_NS}}}nib"
    assert error.findtext("{urn:emall-kukm:fault}field") == "nickname"
    assert error.findtext("{urn:emall-kukm:fault}code") == "SCHEMA_INVALID"
    assert expected in error.findtext("{urn:emall-kukm:fault}message")
    assert expected in response.fault()[1]  # toolkits that show only the faultstring show it too
    assert not registered(app.platform.db, "budi")


def test_a_missing_field_fault_names_the_expected_element(app):
    response = call(app, "POST", "/ws/Registry", envelope("get_serviceDetail", REGISTRY_NS))
    assert response.fault()[::2] == ("Client.Validation", "VALIDATION_FAILED")
    assert response.fault()[1] == ("Terdapat 1 isian yang tidak valid. Nilai atau struktur kolom serviceKey "
                                   "tidak sesuai skema (validator XML: Missing child element(s). "
                                   f"Expected is ( {{{REGISTRY_NS}}}serviceKey )).")


def test_a_gzip_request_is_decoded_and_served(app):
    response = call(app, "POST", "/ws/Member", gzip.compress(register(FORM)), headers={"Content-Encoding": "gzip"})
    assert response.status == 200 and b"<tns:username>budi</tns:username>" in response.body
    assert registered(app.platform.db, "budi")


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw deflate"])
def test_a_deflate_request_is_answered_as_the_plain_one(app, wbits):
    encoder = zlib.compressobj(wbits=wbits)
    deflated = encoder.compress(FIND_SERVICE) + encoder.flush()
    response = call(app, "POST", "/ws/Registry", deflated, headers={"Content-Encoding": "Deflate"})
    assert response.status == 200 and response.body == call(app, "POST", "/ws/Registry", FIND_SERVICE).body


def test_a_zip_bomb_is_refused_without_being_decoded(app):
    bomb = gzip_bomb(register(FORM), 50_000_000)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        response = call(app, "POST", "/ws/Member", bomb, headers={"Content-Encoding": "gzip"})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status == 413
    assert response.fault() == ("Client.BadRequest", "Permintaan setelah dibuka (gzip) melebihi batas 262144 byte.",
                                "DECODED_TOO_LARGE")
    assert peak < 5_000_000  # a limit's worth of it, not 50 MB
    assert not registered(app.platform.db, "budi")


def test_a_request_decoded_to_the_limit_is_served(app):
    body = register(FORM)
    exactly = gzip.compress(body + b" " * (app.platform.settings.max_request_bytes - len(body)))
    response = call(app, "POST", "/ws/Member", exactly, headers={"Content-Encoding": "gzip"})
    assert response.status == 200 and registered(app.platform.db, "budi")


def test_an_unknown_content_encoding_is_refused_by_name(app):
    response = call(app, "POST", "/ws/Member", register(FORM), headers={"Content-Encoding": "br"})
    assert response.status == 415 and response.headers["Accept-Encoding"] == "gzip, deflate"
    assert response.fault() == ("Client.BadRequest", "Content-Encoding br tidak didukung; gunakan gzip, deflate, "
                                "atau tanpa Content-Encoding.", "UNSUPPORTED_ENCODING")
    assert not registered(app.platform.db, "budi")


@pytest.mark.parametrize("body", [gzip.compress(register(FORM))[:-20], register(FORM),
                                  gzip.compress(register(FORM)) + b"more"], ids=["cut short", "not gzip", "trailing"])
def test_bad_gzip_data_is_a_client_fault(app, body):
    response = call(app, "POST", "/ws/Member", body, headers={"Content-Encoding": "gzip"})
    assert response.fault()[::2] == ("Client.BadRequest", "BAD_ENCODING")
    assert not registered(app.platform.db, "budi")
