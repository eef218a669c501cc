"""node-soap (npm `soap`, pinned in tests/toolkits/package.json and package-lock.json), a toolkit no one
here wrote, used as a Node shop would: soap.createClientAsync(<served WSDL>) with its default options
loads every WSDL with all its operations, every public operation answers, a member's flow runs with the
SessionHeader (client.addSoapHeader), and each service's fault comes back with its faultcode and
FaultDetail code readable from node-soap's error (err.root.Envelope.Body.Fault).

tests/toolkits/node_soap_client.js runs as one Node process for the module, a JSON request and answer
a line, one client per WSDL. node-soap is installed with `npm ci` from the lock file into the
module's pytest tmp folder, never into the repository (npm's own cache makes a rerun take seconds).

Without node or npm, or when `npm ci` fails (node-soap 1.13 wants Node 20.19 or newer: --engine-strict):
a failure under CI=true (.ci/run installs Debian's nodejs and npm when node is missing), a skip
elsewhere."""
from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from lxml import etree

from emall_ws.soap.app import SERVICES
from tests.e2e.catalog import new_member
from tests.e2e.members import PASSWORD, form
from tests.e2e.soap import client
from tests.e2e.toolkits import REGISTRY_READS, assert_every_public_called, listed_products, mistake, newest_code
from tests.processes import required

TOOLKITS = Path(__file__).parents[1] / "toolkits"
RUNNER = TOOLKITS / "node_soap_client.js"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


def unavailable(reason: str) -> None:
    pytest.fail(reason) if os.environ.get("CI") == "true" else pytest.skip(reason)


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory) -> Path:
    """node_modules with the pinned node-soap, `npm ci` from tests/toolkits' lock file."""
    required("node")
    npm = required("npm")
    folder = tmp_path_factory.mktemp("node-soap")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(TOOLKITS / name, folder / name)
    run = subprocess.run([npm, "ci", "--engine-strict", "--ignore-scripts", "--no-audit", "--no-fund",
                          "--loglevel=error"], cwd=folder, capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, npm_config_update_notifier="false"))
    if run.returncode != 0:
        unavailable(f"npm ci of node-soap (tests/toolkits/package-lock.json) failed: what needs it is not "
                    f"tested:\n{run.stdout}{run.stderr}")
    return folder / "node_modules"


class NodeSoap:
    """The running node_soap_client.js: call() sends one request and reads its answer."""

    def __init__(self, node_modules: Path, stderr: Path):
        self.stderr = stderr
        with open(stderr, "wb") as log:
            self.process = subprocess.Popen([required("node"), str(RUNNER)], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=log, text=True,
                                            env=dict(os.environ, NODE_PATH=str(node_modules)))

    def call(self, server, service: str, operation: str | None = None, token: str | None = None,
             **arguments: Any) -> dict:
        """What node-soap, its client built from the served WSDL, answered: operations, and result,
        fault or error."""
        request = {"wsdl": server.wsdl_url(service), "operation": operation, "arguments": arguments,
                   "header": {"namespace": f"urn:emall-kukm:{service.lower()}", "token": token} if token else None}
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        # node-soap says on stderr what it dislikes in a WSDL (console.error)
        said = self.stderr.read_text()
        assert line and not said, (request, "no answer" if ready else "no answer in 60 s", said)
        return json.loads(line)

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def node(node_modules, tmp_path_factory) -> Iterator[NodeSoap]:
    running = NodeSoap(node_modules, tmp_path_factory.mktemp("node-soap-run") / "stderr")
    yield running
    running.close()


def answered(node: NodeSoap, server, service: str, operation: str, token: str | None = None, **arguments: Any):
    answer = node.call(server, service, operation, token, **arguments)
    assert "fault" not in answer and "error" not in answer, (service, operation, answer)
    return answer["result"]


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_node_soap_loads_every_wsdl_with_every_operation(node, server, service):
    wsdl = etree.fromstring(client(server, service).transport.load(server.wsdl_url(service)))
    declared = [op.get("name") for op in wsdl.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")]
    answer = node.call(server, service)
    assert "error" not in answer, answer["error"]
    # client.describe(): {wsdl:service: {wsdl:port: {operation: ...}}}
    assert answer["operations"] == {f"{service}Service": {service: declared}}


@pytest.fixture(scope="module")
def world(server, mailbox):
    return listed_products(server, mailbox)


def test_every_public_operation_answers_node(node, server, mailbox, world):
    """Each public operation called once through node-soap with what a shop would send; the calls
    must name every public operation there is, so a new one cannot go untried."""
    values, pending = form(), form()
    called: dict[str, set[str]] = {}

    def public(service: str, operation: str, **arguments: Any):
        called.setdefault(service, set()).add(operation)
        return answered(node, server, service, operation, **arguments)

    assert "31" in json.dumps(public("Member", "listProvinces"))
    assert "31.74" in json.dumps(public("Member", "listCities", provinceCode="31"))
    assert public("Member", "register", form=values)["result"]["status"] == "PENDING"
    public("Member", "register", form=pending)
    # a code was just sent: answered as for any name (nothing more is sent), never refused
    assert public("Member", "resendActivation", username=pending["username"])
    activation = mailbox.code_for(values["email"])
    public("Member", "activate", username=values["username"], code=activation)
    assert public("Member", "login", username=values["username"], password=PASSWORD)["result"]["token"]
    public("Member", "requestPasswordReset", usernameOrEmail=values["username"])
    public("Member", "resetPassword", username=values["username"],
           code=newest_code(mailbox, values["email"], besides=activation), newPassword="baru-rahasia-456")
    assert public("Member", "login", username=values["username"], password="baru-rahasia-456")["result"]["token"]

    assert world["category"] in json.dumps(public("Catalog", "listCategories"))
    assert str(public("Catalog", "getProduct", productId=world["fixed"])["product"]["productId"]) \
        == str(world["fixed"])
    found = json.dumps(public("Catalog", "searchProducts", filters={"category": world["category"]}))
    assert str(world["fixed"]) in found and str(world["auction"]) in found
    assert str(public("Auction", "getAuction", productId=world["auction"])["auction"]["productId"]) \
        == str(world["auction"])
    public("Auction", "listBids", productId=world["auction"])

    assert "uddi:emall-kukm:service:registry" in json.dumps(public("Registry", "find_service", name="%"))
    for operation, arguments in REGISTRY_READS:
        public("Registry", operation, **arguments)
    assert_every_public_called(called)


def test_a_members_flow_with_the_session_header(node, server, mailbox, world):
    """A member logs in through node-soap, and their token goes in the service's SessionHeader."""
    buyer = new_member(server, mailbox)
    token = answered(node, server, "Member", "login", username=buyer.username, password=PASSWORD)["result"]["token"]
    answered(node, server, "Cart", "addItem", token, productId=world["fixed"], quantity=2)
    assert str(world["fixed"]) in json.dumps(answered(node, server, "Cart", "getCart", token))
    assert answered(node, server, "Member", "getProfile", token)["profile"]["username"] == buyer.username


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
def test_each_services_fault_reaches_node_with_its_code(node, server, service):
    operation, arguments, expected = mistake(service, "node")
    answer = node.call(server, service, operation, **arguments)
    assert "fault" in answer, answer
    fault = answer["fault"]  # node-soap's err.root.Envelope.Body.Fault
    detail = fault.get("detail")
    code = detail.get("FaultDetail", {}).get("code") if isinstance(detail, dict) else None
    assert (fault["faultcode"].split(":")[-1], code) == expected, fault
