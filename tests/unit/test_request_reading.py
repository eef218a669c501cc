"""How a request is read before any handler: its Content-Type's charsets, its mandatory headers, its Body's
one operation, the dates it carries (emall_ws/soap/hardening.py, emall_ws/soap/dates.py); and, in-process,
the faults each gets."""
from datetime import date, datetime, timedelta, timezone

import pytest
from lxml import etree
from spyne import DateTime

from emall_ws.soap import dates, faults, hardening
from emall_ws.soap.faults import FAULT_NS
from tests.hostile import register, registered
from tests.wsgi_client import SOAP_ENV, call, envelope

CATALOG_NS = "urn:emall-kukm:catalog"
FORM = {"province": "31", "city": "31.74", "address": "Jl. Gatot Subroto Kav. 94", "phone": "081234567890",
        "name": "Budi Santoso", "username": "budi", "password": "rahasia123", "email": "budi@example.co.id"}


@pytest.mark.parametrize("value, plausible", [
    (date(2000, 1, 1), True), (date(2199, 12, 31), True), (date(1999, 12, 31), False), (date(2200, 1, 1), False),
    (date(1, 1, 1), False), (date(9999, 12, 31), False),
    # a time by the day it is written with, whatever its offset
    (datetime(2199, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-7))), True),
    (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-7))), False),
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=7))), False), (datetime(2026, 12, 31, 12), True)])
def test_a_date_is_plausible_between_2000_and_2199(value, plausible):
    assert dates.plausible(value) is plausible


@pytest.mark.parametrize("text, midnight", [
    ("2026-12-31T24:00:00", "2026-12-31T00:00:00"), ("2026-12-31T24:00:00.000+07:00", "2026-12-31T00:00:00+07:00"),
    ("2026-12-31T24:00:00Z", "2026-12-31T00:00:00Z"), (" 2026-02-28T24:00:00-05:30 ", "2026-02-28T00:00:00-05:30"),
    ("2026-12-31T23:59:59", None), ("2026-12-31T00:00:00", None), ("2026-12-31T24:00:01", None)])
def test_twenty_four_o_clock_is_read_from_its_days_midnight(text, midnight):
    assert dates.end_of_day_midnight(text) == midnight


@pytest.mark.parametrize("content_type, found", [
    ("text/xml", []), ("text/xml; charset=utf-8", ["utf-8"]), ('text/xml; Charset="klingon"', ["klingon"]),
    ("text/xml;charset=utf-8;charset=rot13", ["utf-8", "rot13"]), ("text/xml; charset=", []),
    ('multipart/related; type="text/xml"; boundary=x', [])])
def test_every_charset_of_a_content_type_is_found(content_type, found):
    assert hardening.charsets(content_type) == found


def entries(*headers: str) -> etree._Element:
    return etree.fromstring(f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Header>{"".join(headers)}</s:Header>'
                            "<s:Body/></s:Envelope>")


def test_only_a_mandatory_header_meant_for_this_service_and_unknown_to_it_is_named():
    service = "urn:emall-kukm:member"
    known = [f'<t:SessionHeader xmlns:t="{service}" s:mustUnderstand="1"/>',
             f'<w:Security xmlns:w="{hardening.WSSE_NS}" s:mustUnderstand="1"/>']
    optional = ['<x:A xmlns:x="urn:x"/>', '<x:B xmlns:x="urn:x" s:mustUnderstand="0"/>',
                '<x:C xmlns:x="urn:x" s:mustUnderstand="1" s:actor="urn:another-node"/>', "<!-- c -->"]
    assert hardening.unknown_mandatory_header(entries(*known, *optional), service) is None
    for mandatory in ('<x:D xmlns:x="urn:x" s:mustUnderstand="1"/>', '<x:D xmlns:x="urn:x" s:mustUnderstand="true"/>',
                      '<x:D xmlns:x="urn:x" s:mustUnderstand="1" s:actor="http://schemas.xmlsoap.org/soap/actor/next"/>'):
        assert hardening.unknown_mandatory_header(entries(*known, mandatory), service) == "{urn:x}D"
    # a SessionHeader of another service's namespace is not this service's
    assert hardening.unknown_mandatory_header(entries(*known), "urn:emall-kukm:cart") == f"{{{service}}}SessionHeader"


def body_of(*elements: str) -> etree._Element:
    return etree.fromstring(f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:t="urn:t"><s:Body>{"".join(elements)}'
                            "</s:Body></s:Envelope>")


def refusal(envelope_element: etree._Element) -> tuple[str, str] | None:
    try:
        hardening.refuse_unusable_body(envelope_element, "en")
    except faults.PlatformFault as fault:
        return fault.detail_code, fault.faultstring
    return None


def test_a_body_holds_one_operation_and_no_fault():
    assert refusal(body_of("<!-- before -->", "<t:op/>", "text")) is None
    assert refusal(body_of("<s:Fault><faultcode>s:Client</faultcode></s:Fault>"))[0] == "FAULT_AS_REQUEST"
    assert refusal(body_of("<t:a/>", "<t:b/>")) == (
        "MULTIPLE_OPERATIONS", "The request's Body holds 2 elements (a, b); a request holds exactly one operation.")
    assert refusal(body_of(*[f"<t:e{n}/>" for n in range(7)]))[1].startswith(
        "The request's Body holds 7 elements (e0, e1, e2, e3, e4, ...)")
    two_bodies = etree.fromstring(f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:t="urn:t"><s:Body><t:a/></s:Body>'
                                  "<s:Body><t:a/></s:Body></s:Envelope>")
    assert refusal(two_bodies)[0] == "MULTIPLE_OPERATIONS"


def field_errors(response) -> list[tuple[str, str]]:
    return [(e.findtext(f"{{{FAULT_NS}}}field"), e.findtext(f"{{{FAULT_NS}}}code"))
            for e in response.xml().iter(f"{{{FAULT_NS}}}error")]


def sell_product(ends_at: str) -> bytes:
    return envelope("sellProduct", CATALOG_NS, f"<t:form><t:endsAt>{ends_at}</t:endsAt></t:form>")


@pytest.mark.parametrize("ends_at", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-07:00", "9999-12-31T24:00:00",
                                     "10000-01-01T00:00:00", "-0001-01-01T00:00:00", "2199-12-31T24:00:00"])
def test_an_implausible_date_is_a_validation_fault_naming_its_field_before_any_handler(app, ends_at):
    response = call(app, "POST", "/ws/Catalog", sell_product(ends_at), headers={"Accept-Language": "en"})
    assert response.fault() == ("Client.Validation", "1 field(s) are invalid.", "VALIDATION_FAILED")
    assert field_errors(response) == [("endsAt", "DATE_OUT_OF_RANGE")]
    assert response.xml().findtext(f".//{{{FAULT_NS}}}message") == \
        "The End Time field must hold a date between 2000-01-01 and 2199-12-31"


def test_twenty_four_o_clock_is_read_as_the_next_days_midnight(app):
    read = hardening.HardenedSoap11().datetime_from_unicode_iso(DateTime, "2026-12-31T24:00:00+07:00")
    assert read == datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=7)))
    # without a session: the handler's own refusal, so the time was read (it was Server.Internal)
    response = call(app, "POST", "/ws/Catalog", sell_product("2026-12-31T24:00:00"))
    assert response.fault()[0] == "Client.Authentication"


def test_a_request_refused_while_it_is_read_writes_nothing(app):
    request, text_xml = register(FORM), "text/xml; charset=utf-8"
    mandatory = b'<soapenv:Header><x:T xmlns:x="urn:x" soapenv:mustUnderstand="1"/></soapenv:Header>'
    cases = [(request, "text/xml; charset=klingon", 415, "UNSUPPORTED_CHARSET"),
             (request, "", 415, "CONTENT_TYPE_REQUIRED"),
             (request.replace(b"<soapenv:Body>", mandatory + b"<soapenv:Body>"), text_xml, 500, "MUST_UNDERSTAND"),
             (request.replace(b"</soapenv:Body>", b"<t:listProvinces/></soapenv:Body>"), text_xml, 500,
              "MULTIPLE_OPERATIONS")]
    for body, content_type, status, code in cases:
        response = call(app, "POST", "/ws/Member", body, content_type=content_type)
        assert (response.status, response.fault()[2]) == (status, code)
    assert not registered(app.platform.db, "budi")
    assert call(app, "POST", "/ws/Member", request).status == 200  # the same request, well formed
    assert registered(app.platform.db, "budi")
