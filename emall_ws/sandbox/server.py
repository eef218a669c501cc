"""The partner sandboxes as one WSGI application, its server, and the partner contract WSDLs.

Every served path (/partners/bank/bca, /partners/courier/jne, /partners/sms, /partners/dukcapil ...) is its own spyne
Application behind a ServiceEndpoint (WSDL built once for the public URL), the platform's
hardening guard and the failure-mode player. Run it on its own port: an adapter calling a
sandbox served by the same single worker would wait on itself (DESIGN §5).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from emall_ws.logs import configure_logging
from emall_ws.sandbox.application import Partner, PartnerApplication
from emall_ws.sandbox.bank import BankService
from emall_ws.sandbox.callbacks import PREFIX as CALLBACKS_PREFIX
from emall_ws.sandbox.callbacks import CallbackSandbox
from emall_ws.sandbox.contracts import BANK_NS, BANKS, COURIER_NS, COURIERS, DUKCAPIL_NS, OSS_NS, SMS_NS
from emall_ws.sandbox.courier import CourierService
from emall_ws.sandbox.dukcapil import DukcapilService
from emall_ws.sandbox.failures import FailureModes
from emall_ws.sandbox.moota import PREFIX as MOOTA_PREFIX
from emall_ws.sandbox.moota import MootaSandbox
from emall_ws.sandbox.oss import OssService
from emall_ws.sandbox.payout_accounts import PayoutAccounts
from emall_ws.sandbox.seed import VARIABLE as SEED_VARIABLE
from emall_ws.sandbox.seed import SeedError, load_seed
from emall_ws.sandbox.sms import SmsGatewayService
from emall_ws.sandbox.store import SandboxDatabase
from emall_ws.soap import faults
from emall_ws.soap.endpoint import ServiceEndpoint
from emall_ws.soap.hardening import fault_response, guard

MAX_REQUEST_BYTES = 256 * 1024
DEFAULT_PORT = 8001
PARTNER_EXPORT_PUBLIC_URL = f"http://127.0.0.1:{DEFAULT_PORT}"  # the address in wsdl/partners/*.wsdl
REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_DATABASE_URL = "EMALL_SANDBOX_DATABASE_URL"
ENV_PUBLIC_URL = "EMALL_SANDBOX_PUBLIC_URL"
ENV_PLATFORM_DATABASE_URL = "EMALL_DATABASE_URL"  # read only for the sellers' payout accounts
ENV_SEED = SEED_VARIABLE


@dataclass(frozen=True)
class Contract:
    kind: str
    name: str  # the spyne Application's name: the WSDL's service and port type
    tns: str
    services: tuple[type, ...]
    codes: tuple[str, ...]  # the partners serving it
    wsdl_path: str  # relative to wsdl/
    exported_code: str  # whose address the committed WSDL carries

    def path(self, code: str) -> str:
        # a partner of one (the SMS gateway, Dukcapil, OSS) has no code segment
        return f"/partners/{self.kind}" if self.codes == (self.kind,) else f"/partners/{self.kind}/{code}"


CONTRACTS = (
    Contract("bank", "Bank", BANK_NS, (BankService,), tuple(BANKS),
             "partners/bank.wsdl", "bca"),
    Contract("courier", "Courier", COURIER_NS, (CourierService,), tuple(COURIERS),
             "partners/courier.wsdl", "jne"),
    Contract("sms", "SmsGateway", SMS_NS, (SmsGatewayService,), ("sms",),
             "partners/sms.wsdl", "sms"),
    Contract("dukcapil", "Dukcapil", DUKCAPIL_NS, (DukcapilService,), ("dukcapil",),
             "partners/dukcapil.wsdl", "dukcapil"),
    Contract("oss", "Oss", OSS_NS, (OssService,), ("oss",),
             "partners/oss.wsdl", "oss"),
)


def served_paths() -> list[str]:
    return [contract.path(code) for contract in CONTRACTS for code in contract.codes]


def build_endpoint(contract: Contract, code: str, public_url: str,
                   db: SandboxDatabase | None, payouts: PayoutAccounts | None = None) -> ServiceEndpoint:
    path = contract.path(code)
    app = PartnerApplication(list(contract.services), contract.name, contract.tns,
                             Partner(contract.kind, code, path, db, payouts))
    return ServiceEndpoint(app, public_url.rstrip("/") + path, MAX_REQUEST_BYTES)


class SandboxWsgi:
    """Routes /partners/... to its sandbox; /health for readiness; 404 otherwise."""

    def __init__(self, public_url: str, db: SandboxDatabase, payouts: PayoutAccounts | None = None):
        self.db = db
        self.payouts = payouts
        self.endpoints: dict[str, ServiceEndpoint] = {}
        self._routes = {}
        for contract in CONTRACTS:
            for code in contract.codes:
                endpoint = build_endpoint(contract, code, public_url, db, payouts)
                path = contract.path(code)
                self.endpoints[path] = endpoint
                self._routes[path] = FailureModes(guard(endpoint), endpoint, path, db)
        self.moota = MootaSandbox(db)  # JSON, not SOAP: the mutation service pushing to the platform
        self.callbacks = CallbackSandbox(db)  # JSON too: inboxes receiving the platform's callbacks

    def __call__(self, environ, start_response):
        path = (environ.get("PATH_INFO") or "/").rstrip("/")
        route = self._routes.get(path)
        if route is not None:
            return route(environ, start_response)
        if path == "/health":
            ok = self.db.is_reachable()
            body = json.dumps({"status": "ok" if ok else "degraded"}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
            return _respond(start_response, status, "application/json", body)
        if path == MOOTA_PREFIX or path.startswith(MOOTA_PREFIX + "/"):
            return self.moota(environ, start_response)
        if path == CALLBACKS_PREFIX or path.startswith(CALLBACKS_PREFIX + "/"):
            return self.callbacks(environ, start_response)
        if path.startswith("/partners"):
            fault = faults.client_fault("NotFound", "UNKNOWN_SERVICE", "en")
            return fault_response(start_response, 404, fault)
        return _respond(start_response, "404 Not Found", "text/plain; charset=utf-8", b"Not found\n")


def _respond(start_response, status: str, content_type: str, body: bytes):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def default_database_url(var_dir: Path) -> str:
    return f"sqlite:///{Path(var_dir) / 'sandbox.db'}"


def create_sandbox_app(public_url: str, database_url: str, platform_database_url: str | None = None,
                       seed: Path | None = None) -> SandboxWsgi:
    """The sandboxes as a WSGI callable; creates their tables if missing. `platform_database_url`: where the
    bank sandbox reads which accounts are sellers' payout accounts (none: it knows only opened ones).
    `seed`: a seed file (sandbox/seed.py) loaded first; a malformed one raises SeedError."""
    db = SandboxDatabase(database_url)
    db.create_schema()
    if seed is not None:
        load_seed(db, seed)
    return SandboxWsgi(public_url, db, PayoutAccounts(platform_database_url))


def app_from_env() -> SandboxWsgi:
    """Granian's factory in each worker process (through emall_ws.sandbox.wsgi): settings come
    through the environment."""
    configure_logging(os.environ.get("EMALL_LOG_LEVEL", "INFO"))
    return create_sandbox_app(os.environ[ENV_PUBLIC_URL], os.environ[ENV_DATABASE_URL],
                              os.environ.get(ENV_PLATFORM_DATABASE_URL))


def run_sandbox(host: str, port: int, database_url: str, public_url: str | None = None, *,
                workers: int = 2, threads: int = 8, supervised: bool = False,
                platform_database_url: str | None = None, seed: Path | None = None) -> None:
    """Serves the sandboxes until stopped (emall_ws.serving.servers.serve_sandbox); `platform_database_url`
    and `seed` as create_sandbox_app takes them."""
    from emall_ws.serving.servers import serve_sandbox

    public_url = (public_url or f"http://{host}:{port}").rstrip("/")
    configure_logging(os.environ.get("EMALL_LOG_LEVEL", "INFO"))
    db = SandboxDatabase(database_url)
    try:
        db.create_schema()  # once, before the workers race to do it
        if seed is not None:  # once too: the workers find it done (and a bad file stops us before them)
            load_seed(db, seed)
    finally:
        db.dispose()
    os.environ[ENV_PUBLIC_URL], os.environ[ENV_DATABASE_URL] = public_url, database_url
    if platform_database_url:
        os.environ[ENV_PLATFORM_DATABASE_URL] = platform_database_url
    serve_sandbox(host, port, workers, threads, supervised=supervised)


def sandbox_wsdl_documents(public_url: str = PARTNER_EXPORT_PUBLIC_URL) -> dict[str, bytes]:
    """Each partner contract's WSDL, keyed by its path under wsdl/ (no database is touched)."""
    return {contract.wsdl_path: build_endpoint(contract, contract.exported_code, public_url, None).wsdl
            for contract in CONTRACTS}


def export_partner_wsdl(out_dir: Path, public_url: str = PARTNER_EXPORT_PUBLIC_URL) -> list[Path]:
    """Writes partners/<kind>.wsdl under out_dir (the repository's wsdl/ folder)."""
    written = []
    for relative, document in sandbox_wsdl_documents(public_url).items():
        path = Path(out_dir) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(document)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """python -m emall_ws.sandbox.server: until `emall-ws sandbox` exists, and for subprocesses."""
    parser = argparse.ArgumentParser(prog="emall_ws.sandbox.server", description="partner sandboxes")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--database-url", default=None, help="default: sqlite:///./var/sandbox.db")
    parser.add_argument("--public-url", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=Path, default=os.environ.get(ENV_SEED) or None,
                        help=f"a seed file to load at start (default: ${ENV_SEED})")
    parser.add_argument("--export-wsdl", metavar="DIR", help="write the partner WSDLs under DIR and exit")
    args = parser.parse_args(argv)
    if args.export_wsdl:
        for path in export_partner_wsdl(Path(args.export_wsdl)):
            print(path)
        return 0
    try:
        run_sandbox(args.host, args.port, args.database_url or default_database_url(Path("var")), args.public_url,
                    workers=args.workers, seed=args.seed)
    except SeedError as error:
        print(f"emall_ws.sandbox.server: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
