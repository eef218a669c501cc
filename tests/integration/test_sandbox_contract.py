"""Each sandbox serves the committed partner contract (wsdl/partners/), differing only in address."""
from pathlib import Path

import pytest
from lxml import etree

from emall_ws.sandbox.server import CONTRACTS
from tests.processes import fetch
from tests.sandbox_server import partners, sandbox  # noqa: F401

pytestmark = pytest.mark.network
ROOT = Path(__file__).resolve().parents[2]
SOAP_ADDRESS = "{http://schemas.xmlsoap.org/wsdl/soap/}address"
SERVED = [(contract, code) for contract in CONTRACTS for code in contract.codes]


def without_address(document: bytes) -> tuple[bytes, list[str]]:
    root = etree.fromstring(document)
    addresses = [element.get("location") for element in root.iter(SOAP_ADDRESS)]
    for element in root.iter(SOAP_ADDRESS):
        element.set("location", "")
    return etree.tostring(root), addresses


@pytest.mark.parametrize("contract, code", SERVED, ids=[contract.path(code) for contract, code in SERVED])
def test_the_served_wsdl_is_the_committed_contract(partners, contract, code):
    status, served = fetch(partners.url + contract.path(code) + "?wsdl")
    committed = (ROOT / "wsdl" / contract.wsdl_path).read_bytes()

    assert status == 200
    served_body, served_address = without_address(served)
    committed_body, _ = without_address(committed)
    assert served_body == committed_body, f"{contract.path(code)} differs from wsdl/{contract.wsdl_path}"
    assert served_address == [partners.url + contract.path(code)]


@pytest.mark.parametrize("path", ["/partners/bank/bsi", "/partners/courier/sicepat", "/partners/nothing"])
def test_an_unknown_partner_is_a_soap_404(partners, path):
    status, body = fetch(partners.url + path + "?wsdl")
    assert status == 404 and b"Fault" in body


def test_anything_else_is_a_plain_404(partners):
    assert fetch(partners.url + "/ws/Member?wsdl")[0] == 404


def test_health(partners):
    assert fetch(partners.url + "/health") == (200, b'{"status": "ok"}')
