"""Defences in front of spyne: HTTP method, body size (compressed and decoded), DOCTYPE/ENTITY,
parser settings.

Hostile or broken input never reaches a handler, never resolves an entity, and always
gets a SOAP fault (with 405, 413 or 415 where HTTP has a status for it).
"""
from __future__ import annotations

import io
import logging
import re
import zlib

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
                413: "413 Payload Too Large", 415: "415 Unsupported Media Type", 500: "500 Internal Server Error"}


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
    """WSGI middleware: only GET ?wsdl and POST, bodies within the limit (decoded too), no DTDs."""
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
        try:
            body = _decoded(body, environ.pop("HTTP_CONTENT_ENCODING", ""), limit, language)
        except Refused as refused:
            return refuse(environ, start_response, *refused.args)
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


class Refused(Exception):
    """A request answered with a fault before spyne sees it: args are `refuse`'s (status, fault[, headers])."""


_GZIP, _ZLIB, _RAW_DEFLATE = 16 + zlib.MAX_WBITS, zlib.MAX_WBITS, -zlib.MAX_WBITS
_CONTENT_CODINGS = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": _ZLIB}


def _decoded(body: bytes, content_encoding: str, limit: int, language: str) -> bytes:
    """The body without its Content-Encoding (gzip or deflate), decoded no further than `limit` bytes:
    a few kilobytes of gzip can decode to gigabytes."""
    coding = content_encoding.strip().lower()
    if coding in ("", "identity"):
        return body
    if coding not in _CONTENT_CODINGS:
        raise Refused(415, faults.client_fault("BadRequest", "UNSUPPORTED_ENCODING", language,
                                               encoding=coding[:40]), [("Accept-Encoding", "gzip, deflate")])
    wbits = _CONTENT_CODINGS[coding]
    if wbits == _ZLIB and not _zlib_header(body):  # "deflate" is zlib (RFC 9110); some clients send it raw
        wbits = _RAW_DEFLATE
    decoder = zlib.decompressobj(wbits)
    try:
        decoded = decoder.decompress(body, limit + 1)
    except zlib.error:
        decoded = b""  # and the decoder short of its end: refused below
    if len(decoded) > limit:
        raise Refused(413, faults.client_fault("BadRequest", "DECODED_TOO_LARGE", language,
                                               encoding=coding, limit=limit))
    if not decoder.eof or decoder.unused_data:  # broken, cut short, or followed by something else
        raise Refused(500, faults.client_fault("BadRequest", "BAD_ENCODING", language, encoding=coding))
    return decoded


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and int.from_bytes(data[:2], "big") % 31 == 0
