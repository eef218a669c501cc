"""Settings from environment variables, with defaults that need no set-up."""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from emall_ws.client_address import Network
from emall_ws.passwords import DEFAULT_PASSWORD_HASH, PASSWORD_HASH_PROFILES
from emall_ws.setting import (Setting, choice, database_url, flag, networks, number, optional, payee_accounts, port,
                              secret_key, shared_secret, url)

_PARTNER_URL = re.compile(r"EMALL_(BANK_[A-Z]+|COURIER_[A-Z]+|SMS|DUKCAPIL|OSS)_URL")
# granian loses a stop signal that reaches a server worker still starting (a Ctrl-C to the process
# group in its first seconds): past this many seconds such a worker is killed at shutdown
WORKERS_KILL_TIMEOUT = 10
SMS_PROVIDERS = ("gateway", "gammu")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
_WORKED_OUT = ""  # the default of a setting worked out from others at start (its `shown` says how)

# Every setting, in the README's order (its table is generated from these: `emall-ws settings --markdown`).
HOST = Setting("EMALL_HOST", "127.0.0.1", "address the SOAP server listens on")
PORT = Setting("EMALL_PORT", "8000", "port the SOAP server listens on", port)
PUBLIC_URL = Setting("EMALL_PUBLIC_URL", _WORKED_OUT, "base URL written into every WSDL's `soap:address` and the "
                     "registry; never taken from a request", url(), shown="`http://<host>:<port>`")
VAR_DIR = Setting("EMALL_VAR_DIR", "./var", "folder of the embedded database and the local mail folder")
DATABASE_URL = Setting("EMALL_DATABASE_URL", _WORKED_OUT, "SQLAlchemy URL; MariaDB/MySQL: "
                       "`mysql+pymysql://user:password@host:3306/emall`", database_url,
                       shown="`sqlite:///<var>/emall.db`")
SQLITE_BUSY_TIMEOUT = Setting("EMALL_SQLITE_BUSY_TIMEOUT", "5", "SQLite: seconds a call waits for another "
                              "connection's write lock; then `Server.Busy` `DATABASE_BUSY`, nothing changed "
                              "(more than 0)", number(above=0))
WORKERS = Setting("EMALL_WORKERS", "2", "server worker processes of `emall-ws serve` / `emall-ws server`",
                  number(int, minimum=1))
THREADS = Setting("EMALL_THREADS", "1", "threads per worker that run operations; `1` (measured best, "
                  "`bench/README.md`): the worker's event loop runs each operation once its body is in",
                  number(int, minimum=1))
MAX_REQUEST_BYTES = Setting("EMALL_MAX_REQUEST_BYTES", "262144", "largest accepted SOAP request body (at least "
                            "512), as sent and once gzip/deflate-decoded; larger: HTTP 413, `REQUEST_TOO_LARGE` "
                            "(`DECODED_TOO_LARGE`)", number(int, minimum=512))
BODY_TIMEOUT = Setting("EMALL_BODY_TIMEOUT", "10", "seconds a request body may take to arrive in full (headers "
                       "too); later: HTTP 408, `BODY_TIMEOUT`, connection closed", number(above=0))
LOG_LEVEL = Setting("EMALL_LOG_LEVEL", "INFO", "log level of the platform's own loggers",
                    choice(LOG_LEVELS, upper=True))
SMTP_URL = Setting("EMALL_SMTP_URL", "", "outgoing mail: `smtp://user:pass@host:25`, `smtp+starttls://…:587`, "
                   "`smtps://…:465`", optional(url(SMTP_SCHEMES)), shown="none: Maildir `<var>/mail`")
MAIL_FROM = Setting("EMALL_MAIL_FROM", "Emall KUKM <no-reply@emall-kukm.local>", "sender of every email")
DISPATCH_INTERVAL = Setting("EMALL_DISPATCH_INTERVAL", "5", "seconds between notification dispatcher rounds "
                            "when idle", number(above=0))
AUCTION_CLOSE_INTERVAL = Setting("EMALL_AUCTION_CLOSE_INTERVAL", "5", "seconds between the worker's rounds closing "
                                 "auctions past their end time (how late a close may be)", number(above=0))
# a sandbox walkthrough needs auctions of a minute or so; 0 or less would let an auction end as it opens
AUCTION_MIN_DURATION = Setting("EMALL_AUCTION_MIN_DURATION", "3600", "seconds an auction lasts at least: "
                               "`sellProduct` refuses an `endsAt` sooner than that (`AUCTION_END_TOO_SOON`); `60` "
                               "lets the README's sandbox walkthrough end within minutes "
                               "(more than 0)", number(above=0))
INVOICE_EXPIRY_INTERVAL = Setting("EMALL_INVOICE_EXPIRY_INTERVAL", "30", "seconds between the worker's rounds "
                                  "expiring unpaid invoices past their due time", number(above=0))
HEARTBEAT_INTERVAL = Setting("EMALL_HEARTBEAT_INTERVAL", "5", "seconds between a worker's writes of its heartbeat "
                             "and job records, which `/health` and `/metrics` read", number(above=0))
# 0 or less: every invoice would be born overdue and expire at the worker's next turn
INVOICE_DUE_HOURS = Setting("EMALL_INVOICE_DUE_HOURS", "24", "hours a buyer has to pay before the invoice "
                            "expires and the stock comes back (more than 0)", number(above=0))
QUOTE_TTL_MINUTES = Setting("EMALL_QUOTE_TTL_MINUTES", "60", "minutes a shipping quote stays valid for "
                            "checkout; then the buyer quotes again (more than 0)", number(above=0))
RECONCILE_INTERVAL = Setting("EMALL_RECONCILE_INTERVAL", "60", "seconds between the worker's readings of the "
                             "payee accounts' mutations", number(above=0))
# banks post whole seconds: a credit in the second a reading ended is only seen by the next
RECONCILE_OVERLAP = Setting("EMALL_RECONCILE_OVERLAP", "900", "seconds each reading goes back into the previous "
                            "one, for mutations a bank posts late", number(minimum=1))
LATE_PAYMENT_DAYS = Setting("EMALL_LATE_PAYMENT_DAYS", "7", "days after an invoice expires that its payee "
                            "account is still read, so a late payment is flagged", number(minimum=0))
# pushed mutations (POST /hooks/mutations/moota): the secret proves the mutation service sent them
MOOTA_SECRET = Setting("EMALL_MOOTA_SECRET", "", "secret shared with the mutation service (Moota style) that signs "
                       "each push to `POST /hooks/mutations/moota` (at least 16 characters, never shown); unset: "
                       "the hook answers 404 and every account is read each round", optional(shared_secret),
                       shown="none")
HOOK_TIMESTAMP_WINDOW = Setting("EMALL_HOOK_TIMESTAMP_WINDOW", "300", "seconds a push's `X-Emall-Timestamp` may be "
                                "off the platform's clock, either way; further: HTTP 401, nothing recorded",
                                number(above=0))
PUSHED_ACCOUNTS = Setting("EMALL_PUSHED_ACCOUNTS", "", "payee accounts whose mutations the mutation service pushes, "
                          "as `bank:account,...` (`bca:0123456789`); with `EMALL_MOOTA_SECRET` set, the worker reads "
                          "their statements only every `EMALL_PUSH_FALLBACK_INTERVAL`", payee_accounts, shown="none")
PUSH_FALLBACK_INTERVAL = Setting("EMALL_PUSH_FALLBACK_INTERVAL", "3600", "seconds between the worker's readings of "
                                 "a pushed account's statement, for pushes that never came", number(above=0))
VERIFY_INTERVAL = Setting("EMALL_VERIFY_INTERVAL", "30", "seconds between the worker's rounds of seller "
                          "verification (Dukcapil, OSS, account holder): how late after activation a seller is checked",
                          number(above=0))
TRACKING_INTERVAL = Setting("EMALL_TRACKING_INTERVAL", "300", "seconds between two tracking reads of one open "
                            "shipment by the worker", number(above=0))
TRACKING_CONCURRENCY = Setting("EMALL_TRACKING_CONCURRENCY", "4", "most tracking calls the worker makes to one "
                               "courier at once", number(int, minimum=1))
AUTO_COMPLETE_DAYS = Setting("EMALL_AUTO_COMPLETE_DAYS", "2", "days after delivery an order completes if the "
                             "buyer has not confirmed", number(minimum=0))
SHIP_DEADLINE_DAYS = Setting("EMALL_SHIP_DEADLINE_DAYS", "3", "days after payment a seller has to ship an order; "
                             "the worker then cancels it, a refund due to the buyer", number(above=0))
REFUND_DAYS = Setting("EMALL_REFUND_DAYS", "2", "days a seller has to transfer a refund once it is due; later it "
                      "is overdue (`listRefunds` overdueOnly) and the worker reminds the seller once a day",
                      number(above=0))
SECOND_CHANCE_DAYS = Setting("EMALL_SECOND_CHANCE_DAYS", "2", "days an auction's seller has to offer the item to "
                             "the next-highest bidder or relist it once the buyer did not pay (then the worker "
                             "offers it, if anyone is eligible), and that bidder has to accept",
                             number(above=0))
COMPLAINT_DAYS = Setting("EMALL_COMPLAINT_DAYS", "3", "days after delivery a buyer may complain about an order "
                         "(`Order.openComplaint`); a delivered order completes by itself only after both this and "
                         "`EMALL_AUTO_COMPLETE_DAYS`", number(minimum=0))
COMPLAINT_RESPONSE_DAYS = Setting("EMALL_COMPLAINT_RESPONSE_DAYS", "2", "days a seller has to answer a complaint "
                                  "(and a buyer to send a return back); after them the buyer may escalate it to an "
                                  "admin", number(above=0))
EVENT_RETENTION_DAYS = Setting("EMALL_EVENT_RETENTION_DAYS", "30", "days the change feed (`Events.listChanges`) "
                               "and the callbacks' delivery log keep an event; a cursor older than that is refused "
                               "(`CURSOR_EXPIRED`)", number(above=0))
ALLOW_PRIVATE_CALLBACKS = Setting("EMALL_ALLOW_PRIVATE_CALLBACKS", "0", "`1`: `Events.subscribe` accepts, and the "
                                  "worker calls, URLs on loopback and private addresses (tests, a receiver on the "
                                  "same network); `0`: refused (`CALLBACK_URL_PRIVATE`)", flag)
CALLBACK_INTERVAL = Setting("EMALL_CALLBACK_INTERVAL", "5", "seconds between the worker's rounds delivering "
                            "callbacks: how late after its commit an event is sent", number(above=0))
CALLBACK_TIMEOUT = Setting("EMALL_CALLBACK_TIMEOUT", "10", "seconds a callback endpoint has to answer one delivery "
                           "before it counts as failed", number(above=0))
CALLBACK_RETRY_BASE = Setting("EMALL_CALLBACK_RETRY_BASE", "30", "seconds before a failed delivery's first retry "
                              "(then doubling, up to 1 h)", number(above=0))
CALLBACK_MAX_FAILURES = Setting("EMALL_CALLBACK_MAX_FAILURES", "8", "failed deliveries in a row after which a "
                                "subscription is suspended and its member told by email", number(int, minimum=1))
MAX_OPEN_INVOICES = Setting("EMALL_MAX_OPEN_INVOICES", "5", "unpaid invoices one buyer may hold; a checkout that "
                            "would pass it is refused (`TOO_MANY_UNPAID`) until one is paid or cancelled",
                            number(int, minimum=1))
# off by default: sellers registered before verification existed, or whose partners cannot be reached yet,
# keep selling until an operator chooses to require it
REQUIRE_VERIFIED_SELLER = Setting("EMALL_REQUIRE_VERIFIED_SELLER", "0", "`1`: `quoteShipping` and `checkout` refuse a "
                                  "cart holding a product of a seller not verified (`SELLER_NOT_VERIFIED`); `0`: "
                                  "every seller's products may be bought", flag)
MESSAGE_LIMIT_HOUR = Setting("EMALL_MESSAGE_LIMIT_HOUR", "3", "activation codes, and apart from them reset codes, "
                             "one phone number or email address receives per hour; a registration past it is "
                             "refused (`TOO_MANY_MESSAGES`), a resend or reset sends nothing", number(int, minimum=1))
MESSAGE_LIMIT_DAY = Setting("EMALL_MESSAGE_LIMIT_DAY", "10", "the same per day (UTC)", number(int, minimum=1))
CLIENT_LIMIT_HOUR = Setting("EMALL_CLIENT_LIMIT_HOUR", "20", "`register`, `resendActivation` and "
                            "`requestPasswordReset` calls one client address may make per hour "
                            "(`TOO_MANY_REQUESTS`)", number(int, minimum=1))
TRUSTED_PROXIES = Setting("EMALL_TRUSTED_PROXIES", "", "comma-separated addresses and CIDR networks "
                          "(`10.0.0.5, 192.168.0.0/24`) of the reverse proxies whose `X-Forwarded-For` names the "
                          "client; none: the peer is the client", networks, shown="none")
RETRY_BASE = Setting("EMALL_RETRY_BASE", "60", "seconds before a failed notification's first retry (then "
                     "doubling, up to 1 h)", number(above=0))
SANDBOX = Setting("EMALL_SANDBOX", "1", "`1`: `emall-ws serve` also runs the partner sandboxes on their own port, "
                  "and partners not configured are the sandboxes; on a public address only when set explicitly (a "
                  "demo: banner, `/health` and `/` say payments are simulated); `0`: not", flag,
                  shown="`1` on loopback")
SANDBOX_HOST = Setting("EMALL_SANDBOX_HOST", "127.0.0.1", "address the partner sandboxes listen on; their "
                       "sandbox-only operations answer loopback callers only")
SANDBOX_PORT = Setting("EMALL_SANDBOX_PORT", "8001", "port of the partner sandboxes", port)
SANDBOX_URL = Setting("EMALL_SANDBOX_URL", _WORKED_OUT, "base URL of the partner sandboxes", url(),
                      shown="`http://127.0.0.1:<sandbox port>`")
SANDBOX_DATABASE_URL = Setting("EMALL_SANDBOX_DATABASE_URL", _WORKED_OUT, "the sandboxes' own database, apart "
                               "from the platform's", database_url, shown="`sqlite:///<var>/sandbox.db`")
SANDBOX_SEED = Setting("EMALL_SANDBOX_SEED", "", "a JSON file of persons, businesses and bank accounts the "
                       "sandboxes hold from their start, for demos (`deploy/sandbox-seed.example.json`); what is "
                       "already there is kept; a malformed file stops the sandboxes at start naming the entry",
                       optional(lambda _name, raw: Path(raw)), shown="none")
BANK_URL = Setting("EMALL_BANK_<CODE>_URL", _WORKED_OUT, "a bank's mutation service (its WSDL is read from "
                   "`<endpoint>?wsdl`); CODE is BCA, MANDIRI, BNI or BRI", url(),
                   shown="`<sandbox>/partners/bank/<code>`")
COURIER_URL = Setting("EMALL_COURIER_<CODE>_URL", _WORKED_OUT, "a courier's service (its WSDL is read from "
                      "`<endpoint>?wsdl`); CODE is POS, TIKI, JNE, FEDEX, DHL, WAHANA or PCP", url(),
                      shown="`<sandbox>/partners/courier/<code>`")
SMS_URL = Setting("EMALL_SMS_URL", _WORKED_OUT, "the SMS gateway (its WSDL is read from `<endpoint>?wsdl`)", url(),
                  shown="`<sandbox>/partners/sms`")
DUKCAPIL_URL = Setting("EMALL_DUKCAPIL_URL", _WORKED_OUT, "the population registry's NIK verification "
                      "(Dukcapil; its WSDL is read from `<endpoint>?wsdl`)", url(),
                      shown="`<sandbox>/partners/dukcapil`")
OSS_URL = Setting("EMALL_OSS_URL", _WORKED_OUT, "business licensing's NIB verification (OSS; its WSDL is read from "
                  "`<endpoint>?wsdl`)", url(), shown="`<sandbox>/partners/oss`")
# a typo must not quietly pick another channel
SMS_PROVIDER = Setting("EMALL_SMS_PROVIDER", "gateway", "`gateway` (the SOAP SMS gateway) or `gammu` (Gammu "
                       "SMSD's outbox table); any other value is refused at start", choice(SMS_PROVIDERS))
GAMMU_DATABASE_URL = Setting("EMALL_GAMMU_DATABASE_URL", "", "Gammu SMSD's database, for "
                             "`EMALL_SMS_PROVIDER=gammu`", optional(database_url), shown="none")
PARTNER_TIMEOUT = Setting("EMALL_PARTNER_TIMEOUT", "5", "seconds a partner call may take in all (connect "
                          "included) before it counts as unavailable; inside a SOAP request it is tried once, the "
                          "worker retries", number(above=0))
LOG_FORMAT = Setting("EMALL_LOG_FORMAT", "text", "`text` (one line per event) or `json` (one JSON object per "
                     "line); any other value is refused at start", choice(LOG_FORMATS))
ACCESS_LOG = Setting("EMALL_ACCESS_LOG", "1", "`1`: one access line per SOAP call; `0`: none", flag)
METRICS = Setting("EMALL_METRICS", "1", "`1`: Prometheus metrics at `GET /metrics`; `0`: off (`/metrics` answers "
                  "404)", flag)
PASSWORD_HASH = Setting("EMALL_PASSWORD_HASH", DEFAULT_PASSWORD_HASH, "Argon2id parameters of new password hashes: "
                        "`rfc9106-low-memory` (RFC 9106's); `cheapest` protects nothing and is for test suites only "
                        "(a member's hash is renewed with the configured parameters at their next login)",
                        choice(tuple(PASSWORD_HASH_PROFILES)))
STOREFRONT = Setting("EMALL_STOREFRONT", "1", "`1`: `emall-ws serve` also runs the web storefront "
                     "(docs/storefront.md) on `EMALL_WEB_PORT`; `0`: not (a platform for integrators only)", flag)
WEB_PORT = Setting("EMALL_WEB_PORT", "8080", "port the storefront (`emall-ws serve`, `emall-ws storefront`, "
                   "docs/storefront.md) listens on, at `EMALL_HOST`", port)
STOREFRONT_PLATFORM_URL = Setting("EMALL_STOREFRONT_PLATFORM_URL", _WORKED_OUT, "base URL of the platform the "
                                  "storefront calls, as any shop does: its WSDLs at `<url>/ws/<Service>?wsdl`",
                                  url(), shown="`EMALL_PUBLIC_URL`")

SECRET_KEY = Setting("EMALL_SECRET_KEY", "", "key sealing API-key secrets at rest: base64 of at least 32 random "
                    "bytes (`openssl rand -base64 32`), the same on every instance; a public server refuses to start "
                    "without it; on loopback, unset: one made in `<var>/secret.key`", optional(secret_key),
                    shown="none")

SETTINGS = tuple(value for value in dict(globals()).values() if isinstance(value, Setting))


def settings_table() -> str:
    """The README's settings table (Markdown)."""
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *(s.table_row() for s in SETTINGS)])


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


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    public_url: str
    var_dir: Path
    database_url: str
    sqlite_busy_timeout: float
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
    auction_min_duration: float  # seconds
    invoice_expiry_interval: float
    heartbeat_interval: float
    sandbox_enabled: bool
    sandbox_explicit: bool  # EMALL_SANDBOX was given: a public demo with simulated partners is intended
    sandbox_host: str
    sandbox_port: int
    sandbox_url: str
    sandbox_database_url: str
    sandbox_seed: Path | None  # EMALL_SANDBOX_SEED: seeds the sandboxes at their start (sandbox/seed.py)
    sms_provider: str
    gammu_database_url: str | None
    partner_timeout: float
    partner_url_overrides: Mapping[str, str]  # EMALL_BANK_BCA_URL ..., EMALL_DUKCAPIL_URL ... as given
    invoice_due_hours: float
    quote_ttl_minutes: float
    reconcile_interval: float
    reconcile_overlap: float
    late_payment_days: float
    moota_secret: str | None = field(repr=False)  # None: the hook is off
    hook_timestamp_window: float
    pushed_accounts: frozenset[tuple[str, str]]  # (bank, account) pairs
    push_fallback_interval: float
    tracking_interval: float
    verify_interval: float
    tracking_concurrency: int
    auto_complete_days: float
    ship_deadline_days: float
    refund_days: float
    second_chance_days: float
    complaint_days: float
    complaint_response_days: float
    event_retention_days: float
    allow_private_callbacks: bool
    callback_interval: float
    callback_timeout: float
    callback_retry_base: float
    callback_max_failures: int
    max_open_invoices: int
    require_verified_seller: bool
    message_limit_hour: int
    message_limit_day: int
    client_limit_hour: int
    trusted_proxies: tuple[Network, ...]
    log_format: str
    access_log: bool
    metrics_enabled: bool
    password_hash: str
    secret_key: str | None  # None: the local key file (secret_box.local_key), on loopback only
    storefront_enabled: bool  # `serve` runs the storefront too
    web_port: int  # the storefront's (storefront/, `emall-ws storefront`)
    storefront_platform_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Every setting read and checked; the first unusable one raises SettingError."""
        env = os.environ if env is None else env
        host = overrides.get("host") or HOST.read(env)
        port = int(overrides.get("port") or PORT.read(env))
        var_dir = Path(VAR_DIR.read(env))
        sandbox_host = SANDBOX_HOST.read(env)
        sandbox_port = SANDBOX_PORT.read(env)
        public_url = PUBLIC_URL.read(env, f"http://{host}:{port}")
        return cls(
            host=host,
            port=port,
            public_url=public_url,
            var_dir=var_dir,
            database_url=DATABASE_URL.read(env, f"sqlite:///{var_dir / 'emall.db'}"),
            sqlite_busy_timeout=SQLITE_BUSY_TIMEOUT.read(env),
            workers=WORKERS.read(env),
            threads=THREADS.read(env),
            max_request_bytes=MAX_REQUEST_BYTES.read(env),
            body_timeout=BODY_TIMEOUT.read(env),
            log_level=LOG_LEVEL.read(env),
            smtp_url=SMTP_URL.read(env),
            mail_from=MAIL_FROM.read(env),
            dispatch_interval=DISPATCH_INTERVAL.read(env),
            retry_base=RETRY_BASE.read(env),
            auction_close_interval=AUCTION_CLOSE_INTERVAL.read(env),
            auction_min_duration=AUCTION_MIN_DURATION.read(env),
            invoice_expiry_interval=INVOICE_EXPIRY_INTERVAL.read(env),
            heartbeat_interval=HEARTBEAT_INTERVAL.read(env),
            sandbox_enabled=SANDBOX.read(env),
            sandbox_explicit=bool(env.get(SANDBOX.name, "").strip()),
            sandbox_host=sandbox_host,
            sandbox_port=sandbox_port,
            sandbox_url=SANDBOX_URL.read(env, f"http://{_reachable(sandbox_host)}:{sandbox_port}"),
            sandbox_database_url=SANDBOX_DATABASE_URL.read(env, f"sqlite:///{var_dir / 'sandbox.db'}"),
            sandbox_seed=SANDBOX_SEED.read(env),
            sms_provider=SMS_PROVIDER.read(env),
            gammu_database_url=GAMMU_DATABASE_URL.read(env),
            partner_timeout=PARTNER_TIMEOUT.read(env),
            partner_url_overrides={name: url()(name, env[name].strip()) for name in sorted(env)
                                   if _PARTNER_URL.fullmatch(name)},
            invoice_due_hours=INVOICE_DUE_HOURS.read(env),
            quote_ttl_minutes=QUOTE_TTL_MINUTES.read(env),
            reconcile_interval=RECONCILE_INTERVAL.read(env),
            reconcile_overlap=RECONCILE_OVERLAP.read(env),
            late_payment_days=LATE_PAYMENT_DAYS.read(env),
            moota_secret=MOOTA_SECRET.read(env),
            hook_timestamp_window=HOOK_TIMESTAMP_WINDOW.read(env),
            pushed_accounts=PUSHED_ACCOUNTS.read(env),
            push_fallback_interval=PUSH_FALLBACK_INTERVAL.read(env),
            tracking_interval=TRACKING_INTERVAL.read(env),
            verify_interval=VERIFY_INTERVAL.read(env),
            tracking_concurrency=TRACKING_CONCURRENCY.read(env),
            auto_complete_days=AUTO_COMPLETE_DAYS.read(env),
            ship_deadline_days=SHIP_DEADLINE_DAYS.read(env),
            refund_days=REFUND_DAYS.read(env),
            second_chance_days=SECOND_CHANCE_DAYS.read(env),
            complaint_days=COMPLAINT_DAYS.read(env),
            complaint_response_days=COMPLAINT_RESPONSE_DAYS.read(env),
            event_retention_days=EVENT_RETENTION_DAYS.read(env),
            allow_private_callbacks=ALLOW_PRIVATE_CALLBACKS.read(env),
            callback_interval=CALLBACK_INTERVAL.read(env),
            callback_timeout=CALLBACK_TIMEOUT.read(env),
            callback_retry_base=CALLBACK_RETRY_BASE.read(env),
            callback_max_failures=CALLBACK_MAX_FAILURES.read(env),
            max_open_invoices=MAX_OPEN_INVOICES.read(env),
            require_verified_seller=REQUIRE_VERIFIED_SELLER.read(env),
            message_limit_hour=MESSAGE_LIMIT_HOUR.read(env),
            message_limit_day=MESSAGE_LIMIT_DAY.read(env),
            client_limit_hour=CLIENT_LIMIT_HOUR.read(env),
            trusted_proxies=TRUSTED_PROXIES.read(env),
            log_format=LOG_FORMAT.read(env),
            access_log=ACCESS_LOG.read(env),
            metrics_enabled=METRICS.read(env),
            password_hash=PASSWORD_HASH.read(env),
            secret_key=SECRET_KEY.read(env),
            storefront_enabled=STOREFRONT.read(env),
            web_port=WEB_PORT.read(env),
            storefront_platform_url=STOREFRONT_PLATFORM_URL.read(env, public_url),
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
        names += ["EMALL_DUKCAPIL_URL", "EMALL_OSS_URL"]
        return [name for name in names if name not in self.partner_url_overrides]

    def check_fail_closed(self) -> None:
        """A public server never reads payments from, or ships through, the simulated sandbox by
        accident: unless EMALL_SANDBOX=1 says so, every partner endpoint must be configured. Nor does
        it keep passwords under the test suites' hash, which protects nothing, nor seal API-key secrets
        with a key of its own machine that the other instances do not have."""
        if self.is_public() and self.password_hash == "cheapest":
            raise FailClosed(f"this server is public (EMALL_HOST={self.host}, EMALL_PUBLIC_URL={self.public_url}) "
                             f"but EMALL_PASSWORD_HASH=cheapest protects no password: unset it")
        missing = self.partners_left_to_the_sandbox()
        if self.is_public() and missing and not (self.sandbox_explicit and self.sandbox_enabled):
            raise FailClosed(f"this server is public (EMALL_HOST={self.host}, EMALL_PUBLIC_URL={self.public_url}) "
                             f"but {len(missing)} partner endpoints would be the simulated sandbox: set "
                             f"{', '.join(missing)}; or EMALL_SANDBOX=1 for a demo with simulated payments")
        if self.is_public() and self.secret_key is None:
            raise FailClosed(f"this server is public (EMALL_HOST={self.host}, EMALL_PUBLIC_URL={self.public_url}) "
                             f"but EMALL_SECRET_KEY is unset: every instance must seal and open API-key secrets "
                             f"with one key; set it to the output of `openssl rand -base64 32`")

    @property
    def payments_simulated(self) -> bool:
        """Whether a bank is the sandbox's: the banner, /health and the index page then say so
        (SIMULATED_PAYMENTS)."""
        from emall_ws.domain.partners import BANKS

        return any(f"EMALL_BANK_{code.upper()}_URL" in self.partners_left_to_the_sandbox() for code in BANKS)

    def partner_url(self, kind: str, code: str = "") -> str:
        """Endpoint of one partner (kind bank, courier, sms, dukcapil or oss): configured, else the sandbox's."""
        name = "_".join(filter(None, ("EMALL", kind, code, "URL"))).upper()
        path = "/".join(filter(None, ("partners", kind, code)))
        return self.partner_url_overrides.get(name) or f"{self.sandbox_url}/{path}"


SIMULATED_PAYMENTS = "payments are SIMULATED: the banks are the sandbox's, no money moves"
