"""Failed tries counted per username, whether or not a member has that username.

Failed logins (LOGIN) and wrong one-time codes (CODE, activation and reset alike) are counted
against the username key that was tried, so an unknown name is paused exactly like a registered
one and the answers never tell who is registered. Only the key's SHA-256 is stored, and for at
most KEPT_FOR (people type passwords into username fields, and an unsalted hash of a common one is
easily reversed). A failure counts for the caller's `window`; the worker's `forget-failed-tries`
job deletes it once it is older than KEPT_FOR (not the failing call: a guesser would pay for it).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from emall_ws.db.models import FailedTry
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.domain.members import username_key

LOGIN, CODE = "LOGIN", "CODE"
KEPT_FOR = timedelta(hours=1)  # the longest window in use (MemberPolicy.code_attempts_window)


def _key_hash(username: str | None) -> str:
    return hashlib.sha256(username_key(username).encode()).hexdigest()


def failures(session: Session, kind: str, username: str | None, now: datetime, window: timedelta) -> int:
    """How often `username` failed at `kind` within `window` before `now`."""
    return session.execute(select(func.count()).select_from(FailedTry)
                           .where(FailedTry.kind == kind, FailedTry.key_hash == _key_hash(username),
                                  FailedTry.at > now - window)).scalar_one()


def record_failure(session: Session, kind: str, username: str | None, now: datetime) -> None:
    """Counts one failure and commits it: it must count although the call then fails."""
    session.add(FailedTry(kind=kind, key_hash=_key_hash(username), at=now))
    session.commit()


def clear(session: Session, kind: str, username: str | None) -> None:
    session.execute(delete(FailedTry).where(FailedTry.kind == kind,
                                            FailedTry.key_hash == _key_hash(username)))


def forget_old(db: Database, now: datetime) -> int:
    """Deletes every failure older than KEPT_FOR; returns how many."""
    with db.unit_of_work() as session:
        return rows_changed(session, delete(FailedTry).where(FailedTry.at <= now - KEPT_FOR))
