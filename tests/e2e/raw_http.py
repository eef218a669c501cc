"""SOAP calls over a plain socket, timed: what a client sees of the server's connections, below zeep."""
from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from tests.wsgi_client import envelope

LIST_CITIES = envelope("listCities", "urn:emall-kukm:member", {"provinceCode": "31"})


def address(server) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname, parts.port


def read_until_closed(connection: socket.socket, timeout: float) -> bytes:
    connection.settimeout(timeout)
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def ordinary_call(server, service: bytes = b"Member", operation: bytes = b"listCities",
                  body: bytes = LIST_CITIES) -> tuple[bytes, float]:
    """One call on a connection of its own, over plain HTTP: (the raw answer, seconds it took)."""
    connection = socket.create_connection(address(server), timeout=5)
    started = time.monotonic()
    try:
        connection.sendall(b"POST /ws/%s HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                           b"SOAPAction: \"%s\"\r\nConnection: close\r\n"
                           b"Content-Length: %d\r\n\r\n%s" % (service, operation, len(body), body))
        answer = read_until_closed(connection, 5)
    finally:
        connection.close()
    return answer, time.monotonic() - started
