"""Defences in front of spyne: HTTP method, Content-Type and charset, body size (compressed and decoded),
DOCTYPE/ENTITY, parser settings; and in spyne's SOAP reading: one operation in the Body, mandatory
headers the platform knows, dates it can hold.

Hostile or broken input never reaches a handler, never resolves an entity, and always
gets a SOAP fault (with 405, 413 or 415 where HTTP has a status for it).
"""
from __future__ import annotations

import io
import logging
import re
import zlib
from datetime import timedelta

from lxml import etree
from spyne import Date, DateTime, Fault
from spyne.error import ValidationError
from spyne.protocol.soap import Soap11

from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.messages import language_of_request
from emall_ws.soap import dates, faults

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
# the headers the platform reads (emall_ws/soap/security.py): the SessionHeader in the service's own
# namespace, and WS-Security's, whose namespace security.py reads too
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SESSION_HEADER = "SessionHeader"
_NEXT_ACTOR = "http://schemas.xmlsoap.org/soap/actor/next"  # SOAP 1.1: the node that reads the message now
_SOAP_FAULT = f"{{{SOAP_ENV_NS}}}Fault"
_NAMED_ELEMENTS = 5  # of a Body's surplus elements, how many a fault names
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
        language = language_of_request(ctx.transport.req_env)
        envelope = ctx.in_document[0]
        # SOAP 1.1 processing: mandatory headers are checked before the Body is read
        unknown = unknown_mandatory_header(envelope, ctx.app.tns)
        if unknown is not None:
            raise faults.must_understand_fault(unknown, ctx.app.tns, language)
        refuse_unusable_body(envelope, language)
        try:
            super().decompose_incoming_envelope(ctx, message)
        except Fault:
            raise
        except Exception:  # e.g. a Body without an operation element
            raise faults.client_fault("BadRequest", "NOT_SOAP", language) from None

    def datetime_from_unicode_iso(self, cls, string):
        """xs:dateTime, with 24:00:00 (valid XML Schema, beyond Python's datetime) as the next day's midnight."""
        midnight = dates.end_of_day_midnight(string)
        if midnight is None:
            return super().datetime_from_unicode_iso(cls, string)
        moment = super().datetime_from_unicode_iso(cls, midnight)
        # an implausible day stays as it is, to be refused by from_element (9999-12-31 has no next day)
        return moment + timedelta(days=1) if dates.plausible(moment) else moment

    def from_element(self, ctx, cls, element):
        """Every element of a request passes here: an xs:date or xs:dateTime outside dates.EARLIEST..LATEST
        is the caller's mistake, named by its field, before any handler does arithmetic with it."""
        if not issubclass(cls, (Date, DateTime)):
            return super().from_element(ctx, cls, element)
        try:
            value = super().from_element(ctx, cls, element)
        except ValidationError:  # valid for the schema (checked before), but a year Python has not: 10000, -1
            raise _date_out_of_range(ctx, element) from None
        if value is not None and not dates.plausible(value):
            raise _date_out_of_range(ctx, element)
        return value


def unknown_mandatory_header(envelope: etree._Element, namespace: str) -> str | None:
    """The first header entry meant for this service (no actor, or SOAP's "next") and marked
    mustUnderstand that the platform does not read, as "{namespace}name"; None when there is none."""
    understood = {f"{{{namespace}}}{SESSION_HEADER}", f"{{{WSSE_NS}}}Security"}
    for header in envelope.iterfind(f"{{{SOAP_ENV_NS}}}Header"):
        for entry in header:
            if not isinstance(entry.tag, str) or entry.tag in understood:
                continue  # a comment, or a header the platform reads
            mandatory = (entry.get(f"{{{SOAP_ENV_NS}}}mustUnderstand") or "0").strip() in ("1", "true")
            if mandatory and entry.get(f"{{{SOAP_ENV_NS}}}actor", _NEXT_ACTOR) == _NEXT_ACTOR:
                return entry.tag
    return None


def refuse_unusable_body(envelope: etree._Element, language: str) -> None:
    """A request's Body holds exactly one operation element: a soap:Fault is an answer, not a request,
    and spyne would read the first of several operations and silently drop the others."""
    # of every Body (SOAP allows one; spyne would read the first): none at all is no SOAP envelope, as
    # spyne's reading then says
    elements = [child for body in envelope.iterfind(f"{{{SOAP_ENV_NS}}}Body") for child in body
                if isinstance(child.tag, str)]
    if any(element.tag == _SOAP_FAULT for element in elements):
        raise faults.client_fault("BadRequest", "FAULT_AS_REQUEST", language)
    if len(elements) > 1:
        names = [etree.QName(element).localname for element in elements]
        named = ", ".join(names[:_NAMED_ELEMENTS]) + (", ..." if len(names) > _NAMED_ELEMENTS else "")
        raise faults.client_fault("BadRequest", "MULTIPLE_OPERATIONS", language, count=len(names),
                                  elements=named)


def _date_out_of_range(ctx, element: etree._Element) -> faults.PlatformFault:
    """A Validation fault, as the rules' own, naming the date's field."""
    error = FieldError(etree.QName(element).localname, "DATE_OUT_OF_RANGE",
                       {"min": dates.EARLIEST.isoformat(), "max": dates.LATEST.isoformat()})
    return faults.from_domain_error(ValidationFailed([error]), language_of_request(ctx.transport.req_env))


# what spyne and the guard learnt of a call, kept in its WSGI environ for its access line
CALL_OPERATION = "emall.operation"  # the operation's name, once spyne found it
CALL_FAULT = "emall.fault"  # (faultcode, detail code) of the fault answered
CALL_FIELDS = "emall.call_fields"  # the call's log fields: who called (member, API key) once known
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
    """WSGI middleware: only GET ?wsdl and POST with a Content-Type (and a charset Python knows), bodies
    within the limit (decoded too), no DTDs."""
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
            _check_content_type(environ.get("CONTENT_TYPE") or "", language)
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


def _check_content_type(content_type: str, language: str) -> None:
    """A POST says what it sends: without a Content-Type, spyne would not read it (HTTP 405 came back), so
    it is HTTP 415 and a Client fault, rather than a guess that it is text/xml. A charset it names is
    one Python decodes text with, else spyne's decoding fails outside any fault (a LookupError)."""
    if not content_type.strip():
        raise Refused(415, faults.client_fault("BadRequest", "CONTENT_TYPE_REQUIRED", language), _ACCEPT)
    for charset in charsets(content_type):
        if not _decodes_text(charset):
            raise Refused(415, faults.client_fault("BadRequest", "UNSUPPORTED_CHARSET", language,
                                                   charset=charset[:40]), _ACCEPT)


_ACCEPT = [("Accept", "text/xml; charset=utf-8")]  # what a 415 answer says would have been taken (RFC 9110)


def charsets(content_type: str) -> list[str]:
    """Every non-empty charset parameter of a Content-Type, unquoted: a superset of the one spyne decodes
    with (cgi.parse_header's last one; an empty one it ignores)."""
    found = []
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name.strip().lower() == "charset" and value:
            found.append(value)
    return found


def _decodes_text(charset: str) -> bool:
    try:
        b"x".decode(charset)  # not b"": Python decodes nothing without looking the codec up
    except LookupError:  # unknown, or a codec of no text encoding (rot13, base64, zip)
        return False
    except UnicodeError:  # a text encoding that "x" alone is not (utf-16)
        pass
    return True


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
