"""Calls a WSGI application in-process, as a server would, without sockets."""
from __future__ import annotations

import io
from dataclasses import dataclass

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
FAULT_NS = "urn:emall-kukm:fault"


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def xml(self):
        return etree.fromstring(self.body)

    def fault(self) -> tuple[str, str, str]:
        """(faultcode without prefix, faultstring, detail code) of a SOAP fault answer."""
        fault = self.xml().find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
        assert fault is not None, self.body[:500]
        code = fault.findtext("faultcode").split(":", 1)[-1]
        detail_code = fault.findtext(f"detail/{{{FAULT_NS}}}FaultDetail/{{{FAULT_NS}}}code")
        return code, fault.findtext("faultstring"), detail_code


def call(app, method: str, path: str, body: bytes = b"", *, query: str = "", headers=None,
         content_length: bool = True, content_type: str = "text/xml; charset=utf-8",
         remote_addr: str = "127.0.0.1") -> Response:
    environ = {
        "REMOTE_ADDR": remote_addr,
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "attacker.example", "SERVER_PORT": "80", "HTTP_HOST": "attacker.example",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": content_type,
    }
    if content_length:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(response_headers)

    chunks = app(environ, start_response)
    payload = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return Response(captured["status"], captured["headers"], payload)


def envelope(operation: str, namespace: str, fields: dict[str, str] | str = "") -> bytes:
    if isinstance(fields, dict):
        inner = "".join(f"<t:{k}>{v}</t:{k}>" for k, v in fields.items())
    else:
        inner = fields
    return (f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:t="{namespace}">'
            f"<soapenv:Body><t:{operation}>{inner}</t:{operation}></soapenv:Body>"
            "</soapenv:Envelope>").encode()
