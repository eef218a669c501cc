"""The e2e fixtures: the real server (tests/e2e/server.py), its mailbox and bank sandboxes."""
from __future__ import annotations

from pathlib import Path

import pytest
import zeep

from emall_ws.domain.partners import BANKS
from tests.e2e.server import RunningServer, serving
from tests.processes import free_port


def pytest_collection_modifyitems(items):
    """Every test here runs the real server: marked e2e, so `-m "not e2e"` leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that used the server shows the server's logged errors next to its own: a
    Server.Internal fault says nothing, by design, and the log is gone with CI's machine."""
    report = yield
    server = getattr(item, "funcargs", {}).get("server")
    if report.failed and isinstance(server, RunningServer) and server.log_path.exists():
        lines = server.log().splitlines()
        marks = [i for i, line in enumerate(lines) if "ERROR" in line or "Traceback" in line]
        if marks:
            report.sections.append(("server log (errors)", "\n".join(lines[max(0, marks[-1] - 5):][:80])))
    return report


@pytest.fixture(scope="session")
def mailbox():
    """The SMTP server the platform delivers email to, in this process."""
    from tests.e2e.mailbox import start_smtp_server

    port = free_port()
    controller, box = start_smtp_server(port)
    box.port = port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def server(database_factory, tmp_path_factory, mailbox):
    with serving(database_factory, tmp_path_factory.mktemp("server"), mailbox, "e2e") as running_server:
        yield running_server


@pytest.fixture(scope="module")
def banks(server):
    """The bank sandboxes' own clients (openAccount, transfer, setFailureMode), WSDLs loaded now:
    a bank told to be UNAVAILABLE refuses its WSDL too."""
    return {code: zeep.Client(f"{server.sandbox_url}/partners/bank/{code}?wsdl").service for code in BANKS}
