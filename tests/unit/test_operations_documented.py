"""Every published operation says what it does in its WSDL (spyne writes the operation's docstring as
its wsdl:documentation): a client reading only the WSDL still learns who may call it and its faults. So
does every complex type (its xs:annotation: the type's docstring, emall_ws/soap/documentation.py)."""
import pytest
from lxml import etree

from emall_ws.cli import EXPORT_PUBLIC_URL
from emall_ws.sandbox.server import sandbox_wsdl_documents
from emall_ws.soap.wsdl import wsdl_documents

WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
XS = "{http://www.w3.org/2001/XMLSchema}"
DOCUMENTS = {**wsdl_documents(EXPORT_PUBLIC_URL), **sandbox_wsdl_documents()}


def undocumented_operations(document: bytes) -> list[str]:
    operations = etree.fromstring(document).findall(f"{WSDL}portType/{WSDL}operation")
    assert operations  # the WSDL has a port type with operations at all
    return [op.get("name") for op in operations if not (op.findtext(f"{WSDL}documentation") or "").strip()]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_operation_has_its_documentation_in_the_wsdl(name):
    assert undocumented_operations(DOCUMENTS[name]) == []


def undocumented_types(document: bytes) -> list[str]:
    types = etree.fromstring(document).iter(f"{XS}complexType")
    return [t.get("name") for t in types if not (t.findtext(f"{XS}annotation/{XS}documentation") or "").strip()]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_complex_type_has_its_documentation_in_the_wsdl(name):
    assert undocumented_types(DOCUMENTS[name]) == []


def test_a_type_without_documentation_is_found():
    stripped = etree.fromstring(DOCUMENTS["Cart"])
    for annotation in list(stripped.iter(f"{XS}annotation")):
        annotation.getparent().remove(annotation)
    assert "CartLine" in undocumented_types(etree.tostring(stripped))


def test_an_operation_without_a_docstring_is_found():
    undocumented = DOCUMENTS["Cart"].replace(b"<wsdl:documentation>", b"<wsdl:documentation><!--").replace(
        b"</wsdl:documentation>", b"--></wsdl:documentation>")
    assert len(undocumented_operations(undocumented)) == 5
