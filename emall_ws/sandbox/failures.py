"""Failure modes, played in front of one served path (WSGI middleware), and the call log.

The mode lives in the sandbox database, so every worker process of the sandbox server plays the
same one. setFailureMode itself always gets through, so a test can always reset to NORMAL.
"""
from __future__ import annotations

import io
import re
import time

from lxml import etree

from emall_ws.sandbox.store import SandboxDatabase
from emall_ws.soap.faults import PlatformFault
from emall_ws.soap.hardening import fault_response

CONTROL_OPERATION = "setFailureMode"
WSDL_OPERATION = "?wsdl"  # how a WSDL download shows in the call log
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
EXTRA_ELEMENT = "partnerExtension"  # what UNEXPECTED_FIELD adds: a field the contract does not know
_BODY_CHILD = re.compile(rb"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)")
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)

# what a load balancer in front of a dead partner answers
UNAVAILABLE_PAGE = (b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
                    b"<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx"
                    b"</center></body></html>")
# a maintenance page served with 200: neither SOAP nor well-formed XML
GARBAGE_PAGE = b"<html><body><h1>Sedang dalam pemeliharaan<br>Under maintenance</h1><p>Silakan coba lagi"


class FailureModes:
    def __init__(self, app, endpoint, path: str, db: SandboxDatabase):
        self.app = app  # the guarded spyne endpoint
        self.endpoint = endpoint
        self.path = path
        self.db = db
        self.limit = endpoint.max_request_bytes

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method == "GET" and self.endpoint.is_wsdl_request(environ):
            operation = WSDL_OPERATION
        elif method == "POST":
            operation = self._operation(environ)
        else:
            return self.app(environ, start_response)  # the guard refuses it
        mode, delay_ms = ("NORMAL", 0) if operation == CONTROL_OPERATION else self.db.failure_mode(self.path)
        self.db.record_call(self.path, operation, mode)
        if mode == "SLOW":
            time.sleep(delay_ms / 1000)
        elif mode == "UNAVAILABLE":
            return _respond(start_response, "503 Service Unavailable", "text/html", UNAVAILABLE_PAGE)
        if operation == WSDL_OPERATION:
            return self.app(environ, start_response)  # the other modes concern operations only
        if mode == "GARBAGE":
            return _respond(start_response, "200 OK", "text/html; charset=utf-8", GARBAGE_PAGE)
        if mode == "FAULT":
            return fault_response(start_response, 500, PlatformFault(
                "Server.Maintenance", "Sistem sedang dalam pemeliharaan (maintenance)", "MAINTENANCE"))
        if mode == "UNEXPECTED_FIELD":
            return self._with_extra_field(environ, start_response)
        return self.app(environ, start_response)

    def _operation(self, environ) -> str:
        """The operation a SOAP request calls (its Body's first element), leaving the body readable."""
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        size = int(declared) if declared.isdigit() and int(declared) <= self.limit else self.limit + 1
        body = environ["wsgi.input"].read(size)  # at most one byte past the limit: the guard says 413
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        match = _BODY_CHILD.search(body)
        return match.group(1).decode("ascii", "replace") if match else "?"

    def _with_extra_field(self, environ, start_response):
        """The real answer, plus an element the contract does not define at the end of every
        complex element of the body (a partner that added a field without telling anyone)."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        chunks = self.app(environ, capture)
        try:
            payload = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        if not captured["status"].startswith("200"):
            start_response(captured["status"], captured["headers"])
            return [payload]
        root = etree.fromstring(payload, _SAFE_PARSER)
        answer = root.find(f"{{{SOAP_ENV}}}Body")[0]
        for element in [answer, *answer.iterdescendants()]:
            if len(element):  # complex: has child elements
                namespace = etree.QName(element).namespace
                name = f"{{{namespace}}}{EXTRA_ELEMENT}" if namespace else EXTRA_ELEMENT
                etree.SubElement(element, name).text = "v2"
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return _respond(start_response, captured["status"], "text/xml; charset=utf-8", body)


def _respond(start_response, status: str, content_type: str, body: bytes):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
