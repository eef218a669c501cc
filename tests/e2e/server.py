"""The real server (`emall-ws serve`) on a free port, as a user runs it, with what the e2e tests
configure: background work every second or faster, cheap password hashes."""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from emall_ws.db.session import Database
from tests.builders import TEST_PASSWORD_HASH
from tests.processes import free_port, running, wait_until_healthy


@dataclass
class RunningServer:
    url: str
    log_path: Path
    database_url: str
    sandbox_url: str
    storefront_url: str  # `serve` runs the storefront too (unless EMALL_STOREFRONT=0)

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


@contextmanager
def serving(database_factory, home: Path, mailbox, name: str, database_url: str | None = None,
            **settings: str) -> Iterator[RunningServer]:
    """`emall-ws serve` on a free port, with its own database `name` (or the one at `database_url`);
    `settings`: more EMALL_* variables. With EMALL_SANDBOX=0 it starts no sandboxes:
    EMALL_SANDBOX_PORT and the partner URLs say where the partners are."""
    port = free_port()
    database_url = database_url or database_factory.new_url(name)
    settings.setdefault("EMALL_SANDBOX_PORT", str(free_port()))
    settings.setdefault("EMALL_WEB_PORT", str(free_port()))
    # every test of the session calls from 127.0.0.1: as one client, the suite registers far more
    # than a person would (tests/integration/test_message_limits_soap.py holds the limit itself)
    settings.setdefault("EMALL_CLIENT_LIMIT_HOUR", "100000")
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_PORT=str(port), EMALL_WORKERS="2",
               EMALL_VAR_DIR=str(home / "var"), EMALL_DATABASE_URL=database_url,
               EMALL_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}", EMALL_DISPATCH_INTERVAL="0.2", EMALL_RETRY_BASE="1",
               EMALL_RECONCILE_INTERVAL="1", EMALL_TRACKING_INTERVAL="1", EMALL_AUCTION_CLOSE_INTERVAL="1",
               EMALL_INVOICE_EXPIRY_INTERVAL="1", EMALL_HEARTBEAT_INTERVAL="0.5", EMALL_VERIFY_INTERVAL="1",
               EMALL_ALLOW_PRIVATE_CALLBACKS="1", EMALL_CALLBACK_INTERVAL="0.5", EMALL_CALLBACK_RETRY_BASE="1",
               EMALL_PASSWORD_HASH=TEST_PASSWORD_HASH,
               EMALL_SANDBOX_DATABASE_URL=database_factory.new_url(f"{name}_sandbox"))
    env.update(settings)  # may replace the defaults above (EMALL_WORKERS ...)
    env.pop("EMALL_PUBLIC_URL", None)
    url, sandbox_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{settings['EMALL_SANDBOX_PORT']}"
    storefront_url = f"http://127.0.0.1:{settings['EMALL_WEB_PORT']}"
    with running(["-m", "emall_ws.cli", "serve"], env, home, home / "server.log", url) as process:
        if env.get("EMALL_SANDBOX") != "0":  # the sandbox is a process of its own
            wait_until_healthy(sandbox_url, process, home / "server.log", path="/partners/sms?wsdl")
        if env.get("EMALL_STOREFRONT") != "0":
            wait_until_healthy(storefront_url, process, home / "server.log", path="/static/style.css")
        yield RunningServer(url, home / "server.log", database_url, sandbox_url, storefront_url)
