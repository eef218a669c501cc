"""The one place where errors become SOAP faults.

faultcode is ``Client.<Reason>`` for the caller's mistakes and ``Server.<Reason>`` for ours;
``detail`` holds a machine-readable ``code`` and, for Validation, every failing field:

    <detail><f:FaultDetail xmlns:f="urn:emall-kukm:fault">
      <f:code>VALIDATION_FAILED</f:code>
      <f:errors><f:error><f:field>email</f:field><f:code>REQUIRED</f:code>
        <f:message>Kolom Email wajib diisi</f:message></f:error></f:errors>
    </f:FaultDetail></detail>
"""
from __future__ import annotations

import logging
import re

from lxml import etree
from spyne import Fault

from emall_ws.domain.errors import DomainError, FieldError
from emall_ws.messages import field_message, translate

FAULT_NS = "urn:emall-kukm:fault"
log = logging.getLogger(__name__)


class PlatformFault(Fault):
    """A fault already in the platform's vocabulary; passes the mappers unchanged."""

    def __init__(self, faultcode: str, faultstring: str, detail_code: str):
        detail = etree.Element(f"{{{FAULT_NS}}}FaultDetail", nsmap={"f": FAULT_NS})
        etree.SubElement(detail, f"{{{FAULT_NS}}}code").text = detail_code
        super().__init__(faultcode=faultcode, faultstring=faultstring, detail=detail)
        self.detail_code = detail_code

    def add_field_errors(self, errors: list[tuple[str, str, str]]) -> PlatformFault:
        container = etree.SubElement(self.detail, f"{{{FAULT_NS}}}errors")
        for field, code, message in errors:
            item = etree.SubElement(container, f"{{{FAULT_NS}}}error")
            for name, value in (("field", field), ("code", code), ("message", message)):
                etree.SubElement(item, f"{{{FAULT_NS}}}{name}").text = value
        return self


def client_fault(reason: str, code: str, language: str, **params) -> PlatformFault:
    return PlatformFault(f"Client.{reason}", translate(code, language, **params), code)


def internal_fault(language: str) -> PlatformFault:
    return PlatformFault("Server.Internal", translate("INTERNAL", language), "INTERNAL")


def unavailable_fault(language: str) -> PlatformFault:
    """What the reverse proxy answers when no instance could take a call (deploy/nginx.py)."""
    return PlatformFault("Server.Unavailable", translate("UNAVAILABLE", language), "UNAVAILABLE")


def database_unavailable_fault(language: str) -> PlatformFault:
    """The database cannot serve now (unreachable, connection lost, a cluster node not ready)."""
    return PlatformFault("Server.Unavailable", translate("DATABASE_UNAVAILABLE", language), "DATABASE_UNAVAILABLE")


def from_domain_error(error: DomainError, language: str) -> PlatformFault:
    fault = PlatformFault(f"{error.side}.{error.reason}", translate(error.code, language, **error.params),
                          error.code)
    field_errors = getattr(error, "errors", None)  # ValidationFailed's, or another error's that has some
    if field_errors:
        fault.add_field_errors([_field_error(e, language) for e in field_errors])
    return fault


def _field_error(error: FieldError, language: str) -> tuple[str, str, str]:
    return error.field, error.code, field_message(error.code, error.field, language, **error.params)


# spyne's own protocol-level faults, renamed into the platform's vocabulary
_SPYNE_CODES = {
    "Client.XMLSyntaxError": "MALFORMED_XML",
    "Client.ResourceNotFound": "UNKNOWN_OPERATION",
    "Client.RequestTooLong": "REQUEST_TOO_LARGE",
}
_SCHEMA_FIELD = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")


def from_spyne_fault(fault: Fault, language: str, max_request_bytes: int) -> PlatformFault:
    if isinstance(fault, PlatformFault):
        return fault
    code = str(fault.faultcode or "")
    text = str(fault.faultstring or "")
    if "No matching global declaration" in text:  # a body element no operation has
        return client_fault("BadRequest", "UNKNOWN_OPERATION", language)
    if code.startswith("Client.SchemaValidationError") or code == "Client.ValidationError":
        field = _SCHEMA_FIELD.search(text)
        name = field.group(1) if field else "?"
        return (client_fault("Validation", "VALIDATION_FAILED", language, count=1)
                .add_field_errors([(name, "SCHEMA_INVALID",
                                    field_message("SCHEMA_INVALID", name, language))]))
    if code in _SPYNE_CODES:
        return client_fault("BadRequest", _SPYNE_CODES[code], language, limit=max_request_bytes)
    if code.startswith("Client"):
        return client_fault("BadRequest", "NOT_SOAP", language)
    log.error("server fault %s: %s", code, fault.faultstring)
    return internal_fault(language)
