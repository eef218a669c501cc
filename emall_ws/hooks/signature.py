"""The signature of a pushed request: what the mutation service sends and the platform checks.

    X-Emall-Timestamp: <unix seconds, when the service signed it>
    X-Emall-Signature: sha256=<hex HMAC-SHA256(shared secret, timestamp + "." + raw body)>

The timestamp is inside the signed text, so a captured push cannot be given a fresh time; the
platform refuses a timestamp further than its window from its own clock, so a captured push cannot
be sent again later either. Within the window a re-sent push records nothing new (the mutations'
ids are unique), which is what makes a service's own retries safe.
"""
from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Emall-Timestamp"
SIGNATURE_HEADER = "X-Emall-Signature"
SCHEME = "sha256="

# why a push is refused, as its security event and its answer name it
NO_SIGNATURE = "NO_SIGNATURE"
BAD_SIGNATURE = "BAD_SIGNATURE"
BAD_TIMESTAMP = "BAD_TIMESTAMP"
STALE_TIMESTAMP = "STALE_TIMESTAMP"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Emall-Signature value of `body` signed at `timestamp` (unix seconds, as sent)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SCHEME + digest


def refusal(secret: str, timestamp: str | None, signed: str | None, body: bytes, now: float,
            window: float) -> str | None:
    """Why the push must be refused (one of the reasons above), or None when it is genuine and fresh.
    `now`: unix seconds; `window`: seconds the timestamp may be off, either way."""
    if not timestamp or not signed:
        return NO_SIGNATURE
    timestamp = timestamp.strip()
    if not timestamp.isdigit() or len(timestamp) > 12:  # not a time, or one millennia away
        return BAD_TIMESTAMP
    # compared in constant time, whatever the header holds: its length and first bytes tell nothing
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), signed.strip().encode()):
        return BAD_SIGNATURE
    if abs(now - int(timestamp)) > window:
        return STALE_TIMESTAMP
    return None
