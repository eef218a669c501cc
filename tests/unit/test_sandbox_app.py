"""The sandbox WSGI application in-process (no sockets): routing, failure modes, the call log."""
import time

import pytest
from lxml import etree

from emall_ws.sandbox.contracts import BANK_NS, COURIER_NS, DUKCAPIL_NS, OSS_NS, SMS_NS
from emall_ws.sandbox.failures import EXTRA_ELEMENT
from emall_ws.sandbox.server import create_sandbox_app, served_paths
from tests.wsgi_client import call, envelope

TARIFF = envelope("getTariff", COURIER_NS, {"originCityCode": "31.74", "destinationCityCode": "32.73",
                                            "weightGrams": "1500"})


@pytest.fixture
def sandbox(tmp_path):
    app = create_sandbox_app("http://sandbox.test", f"sqlite:///{tmp_path / 'sandbox.db'}")
    yield app
    app.db.dispose()


def set_mode(app, path, namespace, mode, delay="0"):
    return call(app, "POST", path, envelope("setFailureMode", namespace, {"mode": mode, "delayMs": delay}))


def test_every_partner_is_served():
    assert served_paths() == [
        "/partners/bank/bca", "/partners/bank/mandiri", "/partners/bank/bni", "/partners/bank/bri",
        "/partners/courier/pos", "/partners/courier/tiki", "/partners/courier/jne", "/partners/courier/fedex",
        "/partners/courier/dhl", "/partners/courier/wahana", "/partners/courier/pcp", "/partners/sms",
        "/partners/dukcapil", "/partners/oss"]


def test_the_wsdl_carries_the_public_url_not_the_requests_host(sandbox):
    response = call(sandbox, "GET", "/partners/courier/dhl", query="wsdl")
    assert response.status == 200
    assert b'location="http://sandbox.test/partners/courier/dhl"' in response.body
    assert b"attacker.example" not in response.body


def test_normal_answers_and_the_call_log(sandbox):
    response = call(sandbox, "POST", "/partners/courier/jne", TARIFF)
    assert response.status == 200 and b"YES" in response.body
    assert sandbox.db.count_calls("/partners/courier/jne", "getTariff") == 1
    assert sandbox.db.count_calls("/partners/courier/tiki") == 0


def test_unavailable_is_a_503_html_page_for_operations_and_wsdl_but_not_for_set_failure_mode(sandbox):
    path = "/partners/courier/jne"
    assert set_mode(sandbox, path, COURIER_NS, "UNAVAILABLE").status == 200

    for response in (call(sandbox, "POST", path, TARIFF), call(sandbox, "GET", path, query="wsdl")):
        assert response.status == 503
        assert response.headers["Content-Type"] == "text/html" and b"503" in response.body
    assert call(sandbox, "POST", "/partners/courier/tiki", TARIFF).status == 200  # per path
    assert set_mode(sandbox, path, COURIER_NS, "NORMAL").status == 200
    assert call(sandbox, "POST", path, TARIFF).status == 200
    assert sandbox.db.count_calls(path, "getTariff") == 2
    assert sandbox.db.count_calls(path, "setFailureMode") == 2


def test_garbage_is_200_and_not_xml(sandbox):
    set_mode(sandbox, "/partners/sms", SMS_NS, "GARBAGE")
    response = call(sandbox, "POST", "/partners/sms", envelope("getStatus", SMS_NS, {"messageId": "x"}))
    assert response.status == 200
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.body)
    assert call(sandbox, "GET", "/partners/sms", query="wsdl").status == 200  # the contract is still there


def test_fault_is_a_soap_server_fault(sandbox):
    set_mode(sandbox, "/partners/bank/bni", BANK_NS, "FAULT")
    response = call(sandbox, "POST", "/partners/bank/bni", envelope("getMutations", BANK_NS, {
        "accountNumber": "0012345678", "fromTime": "2025-03-01T00:00:00+07:00", "toTime": "2025-03-02T00:00:00+07:00"}))
    assert response.status == 500
    assert response.fault()[0] == "Server.Maintenance"


def test_slow_waits_then_answers(sandbox):
    set_mode(sandbox, "/partners/courier/pos", COURIER_NS, "SLOW", "300")
    started = time.monotonic()
    response = call(sandbox, "POST", "/partners/courier/pos", TARIFF)
    assert response.status == 200 and time.monotonic() - started >= 0.3


def test_unexpected_field_adds_an_unknown_element_to_every_complex_element(sandbox):
    set_mode(sandbox, "/partners/courier/jne", COURIER_NS, "UNEXPECTED_FIELD")
    response = call(sandbox, "POST", "/partners/courier/jne", TARIFF)
    body = response.xml()[0][0]  # Envelope/Body/getTariffResponse
    extra = f"{{{COURIER_NS}}}{EXTRA_ELEMENT}"
    assert response.status == 200
    assert body[-1].tag == extra  # in the wrapper
    options = body.find(f"{{{COURIER_NS}}}options")
    assert options[-1].tag == extra  # in the array
    assert all(option[-1].tag == extra for option in options.findall(f"{{{COURIER_NS}}}TariffOption"))


def test_unexpected_field_leaves_faults_alone(sandbox):
    set_mode(sandbox, "/partners/courier/jne", COURIER_NS, "UNEXPECTED_FIELD")
    response = call(sandbox, "POST", "/partners/courier/jne",
                    envelope("track", COURIER_NS, {"waybill": "CGK0000000000001"}))
    assert response.status == 500 and response.fault()[0] == "Client.UnknownWaybill"


def test_an_unknown_mode_is_refused(sandbox):
    response = set_mode(sandbox, "/partners/sms", SMS_NS, "EXPLODE")
    assert response.status == 500 and response.fault()[0] == "Client.Validation"


@pytest.mark.parametrize("path", ["/partners/bank/bsi", "/partners", "/partners/courier"])
def test_an_unknown_partner_is_a_soap_404(sandbox, path):
    response = call(sandbox, "POST", path, TARIFF)
    assert response.status == 404 and response.fault()[0] == "Client.NotFound"


def test_anything_else_is_a_plain_404_and_health_is_there(sandbox):
    assert call(sandbox, "GET", "/ws/Member").status == 404
    assert call(sandbox, "GET", "/health").body == b'{"status": "ok"}'


def test_the_platforms_hardening_is_in_front(sandbox):
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + TARIFF
    assert call(sandbox, "POST", "/partners/courier/jne", doctype).fault()[2] == "DOCTYPE_FORBIDDEN"
    assert call(sandbox, "POST", "/partners/courier/jne", b"<x>" * 100_000).status == 413
    assert call(sandbox, "PUT", "/partners/courier/jne", TARIFF).status == 405


@pytest.mark.parametrize("path, operation, namespace, fields", [
    ("/partners/bank/bca", "transfer", BANK_NS, {"toAccount": "0123456789", "amount": "150000"}),
    ("/partners/bank/bca", "openAccount", BANK_NS, {"accountNumber": "0123456789", "holderName": "X"}),
    ("/partners/courier/jne", "advanceShipment", COURIER_NS, {"waybill": "JNE123456"}),
    ("/partners/courier/jne", "registerShipment", COURIER_NS,
     {"waybill": "JNE123456", "originCityCode": "31.74", "destinationCityCode": "32.73", "service": "REG"}),
    ("/partners/sms", "listMessages", SMS_NS, {"msisdn": "+6281234567890"}),
    ("/partners/sms", "setFailureMode", SMS_NS, {"mode": "NORMAL", "delayMs": "0"}),
    ("/partners/dukcapil", "addPerson", DUKCAPIL_NS,
     {"nik": "3174015708900001", "name": "Siti Aminah", "birthDate": "1990-08-17"}),
    ("/partners/oss", "addBusiness", OSS_NS,
     {"nib": "9120001234567", "businessName": "Keripik Tempe Bu Siti", "ownerNik": "3174015708900001"}),
])
def test_sandbox_only_operations_answer_callers_on_this_machine_only(sandbox, path, operation, namespace, fields):
    body = envelope(operation, namespace, fields)
    refused = call(sandbox, "POST", path, body, remote_addr="203.0.113.9")
    assert refused.status == 500 and refused.fault()[0] == "Client.Authorization"
    assert refused.fault()[2] == "SANDBOX_LOOPBACK_ONLY"
    assert sandbox.db.count_calls(path, operation) <= 1  # logged at most, never acted on
    for loopback in ("127.0.0.1", "::1"):
        answer = call(sandbox, "POST", path, body, remote_addr=loopback)
        assert b"SANDBOX_LOOPBACK_ONLY" not in answer.body


def test_partner_operations_answer_anyone(sandbox):
    answer = call(sandbox, "POST", "/partners/courier/jne", TARIFF, remote_addr="203.0.113.9")
    assert answer.status == 200 and b"getTariffResponse" in answer.body
