"""Settings from environment variables, with defaults that need no set-up."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

_PARTNER_URL = re.compile(r"EMALL_(BANK_[A-Z]+|COURIER_[A-Z]+|SMS)_URL")
# granian loses a stop signal that reaches a server worker still starting (a Ctrl-C to the process
# group in its first seconds): past this many seconds such a worker is killed at shutdown
WORKERS_KILL_TIMEOUT = 10
SMS_PROVIDERS = ("gateway", "gammu")
LOG_FORMATS = ("text", "json")

# Every setting: (environment variable, default, meaning). The README lists these.
SETTINGS_DOC = (
    ("EMALL_HOST", "127.0.0.1", "address the SOAP server listens on"),
    ("EMALL_PORT", "8000", "port the SOAP server listens on"),
    ("EMALL_PUBLIC_URL", "http://<EMALL_HOST>:<EMALL_PORT>",
     "base URL written into every WSDL's soap:address and the registry; never taken from a request"),
    ("EMALL_VAR_DIR", "./var", "folder of the embedded database and the local mail folder"),
    ("EMALL_DATABASE_URL", "sqlite:///<EMALL_VAR_DIR>/emall.db",
     "SQLAlchemy URL; MariaDB/MySQL: mysql+pymysql://user:password@host:3306/emall"),
    ("EMALL_WORKERS", "2", "WSGI worker processes of `emall-ws serve`"),
    ("EMALL_THREADS", "1", "Python threads per worker (granian blocking threads; 1 measured best)"),
    ("EMALL_MAX_REQUEST_BYTES", "262144", "largest accepted SOAP request body, in bytes"),
    ("EMALL_LOG_LEVEL", "INFO", "log level of the platform's own loggers"),
    ("EMALL_SMTP_URL", "(none: Maildir <EMALL_VAR_DIR>/mail)",
     "outgoing mail server: smtp://user:pass@host:25, smtp+starttls://...:587 or smtps://...:465"),
    ("EMALL_MAIL_FROM", "Emall KUKM <no-reply@emall-kukm.local>", "sender of every email"),
    ("EMALL_DISPATCH_INTERVAL", "5", "seconds between notification dispatcher rounds when idle"),
    ("EMALL_RETRY_BASE", "60", "seconds before a failed notification's first retry (then doubling, up to 1 h)"),
    ("EMALL_SANDBOX", "1", "1: `emall-ws serve` also runs the partner sandboxes (on their own port); 0: not"),
    ("EMALL_SANDBOX_PORT", "8001", "port of the partner sandboxes"),
    ("EMALL_SANDBOX_URL", "http://<EMALL_HOST>:<EMALL_SANDBOX_PORT>", "base URL of the partner sandboxes"),
    ("EMALL_SANDBOX_DATABASE_URL", "sqlite:///<EMALL_VAR_DIR>/sandbox.db", "the sandboxes' own database"),
    ("EMALL_BANK_<CODE>_URL", "<EMALL_SANDBOX_URL>/partners/bank/<code>",
     "endpoint of a bank's mutation service (its WSDL: <endpoint>?wsdl); CODE: BCA, MANDIRI, BNI, BRI"),
    ("EMALL_COURIER_<CODE>_URL", "<EMALL_SANDBOX_URL>/partners/courier/<code>",
     "endpoint of a courier's service (its WSDL: <endpoint>?wsdl); CODE: POS, TIKI, JNE, FEDEX, DHL, WAHANA, PCP"),
    ("EMALL_SMS_URL", "<EMALL_SANDBOX_URL>/partners/sms", "endpoint of the SMS gateway (its WSDL: <endpoint>?wsdl)"),
    ("EMALL_SMS_PROVIDER", "gateway",
     "gateway (SOAP SMS gateway) or gammu (Gammu SMSD outbox table); anything else is refused at start"),
    ("EMALL_GAMMU_DATABASE_URL", "(none)", "Gammu SMSD database, for EMALL_SMS_PROVIDER=gammu"),
    ("EMALL_PARTNER_TIMEOUT", "10", "seconds a partner call may take before it counts as unavailable"),
    ("EMALL_INVOICE_DUE_HOURS", "24", "hours a buyer has to pay an invoice before it expires (stock comes back)"),
    ("EMALL_QUOTE_TTL_MINUTES", "60", "minutes a shipping quote stays valid for checkout (then: quote again)"),
    ("EMALL_RECONCILE_INTERVAL", "60", "seconds between the worker's readings of the payee accounts' mutations"),
    ("EMALL_RECONCILE_OVERLAP", "900",
     "seconds each reading goes back into the previous one, for mutations a bank posts late"),
    ("EMALL_LATE_PAYMENT_DAYS", "7",
     "days after an invoice expires that its payee account is still read, so a late payment is flagged"),
    ("EMALL_TRACKING_INTERVAL", "300", "seconds between two tracking reads of one open shipment by the worker"),
    ("EMALL_TRACKING_CONCURRENCY", "4", "most tracking calls the worker makes to one courier at once"),
    ("EMALL_AUTO_COMPLETE_DAYS", "2", "days after delivery an order completes if the buyer has not confirmed"),
    ("EMALL_LOG_FORMAT", "text",
     "text (one line per event) or json (one JSON object per line); anything else is refused"),
    ("EMALL_ACCESS_LOG", "1", "1: one access line per SOAP call (never a body or a secret); 0: none"),
    ("EMALL_METRICS", "1", "1: Prometheus metrics at GET /metrics; 0: off (/metrics answers 404)"),
)


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    public_url: str
    var_dir: Path
    database_url: str
    workers: int
    threads: int
    max_request_bytes: int
    log_level: str
    smtp_url: str | None
    mail_from: str
    dispatch_interval: float
    retry_base: float
    sandbox_enabled: bool
    sandbox_port: int
    sandbox_url: str
    sandbox_database_url: str
    sms_provider: str
    gammu_database_url: str | None
    partner_timeout: float
    partner_url_overrides: Mapping[str, str]  # EMALL_BANK_BCA_URL ... as given
    invoice_due_hours: float = 24.0
    quote_ttl_minutes: float = 60.0
    reconcile_interval: float = 60.0
    reconcile_overlap: float = 900.0
    late_payment_days: float = 7.0

    def __post_init__(self):
        if self.reconcile_overlap < 1:
            # banks post whole seconds: a credit in the second a reading ended is only seen by the next
            raise ValueError("EMALL_RECONCILE_OVERLAP must be at least 1 (seconds)")
        if self.sms_provider not in SMS_PROVIDERS:  # a typo must not quietly pick another channel
            raise ValueError(f"EMALL_SMS_PROVIDER must be {' or '.join(SMS_PROVIDERS)}, not {self.sms_provider!r}")
        if self.invoice_due_hours <= 0:
            # 0 or less: every invoice would be born overdue and expire at the worker's next turn
            raise ValueError("EMALL_INVOICE_DUE_HOURS must be more than 0 (hours)")
        if self.quote_ttl_minutes <= 0:
            raise ValueError("EMALL_QUOTE_TTL_MINUTES must be more than 0 (minutes)")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"EMALL_LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, not {self.log_format!r}")
    tracking_interval: float = 300.0
    tracking_concurrency: int = 4
    auto_complete_days: float = 2.0
    log_format: str = "text"
    access_log: bool = True
    metrics_enabled: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        host = overrides.get("host") or env.get("EMALL_HOST", "127.0.0.1")
        port = int(overrides.get("port") or env.get("EMALL_PORT", "8000"))
        var_dir = Path(env.get("EMALL_VAR_DIR", "var"))
        public_url = env.get("EMALL_PUBLIC_URL") or f"http://{host}:{port}"
        sandbox_port = int(env.get("EMALL_SANDBOX_PORT", "8001"))
        database_url = env.get("EMALL_DATABASE_URL") or f"sqlite:///{var_dir / 'emall.db'}"
        return cls(
            host=host,
            port=port,
            public_url=public_url.rstrip("/"),
            var_dir=var_dir,
            database_url=database_url,
            workers=int(env.get("EMALL_WORKERS", "2")),
            threads=int(env.get("EMALL_THREADS", "1")),
            max_request_bytes=int(env.get("EMALL_MAX_REQUEST_BYTES", str(256 * 1024))),
            log_level=env.get("EMALL_LOG_LEVEL", "INFO").upper(),
            smtp_url=env.get("EMALL_SMTP_URL") or None,
            mail_from=env.get("EMALL_MAIL_FROM", "Emall KUKM <no-reply@emall-kukm.local>"),
            dispatch_interval=float(env.get("EMALL_DISPATCH_INTERVAL", "5")),
            retry_base=float(env.get("EMALL_RETRY_BASE", "60")),
            sandbox_enabled=env.get("EMALL_SANDBOX", "1") not in ("0", "false", "no"),
            sandbox_port=sandbox_port,
            sandbox_url=(env.get("EMALL_SANDBOX_URL") or f"http://{host}:{sandbox_port}").rstrip("/"),
            sandbox_database_url=env.get("EMALL_SANDBOX_DATABASE_URL") or f"sqlite:///{var_dir / 'sandbox.db'}",
            sms_provider=env.get("EMALL_SMS_PROVIDER", "gateway").strip().lower(),
            gammu_database_url=env.get("EMALL_GAMMU_DATABASE_URL") or None,
            partner_timeout=float(env.get("EMALL_PARTNER_TIMEOUT", "10")),
            partner_url_overrides={k: v for k, v in env.items() if _PARTNER_URL.fullmatch(k)},
            invoice_due_hours=float(env.get("EMALL_INVOICE_DUE_HOURS", "24")),
            quote_ttl_minutes=float(env.get("EMALL_QUOTE_TTL_MINUTES", "60")),
            reconcile_interval=float(env.get("EMALL_RECONCILE_INTERVAL", "60")),
            reconcile_overlap=float(env.get("EMALL_RECONCILE_OVERLAP", "900")),
            late_payment_days=float(env.get("EMALL_LATE_PAYMENT_DAYS", "7")),
            tracking_interval=float(env.get("EMALL_TRACKING_INTERVAL", "300")),
            tracking_concurrency=max(1, int(env.get("EMALL_TRACKING_CONCURRENCY", "4"))),
            auto_complete_days=float(env.get("EMALL_AUTO_COMPLETE_DAYS", "2")),
            log_format=env.get("EMALL_LOG_FORMAT", "text").strip().lower(),
            access_log=env.get("EMALL_ACCESS_LOG", "1") not in ("0", "false", "no"),
            metrics_enabled=env.get("EMALL_METRICS", "1") not in ("0", "false", "no"),
        )

    def partner_url(self, kind: str, code: str = "") -> str:
        """Endpoint of one partner (kind bank, courier or sms): configured, else the sandbox's."""
        name = "_".join(filter(None, ("EMALL", kind, code, "URL"))).upper()
        path = "/".join(filter(None, ("partners", kind, code)))
        return self.partner_url_overrides.get(name) or f"{self.sandbox_url}/{path}"
