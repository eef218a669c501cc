"""The committed generated files are exactly what their commands produce."""
from pathlib import Path

from emall_ws.cli import EXPORT_PUBLIC_URL
from emall_ws.db.schema import mysql_ddl
from emall_ws.soap.app import SERVICES
from emall_ws.soap.wsdl import wsdl_documents

ROOT = Path(__file__).resolve().parents[2]


def test_schema_sql_matches_the_models():
    assert (ROOT / "schema.sql").read_text(encoding="utf-8") == mysql_ddl(), \
        "schema.sql is stale: run `emall-ws export-schema`"


def test_committed_wsdl_matches_the_services():
    documents = wsdl_documents(EXPORT_PUBLIC_URL)
    assert set(documents) == {spec.name for spec in SERVICES}
    for name, document in documents.items():
        assert (ROOT / "wsdl" / f"{name}.wsdl").read_bytes() == document, \
            f"wsdl/{name}.wsdl is stale: run `emall-ws export-wsdl`"
