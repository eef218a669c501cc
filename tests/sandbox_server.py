"""The partner sandboxes over real HTTP, for adapter tests: `python -m emall_ws.sandbox.server`
(granian, 2 worker processes, as `emall-ws sandbox` will run it) on a free loopback port, with
its own throw-away database (SQLite file, or MariaDB in MariaDB mode).

Import the fixtures into a test module: `from tests.sandbox_server import partners, sandbox`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import zeep

from emall_ws.sandbox.store import SandboxDatabase
from tests.processes import free_port, running

ROOT = Path(__file__).resolve().parents[1]
# Seconds an adapter under test waits for the sandbox. PATIENT for every call meant to be answered:
# far beyond a normal answer, so a busy machine does not turn a slow answer into a failure (sends
# are never retried). IMPATIENT only where a test means the call to time out, against SLOW mode
# with a delay longer than it.
PATIENT = 10.0
IMPATIENT = 0.5
BANK_ACCOUNTS = {"bca": "0123456789", "mandiri": "1230004567890", "bni": "0098765432", "bri": "012301000123456"}


@dataclass
class RunningSandbox:
    url: str
    db: SandboxDatabase  # the sandbox's own database, for call counts and failure modes
    log_path: Path

    def bank(self, code: str) -> str:
        return f"{self.url}/partners/bank/{code}"

    def courier(self, code: str) -> str:
        return f"{self.url}/partners/courier/{code}"

    @property
    def sms(self) -> str:
        return f"{self.url}/partners/sms"

    @property
    def dukcapil(self) -> str:
        return f"{self.url}/partners/dukcapil"

    @property
    def oss(self) -> str:
        return f"{self.url}/partners/oss"

    def calls(self, url: str, operation: str | None = None) -> int:
        """How many requests for `operation` reached the partner at url (any failure mode)."""
        return self.db.count_calls(url[len(self.url):], operation)

    def fail(self, url: str, mode: str, delay_ms: int = 0) -> None:
        self.db.set_failure_mode(url[len(self.url):], mode, delay_ms)

    def driver(self, url: str) -> zeep.Client:
        """A plain zeep client, to drive the sandbox-only operations (openAccount, transfer ...)."""
        return zeep.Client(url + "?wsdl", settings=zeep.Settings(strict=False))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")



@pytest.fixture(scope="session")
def sandbox(database_factory, tmp_path_factory):
    home = tmp_path_factory.mktemp("sandbox")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = database_factory.new_url("sandbox")
    log_path = home / "sandbox.log"
    env = dict(os.environ, EMALL_LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    db = SandboxDatabase(database_url)
    try:
        with running(["-m", "emall_ws.sandbox.server", "--host", "127.0.0.1", "--port", str(port),
                      "--database-url", database_url, "--public-url", url, "--workers", "2"],
                     env, home, log_path, url):
            yield RunningSandbox(url, db, log_path)
    finally:
        db.dispose()


@pytest.fixture
def partners(sandbox):
    """The running sandbox, every path back to NORMAL after the test."""
    sandbox.db.reset_failure_modes()
    yield sandbox
    sandbox.db.reset_failure_modes()
