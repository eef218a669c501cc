"""Defences in front of spyne: HTTP method, body size, DOCTYPE/ENTITY, parser settings.

Hostile or broken input never reaches a handler, never resolves an entity, and always
gets a SOAP fault (with 405 or 413 where HTTP has a status for it).
"""
from __future__ import annotations

import io
import logging
import re

from lxml import etree
from spyne import Fault
from spyne.protocol.soap import Soap11

from emall_ws.messages import language_of_request
from emall_ws.soap import faults

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
log = logging.getLogger(__name__)
_DTD_MARKER = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
SOAP_ENC_NS = "http://schemas.xmlsoap.org/soap/encoding/"
_SOAP_ENCODING = etree.XPath(  # multi-ref attributes, or any attribute of the SOAP-encoding namespace
    "boolean(//@*[(local-name()='href' or local-name()='id') and namespace-uri()=''] "
    f"| //@*[namespace-uri()='{SOAP_ENC_NS}'] | //@*[local-name()='encodingStyle'])")
_HTTP_STATUS = {200: "200 OK", 404: "404 Not Found", 405: "405 Method Not Allowed",
                413: "413 Payload Too Large", 500: "500 Internal Server Error"}


class HardenedSoap11(Soap11):
    """SOAP 1.1 whose parser never loads a DTD, resolves an entity or touches the network."""

    def __init__(self, **kwargs):
        super().__init__(resolve_entities=False, load_dtd=False, no_network=True,
                         huge_tree=False, dtd_validation=False, **kwargs)

    def create_in_document(self, ctx, charset=None):
        language = language_of_request(ctx.transport.req_env)
        try:
            super().create_in_document(ctx, charset)
        except (UnicodeError, ValueError):  # spyne lets these escape as non-faults
            raise faults.client_fault("BadRequest", "MALFORMED_XML", language) from None
        document = ctx.in_document[0]
        # second line of defence: a DTD in an encoding the byte scan cannot read
        if document.getroottree().docinfo.internalDTD is not None:
            raise faults.client_fault("BadRequest", "DOCTYPE_FORBIDDEN", language)
        # spyne resolves SOAP-encoding multi-references (href="#id") by copying the referenced element
        # into every place that names it: 4,000 references to one 200 KB element built ~800 MB.
        # Document/literal has no use for them; refused before anything is resolved.
        if _SOAP_ENCODING(document):
            raise faults.client_fault("BadRequest", "SOAP_ENCODING_FORBIDDEN", language)

    def decompose_incoming_envelope(self, ctx, message=Soap11.REQUEST):
        try:
            super().decompose_incoming_envelope(ctx, message)
        except Fault:
            raise
        except Exception:  # e.g. a Body without an operation element
            language = language_of_request(ctx.transport.req_env)
            raise faults.client_fault("BadRequest", "NOT_SOAP", language) from None


# what spyne and the guard learnt of a call, kept in its WSGI environ for its access line
CALL_OPERATION = "emall.operation"  # the operation's name, once spyne found it
CALL_FAULT = "emall.fault"  # (faultcode, detail code) of the fault answered
WSDL_OPERATION = "?wsdl"  # the "operation" of a WSDL download


def note_operation(environ, name: str) -> None:
    environ[CALL_OPERATION] = name


def note_fault(environ, fault: faults.PlatformFault) -> None:
    environ[CALL_FAULT] = (fault.faultcode, fault.detail_code)


def refuse(environ, start_response, status: int, fault: faults.PlatformFault, extra_headers=()):
    """fault_response, noted as the call's outcome."""
    note_fault(environ, fault)
    return fault_response(start_response, status, fault, extra_headers)


def fault_envelope(fault: faults.PlatformFault) -> tuple[bytes, list[tuple[str, str]]]:
    """A SOAP 1.1 fault envelope and its headers, for answers given before spyne is reached."""
    envelope = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soap11env": SOAP_ENV_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV_NS}}}Body")
    element = etree.SubElement(body, f"{{{SOAP_ENV_NS}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soap11env:{fault.faultcode}"
    etree.SubElement(element, "faultstring").text = fault.faultstring
    etree.SubElement(element, "detail").append(fault.detail)
    payload = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return payload, [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(payload)))]


def fault_response(start_response, status: int, fault: faults.PlatformFault, extra_headers=()):
    """The WSGI answer of `fault_envelope`, with the HTTP status that fits."""
    payload, headers = fault_envelope(fault)
    start_response(_HTTP_STATUS[status], [*headers, *extra_headers])
    return [payload]


def guard(endpoint):
    """WSGI middleware: only GET ?wsdl and POST, bodies within the limit, no DTDs."""
    limit = endpoint.max_request_bytes

    def guarded(environ, start_response):
        language = language_of_request(environ)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method == "GET" and endpoint.is_wsdl_request(environ):
            note_operation(environ, WSDL_OPERATION)
            return endpoint(environ, start_response)
        if method != "POST":
            return refuse(environ, start_response, 405, faults.client_fault(
                "BadRequest", "METHOD_NOT_ALLOWED", language, method=method[:16]),
                [("Allow", "GET, POST")])
        body = _read_body(environ, limit)
        if body is None:
            return refuse(environ, start_response, 413, faults.client_fault(
                "BadRequest", "REQUEST_TOO_LARGE", language, limit=limit))
        if not body:
            return refuse(environ, start_response, 500, faults.client_fault(
                "BadRequest", "MALFORMED_XML", language))
        if _DTD_MARKER.search(body):
            return refuse(environ, start_response, 500, faults.client_fault(
                "BadRequest", "DOCTYPE_FORBIDDEN", language))
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return endpoint(environ, start_response)
        except Exception:  # last resort: spyne itself failed; never an empty 500
            log.exception("endpoint failed outside the call wrapper")
            return refuse(environ, start_response, 500, faults.internal_fault(language))

    return guarded


def _read_body(environ, limit: int) -> bytes | None:
    """The request body, or None when it is (or claims to be) over the limit."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared.strip():
        try:
            length = int(declared)
        except ValueError:
            return None
        if length > limit:
            return None
        return environ["wsgi.input"].read(length) if length > 0 else b""
    body = environ["wsgi.input"].read(limit + 1)  # chunked: read one byte past the limit
    return None if len(body) > limit else body
