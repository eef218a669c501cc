"""The real server (`emall-ws serve`) on a free port, as a user runs it."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import zeep

from emall_ws.domain.partners import BANKS
from tests.processes import free_port, wait_until_healthy


@dataclass
class RunningServer:
    url: str
    log_path: Path
    database_url: str
    sandbox_url: str

    def wsdl_url(self, service: str) -> str:
        return f"{self.url}/ws/{service}?wsdl"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


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
    home = tmp_path_factory.mktemp("server")
    port, sandbox_port = free_port(), free_port()
    database_url = database_factory.new_url("e2e")
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_WORKERS="2",
               EMALL_VAR_DIR=str(home / "var"), EMALL_DATABASE_URL=database_url,
               EMALL_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}", EMALL_DISPATCH_INTERVAL="0.2", EMALL_RETRY_BASE="1",
               EMALL_RECONCILE_INTERVAL="1", EMALL_TRACKING_INTERVAL="1",
               EMALL_SANDBOX_PORT=str(sandbox_port),
               EMALL_SANDBOX_DATABASE_URL=database_factory.new_url("e2e_sandbox"))
    env.pop("EMALL_PUBLIC_URL", None)
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "emall_ws.cli", "serve"], env=env,
                                   stdout=log, stderr=subprocess.STDOUT, cwd=home)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log_path)
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        wait_until_healthy(sandbox_url, process, log_path, path="/partners/sms?wsdl")  # its own process
        yield RunningServer(url, log_path, database_url, sandbox_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def banks(server):
    """The bank sandboxes' own clients (openAccount, transfer, setFailureMode), WSDLs loaded now:
    a bank told to be UNAVAILABLE refuses its WSDL too."""
    return {code: zeep.Client(f"{server.sandbox_url}/partners/bank/{code}?wsdl").service for code in BANKS}
