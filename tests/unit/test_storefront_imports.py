"""The storefront (storefront/) is a third-party shop built on the published WSDLs: it imports
nothing of the platform's (`emall_ws`), which only starts it (`emall-ws storefront`)."""
from __future__ import annotations

import ast
from pathlib import Path

STOREFRONT = Path(__file__).resolve().parents[2] / "storefront"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_the_storefront_imports_nothing_of_the_platform():
    files = sorted(STOREFRONT.rglob("*.py"))
    assert len(files) >= 4
    for path in files:
        for name in imported_modules(path):
            assert name.split(".")[0] not in {"emall_ws", "tests"}, f"{path.name} imports {name}"
            assert not name.startswith(".."), f"{path.name} imports {name}"


def test_the_storefront_talks_to_the_platform_through_its_wsdls():
    source = (STOREFRONT / "platform.py").read_text()
    assert '/ws/{service}?wsdl' in source and "zeep.Client(" in source
