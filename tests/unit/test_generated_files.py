"""The committed generated files are exactly what their commands produce."""
from pathlib import Path

from lxml import etree

from emall_ws.cli import EXPORT_PUBLIC_URL
from emall_ws.db.schema import mysql_ddl
from emall_ws.soap.app import SERVICES
from emall_ws.soap.wsdl import wsdl_documents

ROOT = Path(__file__).resolve().parents[2]


def test_schema_sql_matches_the_models():
    assert (ROOT / "schema.sql").read_text(encoding="utf-8") == mysql_ddl(), \
        "schema.sql is stale: run `emall-ws export-schema`"


XS = "http://www.w3.org/2001/XMLSchema"
MONEY_AS_INTEGER = {"uniqueCode"}  # rupiah added to an amount: money keeps the type it has (issue 15)


def _is_integer(node, qname: str | None) -> bool:
    prefix, _, local = (qname or "").rpartition(":")
    return local == "integer" and node.nsmap.get(prefix or None) == XS


def test_no_count_in_a_committed_wsdl_is_an_unbounded_integer():
    """xs:integer is a string in gSOAP and .NET: counts, pages and sizes are xs:int (issue 15)."""
    found = []
    for path in sorted((ROOT / "wsdl").rglob("*.wsdl")):
        for node in etree.parse(str(path)).iter(f"{{{XS}}}element", f"{{{XS}}}restriction"):
            name = node.get("name") or node.getparent().get("name")  # a restriction's simpleType
            if _is_integer(node, node.get("type") or node.get("base")) and name not in MONEY_AS_INTEGER:
                found.append(f"{path.name}: {name}")
    assert found == []


def test_committed_wsdl_matches_the_services():
    documents = wsdl_documents(EXPORT_PUBLIC_URL)
    assert set(documents) == {spec.name for spec in SERVICES}
    for name, document in documents.items():
        assert (ROOT / "wsdl" / f"{name}.wsdl").read_bytes() == document, \
            f"wsdl/{name}.wsdl is stale: run `emall-ws export-wsdl`"
