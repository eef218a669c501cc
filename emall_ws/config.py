"""Settings from environment variables, with defaults that need no set-up."""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from emall_ws.client_address import Network, parse_networks
from emall_ws.passwords import DEFAULT_PASSWORD_HASH, PASSWORD_HASH_PROFILES

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
    ("EMALL_THREADS", "1",
     "threads per worker that run operations; 1 (measured best): the worker's event loop runs them"),
    ("EMALL_MAX_REQUEST_BYTES", "262144", "largest accepted SOAP request body, in bytes"),
    ("EMALL_BODY_TIMEOUT", "10",
     "seconds a request body may take to arrive in full; later: HTTP 408, fault BODY_TIMEOUT"),
    ("EMALL_LOG_LEVEL", "INFO", "log level of the platform's own loggers"),
    ("EMALL_SMTP_URL", "(none: Maildir <EMALL_VAR_DIR>/mail)",
     "outgoing mail server: smtp://user:pass@host:25, smtp+starttls://...:587 or smtps://...:465"),
    ("EMALL_MAIL_FROM", "Emall KUKM <no-reply@emall-kukm.local>", "sender of every email"),
    ("EMALL_DISPATCH_INTERVAL", "5", "seconds between notification dispatcher rounds when idle"),
    ("EMALL_AUCTION_CLOSE_INTERVAL", "5", "seconds between the worker's rounds closing auctions past their end time"),
    ("EMALL_INVOICE_EXPIRY_INTERVAL", "30",
     "seconds between the worker's rounds expiring unpaid invoices past their due time"),
    ("EMALL_HEARTBEAT_INTERVAL", "5",
     "seconds between a worker's writes of its heartbeat and job records (read by /health and /metrics)"),
    ("EMALL_RETRY_BASE", "60", "seconds before a failed notification's first retry (then doubling, up to 1 h)"),
    ("EMALL_SANDBOX", "(1 on loopback)",
     "1: `emall-ws serve` also runs the partner sandboxes and partners not configured use them (on a public "
     "address only when set explicitly: a demo with simulated payments); 0: not"),
    ("EMALL_SANDBOX_HOST", "127.0.0.1", "address the partner sandboxes listen on"),
    ("EMALL_SANDBOX_PORT", "8001", "port of the partner sandboxes"),
    ("EMALL_SANDBOX_URL", "http://127.0.0.1:<EMALL_SANDBOX_PORT>", "base URL of the partner sandboxes"),
    ("EMALL_SANDBOX_DATABASE_URL", "sqlite:///<EMALL_VAR_DIR>/sandbox.db", "the sandboxes' own database"),
    ("EMALL_BANK_<CODE>_URL", "<EMALL_SANDBOX_URL>/partners/bank/<code>",
     "endpoint of a bank's mutation service (its WSDL: <endpoint>?wsdl); CODE: BCA, MANDIRI, BNI, BRI"),
    ("EMALL_COURIER_<CODE>_URL", "<EMALL_SANDBOX_URL>/partners/courier/<code>",
     "endpoint of a courier's service (its WSDL: <endpoint>?wsdl); CODE: POS, TIKI, JNE, FEDEX, DHL, WAHANA, PCP"),
    ("EMALL_SMS_URL", "<EMALL_SANDBOX_URL>/partners/sms", "endpoint of the SMS gateway (its WSDL: <endpoint>?wsdl)"),
    ("EMALL_SMS_PROVIDER", "gateway",
     "gateway (SOAP SMS gateway) or gammu (Gammu SMSD outbox table); anything else is refused at start"),
    ("EMALL_GAMMU_DATABASE_URL", "(none)", "Gammu SMSD database, for EMALL_SMS_PROVIDER=gammu"),
    ("EMALL_PARTNER_TIMEOUT", "5",
     "seconds a partner call may take in all (connect included) before it counts as unavailable; inside a "
     "SOAP request it is tried once, the worker retries"),
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
    ("EMALL_MAX_OPEN_INVOICES", "5", "unpaid invoices one buyer may hold; more checkouts wait until one is paid or cancelled"),
    ("EMALL_MESSAGE_LIMIT_HOUR", "3",
     "activation codes, and apart from them reset codes, one phone number or email address receives per hour"),
    ("EMALL_MESSAGE_LIMIT_DAY", "10", "the same, per day (UTC)"),
    ("EMALL_CLIENT_LIMIT_HOUR", "20",
     "registrations, activation resends and password reset requests one client address may make per hour"),
    ("EMALL_TRUSTED_PROXIES", "(none)",
     "comma-separated addresses and CIDR networks of the reverse proxies whose X-Forwarded-For names the client"),
    ("EMALL_LOG_FORMAT", "text",
     "text (one line per event) or json (one JSON object per line); anything else is refused"),
    ("EMALL_ACCESS_LOG", "1", "1: one access line per SOAP call (never a body or a secret); 0: none"),
    ("EMALL_METRICS", "1", "1: Prometheus metrics at GET /metrics; 0: off (/metrics answers 404)"),
    ("EMALL_PASSWORD_HASH", DEFAULT_PASSWORD_HASH,
     "Argon2id parameters of new password hashes: rfc9106-low-memory (RFC 9106); cheapest protects nothing "
     "and is for test suites only"),
)


class FailClosed(ValueError):
    """Settings that are each valid but together unsafe for a public server."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _reachable(host: str) -> str:
    """The address to call a server listening on `host` at: a wildcard is reached on loopback."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


class SettingError(ValueError):
    """A setting whose value cannot be used: says which, the value given, and what is expected."""

    def __init__(self, name: str, value: str, expected: str):
        self.name, self.value, self.expected = name, value, expected
        super().__init__(f"{name}={value!r} is not valid: expected {expected}")


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
    body_timeout: float
    log_level: str
    smtp_url: str | None
    mail_from: str
    dispatch_interval: float
    retry_base: float
    auction_close_interval: float
    invoice_expiry_interval: float
    heartbeat_interval: float
    sandbox_enabled: bool
    sandbox_explicit: bool  # EMALL_SANDBOX was given: a public demo with simulated partners is intended
    sandbox_host: str
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
    tracking_interval: float = 300.0
    tracking_concurrency: int = 4
    auto_complete_days: float = 2.0
    max_open_invoices: int = 5
    message_limit_hour: int = 3
    message_limit_day: int = 10
    client_limit_hour: int = 20
    trusted_proxies: tuple[Network, ...] = ()
    log_format: str = "text"
    access_log: bool = True
    metrics_enabled: bool = True
    password_hash: str = DEFAULT_PASSWORD_HASH

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Every setting read and checked; the first unusable one raises SettingError."""
        read = _Reader(os.environ if env is None else env)
        host = overrides.get("host") or read.text("EMALL_HOST", "127.0.0.1")
        port = int(overrides.get("port") or read.port("EMALL_PORT", "8000"))
        var_dir = Path(read.text("EMALL_VAR_DIR", "var"))
        sandbox_host = read.text("EMALL_SANDBOX_HOST", "127.0.0.1")
        sandbox_port = read.port("EMALL_SANDBOX_PORT", "8001")
        sandbox_url = read.url("EMALL_SANDBOX_URL", f"http://{_reachable(sandbox_host)}:{sandbox_port}")
        return cls(
            host=host,
            port=port,
            public_url=read.url("EMALL_PUBLIC_URL", f"http://{host}:{port}"),
            var_dir=var_dir,
            database_url=read.database_url("EMALL_DATABASE_URL", f"sqlite:///{var_dir / 'emall.db'}"),
            workers=read.number("EMALL_WORKERS", "2", int, minimum=1),
            threads=read.number("EMALL_THREADS", "1", int, minimum=1),
            max_request_bytes=read.number("EMALL_MAX_REQUEST_BYTES", str(256 * 1024), int, minimum=512),
            body_timeout=read.number("EMALL_BODY_TIMEOUT", "10", float, above=0),
            log_level=read.choice("EMALL_LOG_LEVEL", "INFO", LOG_LEVELS, upper=True),
            smtp_url=read.optional_url("EMALL_SMTP_URL", SMTP_SCHEMES),
            mail_from=read.text("EMALL_MAIL_FROM", "Emall KUKM <no-reply@emall-kukm.local>"),
            dispatch_interval=read.number("EMALL_DISPATCH_INTERVAL", "5", float, above=0),
            retry_base=read.number("EMALL_RETRY_BASE", "60", float, above=0),
            auction_close_interval=read.number("EMALL_AUCTION_CLOSE_INTERVAL", "5", float, above=0),
            invoice_expiry_interval=read.number("EMALL_INVOICE_EXPIRY_INTERVAL", "30", float, above=0),
            heartbeat_interval=read.number("EMALL_HEARTBEAT_INTERVAL", "5", float, above=0),
            sandbox_enabled=read.flag("EMALL_SANDBOX", "1"),
            sandbox_explicit=bool(read.text("EMALL_SANDBOX", "")),
            sandbox_host=sandbox_host,
            sandbox_port=sandbox_port,
            sandbox_url=sandbox_url,
            sandbox_database_url=read.database_url("EMALL_SANDBOX_DATABASE_URL",
                                                   f"sqlite:///{var_dir / 'sandbox.db'}"),
            # a typo must not quietly pick another channel
            sms_provider=read.choice("EMALL_SMS_PROVIDER", "gateway", SMS_PROVIDERS),
            gammu_database_url=read.optional_database_url("EMALL_GAMMU_DATABASE_URL"),
            partner_timeout=read.number("EMALL_PARTNER_TIMEOUT", "5", float, above=0),
            partner_url_overrides={name: read.url(name, "") for name in sorted(read.env)
                                   if _PARTNER_URL.fullmatch(name)},
            # 0 or less: every invoice would be born overdue and expire at the worker's next turn
            invoice_due_hours=read.number("EMALL_INVOICE_DUE_HOURS", "24", float, above=0),
            quote_ttl_minutes=read.number("EMALL_QUOTE_TTL_MINUTES", "60", float, above=0),
            reconcile_interval=read.number("EMALL_RECONCILE_INTERVAL", "60", float, above=0),
            # banks post whole seconds: a credit in the second a reading ended is only seen by the next
            reconcile_overlap=read.number("EMALL_RECONCILE_OVERLAP", "900", float, minimum=1),
            late_payment_days=read.number("EMALL_LATE_PAYMENT_DAYS", "7", float, minimum=0),
            tracking_interval=read.number("EMALL_TRACKING_INTERVAL", "300", float, above=0),
            tracking_concurrency=read.number("EMALL_TRACKING_CONCURRENCY", "4", int, minimum=1),
            auto_complete_days=read.number("EMALL_AUTO_COMPLETE_DAYS", "2", float, minimum=0),
            max_open_invoices=read.number("EMALL_MAX_OPEN_INVOICES", "5", int, minimum=1),
            message_limit_hour=read.number("EMALL_MESSAGE_LIMIT_HOUR", "3", int, minimum=1),
            message_limit_day=read.number("EMALL_MESSAGE_LIMIT_DAY", "10", int, minimum=1),
            client_limit_hour=read.number("EMALL_CLIENT_LIMIT_HOUR", "20", int, minimum=1),
            trusted_proxies=read.networks("EMALL_TRUSTED_PROXIES"),
            log_format=read.choice("EMALL_LOG_FORMAT", "text", LOG_FORMATS),
            access_log=read.flag("EMALL_ACCESS_LOG", "1"),
            metrics_enabled=read.flag("EMALL_METRICS", "1"),
            password_hash=read.choice("EMALL_PASSWORD_HASH", DEFAULT_PASSWORD_HASH, tuple(PASSWORD_HASH_PROFILES)),
        )

    def is_public(self) -> bool:
        """Listens on, or is published at, an address other than this machine's loopback."""
        return not (is_loopback(self.host) and is_loopback(urlsplit(self.public_url).hostname or ""))

    def partners_left_to_the_sandbox(self) -> list[str]:
        """The variables of every partner endpoint that is not configured and so is the sandbox's."""
        from emall_ws.domain.partners import BANKS, COURIERS

        names = [f"EMALL_BANK_{code.upper()}_URL" for code in BANKS]
        names += [f"EMALL_COURIER_{code.upper()}_URL" for code in COURIERS]
        if self.sms_provider == "gateway":
            names.append("EMALL_SMS_URL")
        return [name for name in names if name not in self.partner_url_overrides]

    def check_fail_closed(self) -> None:
        """A public server never reads payments from, or ships through, the simulated sandbox by
        accident: unless EMALL_SANDBOX=1 says so, every partner endpoint must be configured."""
        missing = self.partners_left_to_the_sandbox()
        if self.is_public() and missing and not (self.sandbox_explicit and self.sandbox_enabled):
            raise FailClosed(f"this server is public (EMALL_HOST={self.host}, EMALL_PUBLIC_URL={self.public_url}) "
                             f"but {len(missing)} partner endpoints would be the simulated sandbox: set "
                             f"{', '.join(missing)}; or EMALL_SANDBOX=1 for a demo with simulated payments")

    @property
    def payments_simulated(self) -> bool:
        """Whether a bank is the sandbox's: the banner, /health and the index page then say so
        (SIMULATED_PAYMENTS)."""
        from emall_ws.domain.partners import BANKS

        return any(f"EMALL_BANK_{code.upper()}_URL" in self.partners_left_to_the_sandbox() for code in BANKS)

    def partner_url(self, kind: str, code: str = "") -> str:
        """Endpoint of one partner (kind bank, courier or sms): configured, else the sandbox's."""
        name = "_".join(filter(None, ("EMALL", kind, code, "URL"))).upper()
        path = "/".join(filter(None, ("partners", kind, code)))
        return self.partner_url_overrides.get(name) or f"{self.sandbox_url}/{path}"


SIMULATED_PAYMENTS = "payments are SIMULATED: the banks are the sandbox's, no money moves"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


class _Reader:
    """Reads one environment variable each, its default when unset or empty, or SettingError."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def text(self, name: str, default: str) -> str:
        value = self.env.get(name, "").strip()
        return value or default

    def number(self, name: str, default: str, kind: type, *, minimum: float | None = None,
               above: float | None = None):
        raw = self.text(name, default)
        what = "a whole number" if kind is int else "a number"
        if minimum is not None:
            what += f" of at least {minimum:g}"
        if above is not None:
            what += f" greater than {above:g}"
        try:
            value = kind(raw)
        except ValueError:
            raise SettingError(name, raw, what) from None
        if (minimum is not None and value < minimum) or (above is not None and value <= above) \
                or value != value:  # NaN
            raise SettingError(name, raw, what)
        return value

    def port(self, name: str, default: str) -> int:
        raw = self.text(name, default)
        if not raw.isdigit() or not 1 <= int(raw) <= 65535:
            raise SettingError(name, raw, "a port number from 1 to 65535")
        return int(raw)

    def flag(self, name: str, default: str) -> bool:
        raw = self.text(name, default)
        if raw.lower() not in _FLAGS:
            raise SettingError(name, raw, "1 or 0 (also true/false, yes/no, on/off)")
        return _FLAGS[raw.lower()]

    def choice(self, name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
        raw = self.text(name, default)
        value = raw.upper() if upper else raw.lower()
        if value not in choices:
            raise SettingError(name, raw, " or ".join(choices))
        return value

    def url(self, name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
        raw = self.text(name, default)
        try:
            parts = urlsplit(raw)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in schemes or not parts.hostname:
            raise SettingError(name, raw, f"a URL such as {schemes[0]}://host:port/...")
        return raw.rstrip("/")

    def optional_url(self, name: str, schemes: tuple[str, ...]) -> str | None:
        return self.url(name, "", schemes) if self.text(name, "") else None

    def database_url(self, name: str, default: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        raw = self.text(name, default)
        try:
            make_url(raw)
        except (ArgumentError, ValueError):
            raise SettingError(name, _redacted(raw), "an SQLAlchemy URL such as "
                               "mysql+pymysql://user:password@host:3306/emall or sqlite:///var/emall.db") from None
        return raw

    def networks(self, name: str) -> tuple[Network, ...]:
        raw = self.text(name, "")
        try:
            return parse_networks(raw)
        except ValueError:
            raise SettingError(name, raw, "comma-separated IP addresses or CIDR networks such as "
                               "10.0.0.5, 192.168.0.0/24 (no host bits after the /)") from None

    def optional_database_url(self, name: str) -> str | None:
        return self.database_url(name, "") if self.text(name, "") else None


def _redacted(url: str) -> str:
    """A URL fit for a message: no password."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)
