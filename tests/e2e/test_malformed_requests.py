"""Malformed and out-of-range requests over real HTTP: each a Client fault with its code (never
Server.Internal), nothing written, and no traceback or ERROR line in the server's log."""
from __future__ import annotations

import http.client
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from emall_ws.clock import WIB
from emall_ws.db.models import Product
from tests.e2e.catalog import Member, auction_form, in_wib, new_member, new_shop
from tests.e2e.members import PASSWORD, form
from tests.e2e.soap import client, unique
from tests.hostile import MEMBER_NS, register, registered
from tests.waiting import eventually
from tests.wsgi_client import FAULT_NS, SOAP_ENV, Response, envelope

CATALOG_NS, REPORT_NS = "urn:emall-kukm:catalog", "urn:emall-kukm:report"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
TEXT_XML = {"Content-Type": "text/xml; charset=utf-8"}
YEAR_1, YEAR_9999 = "0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-07:00"


@dataclass(frozen=True)
class Shop:
    category: str
    seller: Member
    auction_id: int  # the seller's auction, without bids: updateProduct may change its end


def post(server, service: str, body: bytes, headers: dict[str, str]) -> Response:
    """A POST with exactly `headers` (http.client adds Host and Content-Length only)."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", f"/ws/{service}", body=body, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, dict(answer.getheaders()), answer.read())
    finally:
        connection.close()


def logged_cleanly(server, call, access_mark: str) -> Response:
    """`call()`'s answer, once its access line (holding `access_mark`) is in the server's log, which
    must have gained neither a traceback nor an ERROR line meanwhile."""
    before = len(server.log())
    answer = call()
    written = eventually(lambda: access_mark in server.log()[before:] and server.log()[before:],
                         f"the access line with {access_mark}", timeout=10)
    assert "Traceback" not in written and " ERROR " not in written, written
    return answer


def fault_call(server, service: str, body: bytes, code: str, headers=None, status: int = 500,
               faultcode: str = "Client.BadRequest") -> Response:
    """A call that must be answered with the fault (`faultcode`, `code`) and HTTP `status`, cleanly logged."""
    answer = logged_cleanly(server, lambda: post(server, service, body, TEXT_XML if headers is None else headers),
                            f"outcome={faultcode} code={code}")
    assert (answer.status, *answer.fault()[::2]) == (status, faultcode, code), answer.body[:600]
    assert b"Traceback" not in answer.body
    return answer


def field_errors(answer: Response) -> dict[str, str]:
    return {e.findtext(f"{{{FAULT_NS}}}field"): e.findtext(f"{{{FAULT_NS}}}code")
            for e in answer.xml().iter(f"{{{FAULT_NS}}}error")}


def with_session(token: str, namespace: str, operation: str, inner: str, header_attributes: str = "") -> bytes:
    """A raw call of `operation` carrying `token` in the service's SessionHeader."""
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:t="{namespace}"><soapenv:Header>'
            f"<t:SessionHeader{header_attributes}><t:token>{token}</t:token></t:SessionHeader></soapenv:Header>"
            f"<soapenv:Body><t:{operation}>{inner}</t:{operation}></soapenv:Body></soapenv:Envelope>").encode()


def auction_fields(category: str, name: str, ends_at: str) -> str:
    return (f"<t:form><t:name>{name}</t:name><t:description>Lukisan kaca tangan, tokoh wayang.</t:description>"
            f"<t:category>{category}</t:category><t:weightGrams>2500</t:weightGrams>"
            "<t:saleMethod>AUCTION</t:saleMethod><t:startPrice>750000</t:startPrice>"
            f"<t:minIncrement>25000</t:minIncrement><t:endsAt>{ends_at}</t:endsAt></t:form>")


def products_named(server, name: str) -> int:
    with server.database() as db:
        return db.read(lambda c: c.scalar(select(func.count(Product.id)).where(Product.name == name)))


def is_registered(server, values: dict) -> bool:
    with server.database() as db:
        return registered(db, values["username"])


@pytest.fixture(scope="module")
def shop(server, mailbox) -> Shop:
    category = new_shop(server).category
    seller = new_member(server, mailbox, seller=True)
    catalog, auth = seller.service(server, "Catalog")
    auction = catalog.sellProduct(form=auction_form(category, name="Topeng Malangan"), **auth)
    return Shop(category, seller, auction.productId)


def test_an_unknown_charset_is_refused_by_name(server):
    values = form()
    for charset in ("klingon", "rot13"):  # unknown to Python; a codec that is no text encoding
        answer = fault_call(server, "Member", register(values), "UNSUPPORTED_CHARSET", status=415,
                            headers={"Content-Type": f"text/xml; charset={charset}"})
        assert charset in answer.fault()[1]
    assert not is_registered(server, values)


def test_a_post_without_content_type_is_415(server):
    values = form()
    answer = fault_call(server, "Member", register(values), headers={}, status=415, code="CONTENT_TYPE_REQUIRED")
    assert {name.lower(): value for name, value in answer.headers.items()}["accept"] == "text/xml; charset=utf-8"
    assert not is_registered(server, values)


def test_a_soap_fault_sent_as_the_request_is_a_client_fault(server):
    body = (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault>'
            "<faultcode>soapenv:Client</faultcode><faultstring>bukan permintaan</faultstring>"
            "</soapenv:Fault></soapenv:Body></soapenv:Envelope>").encode()
    fault_call(server, "Member", body, code="FAULT_AS_REQUEST")


def with_header(request: bytes, entries: str) -> bytes:
    """A raw request (tests.wsgi_client.envelope's) with a SOAP Header holding `entries`."""
    return request.replace(b"<soapenv:Body>", f"<soapenv:Header>{entries}</soapenv:Header><soapenv:Body>".encode())


def operation_of(request: bytes) -> bytes:
    """The operation element of a raw request (tests.wsgi_client.envelope's)."""
    return request.split(b"<soapenv:Body>")[1].split(b"</soapenv:Body>")[0]


def test_two_operations_in_one_body_are_refused_and_neither_runs(server):
    first, second = form(), form()
    body = register(first).replace(operation_of(register(first)),
                                   operation_of(register(first)) + operation_of(register(second)))
    answer = fault_call(server, "Member", body, code="MULTIPLE_OPERATIONS")
    assert "berisi 2 elemen (register, register)" in answer.fault()[1]
    assert not is_registered(server, first) and not is_registered(server, second)


def test_an_unknown_mandatory_header_is_the_soap_must_understand_fault(server):
    values = form()
    body = with_header(register(values),
                       '<x:Transaction xmlns:x="urn:example:tx" soapenv:mustUnderstand="1">5</x:Transaction>')
    answer = fault_call(server, "Member", body, faultcode="MustUnderstand", code="MUST_UNDERSTAND")
    assert answer.xml().findtext(f".//{{{SOAP_ENV}}}Fault/faultcode").endswith(":MustUnderstand")
    assert "{urn:example:tx}Transaction" in answer.fault()[1]
    assert not is_registered(server, values)


def test_mandatory_headers_the_platform_knows_or_meant_for_another_node_are_served(server, shop):
    known = with_session(shop.seller.token, MEMBER_NS, "getProfile", "", ' soapenv:mustUnderstand="1"')
    answer = logged_cleanly(server, lambda: post(server, "Member", known, TEXT_XML), "outcome=ok")
    assert answer.status == 200 and f"<tns:username>{shop.seller.username}</tns:username>".encode() in answer.body
    elsewhere = with_header(envelope("listProvinces", MEMBER_NS), '<x:Route xmlns:x="urn:example:route" '
                            'soapenv:mustUnderstand="1" soapenv:actor="urn:example:gateway"/>')
    assert post(server, "Member", elsewhere, TEXT_XML).status == 200
    security = with_header(envelope("getProfile", MEMBER_NS), (
        f'<wsse:Security xmlns:wsse="{WSSE_NS}" soapenv:mustUnderstand="1"><wsse:UsernameToken>'
        f"<wsse:Username>{shop.seller.username}</wsse:Username><wsse:Password>{PASSWORD}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"))
    assert post(server, "Member", security, TEXT_XML).status == 200


@pytest.mark.parametrize("ends_at", [YEAR_1, YEAR_9999, "10000-01-01T00:00:00", "2200-01-01T00:00:00+07:00"])
def test_an_implausible_end_of_a_new_listing_names_the_field_and_lists_nothing(server, shop, ends_at):
    name = unique("Lukisan Kaca ")
    body = with_session(shop.seller.token, CATALOG_NS, "sellProduct", auction_fields(shop.category, name, ends_at))
    answer = fault_call(server, "Catalog", body, faultcode="Client.Validation", code="VALIDATION_FAILED")
    assert field_errors(answer) == {"endsAt": "DATE_OUT_OF_RANGE"}
    assert "Kolom Waktu Berakhir harus berisi tanggal antara 2000-01-01 dan 2199-12-31" in answer.body.decode()
    assert products_named(server, name) == 0


@pytest.mark.parametrize("ends_at", [YEAR_1, YEAR_9999])
def test_an_implausible_end_of_an_update_changes_nothing(server, shop, ends_at):
    catalog = client(server, "Catalog").service
    before = catalog.getProduct(productId=shop.auction_id)
    body = with_session(shop.seller.token, CATALOG_NS, "updateProduct",
                        f"<t:productId>{shop.auction_id}</t:productId><t:changes><t:name>Diubah</t:name>"
                        f"<t:endsAt>{ends_at}</t:endsAt></t:changes>")
    answer = fault_call(server, "Catalog", body, faultcode="Client.Validation", code="VALIDATION_FAILED")
    assert field_errors(answer) == {"endsAt": "DATE_OUT_OF_RANGE"}
    after = catalog.getProduct(productId=shop.auction_id)
    assert (after.name, after.endsAt, after.updatedAt) == (before.name, before.endsAt, before.updatedAt)


@pytest.mark.parametrize("operation", ["purchaseReport", "salesReport", "exportSalesReport"])
@pytest.mark.parametrize("from_date, to_date, field", [
    ("0001-01-01+07:00", "2026-01-31", "fromDate"), ("0001-01-01", "0001-01-02", "fromDate"),
    ("2026-01-01", "9999-12-31-07:00", "toDate")])
def test_an_implausible_report_period_names_the_field(server, shop, operation, from_date, to_date, field):
    body = with_session(shop.seller.token, REPORT_NS, operation,
                        f"<t:fromDate>{from_date}</t:fromDate><t:toDate>{to_date}</t:toDate>")
    answer = fault_call(server, "Report", body, faultcode="Client.Validation", code="VALIDATION_FAILED")
    assert field_errors(answer) == {field: "DATE_OUT_OF_RANGE"}


def test_twenty_four_o_clock_is_the_next_days_midnight(server, shop):
    day = in_wib(days=2).date()
    name = unique("Lukisan Tengah Malam ")
    body = with_session(shop.seller.token, CATALOG_NS, "sellProduct",
                        auction_fields(shop.category, name, f"{day.isoformat()}T24:00:00+07:00"))
    answer = logged_cleanly(server, lambda: post(server, "Catalog", body, TEXT_XML), "outcome=ok")
    assert answer.status == 200, answer.body[:600]
    ends_at = datetime.fromisoformat(answer.xml().findtext(".//{urn:emall-kukm:catalog}endsAt"))
    assert ends_at == datetime.combine(day + timedelta(days=1), datetime.min.time(), WIB)
    assert products_named(server, name) == 1


@pytest.mark.parametrize("service, operation, inner, field, allowed", [
    ("Catalog", "searchProducts", "<t:filters><t:sort>price</t:sort></t:filters>", "sort", "'PRICE_ASC'"),
    ("Catalog", "searchProducts", "<t:filters><t:saleMethod>fixed</t:saleMethod></t:filters>", "saleMethod",
     "'FIXED'"),
    ("Checkout", "listInvoices", "<t:status>paid</t:status>", "status", "'PAID'"),
    ("Checkout", "listInvoices", "<t:status> PAID </t:status>", "status", "'UNPAID'"),
    ("Member", "listMembers", "<t:status>active</t:status>", "status", "'ACTIVE'"),
    ("Member", "listMembers", "<t:role>seller</t:role>", "role", "'SELLER'"),
    ("Payment", "listUnmatchedMutations", "<t:status>PAID</t:status>", "status", "'NO_MATCH'"),
])
def test_a_code_outside_its_set_names_the_field_and_the_values(server, shop, service, operation, inner, field,
                                                               allowed):
    """Each code set is its WSDL's xs:enumeration (README, "Code sets"): another value, another case or
    spaces around it, is the schema's Validation fault naming the field and listing the set."""
    body = with_session(shop.seller.token, f"urn:emall-kukm:{service.lower()}", operation, inner)
    answer = fault_call(server, service, body, faultcode="Client.Validation", code="VALIDATION_FAILED")
    assert field_errors(answer) == {field: "SCHEMA_INVALID"}
    assert "is not an element of the set" in answer.body.decode() and allowed in answer.body.decode()
