"""WS-Security UsernameToken Nonces already seen: the same Nonce twice is a replayed message.

A Nonce is remembered for KEPT_FOR, twice the freshness window, in a transaction of its own before
the call's work (so a call that fails, or a deadlock victim run again, still counts it once). A
PasswordDigest's Created must be within FRESHNESS of the server's clock either way, so once its
Nonce is forgotten the message is refused as stale. The worker's `forget-seen-nonces` job deletes
what is older.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from emall_ws.db.models import SeenNonce
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.domain.errors import AuthenticationFailed
from emall_ws.domain.members import username_key
from emall_ws.logs import security_event

FRESHNESS = timedelta(minutes=5)  # how far a sender's Created may be from this server's clock
KEPT_FOR = 2 * FRESHNESS


def remember(db: Database, username: str, nonce: bytes, now: datetime) -> None:
    """Records `username`'s Nonce, or AuthenticationFailed NONCE_REPLAYED if it was seen already
    (the primary key decides, so two copies of one message racing on two instances: one passes).
    The username counts as the platform knows it, ignoring case, as it is looked up: a digest does not
    cover it, so a copy whose Username differs in case only is the same message."""
    key_hash = hashlib.sha256(username_key(username).encode() + b"\0" + nonce).hexdigest()
    try:
        db.run(lambda session: session.add(SeenNonce(key_hash=key_hash, seen_at=now)))
    except IntegrityError:
        security_event("wssecurity_refused", username=username, reason="NONCE_REPLAYED")
        raise AuthenticationFailed("NONCE_REPLAYED") from None


def forget_old(db: Database, now: datetime) -> int:
    """Deletes every Nonce older than KEPT_FOR; returns how many."""
    with db.unit_of_work() as session:
        return rows_changed(session, delete(SeenNonce).where(SeenNonce.seen_at <= now - KEPT_FOR))
