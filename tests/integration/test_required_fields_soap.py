"""Required request fields (minOccurs="1", issue 15) over SOAP, posted as raw envelopes (in-process WSGI):
a call without one is the schema's Client.Validation fault, one SCHEMA_INVALID error naming the field and
saying it was expected, before any work: nothing in the database changes. Member.register keeps every
field optional, so one fault still lists every failing field of Table I."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from emall_ws.db.models import Base
# the application, and a buyer with a cart line and an unpaid invoice: rows a call that did work would touch
from tests.integration.test_round_trips_soap import app, bought  # noqa: F401 (fixtures)
from tests.wsgi_client import FAULT_NS, call, envelope

CHANGES = "<t:changes><t:price>1</t:price></t:changes>"
# (service, operation, the fields sent, the required field left out)
MISSING = [
    ("Catalog", "getProduct", {}, "productId"),
    ("Catalog", "updateProduct", CHANGES, "productId"),  # the element after it is named by libxml2
    ("Catalog", "withdrawProduct", {"reason": "habis"}, "productId"),
    ("Cart", "removeItem", {}, "productId"),
    ("Auction", "getAuction", {}, "productId"),
    ("Checkout", "quoteAuctionShipping", {}, "productId"),
    ("Checkout", "checkoutAuction", "<t:choice><t:courier>jne</t:courier></t:choice>", "productId"),
    ("Checkout", "getInvoice", {}, "invoiceNumber"),
    ("Checkout", "cancelInvoice", {}, "invoiceNumber"),
    ("Payment", "confirmPayment", {}, "invoiceNumber"),
    ("Payment", "getPaymentStatus", {}, "invoiceNumber"),
    ("Shipping", "shipOrder", {"courier": "jne", "waybill": "JNE0001"}, "orderNumber"),
    ("Shipping", "trackOrder", {}, "orderNumber"),
    ("Shipping", "confirmReceived", {}, "orderNumber"),
    ("Member", "login", {"password": "rahasia123"}, "username"),
    ("Member", "login", {"username": "budi_santoso"}, "password"),
    ("Member", "activate", {"username": "budi_santoso"}, "code"),
    ("Member", "resendActivation", {}, "username"),
    ("Member", "requestPasswordReset", {}, "usernameOrEmail"),
    ("Member", "resetPassword", {"username": "budi_santoso", "code": "123456"}, "newPassword"),
    ("Member", "suspendMember", {"reason": "spam"}, "username"),
    ("Member", "reinstateMember", {}, "username"),
    ("Member", "changePassword", {"newPassword": "kopiGayo2026"}, "currentPassword"),
    ("Member", "changePassword", {"currentPassword": "rahasia123"}, "newPassword"),
    ("Member", "changePayoutAccount", {"bankCode": "bca", "accountNumber": "1234567890"}, "password"),
]


def snapshot(db) -> list:
    """Every row of every table."""
    with db.unit_of_work() as session:
        return [sorted(session.execute(select(*table.columns)).all(), key=repr)
                for table in Base.metadata.sorted_tables]


def post(app, service: str, operation: str, fields: dict | str, language: str = "en"):
    body = envelope(operation, f"urn:emall-kukm:{service.lower()}", fields)
    return call(app, "POST", f"/ws/{service}", body, headers={"Accept-Language": language})


def field_errors(response) -> list[tuple]:
    """(field, code, message) of each error of a Validation fault."""
    return [tuple(e.findtext(f"{{{FAULT_NS}}}{name}") for name in ("field", "code", "message"))
            for e in response.xml().iter(f"{{{FAULT_NS}}}error")]


@pytest.mark.parametrize("service, operation, fields, missing", MISSING,
                         ids=[f"{case[1]}-{case[3]}" for case in MISSING])
def test_a_missing_required_field_is_the_schema_fault_naming_it_and_nothing_changes(
        db, app, bought, service, operation, fields, missing):
    before = snapshot(db)
    response = post(app, service, operation, fields)
    assert response.status == 500 and response.fault()[::2] == ("Client.Validation", "VALIDATION_FAILED")
    [(field, code, message)] = field_errors(response)
    assert (field, code) == (missing, "SCHEMA_INVALID")
    expected = f"Expected is ( {{urn:emall-kukm:{service.lower()}}}{missing} )"
    assert expected in message and expected in response.fault()[1]  # toolkits that show only the faultstring
    assert snapshot(db) == before


def test_a_required_field_sent_nil_is_refused_too(db, app, bought):
    before = snapshot(db)
    nil = '<t:invoiceNumber xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>'
    response = post(app, "Checkout", "getInvoice", nil)
    assert response.fault()[::2] == ("Client.Validation", "VALIDATION_FAILED")
    assert [error[:2] for error in field_errors(response)] == [("invoiceNumber", "SCHEMA_INVALID")]
    assert snapshot(db) == before


def test_the_same_call_with_the_field_is_the_domains_to_answer(app, bought):
    response = post(app, "Catalog", "getProduct", {"productId": "999999"})
    assert response.fault()[::2] == ("Client.NotFound", "UNKNOWN_PRODUCT")


def test_register_still_lists_every_failing_field_of_table_1_in_one_fault(db, app, bought):
    """Left out, empty or wrong: each of Table I's fields is named, all in one Client.Validation fault."""
    before = snapshot(db)
    form = "<t:form><t:phone>08abc</t:phone><t:name></t:name><t:email>bukan-email</t:email></t:form>"
    response = post(app, "Member", "register", form, language="id")
    assert response.fault()[::2] == ("Client.Validation", "VALIDATION_FAILED")
    errors = {field: (code, message) for field, code, message in field_errors(response)}
    assert set(errors) == {"province", "city", "address", "phone", "name", "username", "password", "email"}
    assert errors["province"] == ("REQUIRED", "Kolom Propinsi wajib diisi")
    assert errors["username"][0] == errors["password"][0] == errors["name"][0] == "REQUIRED"
    assert errors["phone"][0] != "REQUIRED" and errors["email"][0] != "REQUIRED"
    assert snapshot(db) == before


def test_register_without_any_form_lists_every_required_field(db, app):
    before = snapshot(db)
    response = post(app, "Member", "register", {})
    assert response.fault()[::2] == ("Client.Validation", "VALIDATION_FAILED")
    assert {field for field, _, _ in field_errors(response)} == {
        "province", "city", "address", "phone", "name", "username", "password", "email"}
    assert snapshot(db) == before
