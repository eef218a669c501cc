"""The committed partner contracts are exactly what the sandboxes publish."""
from pathlib import Path

from lxml import etree

from emall_ws.sandbox.contracts import BANK_NS, COURIER_NS, DUKCAPIL_NS, OSS_NS, SMS_NS
from emall_ws.sandbox.server import CONTRACTS, PARTNER_EXPORT_PUBLIC_URL, export_partner_wsdl, sandbox_wsdl_documents

ROOT = Path(__file__).resolve().parents[2]
WSDL = "{http://schemas.xmlsoap.org/wsdl/}"


def test_committed_partner_wsdl_matches_the_sandboxes():
    documents = sandbox_wsdl_documents(PARTNER_EXPORT_PUBLIC_URL)
    assert set(documents) == {"partners/bank.wsdl", "partners/courier.wsdl", "partners/sms.wsdl",
                              "partners/dukcapil.wsdl", "partners/oss.wsdl"}
    for relative, document in documents.items():
        assert (ROOT / "wsdl" / relative).read_bytes() == document, \
            f"wsdl/{relative} is stale: run `python -m emall_ws.sandbox.server --export-wsdl wsdl`"


def test_each_contract_is_one_service_in_its_namespace_with_the_agreed_operations():
    expected = {
        "partners/bank.wsdl": ("Bank", BANK_NS, {"getMutations", "inquiryAccount", "openAccount", "transfer",
                                                 "setFailureMode"}, "/partners/bank/bca"),
        "partners/courier.wsdl": ("Courier", COURIER_NS, {"getTariff", "track", "registerShipment",
                                                          "advanceShipment", "setFailureMode"},
                                  "/partners/courier/jne"),
        "partners/sms.wsdl": ("SmsGateway", SMS_NS, {"sendSms", "getStatus", "listMessages", "setFailureMode"},
                              "/partners/sms"),
        "partners/dukcapil.wsdl": ("Dukcapil", DUKCAPIL_NS, {"verifyNik", "addPerson", "setFailureMode"},
                                   "/partners/dukcapil"),
        "partners/oss.wsdl": ("Oss", OSS_NS, {"verifyNib", "addBusiness", "setFailureMode"}, "/partners/oss"),
    }
    for relative, document in sandbox_wsdl_documents().items():
        name, namespace, operations, path = expected[relative]
        root = etree.fromstring(document)
        assert (root.get("name"), root.get("targetNamespace")) == (name, namespace)
        assert len(root.findall(f"{WSDL}service")) == 1
        assert {op.get("name") for op in root.find(f"{WSDL}portType")} == operations
        [address] = root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
        assert address.get("location") == PARTNER_EXPORT_PUBLIC_URL + path


def test_export_writes_under_partners(tmp_path):
    written = export_partner_wsdl(tmp_path, "http://sandbox.example:9000")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(c.wsdl_path for c in CONTRACTS)
    assert b"http://sandbox.example:9000/partners/sms" in (tmp_path / "partners" / "sms.wsdl").read_bytes()


def test_the_verdicts_and_statuses_are_the_adapters():
    from adapters.dukcapil import NIK_RESULTS
    from adapters.oss import LICENCE_STATUSES
    from emall_ws.sandbox import contracts

    assert contracts.NIK_RESULTS == NIK_RESULTS
    assert contracts.LICENCE_STATUSES == LICENCE_STATUSES
