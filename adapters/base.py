"""zeep clients of partner endpoints: one per endpoint, reused; WSDL cached; every attempt within
one deadline (adapters/deadline.py); every failure turned into an adapter exception at this edge;
retries for safe reads only, and only where the policy allows them (the worker's, not a request's).

Error mapping (partner_errors), one rule for every partner (as HTTP 4xx/5xx and SMTP 5xx/4xx):
  SOAP fault Client[.*]: our request was refused       -> PartnerRejected (code = faultcode)
  any other SOAP fault (Server.*: the partner's trouble),
  no connection, timeout, HTTP 5xx/408/429 (not SOAP)  -> PartnerUnavailable: try again later
  not XML, not the contract's shape, other HTTP status -> BadPartnerResponse

zeep runs with strict=False so that a partner adding an element at the end of a type (the usual
way contracts grow) is tolerated. strict=False also lets lxml "recover" broken XML, so this
module checks that every answer is well-formed XML itself before zeep sees it.
"""
from __future__ import annotations

import threading
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Literal, overload

import requests
import zeep
from lxml import etree
from zeep.cache import InMemoryCache
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport
from zeep.xsd import CompoundValue

from adapters.breaker import breaker_for
from adapters.deadline import read_body_within_deadline, remaining, request_timeout, within
from adapters.errors import AdapterError, BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.observe import observed

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TRANSIENT_HTTP = frozenset({408, 429})  # and every 5xx
WSDL_CACHE = InMemoryCache(timeout=3600)  # shared by every client of this process
SETTINGS = zeep.Settings(strict=False, forbid_dtd=True, forbid_entities=True, forbid_external=True,
                         xml_huge_tree=False)
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class CallPolicy:
    timeout: float = 5.0  # seconds one attempt may take in all: connecting, the WSDL, the whole answer
    retries: int = 2  # further attempts of a safe read after PartnerUnavailable
    backoff: float = 0.25  # seconds before the first retry; doubles each time
    wsdl: str | None = None  # where the WSDL is (URL or file); default <endpoint>?wsdl
    breaker: bool = False  # skip the endpoint while it keeps failing (adapters/breaker.py)

    def wsdl_location(self, url: str) -> str:
        return self.wsdl or f"{url}?wsdl"


class _HttpStatus(Exception):
    """An HTTP answer that is not a SOAP envelope (raised before zeep tries to read it)."""

    def __init__(self, status: int, what: str):
        super().__init__(f"HTTP {status}: {what}")
        self.status = status


class _PartnerTransport(Transport):
    """zeep's transport, refusing answers that are not XML, and non-200 answers that are not faults.
    Each request's timeout is what is left of the calling thread's deadline (`timeout` outside one)."""

    def __init__(self, timeout: float):
        self._timeout = timeout
        super().__init__(cache=WSDL_CACHE, timeout=timeout, operation_timeout=timeout)
        self.session.hooks["response"].append(read_body_within_deadline)

    @property
    def operation_timeout(self):
        return request_timeout(self._timeout)

    @operation_timeout.setter
    def operation_timeout(self, _value):
        pass  # zeep's own setting: the deadline decides

    load_timeout = operation_timeout  # the WSDL's download is part of the attempt too

    def post(self, address, message, headers):
        response = super().post(address, message, headers)
        _check_answer(response.status_code, response.content)
        return response

    def _load_remote_data(self, url):
        content = super()._load_remote_data(url)  # raises requests' HTTPError on 4xx/5xx
        _check_answer(200, content)
        return content


def _check_answer(status: int, content: bytes) -> None:
    if 200 <= status < 300 and not content:
        return  # zeep makes None of it; the adapter's shape checks refuse it
    try:
        root = etree.fromstring(content, _SAFE_PARSER)
    except etree.XMLSyntaxError:
        raise _HttpStatus(status, "the answer is not XML") from None
    if status >= 300 and root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault") is None:
        raise _HttpStatus(status, f"the answer is not a SOAP fault but <{etree.QName(root).localname}>")


def _transient(status: int) -> bool:
    return status >= 500 or status in TRANSIENT_HTTP


@contextmanager
def partner_errors(partner: str) -> Iterator[None]:
    """Turns whatever a zeep call raises into PartnerRejected, PartnerUnavailable or BadPartnerResponse."""
    try:
        yield
    except AdapterError:
        raise
    except Fault as fault:
        code = (fault.code or "").split(":", 1)[-1]
        if code.split(".", 1)[0] == "Client":
            raise PartnerRejected(partner, fault.message or "SOAP fault", code=code) from fault
        # Server.Maintenance and the like: nothing wrong with the request, ask again later
        raise PartnerUnavailable(partner, f"SOAP fault {code or '(no code)'}: {fault.message}") from fault
    except _HttpStatus as error:
        kind = PartnerUnavailable if _transient(error.status) else BadPartnerResponse
        raise kind(partner, str(error)) from error
    except requests.HTTPError as error:  # while loading the WSDL
        status = error.response.status_code if error.response is not None else 0
        kind = PartnerUnavailable if _transient(status) else BadPartnerResponse
        raise kind(partner, f"WSDL: HTTP {status}") from error
    except requests.RequestException as error:  # connection refused/reset, timeouts, ...
        raise PartnerUnavailable(partner, f"{type(error).__name__}: {error}") from error
    except TransportError as error:
        kind = PartnerUnavailable if _transient(error.status_code or 500) else BadPartnerResponse
        raise kind(partner, f"HTTP {error.status_code}: {error.message}") from error
    except (ZeepError, etree.XMLSyntaxError) as error:
        raise BadPartnerResponse(partner, f"{type(error).__name__}: {error}") from error


class PartnerClient:
    """One zeep client, its service bound to one endpoint URL (whatever the WSDL's address says)."""

    def __init__(self, url: str, policy: CallPolicy):
        transport = _PartnerTransport(policy.timeout)
        self.client = zeep.Client(policy.wsdl_location(url), transport=transport, settings=SETTINGS)
        binding = next(iter(self.client.wsdl.bindings))
        self.service = self.client.create_service(binding, url)


_clients: dict[tuple, PartnerClient] = {}
_locks: dict[tuple, threading.Lock] = {}
_registry = threading.Lock()


def partner_client(url: str, policy: CallPolicy) -> PartnerClient:
    """The process's client of url (built on first use: a partner down at start-up is no error)."""
    key = (url, policy.wsdl_location(url), policy.timeout)
    client = _clients.get(key)
    if client is not None:
        return client
    with _registry:
        lock = _locks.setdefault(key, threading.Lock())
    # one construction per endpoint; other endpoints are not held up meanwhile, and a caller
    # waiting for another's construction waits no longer than its own deadline
    if not lock.acquire(timeout=remaining(policy.timeout)):
        raise requests.Timeout("the client of this endpoint is still being built")
    try:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = PartnerClient(url, policy)
    finally:
        lock.release()
    return client


def forget_clients() -> None:
    """Drops every cached client (tests). The WSDL cache stays: a client built again reads its
    WSDL from there for up to an hour."""
    with _registry:
        _clients.clear()


class ZeepEndpoint:
    """Calls operations of one partner endpoint under the error mapping, deadline, retry and
    circuit-breaker rules of its policy."""

    def __init__(self, partner: str, url: str, policy: CallPolicy):
        self.partner = partner
        self.url = url.rstrip("/")
        self.policy = policy
        self._breaker = breaker_for(partner, self.url) if policy.breaker else None

    def call(self, operation: str, *args: Any, result: str, retry: bool = False) -> Any:
        """The operation's answer (its `result` part). retry=True only for safe reads: a write
        that timed out may have happened, and repeating it is the caller's decision."""
        attempts = 1 + (max(0, self.policy.retries) if retry else 0)
        for attempt in range(attempts):
            try:
                with ExitStack() as guards:
                    guards.enter_context(observed(self.partner, operation))
                    if self._breaker is not None:
                        guards.enter_context(self._breaker.guarding())
                    guards.enter_context(partner_errors(self.partner))
                    guards.enter_context(within(self.policy.timeout))
                    service = partner_client(self.url, self.policy).service
                    try:
                        method = getattr(service, operation)
                    except AttributeError:
                        raise self.shape_error(f"the WSDL has no operation {operation}") from None
                    return _unwrap(method(*args), operation, result)
            except PartnerUnavailable:
                if attempt + 1 == attempts:
                    raise
                time.sleep(self.policy.backoff * 2 ** attempt)
        raise AssertionError("unreachable")

    def shape_error(self, what: str) -> BadPartnerResponse:
        return BadPartnerResponse(self.partner, f"unexpected answer: {what}")


def _unwrap(value: Any, operation: str, part: str) -> Any:
    # zeep returns the only part of a document/literal answer by itself, but hands back the whole
    # wrapper once the partner added an element to it: take the part out in that case too
    xsd_type = getattr(value, "_xsd_type", None)
    qname = getattr(xsd_type, "qname", None)
    if isinstance(value, CompoundValue) and qname is not None and qname.localname == f"{operation}Response":
        return value[part] if part in value else None
    return value


# --- shape checks: zeep's values to plain Python, or BadPartnerResponse ---------------------------

def field(endpoint: ZeepEndpoint, value: Any, name: str) -> Any:
    try:
        return value[name]
    except (KeyError, TypeError, AttributeError):
        raise endpoint.shape_error(f"no field {name}") from None


@overload
def text(endpoint: ZeepEndpoint, value: Any, name: str, *, required: Literal[True] = True,
         max_len: int | None = None) -> str: ...
@overload
def text(endpoint: ZeepEndpoint, value: Any, name: str, *, required: bool,
         max_len: int | None = None) -> str | None: ...
def text(endpoint: ZeepEndpoint, value: Any, name: str, *, required: bool = True,
         max_len: int | None = None) -> str | None:
    """`max_len`: the contract's maxLength, which zeep does not enforce on answers."""
    item = field(endpoint, value, name)
    if item is None or item == "":
        if required:
            raise endpoint.shape_error(f"{name} is missing")
        return None if item is None else ""
    if not isinstance(item, str):
        raise endpoint.shape_error(f"{name} is not text")
    if max_len is not None and len(item) > max_len:
        raise endpoint.shape_error(f"{name} is longer than {max_len}")
    return item


def optional_text(endpoint: ZeepEndpoint, value: Any, name: str) -> str:
    """A text field the contract allows to be empty or missing: "" then."""
    return text(endpoint, value, name, required=False) or ""


def integer(endpoint: ZeepEndpoint, value: Any, name: str, *, low: int | None = None,
            high: int | None = None) -> int:
    item = field(endpoint, value, name)
    if isinstance(item, bool) or not isinstance(item, int):
        raise endpoint.shape_error(f"{name} is not a whole number")
    if (low is not None and item < low) or (high is not None and item > high):
        raise endpoint.shape_error(f"{name} is out of range")
    return int(item)


@overload
def moment(endpoint: ZeepEndpoint, value: Any, name: str, *, required: Literal[True] = True) -> datetime: ...
@overload
def moment(endpoint: ZeepEndpoint, value: Any, name: str, *, required: bool) -> datetime | None: ...
def moment(endpoint: ZeepEndpoint, value: Any, name: str, *, required: bool = True) -> datetime | None:
    item = field(endpoint, value, name)
    if item is None and not required:
        return None
    if not isinstance(item, datetime) or item.tzinfo is None:
        # the contracts say "with offset": guessing a zone would shift payment windows by hours
        raise endpoint.shape_error(f"{name} is not a date-time with offset")
    return item


def items(endpoint: ZeepEndpoint, value: Any, item_name: str) -> list:
    """An Array(...) of the contract: zeep gives a list, or a wrapper holding one, or None."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    inner = field(endpoint, value, item_name)
    if inner is None:
        return []
    if not isinstance(inner, list):
        raise endpoint.shape_error(f"{item_name} is not a list")
    return inner
