"""Calling a callback endpoint: one signed POST and how it went (an `Outcome`, never an exception for the
endpoint's doing), the JSON bodies and the headers it carries, the check of the endpoint's address, and
the delivery log's row of an attempt. Used by the subscriptions' test event (services.callbacks) and by
the worker's round (services.callback_delivery).

The address of the endpoint is checked when subscribing and again before each POST (DNS may have
changed); the request is made directly (no proxy from the environment), to the address checked (the host
name goes in the Host header and, over https, is what the certificate is checked against: no second DNS
look-up) and follows no redirect, so the address checked is the one called.

The system resolver has no timeout of its own and can hold a thread for seconds, so a name is resolved in
a pool of threads of its own (RESOLVERS) and waited for only until a deadline: the check and the POST
share one (a `Deadline`), so a test event answers within EMALL_CALLBACK_TIMEOUT however slow DNS is. A
look-up cannot be stopped once it runs, so callers asking for a name already being looked up wait on that
look-up instead of taking another thread: names whose DNS hangs hold one thread each, not one per caller.

A name's addresses are tried in turn, as urllib3 would, when one cannot be connected to (refused,
unreachable, no connection in time); the first HTTP answer, whatever it is, ends the POST.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError
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
# a delivery's error when its look-up never started (every resolver thread held by other names): the
# platform's doing rather than the endpoint's DNS; a subscription is refused with UNRESOLVED_IN_TIME all the same
NOT_LOOKED_UP_IN_TIME = UNRESOLVED_IN_TIME + " (not looked up: the resolvers were busy)"
# the private header that carries the name an https certificate is checked against from pinned() to
# _PinnedAdapter, which takes it off before sending; set by nothing else (post() drops a caller's)
TLS_NAME_HEADER = "X-Emall-Tls-Name"

# the threads that wait on the system resolver, so that hosts whose DNS hangs hold these and not the
# requests' threads; with look-ups of one name shared (_lookup), it takes as many names that hang as there
# are threads to keep everyone else's look-ups waiting
RESOLVERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="callback-dns")


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
    if not isinstance(checked, str):
        return None
    # a fault code: whether the look-up ran or waited its turn, the member is told to try again later
    return UNRESOLVED_IN_TIME if checked == NOT_LOOKED_UP_IN_TIME else checked


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
    """The host's addresses, or why there are none: it has none, or DNS did not answer in time (or was not
    even asked: the resolvers were all busy)."""
    lookup = _join(hostname, port)
    try:
        found = lookup.future.result(timeout=deadline.remaining())
    except FutureTimeout:
        return UNRESOLVED_IN_TIME if lookup.started() else NOT_LOOKED_UP_IN_TIME
    finally:
        _leave(lookup)
    return found or "CALLBACK_URL_UNRESOLVED"


@dataclass(eq=False)
class _Lookup:
    """One look-up of a name in RESOLVERS, and how many callers wait on it."""
    key: tuple[str, int]
    future: Future[list[rules.Address]]
    waiting: int = 0

    def started(self) -> bool:
        return self.future.running() or self.future.done()


_IN_FLIGHT: dict[tuple[str, int], _Lookup] = {}  # the look-ups not done yet, by (name, port)
# re-entrant: cancelling a look-up under it runs _forget, which takes it too
_IN_FLIGHT_LOCK = threading.RLock()


def _join(hostname: str, port: int) -> _Lookup:
    """The look-up of `hostname` in flight, or a new one, with the caller counted among its waiters: a second
    caller for a name takes no second thread."""
    key = (hostname.lower(), port)
    with _IN_FLIGHT_LOCK:
        lookup = _IN_FLIGHT.get(key)
        if lookup is None:
            lookup = _IN_FLIGHT[key] = _Lookup(key, RESOLVERS.submit(_addresses, hostname, port))
            # under the lock, so that a look-up done at once is forgotten after it was recorded, not before
            lookup.future.add_done_callback(lambda _done: _forget(lookup))
        lookup.waiting += 1
    return lookup


def _leave(lookup: _Lookup) -> None:
    """The caller waits no more; the last to leave a look-up not started yet cancels it, so that it takes no
    thread for nobody (a running one cannot be stopped: its thread comes back when the resolver gives up)."""
    with _IN_FLIGHT_LOCK:
        lookup.waiting -= 1
        if not lookup.waiting:
            lookup.future.cancel()  # nothing once started or done


def _forget(lookup: _Lookup) -> None:
    """A look-up done (or cancelled) is joined no more: the next caller looks the name up afresh."""
    with _IN_FLIGHT_LOCK:
        if _IN_FLIGHT.get(lookup.key) is lookup:
            del _IN_FLIGHT[lookup.key]


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
    left); never raises for the endpoint's doing. A name's addresses are tried in turn until one takes the
    connection; if none does, the last one's error is the outcome's."""
    started = time.monotonic()
    deadline = Deadline(started + timeout)

    def outcome(http_status: int | None, error: str) -> Outcome:
        return Outcome(http_status, error[:ERROR_MAX], int((time.monotonic() - started) * 1000))

    checked = _checked(url, allow_private, deadline)
    if isinstance(checked, str):
        return outcome(None, checked)
    parts, addresses = checked
    # only pinned() names the certificate's name: a caller's header of that name would choose it otherwise
    headers = {key: value for key, value in headers.items() if key.lower() != TLS_NAME_HEADER.lower()}
    answer: int | str = "timeout"
    for tried, address in enumerate(addresses):
        left = deadline.remaining()
        if not left:
            break
        pinned_url, pinned_headers = pinned(parts, address)
        # an address that does not answer a connection may take only its share of what is left, so that
        # the next ones still have a chance; an answer may take all that is left
        connect_within = left / (len(addresses) - tried)
        answer = _post_once(http, pinned_url, {**headers, **pinned_headers}, body, (connect_within, left))
        if not isinstance(answer, _NotConnected):
            break
    if isinstance(answer, str):
        return outcome(None, str(answer))
    if rules.is_delivered(answer):
        return outcome(answer, "")
    return outcome(answer, f"HTTP {answer}" + (" (redirects are not followed)" if 300 <= answer < 400 else ""))


class _NotConnected(str):
    """The error of an address no connection could be made to: the next address may be tried."""


def _post_once(http: requests.Session, url: str, headers: dict[str, str], body: bytes,
               timeout: tuple[float, float]) -> int | str:
    """The HTTP status of one POST to one address, or why none came (a _NotConnected when nothing was sent)."""
    try:
        # stream: the status is all a delivery needs, so the body is never read (however long it is)
        with http.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False,
                       stream=True) as response:
            return response.status_code
    except requests.ConnectTimeout:  # before requests.Timeout: it is one, and a ConnectionError too
        return _NotConnected("timeout")
    except requests.Timeout:
        return "timeout"
    except requests.exceptions.SSLError as error:
        return f"TLS error: {_reason(error)}"
    except requests.ConnectionError as error:
        reason = _connection_error(error)
        return _NotConnected(reason) if _never_connected(error) else reason
    except requests.RequestException as error:
        return f"request failed: {_reason(error)}"


def _never_connected(error: requests.ConnectionError) -> bool:
    """Whether the connection itself failed (refused, unreachable), so the request was not sent at all."""
    return any(isinstance(cause, NewConnectionError) for cause in _causes(error))


def _connection_error(error: requests.ConnectionError) -> str:
    text = str(error)
    if "refused" in text.lower():
        return "connection refused"
    if "reset" in text.lower():
        return "connection reset"
    return f"connection failed: {_reason(error)}"


def _reason(error: Exception) -> str:
    """The innermost cause's words: requests wraps urllib3's error, which names the pool and the URL."""
    cause = _causes(error)[-1]
    return str(cause) or type(cause).__name__


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and what it wraps, outermost first: requests' error wraps urllib3's, which wraps the socket's."""
    causes = [error]
    for _ in range(5):
        cause = causes[-1]
        inner = cause.__cause__ or getattr(cause, "reason", None) or (cause.args[0] if cause.args else None)
        if not isinstance(inner, BaseException):
            break
        causes.append(inner)
    return causes


def pinned(parts: SplitResult, address: rules.Address) -> tuple[str, dict[str, str]]:
    """The URL of `address`, one checked for a name, and the headers that keep the name: Host and, over
    https, TLS_NAME_HEADER for _PinnedAdapter. A URL written with an address is called as it is."""
    if rules.literal_address(parts.hostname or "") is not None:
        return parts.geturl(), {}
    name = (parts.hostname or "").encode("idna").decode()  # resolved already: IDNA could encode it
    at = f"[{address}]" if address.version == 6 else str(address)
    headers = {"Host": f"{name}:{parts.port}" if parts.port else name}
    if parts.scheme == "https":
        headers[TLS_NAME_HEADER] = name
    return parts._replace(netloc=f"{at}:{rules.default_port(parts)}").geturl(), headers


class _PinnedAdapter(HTTPAdapter):
    """Over https to a pinned address, the certificate is checked against (and SNI names) the host name
    pinned() put in TLS_NAME_HEADER, not the address in the URL; the header is taken off before sending.
    Not the Host header: a caller could set that, to a URL written with an address, and choose the name."""

    def build_connection_pool_key_attributes(self, request: requests.PreparedRequest, verify: Any,
                                             cert: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        name = request.headers.get(TLS_NAME_HEADER)
        if isinstance(name, str) and host_params["scheme"] == "https":
            pool_kwargs.update(server_hostname=name, assert_hostname=name)
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        # HTTPAdapter.send calls this after choosing the connection pool and before sending
        request.headers.pop(TLS_NAME_HEADER, None)


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
