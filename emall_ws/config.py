"""Settings from environment variables, with defaults that need no set-up."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        host = overrides.get("host") or env.get("EMALL_HOST", "127.0.0.1")
        port = int(overrides.get("port") or env.get("EMALL_PORT", "8000"))
        var_dir = Path(env.get("EMALL_VAR_DIR", "var"))
        public_url = env.get("EMALL_PUBLIC_URL") or f"http://{host}:{port}"
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
        )
