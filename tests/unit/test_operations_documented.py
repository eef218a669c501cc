"""Every published operation says what it does in its WSDL (spyne writes the operation's docstring as
its wsdl:documentation): a client reading only the WSDL still learns who may call it and its faults."""
import pytest
from lxml import etree

from emall_ws.cli import EXPORT_PUBLIC_URL
from emall_ws.sandbox.server import sandbox_wsdl_documents
from emall_ws.soap.wsdl import wsdl_documents

WSDL = "{http://schemas.xmlsoap.org/wsdl/}"
DOCUMENTS = {**wsdl_documents(EXPORT_PUBLIC_URL), **sandbox_wsdl_documents()}


def undocumented_operations(document: bytes) -> list[str]:
    operations = etree.fromstring(document).findall(f"{WSDL}portType/{WSDL}operation")
    assert operations  # the WSDL has a port type with operations at all
    return [op.get("name") for op in operations if not (op.findtext(f"{WSDL}documentation") or "").strip()]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_operation_has_its_documentation_in_the_wsdl(name):
    assert undocumented_operations(DOCUMENTS[name]) == []


def test_an_operation_without_a_docstring_is_found():
    undocumented = DOCUMENTS["Cart"].replace(b"<wsdl:documentation>", b"<wsdl:documentation><!--").replace(
        b"</wsdl:documentation>", b"--></wsdl:documentation>")
    assert len(undocumented_operations(undocumented)) == 5
