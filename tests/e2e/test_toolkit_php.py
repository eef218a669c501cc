"""PHP's own SoapClient (Debian php-cli, php-soap), a toolkit no one here wrote, used as a PHP shop would:
every WSDL loads with all its operations, every public operation answers, a member's flow runs with the
SessionHeader, and each service's fault comes back with its code readable from the detail.

Without php or its soap extension: a failure under CI=true (.ci/run installs them), a skip elsewhere."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from emall_ws.soap.app import SERVICES
from tests.e2e.catalog import new_member
from tests.e2e.members import PASSWORD, form
from tests.e2e.soap import client
from tests.e2e.toolkits import REGISTRY_READS, assert_every_public_called, listed_products, mistake, newest_code
from tests.processes import required

RUNNER = Path(__file__).parents[1] / "toolkits" / "soapclient.php"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


@pytest.fixture(scope="module")
def php() -> str:
    program = required("php")
    modules = subprocess.run([program, "-m"], capture_output=True, text=True, check=True).stdout.split()
    if "soap" not in modules:
        pytest.fail("PHP's soap extension is missing (Debian: apt-get install php-soap; .ci/run installs it)")
    return program


def call(php: str, server, service: str, operation: str | None = None, token: str | None = None,
         **arguments: Any) -> dict:
    """What PHP's SoapClient, built from the served WSDL, answered: functions, and result or fault."""
    request = {"wsdl": server.wsdl_url(service), "operation": operation, "arguments": arguments,
               "header": {"namespace": f"urn:emall-kukm:{service.lower()}", "token": token} if token else None}
    run = subprocess.run([php, str(RUNNER)], input=json.dumps(request), capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and not run.stderr, run.stderr  # PHP warns on stderr about a WSDL it dislikes
    return json.loads(run.stdout)


def answered(php: str, server, service: str, operation: str, token: str | None = None, **arguments: Any):
    answer = call(php, server, service, operation, token, **arguments)
    assert "fault" not in answer, (service, operation, answer.get("fault"))
    return answer["result"]


def detail_code(fault: dict) -> str | None:
    """The platform's code in the fault detail as PHP decoded it (FaultDetail's code, wherever nested)."""
    def find(value: Any) -> str | None:
        if isinstance(value, dict):
            if isinstance(value.get("code"), str):
                return value["code"]
            return next((found for item in value.values() if (found := find(item))), None)
        return None
    return find(fault.get("detail"))


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_every_wsdl_loads_with_every_operation(php, server, service):
    wsdl = etree.fromstring(client(server, service).transport.load(server.wsdl_url(service)))
    declared = {op.get("name") for op in wsdl.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")}
    functions = call(php, server, service)["functions"]
    # "ResponseType name(RequestType $parameters)": one function per operation of the WSDL
    assert {line.split("(")[0].split()[-1] for line in functions} == declared


@pytest.fixture(scope="module")
def world(server, mailbox):
    return listed_products(server, mailbox)


def test_every_public_operation_answers_php(php, server, mailbox, world):
    """Each public operation called once by PHP with what a shop would send; the table below must name
    every public operation there is, so a new one cannot go untried."""
    values = form()
    pending = form()
    called: dict[str, set[str]] = {}

    def public(service: str, operation: str, **arguments: Any):
        called.setdefault(service, set()).add(operation)
        return answered(php, server, service, operation, **arguments)

    provinces = public("Member", "listProvinces")
    assert "31" in json.dumps(provinces)
    assert "31.74" in json.dumps(public("Member", "listCities", provinceCode="31"))
    public("Member", "register", form=values)
    public("Member", "register", form=pending)
    # a code was just sent: answered as for any name (nothing more is sent), never refused
    assert public("Member", "resendActivation", username=pending["username"])
    activation = mailbox.code_for(values["email"])
    public("Member", "activate", username=values["username"], code=activation)
    assert public("Member", "login", username=values["username"], password=PASSWORD)["result"]["token"]
    public("Member", "requestPasswordReset", usernameOrEmail=values["username"])
    public("Member", "resetPassword", username=values["username"], newPassword="baru-rahasia-456",
           code=newest_code(mailbox, values["email"], besides=activation))
    assert public("Member", "login", username=values["username"], password="baru-rahasia-456")["result"]["token"]

    categories = json.dumps(public("Catalog", "listCategories"))
    assert world["category"] in categories
    assert public("Catalog", "getProduct", productId=world["fixed"])["product"]["productId"] == world["fixed"]
    found = json.dumps(public("Catalog", "searchProducts", filters={"category": world["category"]}))
    assert str(world["fixed"]) in found and str(world["auction"]) in found
    assert public("Auction", "getAuction", productId=world["auction"])["auction"]["productId"] == world["auction"]
    public("Auction", "listBids", productId=world["auction"])

    services = json.dumps(public("Registry", "find_service", name="%"))
    assert "uddi:emall-kukm:service:registry" in services
    for operation, arguments in REGISTRY_READS:
        public("Registry", operation, **arguments)
    assert_every_public_called(called)


def test_a_members_flow_with_the_session_header(php, server, mailbox, world):
    buyer = new_member(server, mailbox)
    answered(php, server, "Cart", "addItem", buyer.token, productId=world["fixed"], quantity=2)
    cart = json.dumps(answered(php, server, "Cart", "getCart", buyer.token))
    assert str(world["fixed"]) in cart
    assert answered(php, server, "Member", "getProfile", buyer.token)["profile"]["username"] == buyer.username


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_each_services_fault_reaches_php_with_its_code(php, server, service):
    operation, arguments, expected = mistake(service, "php")
    fault = call(php, server, service, operation, **arguments)["fault"]
    assert (fault["code"].split(":")[-1], detail_code(fault)) == expected, fault
