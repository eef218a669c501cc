"""The real server (`emall-ws serve`) on a free port, as a user runs it."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import zeep

from emall_ws.db.session import Database
from emall_ws.domain.partners import BANKS
from tests.builders import TEST_PASSWORD_HASH
from tests.processes import free_port, running, wait_until_healthy


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

    @contextmanager
    def database(self) -> Iterator[Database]:
        """The server's own database, for what SOAP does not show (outbox rows, the worker's jobs)."""
        db = Database(self.database_url)
        try:
            yield db
        finally:
            db.dispose()


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


@contextmanager
def serving(database_factory, home: Path, mailbox, name: str, database_url: str | None = None,
            **settings: str) -> Iterator[RunningServer]:
    """`emall-ws serve` on a free port, with its own database `name` (or the one at `database_url`);
    `settings`: more EMALL_* variables. With EMALL_SANDBOX=0 it starts no sandboxes:
    EMALL_SANDBOX_PORT and the partner URLs say where the partners are."""
    port = free_port()
    database_url = database_url or database_factory.new_url(name)
    settings.setdefault("EMALL_SANDBOX_PORT", str(free_port()))
    # every test of the session calls from 127.0.0.1: as one client, the suite registers far more
    # than a person would (tests/integration/test_message_limits_soap.py holds the limit itself)
    settings.setdefault("EMALL_CLIENT_LIMIT_HOUR", "100000")
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_WORKERS="2",
               EMALL_VAR_DIR=str(home / "var"), EMALL_DATABASE_URL=database_url,
               EMALL_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}", EMALL_DISPATCH_INTERVAL="0.2", EMALL_RETRY_BASE="1",
               EMALL_RECONCILE_INTERVAL="1", EMALL_TRACKING_INTERVAL="1", EMALL_AUCTION_CLOSE_INTERVAL="1",
               EMALL_INVOICE_EXPIRY_INTERVAL="1", EMALL_HEARTBEAT_INTERVAL="0.5",
               EMALL_PASSWORD_HASH=TEST_PASSWORD_HASH,
               EMALL_SANDBOX_DATABASE_URL=database_factory.new_url(f"{name}_sandbox"))
    env.update(settings)  # may replace the defaults above (EMALL_WORKERS ...)
    env.pop("EMALL_PUBLIC_URL", None)
    url, sandbox_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{settings['EMALL_SANDBOX_PORT']}"
    with running(["-m", "emall_ws.cli", "serve"], env, home, home / "server.log", url) as process:
        if env.get("EMALL_SANDBOX") != "0":  # the sandbox is a process of its own
            wait_until_healthy(sandbox_url, process, home / "server.log", path="/partners/sms?wsdl")
        yield RunningServer(url, home / "server.log", database_url, sandbox_url)


@pytest.fixture(scope="module")
def banks(server):
    """The bank sandboxes' own clients (openAccount, transfer, setFailureMode), WSDLs loaded now:
    a bank told to be UNAVAILABLE refuses its WSDL too."""
    return {code: zeep.Client(f"{server.sandbox_url}/partners/bank/{code}?wsdl").service for code in BANKS}
