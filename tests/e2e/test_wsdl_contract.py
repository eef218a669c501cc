"""The WSDLs a running server answers keep the contract of tests/unit/test_wsdl_contract.py, and toolkits
act on them: zeep reads a fault's detail as the FaultDetail every operation declares, and a public
operation, which declares no SessionHeader, answers the same with one as without."""
import urllib.request

import pytest
import zeep
from zeep.helpers import serialize_object

from emall_ws.sandbox.server import served_paths
from emall_ws.soap.app import SERVICES
from emall_ws.soap.faults import FAULT_NS
from tests import wsdl_checks
from tests.e2e.soap import client, detail_code, fault_of, with_token


def wsdl_urls(server) -> list[str]:
    return ([server.wsdl_url(spec.name) for spec in SERVICES]
            + [f"{server.sandbox_url}{path}?wsdl" for path in served_paths()])


def test_every_served_wsdl_keeps_the_contract(server):
    for url in wsdl_urls(server):
        with urllib.request.urlopen(url, timeout=30) as answer:
            document = answer.read()
        assert wsdl_checks.unused_declarations(document) == [], url
        assert wsdl_checks.relative_namespaces(document) == [], url
        assert wsdl_checks.operations_without_fault_detail(document) == [], url


def declared_detail(soap: zeep.Client, fault: zeep.exceptions.Fault):
    """The fault's detail read as the type its WSDL declares for it."""
    [element] = fault.detail  # <detail> holds the FaultDetail element alone
    return soap.get_element(f"{{{FAULT_NS}}}FaultDetail").parse(element, soap.wsdl.types)


def test_zeep_reads_a_fault_detail_as_the_declared_type(server):
    member = client(server, "Member")
    detail = declared_detail(member, fault_of(member.service.getProfile))
    assert (detail.code, detail.errors) == ("AUTHENTICATION_REQUIRED", None)
    detail = declared_detail(member, fault_of(member.service.register, form={"email": "bukan-email"}))
    assert detail.code == "VALIDATION_FAILED"
    errors = {error.field: (error.code, error.message) for error in detail.errors.error}
    assert errors["province"][0] == "REQUIRED" and errors["province"][1]
    assert {"province", "username", "password", "email"} <= set(errors)


@pytest.mark.parametrize("service, operation, arguments", [
    ("Member", "listProvinces", {}),
    ("Member", "listCities", {"provinceCode": "31"}),
    ("Catalog", "listCategories", {}),
    ("Catalog", "searchProducts", {"filters": {"sort": "NEWEST"}}),
])
def test_a_public_operation_answers_the_same_with_or_without_a_session_header(server, service, operation,
                                                                                arguments):
    soap = client(server, service)
    call = getattr(soap.service, operation)
    without = serialize_object(call(**arguments))
    assert serialize_object(call(**arguments, **with_token(soap, service, "no-such-session"))) == without


def test_the_session_header_is_read_where_declared(server):
    """The header the public operations ignore is sent, and read by an operation that declares it."""
    member = client(server, "Member")
    assert detail_code(fault_of(member.service.getProfile)) == "AUTHENTICATION_REQUIRED"
    refused = fault_of(member.service.getProfile, **with_token(member, "Member", "no-such-session"))
    assert detail_code(refused) not in ("AUTHENTICATION_REQUIRED", None)
