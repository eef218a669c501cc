"""The code sets as a contract: declared once in the domain, each an xs:enumeration of exactly those
values in every WSDL that uses it, and listed in the README as `emall-ws code-sets` writes it."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from spyne import Unicode

from emall_ws.domain import auction
from emall_ws.domain.pipelines import ProductStatus
from emall_ws.soap.codes import CODE_SETS, code_sets_table, code_type
from emall_ws.soap.types import required

ROOT = Path(__file__).resolve().parents[2]
XS = "{http://www.w3.org/2001/XMLSchema}"


def _enumerations() -> dict[str, dict[str, tuple[str, ...]]]:
    """WSDL file -> {simple type name: its enumeration values}, for every enumerated type it declares."""
    found = {}
    for path in sorted((ROOT / "wsdl").glob("*.wsdl")):
        root = etree.parse(str(path)).getroot()
        found[path.name] = {t.get("name"): tuple(e.get("value") for e in t.iter(f"{XS}enumeration"))
                            for t in root.iter(f"{XS}simpleType") if t.find(f".//{XS}enumeration") is not None}
    return found


def test_every_enumeration_of_the_wsdls_is_a_code_set_with_exactly_its_values():
    declared = [(wsdl, name, values) for wsdl, types in _enumerations().items() for name, values in types.items()]
    assert {name for _, name, _ in declared} == set(CODE_SETS)  # each set used, and nothing enumerated besides
    for wsdl, name, values in declared:
        assert values == CODE_SETS[name], (wsdl, name)


def test_the_readme_lists_every_code_set_where_it_is_used():
    table = code_sets_table()
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")
    for name, values in CODE_SETS.items():
        [row] = [line for line in table.splitlines() if line.startswith(f"| `{name}` |")]
        where = row.rsplit("|", 2)[-2].strip()
        assert where, f"{name} is used by no operation"
        assert all(f"`{value}`" in row for value in values)


def test_a_required_code_is_still_the_named_type():
    status = code_type("InvoiceStatus", "urn:test")
    assert required(status).get_type_name() == "InvoiceStatus"
    assert required(status).Attributes.min_occurs == 1
    assert required(Unicode).get_type_name() == "string"  # spyne's own types stay as they are


@pytest.mark.parametrize("product_status", [ProductStatus.ACTIVE, ProductStatus.CLOSED, ProductStatus.WITHDRAWN])
@pytest.mark.parametrize("winner_id", [None, 7])
@pytest.mark.parametrize("ends_in", [timedelta(minutes=5), timedelta(minutes=-5)])
def test_every_auction_status_a_client_can_see_is_in_its_code_set(product_status, winner_id, ends_in):
    now = datetime(2026, 12, 7, 12, 0)
    state = auction.Auction(product_id=1, seller_id=2, sale_method=auction.AUCTION, status=product_status,
                            start_price=100, min_increment=10, reserve_price=None, ends_at=now + ends_in,
                            current_price=None, leader_id=None, bid_count=0, winner_id=winner_id)
    assert auction.public_status(state, now) in auction.AUCTION_STATUSES
