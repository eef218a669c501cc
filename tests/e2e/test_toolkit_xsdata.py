"""xsdata (PyPI xsdata[cli,soap,lxml], in setup.cfg's test extras), a toolkit no one here wrote, used as
a Python integrator would: `xsdata generate <served WSDL>` makes dataclasses of every service without
a warning; each operation's input message has the SessionHeader exactly when the operation is a
member's (once it was on every operation of a service, and xsdata made it mandatory even on
Member.listProvinces); and xsdata's own client (Client.from_service, document/literal SOAP 1.1) calls
public operations, a member's flow with the SessionHeader, and one mistake per service, whose code it
reads from the declared FaultDetail."""
from __future__ import annotations

import dataclasses
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

import pytest

from emall_ws.soap.app import SERVICES
from tests.e2e.catalog import new_member
from tests.e2e.members import PASSWORD
from tests.e2e.toolkits import PUBLIC, listed_products, mistake

try:
    from xsdata.formats.dataclass.client import Client
    from xsdata.formats.dataclass.parsers import DictDecoder
except ImportError:  # the fixture below says so
    Client = DictDecoder = None  # type: ignore[assignment,misc]


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory) -> Iterator[dict[str, tuple[ModuleType, str]]]:
    """Per service: the package `xsdata generate` made of its served WSDL, and what it printed.
    Without xsdata: a failure under CI=true, a skip elsewhere (setup.cfg's test extras install it)."""
    if Client is None:
        reason = "xsdata is not installed (pip install -e '.[test]'): what needs it is not tested"
        pytest.fail(reason) if os.environ.get("CI") == "true" else pytest.skip(reason)
    folder = tmp_path_factory.mktemp("xsdata")
    # xsdata formats what it writes with the ruff on its PATH: the one installed next to it
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    made = {}
    sys.path.insert(0, str(folder))
    try:
        for spec in SERVICES:
            package = f"xsdata_{spec.name.lower()}"
            run = subprocess.run([sys.executable, "-m", "xsdata", "generate", server.wsdl_url(spec.name),
                                  "--package", package], cwd=folder, env=env, capture_output=True, text=True,
                                 timeout=120)
            assert run.returncode == 0, run.stdout + run.stderr
            made[spec.name] = (importlib.import_module(package), run.stdout + run.stderr)
        yield made
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.startswith("xsdata_")]:
            del sys.modules[name]


def operations(module: ModuleType) -> dict[str, type]:
    """The generated operation classes (style, location, soap_action, input, output), by operation:
    the platform's soapAction is the operation's name."""
    return {value.soap_action: value for value in vars(module).values()
            if isinstance(value, type) and hasattr(value, "soap_action") and hasattr(value, "input")}


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_xsdata_generates_every_wsdl_with_the_session_header_on_members_operations_only(generated, server, service):
    module, output = generated[service]
    assert "warning" not in output.lower(), output
    declared = operations(module)
    assert declared, output
    for operation, generated_operation in declared.items():
        assert generated_operation.location == f"{server.url}/ws/{service}"
        header = {field.name: field for field in dataclasses.fields(generated_operation.input)}.get("header")
        if operation in PUBLIC[service]:
            assert header is None, (operation, "a public operation declares a header")
        else:
            assert header is not None and header.default is dataclasses.MISSING \
                and header.default_factory is dataclasses.MISSING, (operation, "no mandatory header")
            assert [field.metadata.get("name") for field in dataclasses.fields(generated_operation.input.Header)] \
                == ["SessionHeader"]


def send(generated, service: str, operation: str, token: str | None = None, **arguments: Any):
    """xsdata's client for the operation: the generated output's Body. The request is the generated
    input class, its parts decoded by xsdata from their XML names; a member's operation without a
    token is sent with no header (the mistake of calling before logging in: xsdata, rightly, makes
    the declared SessionHeader a required argument, so a dict without it is refused)."""
    generated_operation = operations(generated[service][0])[operation]
    decode = DictDecoder().decode
    parts: dict[str, Any] = {"body": decode({operation: arguments}, generated_operation.input.Body)}
    if hasattr(generated_operation.input, "Header"):
        parts["header"] = decode({"SessionHeader": {"token": token}}, generated_operation.input.Header) \
            if token else None
    return Client.from_service(generated_operation).send(generated_operation.input(**parts)).body


def answered(generated, service: str, operation: str, token: str | None = None, **arguments: Any):
    body = send(generated, service, operation, token, **arguments)
    assert body.fault is None, (service, operation, body.fault)
    [response] = [value for field in dataclasses.fields(body) if field.name != "fault"
                  for value in [getattr(body, field.name)] if value is not None]
    return response


def test_public_operations_answer_xsdata(generated, server, mailbox):
    world = listed_products(server, mailbox)
    assert "31" in [province.code for province in answered(generated, "Member", "listProvinces").provinces.province]
    found = answered(generated, "Catalog", "searchProducts", filters={"category": world["category"]})
    assert [product.product_id for product in found.result.products.product_summary] \
        == [world["auction"], world["fixed"]]  # newest first
    assert answered(generated, "Auction", "getAuction", productId=world["auction"]).auction.product_id \
        == world["auction"]
    services = answered(generated, "Registry", "find_service", name="%")
    assert "uddi:emall-kukm:service:registry" in str(services)


def test_a_members_flow_with_the_session_header(generated, server, mailbox):
    buyer = new_member(server, mailbox)
    token = answered(generated, "Member", "login", username=buyer.username, password=PASSWORD).result.token
    assert answered(generated, "Member", "getProfile", token).profile.username == buyer.username


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_each_services_fault_reaches_xsdata_with_its_code(generated, service):
    operation, arguments, expected = mistake(service, "xsdata")
    fault = send(generated, service, operation, **arguments).fault
    assert fault is not None and fault.detail is not None and fault.detail.fault_detail is not None, fault
    assert (fault.faultcode.split(":")[-1], fault.detail.fault_detail.code) == expected, fault
