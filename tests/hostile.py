"""Hostile and broken requests every endpoint must answer with a SOAP fault.

Shared by the in-process unit tests and the end-to-end tests over HTTP.
Each case: (name, HTTP method, body, expected HTTP status, expected faultcode, detail code).
"""
from __future__ import annotations

import zlib

from sqlalchemy import select

from emall_ws.db.models import Member
from emall_ws.db.session import Database
from tests.wsgi_client import SOAP_ENV, envelope

REGISTRY_NS = "urn:emall-kukm:registry"
MEMBER_NS = "urn:emall-kukm:member"
SECRET_FILE = "/etc/passwd"  # a local file whose content must never come back
SECRET_MARK = b"root:x:0:0"

XXE = (f'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file://{SECRET_FILE}">]>'
       f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
       f'<t:get_serviceDetail xmlns:t="{REGISTRY_NS}"><t:serviceKey>&x;</t:serviceKey>'
       "</t:get_serviceDetail></soapenv:Body></soapenv:Envelope>")
# the byte scan cannot see a DOCTYPE in UTF-16; the parser-level check must
XXE_UTF16 = XXE.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                            for i in range(1, 10))
                  + f']><soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>&lol9;'
                  "</soapenv:Body></soapenv:Envelope>")

SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"


def multi_ref(references: int, size: int) -> bytes:
    """SOAP-encoding multi-references: `references` hrefs to one element of `size` bytes."""
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:t="{REGISTRY_NS}"><soapenv:Body>'
            '<t:find_service>'
            + '<t:name href="#big"/>' * references + "</t:find_service>"
            f'<t:name id="big">{"x" * size}</t:name></soapenv:Body></soapenv:Envelope>').encode()


def register(values: dict[str, str], operation: str = "register", extra: str = "") -> bytes:
    """Member.register of `values` (a form, in the schema's order) as a raw envelope; sent as `operation`,
    with `extra` at the end of the form."""
    fields = "".join(f"<t:{name}>{value}</t:{name}>" for name, value in values.items())
    return envelope(operation, MEMBER_NS, f"<t:form>{fields}{extra}</t:form>")


def registered(db: Database, username: str) -> bool:
    return db.read(lambda c: c.scalar(select(Member.id).where(Member.username_key == username.lower()))) is not None


def gzip_bomb(body: bytes, decoded_bytes: int) -> bytes:
    """`body` followed by whitespace up to about `decoded_bytes`, gzipped: some kilobytes for megabytes."""
    encoder = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    spaces = b" " * 1_000_000
    parts = [encoder.compress(body)] + [encoder.compress(spaces) for _ in range(decoded_bytes // len(spaces))]
    return b"".join(parts) + encoder.flush()


CASES = [
    ("xxe local file", "POST", XXE.encode(), 500, "Client.BadRequest", "DOCTYPE_FORBIDDEN"),
    ("xxe in utf-16 sent as utf-8", "POST", XXE_UTF16, 500, "Client.BadRequest", "MALFORMED_XML"),
    ("billion laughs", "POST", BILLION_LAUGHS.encode(), 500, "Client.BadRequest", "DOCTYPE_FORBIDDEN"),
    ("malformed xml", "POST", b"<soapenv:Envelope><unclosed>", 500, "Client.BadRequest", "MALFORMED_XML"),
    ("empty body", "POST", b"", 500, "Client.BadRequest", "MALFORMED_XML"),
    ("not a soap envelope", "POST", b"<hello/>", 500, "Client.BadRequest", "NOT_SOAP"),
    ("wrong namespace", "POST", envelope("find_service", "urn:somewhere-else"), 500,
     "Client.BadRequest", "UNKNOWN_OPERATION"),
    ("unknown operation", "POST", envelope("drop_everything", REGISTRY_NS), 500,
     "Client.BadRequest", "UNKNOWN_OPERATION"),
    ("wrong type", "POST", envelope("get_serviceDetail", REGISTRY_NS, "<t:serviceKey><t:x/></t:serviceKey>"),
     500, "Client.Validation", "VALIDATION_FAILED"),
    ("missing required field", "POST", envelope("get_serviceDetail", REGISTRY_NS), 500,
     "Client.Validation", "VALIDATION_FAILED"),
    ("overlong field", "POST", envelope("find_service", REGISTRY_NS, {"name": "x" * 300}), 500,
     "Client.Validation", "VALIDATION_FAILED"),
    ("body over the size limit", "POST", b"<a>" + b"x" * 300_000 + b"</a>", 413,
     "Client.BadRequest", "REQUEST_TOO_LARGE"),
    ("soap-encoding multi-ref", "POST", multi_ref(3, 10), 500, "Client.BadRequest", "SOAP_ENCODING_FORBIDDEN"),
    ("soap-encoding arrayType", "POST", envelope("find_service", REGISTRY_NS).replace(
        b"<t:find_service", f'<t:find_service xmlns:e="{SOAP_ENC}" e:arrayType="t:x[9]"'.encode()), 500,
     "Client.BadRequest", "SOAP_ENCODING_FORBIDDEN"),
    ("encodingStyle", "POST", envelope("find_service", REGISTRY_NS).replace(
        b"<soapenv:Body", f'<soapenv:Body soapenv:encodingStyle="{SOAP_ENC}"'.encode()), 500,
     "Client.BadRequest", "SOAP_ENCODING_FORBIDDEN"),
    ("PUT", "PUT", envelope("find_service", REGISTRY_NS), 405, "Client.BadRequest", "METHOD_NOT_ALLOWED"),
    ("DELETE", "DELETE", b"", 405, "Client.BadRequest", "METHOD_NOT_ALLOWED"),
    ("GET without ?wsdl", "GET", b"", 405, "Client.BadRequest", "METHOD_NOT_ALLOWED"),
]
