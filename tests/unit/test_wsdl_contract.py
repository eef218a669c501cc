"""Every WSDL, generated and committed, platform's and partners': no namespace declared for nothing, none
relative, every operation declaring the FaultDetail fault the platform sends, and the SessionHeader on
exactly the operations that act for a member (tests/wsdl_checks.py says what each check looks at)."""
import inspect
import types
from pathlib import Path

import pytest

from emall_ws.cli import EXPORT_PUBLIC_URL
from emall_ws.sandbox.server import CONTRACTS, sandbox_wsdl_documents
from emall_ws.soap.app import SERVICES
from emall_ws.soap.faults import PlatformFault, client_fault, internal_fault
from emall_ws.soap.security import member_operations
from emall_ws.soap.wsdl import wsdl_documents
from tests.wsdl_checks import (fault_detail_schema, header_operations, operations_without_fault_detail,
                               relative_namespaces, unused_declarations)

ROOT = Path(__file__).resolve().parents[2]
GENERATED = {**{f"{name}.wsdl": document for name, document in wsdl_documents(EXPORT_PUBLIC_URL).items()},
             **sandbox_wsdl_documents()}
COMMITTED = {path.relative_to(ROOT / "wsdl").as_posix(): path.read_bytes()
             for path in sorted((ROOT / "wsdl").rglob("*.wsdl"))}
DOCUMENTS = {**{f"generated {name}": d for name, d in GENERATED.items()},
             **{f"committed {name}": d for name, d in COMMITTED.items()}}


def test_every_wsdl_is_checked():
    assert set(COMMITTED) == set(GENERATED) and len(GENERATED) == len(SERVICES) + len(CONTRACTS)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_namespace_is_declared_for_nothing(name):
    assert unused_declarations(DOCUMENTS[name]) == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_namespace_is_an_absolute_uri(name):
    assert relative_namespaces(DOCUMENTS[name]) == []


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_operation_declares_the_fault_detail(name):
    assert operations_without_fault_detail(DOCUMENTS[name]) == []


def sent_details() -> list[PlatformFault]:
    """Faults as the platform writes them: a code alone, and a Validation fault listing fields."""
    return [internal_fault("id"), client_fault("Authentication", "AUTHENTICATION_REQUIRED", "en"),
            client_fault("Validation", "VALIDATION_FAILED", "id", count=2).add_field_errors(
                [("province", "REQUIRED", "Kolom Propinsi wajib diisi"), ("email", "EMAIL_INVALID", "")])]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_declared_fault_detail_is_the_one_sent(name):
    schema = fault_detail_schema(DOCUMENTS[name])
    for fault in sent_details():
        schema.assertValid(fault.detail)


def reads_credentials(function, seen=None) -> bool:
    """Whether an operation's code, or a function of its module that it calls, asks who the caller is
    (security.credentials_of): the operation then acts for a member."""
    seen = seen if seen is not None else set()
    seen.add(function)
    names, codes = set(), [function.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(const for const in code.co_consts if isinstance(const, types.CodeType))
    if "credentials_of" in names:
        return True
    helpers = [function.__globals__.get(name) for name in names]
    return any(reads_credentials(helper, seen) for helper in helpers
               if inspect.isfunction(helper) and helper.__module__ == function.__module__ and helper not in seen)


@pytest.mark.parametrize("spec", SERVICES, ids=lambda spec: spec.name)
def test_the_session_header_is_declared_on_exactly_the_operations_that_act_for_a_member(spec):
    acting = {name for name, method in spec.service_class.public_methods.items()
              if reads_credentials(method.function)}
    assert set(member_operations(spec.service_class)) == acting
    for documents in (GENERATED, COMMITTED):
        assert header_operations(documents[f"{spec.name}.wsdl"]) == acting


def test_public_operations_need_no_session_header():
    """The operations anyone may call, as the issue names some of them: no SessionHeader."""
    member, catalog = (next(s for s in SERVICES if s.name == name).service_class for name in ("Member", "Catalog"))
    assert not {"listProvinces", "listCities", "register", "login"} & set(member_operations(member))
    assert not {"listCategories", "searchProducts", "getProduct"} & set(member_operations(catalog))
    assert {"getProfile", "logout"} <= set(member_operations(member))


@pytest.mark.parametrize("name", sorted(sandbox_wsdl_documents()))
def test_partner_contracts_declare_no_session_header(name):
    assert header_operations(GENERATED[name]) == set()


def test_the_checks_find_what_spyne_writes_unchecked():
    document = COMMITTED["Cart.wsdl"]
    assert unused_declarations(document.replace(
        b"<wsdl:definitions ", b'<wsdl:definitions xmlns:soap12env="http://www.w3.org/2003/05/soap-envelope" ', 1))
    assert relative_namespaces(document.replace(
        b"<wsdl:definitions ", b'<wsdl:definitions xmlns:s0="spyne.model.primitive.string" ', 1)) == [
        "spyne.model.primitive.string"]
    start = document.index(b"<wsdl:fault ", document.index(b"<wsdl:portType"))
    without_fault = document[:start] + document[document.index(b"/>", start) + 2:]
    assert operations_without_fault_detail(without_fault) == ["portType addItem", "binding addItem"]
    assert header_operations(document.replace(b'part="SessionHeader"', b'part="Other"')) == set()
