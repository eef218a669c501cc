"""Calling a callback endpoint: one signed POST and how it went (an `Outcome`, never an exception for the
endpoint's doing), the JSON bodies and the headers it carries, the check of the endpoint's address, and
the delivery log's row of an attempt. Used by the subscriptions' test event (services.callbacks) and by
the worker's round (services.callback_delivery).

The address of the endpoint is checked when subscribing and again before each POST (DNS may have
changed); the request is made directly (no proxy from the environment), to the address checked (the host
name goes in the Host header and, over https, is what the certificate is checked against: no second DNS
look-up) and follows no redirect, so the address checked is the one called.

The system resolver has no timeout of its own and can hold a thread for seconds, so a name is resolved in
a small pool of threads of its own (RESOLVERS) and waited for only until a deadline: the check and the POST
share one (a `Deadline`), so a test event answers within EMALL_CALLBACK_TIMEOUT however slow DNS is.
"""
from __future__ import annotations

import json
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session

from emall_ws.clock import aware, to_wib
from emall_ws.db.models import ChangeEvent, EventDelivery
from emall_ws.domain import callbacks as rules
from emall_ws.domain import events as event_types
from emall_ws.domain.errors import FieldError
from emall_ws.hooks import signature
from emall_ws.services import events

DELIVERED, FAILED = "DELIVERED", "FAILED"
ERROR_MAX = 200
USER_AGENT = "emall-ws-callbacks"
EVENT_ID_HEADER = "X-Emall-Event-Id"
EVENT_TYPE_HEADER = "X-Emall-Event-Type"
SUBSCRIPTION_HEADER = "X-Emall-Subscription"
UNRESOLVED_IN_TIME = "CALLBACK_URL_UNRESOLVED_IN_TIME"

# the threads that wait on the system resolver: a few, so that hosts whose DNS hangs hold these and not the
# requests' threads; a resolution queued behind them past its deadline is cancelled unstarted
RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="callback-dns")


@dataclass(frozen=True)
class Deadline:
    """A moment on the monotonic clock that a check and its POST share."""
    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())


# --- the address ------------------------------------------------------------------------------------------

def address_errors(url: str, allow_private: bool, deadline: Deadline) -> list[FieldError]:
    """CALLBACK_URL_UNRESOLVED when the URL's host has no address (UNRESOLVED_IN_TIME: DNS did not answer
    before `deadline`); CALLBACK_URL_PRIVATE when one of its addresses is one the platform must not call
    (unless `allow_private`)."""
    refusal = address_refusal(url, allow_private, deadline)
    return [FieldError("url", refusal)] if refusal else []


def address_refusal(url: str, allow_private: bool, deadline: Deadline) -> str | None:
    """Why the platform will not call `url` now (a code), or None; DNS is waited for until `deadline`."""
    checked = _checked(url, allow_private, deadline)
    return checked if isinstance(checked, str) else None


def _checked(url: str, allow_private: bool, deadline: Deadline) -> tuple[SplitResult, list[rules.Address]] | str:
    """`url`'s parts and the addresses its host has, all of them callable; or why not (a code)."""
    parts = rules.split_url(url)
    if parts is None or not parts.hostname:
        return "CALLBACK_URL_INVALID"
    literal = rules.literal_address(parts.hostname)
    found = [literal] if literal is not None else _resolve(parts.hostname, rules.default_port(parts), deadline)
    if isinstance(found, str):
        return found
    # any one private address refuses: a name with a public and a private address could be called at either
    if not allow_private and any(rules.is_private(address) for address in found):
        return "CALLBACK_URL_PRIVATE"
    return parts, found


def _resolve(hostname: str, port: int, deadline: Deadline) -> list[rules.Address] | str:
    """The host's addresses, or why there are none: it has none, or DNS did not answer in time."""
    lookup: Future[list[rules.Address]] = RESOLVERS.submit(_addresses, hostname, port)
    try:
        found = lookup.result(timeout=deadline.remaining())
    except FutureTimeout:
        lookup.cancel()  # still queued: never started; running: its thread is freed when the resolver gives up
        return UNRESOLVED_IN_TIME
    return found or "CALLBACK_URL_UNRESOLVED"


def _addresses(hostname: str, port: int) -> list[rules.Address]:
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):  # gaierror is an OSError; a name IDNA cannot encode, a UnicodeError
        return []
    return [address for address in (rules.literal_address(str(info[4][0])) for info in infos) if address is not None]


# --- one POST -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    http_status: int | None
    error: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return not self.error and rules.is_delivered(self.http_status)


def post(http: requests.Session, url: str, headers: dict[str, str], body: bytes, timeout: float,
         allow_private: bool) -> Outcome:
    """One POST, its address checked first, both within `timeout` seconds (the POST has what the check
    left); never raises for the endpoint's doing."""
    started = time.monotonic()
    deadline = Deadline(started + timeout)

    def outcome(http_status: int | None, error: str) -> Outcome:
        return Outcome(http_status, error[:ERROR_MAX], int((time.monotonic() - started) * 1000))

    checked = _checked(url, allow_private, deadline)
    if isinstance(checked, str):
        return outcome(None, checked)
    left = deadline.remaining()
    if not left:
        return outcome(None, "timeout")
    pinned_url, host = pinned(*checked)
    try:
        # stream: the status is all a delivery needs, so the body is never read (however long it is)
        with http.post(pinned_url, data=body, headers={**headers, **host}, timeout=left, allow_redirects=False,
                       stream=True) as response:
            status = response.status_code
    except requests.Timeout:
        return outcome(None, "timeout")
    except requests.exceptions.SSLError as error:
        return outcome(None, f"TLS error: {_reason(error)}")
    except requests.ConnectionError as error:
        return outcome(None, _connection_error(error))
    except requests.RequestException as error:
        return outcome(None, f"request failed: {_reason(error)}")
    if rules.is_delivered(status):
        return outcome(status, "")
    return outcome(status, f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else ""))


def _connection_error(error: requests.ConnectionError) -> str:
    text = str(error)
    if "refused" in text.lower():
        return "connection refused"
    if "reset" in text.lower():
        return "connection reset"
    return f"connection failed: {_reason(error)}"


def _reason(error: Exception) -> str:
    """The innermost cause's words: requests wraps urllib3's error, which names the pool and the URL."""
    cause: BaseException = error
    for _ in range(5):  # requests' error wraps urllib3's, which wraps the socket's
        inner = cause.__cause__ or getattr(cause, "reason", None) or (cause.args[0] if cause.args else None)
        if not isinstance(inner, BaseException):
            break
        cause = inner
    return str(cause) or type(cause).__name__


def pinned(parts: SplitResult, addresses: list[rules.Address]) -> tuple[str, dict[str, str]]:
    """The URL of the first address checked (a name's), and the Host header that keeps the name."""
    if rules.literal_address(parts.hostname or "") is not None:
        return parts.geturl(), {}
    name = (parts.hostname or "").encode("idna").decode()  # resolved already: IDNA could encode it
    address = addresses[0]
    at = f"[{address}]" if address.version == 6 else str(address)
    return (parts._replace(netloc=f"{at}:{rules.default_port(parts)}").geturl(),
            {"Host": f"{name}:{parts.port}" if parts.port else name})


class _PinnedAdapter(HTTPAdapter):
    """Over https to a pinned address, the certificate is checked against (and SNI names) the host name
    the Host header keeps, not the address in the URL."""

    def build_connection_pool_key_attributes(self, request: requests.PreparedRequest, verify: Any,
                                             cert: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host = request.headers.get("Host")
        if isinstance(host, str) and host_params["scheme"] == "https":
            name = host.partition(":")[0]  # a name's (an address is never pinned): no colon but the port's
            pool_kwargs.update(server_hostname=name, assert_hostname=name)
        return host_params, pool_kwargs


def http_session() -> requests.Session:
    """The HTTP session the POSTs are made with."""
    http = requests.Session()
    http.trust_env = False  # no proxy from the environment: the address checked is the one called
    http.mount("https://", _PinnedAdapter())
    return http


# --- the headers and the bodies -------------------------------------------------------------------------------

def signed_headers(secret: str, subscription_id: str, event_id: int, event_type: str, body: bytes,
                   now: datetime) -> dict[str, str]:
    """The headers of a POST of `body`, signed with the subscription's `secret` (emall_ws/hooks/signature.py)."""
    timestamp = str(int(aware(now).timestamp()))
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT,
            signature.TIMESTAMP_HEADER: timestamp,
            signature.SIGNATURE_HEADER: signature.signature(secret, timestamp, body),
            EVENT_ID_HEADER: str(event_id), EVENT_TYPE_HEADER: event_type, SUBSCRIPTION_HEADER: subscription_id}


def _wire_time(moment: datetime) -> str:
    return to_wib(moment).isoformat(timespec="seconds")


def event_body(row: ChangeEvent) -> bytes:
    """The JSON body a callback carries for `row` (services.events.event_json), compact."""
    return _json(events.event_json(row, _wire_time(row.occurred_at)))


def body_of_test_event(subscription_id: str, now: datetime) -> bytes:
    return _json({"id": 0, "type": event_types.TEST, "occurredAt": _wire_time(now), "subscription": subscription_id})


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# --- the delivery log ---------------------------------------------------------------------------------------

def log_attempt(session: Session, subscription: int, seq: int | None, event_type: str, attempt: int,
                outcome: Outcome, now: datetime) -> EventDelivery:
    """The delivery log's row of one attempt at event `seq` (None for a test event), added and flushed."""
    row = EventDelivery(subscription_id=subscription, event_seq=seq, event_type=event_type, attempted_at=now,
                        attempt=attempt, outcome=DELIVERED if outcome.delivered else FAILED,
                        http_status=outcome.http_status, error=outcome.error, duration_ms=outcome.duration_ms)
    session.add(row)
    session.flush()
    return row
