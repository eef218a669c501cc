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
from typing import Any

from lxml import etree
from spyne import Fault

from emall_ws.domain.errors import DomainError, FieldError
from emall_ws.messages import field_message, translate

FAULT_NS = "urn:emall-kukm:fault"
log = logging.getLogger(__name__)

# The detail's schema: every WSDL declares its FaultDetail element as the fault of every operation
# (emall_ws/soap/contract.py). It must describe exactly what PlatformFault writes.
FAULT_DETAIL_SCHEMA = f"""\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:fault="{FAULT_NS}" targetNamespace="{FAULT_NS}"
           elementFormDefault="qualified">
  <xs:complexType name="FaultDetail">
    <xs:annotation><xs:documentation>The detail of every fault: the platform's machine-readable code and, for
Client.Validation, every failing field.</xs:documentation></xs:annotation>
    <xs:sequence>
      <xs:element name="code" type="xs:string"/>
      <xs:element name="errors" type="fault:FieldErrors" minOccurs="0"/>
    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="FieldErrors">
    <xs:annotation><xs:documentation>The failing fields of a request.</xs:documentation></xs:annotation>
    <xs:sequence>
      <xs:element name="error" type="fault:FieldError" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="FieldError">
    <xs:annotation><xs:documentation>One failing field: its name, the rule's code and a message for people.
</xs:documentation></xs:annotation>
    <xs:sequence>
      <xs:element name="field" type="xs:string"/>
      <xs:element name="code" type="xs:string"/>
      <xs:element name="message" type="xs:string"/>
    </xs:sequence>
  </xs:complexType>
  <xs:element name="FaultDetail" type="fault:FaultDetail"/>
</xs:schema>"""


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


def must_understand_fault(header: str, namespace: str, language: str) -> PlatformFault:
    """SOAP 1.1's own faultcode (soap:MustUnderstand, not Client.*): a header marked mustUnderstand="1"
    that the service does not process. `namespace`: the service's, where its SessionHeader lives."""
    return PlatformFault("MustUnderstand", translate("MUST_UNDERSTAND", language, header=header,
                                                     namespace=namespace), "MUST_UNDERSTAND")


def unavailable_fault(language: str) -> PlatformFault:
    """What the reverse proxy answers when no instance could take a call (deploy/nginx.py)."""
    return PlatformFault("Server.Unavailable", translate("UNAVAILABLE", language), "UNAVAILABLE")


def database_unavailable_fault(language: str) -> PlatformFault:
    """The database cannot serve now (unreachable, connection lost, a cluster node not ready)."""
    return PlatformFault("Server.Unavailable", translate("DATABASE_UNAVAILABLE", language), "DATABASE_UNAVAILABLE")


def database_busy_fault(language: str) -> PlatformFault:
    """Another connection held the database's lock longer than a call waits (EMALL_SQLITE_BUSY_TIMEOUT)."""
    return PlatformFault("Server.Busy", translate("DATABASE_BUSY", language), "DATABASE_BUSY")


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
    "Client.RequestTooLong": "REQUEST_TOO_LARGE",
}
# libxml2's "Element '{ns}name': <why>", e.g. "... Expected is ( {ns}serviceKey )."
_SCHEMA_ERROR = re.compile(r"Element '(?:\{[^}]*\})?([^']+)': (.+)", re.DOTALL)
# libxml2 expecting one element: "Missing child element(s). Expected is ( {ns}x )" (x is required and
# missing at the end of its parent), or "This element is not expected. Expected is ( {ns}x )" (x required
# and missing before the element named, or optional and the element named unknown)
_EXPECTED_ONE = re.compile(r"(Missing child element\(s\)|This element is not expected)\. "
                           r"Expected is \( (?:\{[^}]*\})?([^ ,)]+) \)")
_ECHOED_CHARS = 1000  # of what the caller sent, or libxml2 said of it, that a fault repeats


def from_spyne_fault(fault: Fault, language: str, max_request_bytes: int, app: Any = None,
                     received: str = "") -> PlatformFault:
    """`app` (a spyne Application) and `received` (the Body's element, "{namespace}name") name, for
    an unknown operation, what came and what the service has."""
    if isinstance(fault, PlatformFault):
        return fault
    code = str(fault.faultcode or "")
    text = fault.faultstring.decode() if isinstance(fault.faultstring, bytes) else str(fault.faultstring or "")
    # a body element the schema does not declare, or one it declares that is no operation (a type)
    if "No matching global declaration" in text or code == "Client.ResourceNotFound":
        return _unknown_operation_fault(received, app, language)
    if code.startswith("Client.SchemaValidationError") or code == "Client.ValidationError":
        return _schema_fault(text, language, _required_fields(app))
    if code in _SPYNE_CODES:
        return client_fault("BadRequest", _SPYNE_CODES[code], language, limit=max_request_bytes)
    if code.startswith("Client"):
        return client_fault("BadRequest", "NOT_SOAP", language)
    log.error("server fault %s: %s", code, fault.faultstring)
    return internal_fault(language)


def _unknown_operation_fault(received: str, app: Any, language: str) -> PlatformFault:
    namespace, _, element = received.lstrip("{").rpartition("}")
    operations = [name for service in getattr(app, "services", ()) for name in service.public_methods]
    return client_fault("BadRequest", "UNKNOWN_OPERATION", language, element=element[:_ECHOED_CHARS],
                        namespace=namespace[:_ECHOED_CHARS], expected=getattr(app, "tns", ""),
                        operations=", ".join(operations))


def _required_fields(app: Any) -> frozenset[str]:
    """The request fields of the service's operations that its schema requires (minOccurs=1)."""
    return frozenset(name for service in getattr(app, "services", ()) for method in service.public_methods.values()
                     for name, member in method.in_message.get_flat_type_info(method.in_message).items()
                     if member.Attributes.min_occurs)


def _schema_fault(text: str, language: str, required: frozenset[str] = frozenset()) -> PlatformFault:
    """A Validation fault for libxml2's first complaint: the field it named and what it said of it
    (what it expected), in the field's message and, for toolkits that show no more, the faultstring.
    A required field that is missing is the one named, as the domain's REQUIRED names it."""
    found = _SCHEMA_ERROR.search(text)
    if found is None:
        field, message = "?", field_message("SCHEMA_INVALID", "?", language)
    else:
        field, reason = found.group(1), found.group(2).strip().rstrip(".")[:_ECHOED_CHARS]
        expected = _EXPECTED_ONE.match(reason)
        if expected and (expected.group(1).startswith("Missing") or expected.group(2) in required):
            field = expected.group(2)
        message = field_message("SCHEMA_REFUSED", field, language, reason=reason)
    fault = PlatformFault("Client.Validation", f"{translate('VALIDATION_FAILED', language, count=1)} {message}",
                          "VALIDATION_FAILED")
    return fault.add_field_errors([(field, "SCHEMA_INVALID", message)])
