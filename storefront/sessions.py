"""Server-side sessions in a small SQLite file: the storefront's only storage.

The cookie holds a random reference only (32 random bytes, URL-safe); the table keys sessions by the
reference's SHA-256, so a copy of the file names no live cookie. A session holds its CSRF token and,
once logged in, the member's username, role and platform session token, which never leave the server.
A session ends after IDLE_SECONDS without a request, at the platform token's own expiry, or at logout."""
from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

IDLE_SECONDS = 2 * 3600  # a session not used for this long is gone
LONGEST_SECONDS = 24 * 3600  # and none lasts longer, whatever the platform's token says
COOKIE_NAME = "sf_session"  # over plain http (--insecure-cookies)
SECURE_COOKIE_NAME = "__Host-sf_session"  # with Secure: no Domain, Path=/, set over https only

_SCHEMA = """
CREATE TABLE IF NOT EXISTS session (
    key TEXT PRIMARY KEY,        -- SHA-256 of the cookie's reference, hex
    csrf TEXT NOT NULL,
    username TEXT,
    role TEXT,
    token TEXT,                  -- the platform's session token: never sent to the browser
    created_at REAL NOT NULL,
    seen_at REAL NOT NULL,
    expires_at REAL NOT NULL,    -- absolute end (epoch seconds)
    notice TEXT                  -- shown once by the next page (after a form was done)
)"""


@dataclass
class Session:
    reference: str  # what the cookie holds
    csrf: str
    username: str | None = None
    role: str | None = None
    token: str | None = None

    @property
    def logged_in(self) -> bool:
        return self.token is not None


def _key(reference: str) -> str:
    return hashlib.sha256(reference.encode()).hexdigest()


class Sessions:
    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "sessions.db"
        self._local = threading.local()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(session)")}
            if "notice" not in columns:  # a sessions file from before notices
                db.execute("ALTER TABLE session ADD COLUMN notice TEXT")

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:  # one connection per thread: granian serves a worker's requests on several
            db = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            db.execute("PRAGMA busy_timeout=5000")
            self._local.db = db
        return db

    def get(self, reference: str | None) -> Session | None:
        """The live session the cookie's reference names, its idle time restarted; None if none."""
        if not reference or len(reference) > 100:
            return None
        now = time.time()
        db = self._connect()
        row = db.execute("SELECT csrf, username, role, token, seen_at, expires_at FROM session WHERE key = ?",
                         (_key(reference),)).fetchone()
        if row is None:
            return None
        csrf, username, role, token, seen_at, expires_at = row
        if now >= expires_at or now - seen_at >= IDLE_SECONDS:
            self.delete(reference)
            return None
        db.execute("UPDATE session SET seen_at = ? WHERE key = ?", (now, _key(reference)))
        return Session(reference, csrf, username, role, token)

    def create(self, *, username: str | None = None, role: str | None = None, token: str | None = None,
               token_expires: datetime | None = None) -> Session:
        """A new session under a new reference (a login always gets a fresh one)."""
        now = time.time()
        expires = now + LONGEST_SECONDS
        if token_expires is not None:
            expires = min(expires, token_expires.timestamp())
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), username, role, token)
        db = self._connect()
        db.execute("DELETE FROM session WHERE expires_at <= ? OR seen_at <= ?", (now, now - IDLE_SECONDS))
        db.execute("INSERT INTO session (key, csrf, username, role, token, created_at, seen_at, expires_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (_key(session.reference), session.csrf, username, role, token, now, now, expires))
        return session

    def set_notice(self, session: Session, text: str) -> None:
        self._connect().execute("UPDATE session SET notice = ? WHERE key = ?", (text, _key(session.reference)))

    def pop_notice(self, session: Session) -> str | None:
        """The notice left for the session's next page, now taken (only that text: a newer one set
        meanwhile stays for the page after)."""
        key, db = _key(session.reference), self._connect()
        row = db.execute("SELECT notice FROM session WHERE key = ?", (key,)).fetchone()
        if row is None or row[0] is None:
            return None
        db.execute("UPDATE session SET notice = NULL WHERE key = ? AND notice = ?", (key, row[0]))
        return str(row[0])

    def delete(self, reference: str) -> None:
        self._connect().execute("DELETE FROM session WHERE key = ?", (_key(reference),))

    def count(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM session").fetchone()[0])
