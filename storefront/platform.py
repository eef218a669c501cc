"""The platform as a third-party shop sees it: its published WSDLs, read with zeep.

One zeep client per service and process, built on first use from `<platform_url>/ws/<Service>?wsdl`
and reused (reading a WSDL takes far longer than a call). SOAP faults become `PlatformError`s that
carry the platform's own message (Indonesian by default) and its machine-readable code; Server.*
faults are logged, as is a platform that cannot be reached.

Each service has its own lock for building its client, so a platform whose WSDL download hangs holds
back only the requests waiting for that same WSDL, not every page; a client once built is kept through
read timeouts and dropped only when building it failed."""
from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import requests
import zeep
import zeep.exceptions
from zeep.transports import Transport

log = logging.getLogger("storefront.platform")

FAULT_NS = "{urn:emall-kukm:fault}"
TIMEOUT = 10  # seconds any one call (and the WSDL's download) may take
UNREACHABLE = "Layanan e-mall sedang tidak dapat dihubungi. Silakan coba lagi sebentar lagi."
# the visitor the page being made calls for (Request.forwarded_for): sent with every call, so the platform's
# per-address limits (registrations, codes sent) count each visitor, not the storefront as one client
VISITOR: ContextVar[str] = ContextVar("storefront_visitor", default="")
INVALID_TEXT = "Isian mengandung karakter yang tidak diizinkan. Periksa kembali isian Anda."


@dataclass
class PlatformError(Exception):
    """A call that did not succeed: `message` is fit to show a buyer."""
    message: str
    code: str = ""  # the fault detail's code (BAD_CREDENTIALS ...), "" when the platform was not reached
    fault_code: str = ""  # Client.Authentication ..., "" when the platform was not reached
    fields: dict[str, str] = field(default_factory=dict)  # a Client.Validation's message per form field

    def split(self) -> tuple[dict[str, str], list[str]]:
        """(messages by form field, messages of no field); the fault's message when it names no field."""
        if self.fields:
            return ({name: text for name, text in self.fields.items() if name},
                    [text for name, text in self.fields.items() if not name])
        return {}, [self.message]

    def __str__(self) -> str:
        return f"{self.fault_code or 'unreachable'} {self.code}: {self.message}"

    @property
    def http_status(self) -> int:
        """The page's status: 503 the platform was not reached, 502 its own failure, 404 what does not
        exist, 400 the rest of the visitor's requests."""
        if self.not_found:
            return 404
        return 503 if not self.fault_code else 502 if self.fault_code.startswith("Server") else 400

    @property
    def not_found(self) -> bool:
        return self.fault_code == "Client.NotFound"


def _fault_code(fault: zeep.exceptions.Fault) -> str:
    return (fault.code or "").split(":", 1)[-1]


def _detail_code(fault: zeep.exceptions.Fault) -> str:
    detail = fault.detail
    return (detail.findtext(f".//{FAULT_NS}code") or "") if detail is not None else ""


def _field_messages(fault: zeep.exceptions.Fault) -> list[tuple[str, str]]:
    """(field, message) of each failing field a Client.Validation fault lists, in its order."""
    detail = fault.detail
    if detail is None:
        return []
    return [((error.findtext(f"{FAULT_NS}field") or "").strip(), message) for error in detail.iter(f"{FAULT_NS}error")
            if (message := (error.findtext(f"{FAULT_NS}message") or "").strip())]


class Platform:
    """The platform's services, by name (Catalog, Member ...)."""

    def __init__(self, platform_url: str, timeout: float = TIMEOUT) -> None:
        self.url = platform_url.rstrip("/")
        self.timeout = timeout
        self._clients: dict[str, zeep.Client] = {}
        self._locks: dict[str, threading.Lock] = {}  # one per service, made under _lock
        self._lock = threading.Lock()  # held only to find or make a service's lock

    def _service_lock(self, service: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(service, threading.Lock())

    def client(self, service: str) -> zeep.Client:
        client = self._clients.get(service)
        if client is not None:
            return client
        with self._service_lock(service):  # a page's threads never read one WSDL twice
            client = self._clients.get(service)
            if client is None:
                session = requests.Session()
                session.headers["Accept-Language"] = "id"
                transport = Transport(session=session, timeout=self.timeout, operation_timeout=self.timeout)
                # a WSDL half read raises here, and nothing is kept: it is read again next time
                client = zeep.Client(f"{self.url}/ws/{service}?wsdl", transport=transport)
                self._clients[service] = client
            return client

    def call(self, service: str, operation: str, token: str | None = None, **arguments: Any) -> Any:
        """The operation's answer; `token`: the member's session token, sent in the service's
        SessionHeader (it never leaves this process otherwise)."""
        try:
            client = self.client(service)
            if token is not None:
                header = client.get_element(f"{{urn:emall-kukm:{service.lower()}}}SessionHeader")
                arguments["_soapheaders"] = [header(token=token)]
            visitor = VISITOR.get()  # none for a call made outside a page's request
            with client.settings(extra_http_headers={"X-Forwarded-For": visitor}) if visitor else nullcontext():
                return getattr(client.service, operation)(**arguments)
        except zeep.exceptions.Fault as fault:
            code = _fault_code(fault)
            if code.startswith("Server"):
                log.error("platform fault %s (%s) from %s.%s: %s", code, _detail_code(fault), service, operation,
                          fault.message)
            fields = _field_messages(fault)
            message = ("; ".join(text for _, text in fields) if fields
                       else fault.message or "Permintaan tidak dapat diproses.")
            by_field: dict[str, str] = {}
            for name, text in fields:  # a field failing twice shows both
                by_field[name] = f"{by_field[name]}; {text}" if name in by_field else text
            raise PlatformError(message, _detail_code(fault), code, by_field) from None
        except (requests.RequestException, zeep.exceptions.TransportError, OSError) as error:
            log.error("platform unreachable on %s.%s: %s", service, operation, error)
            raise PlatformError(UNREACHABLE) from None
        except ValueError as error:  # lxml: "All strings must be XML compatible" (a control character ...)
            log.info("platform call %s.%s refused before sending: %s", service, operation, error)
            raise PlatformError(INVALID_TEXT, "", "Client.Validation") from None
