"""The asynchronous front of a WSGI application, served by granian's RSGI interface.

A request body is read whole in the event loop, within a size limit and a deadline, before the
request is handed to the threads that run operations: a client that sends its body slowly, or
stops halfway, holds a coroutine and a buffer, never one of those threads. A body that has not
fully arrived in time is answered 408 with a SOAP fault (BODY_TIMEOUT) and the connection closed.
"""
from __future__ import annotations

import asyncio
import io
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

from emall_ws.messages import language_of_request
from emall_ws.soap import faults
from emall_ws.soap.hardening import fault_envelope

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
_CLOSE = ("connection", "close")


class BodyTooLarge(Exception):
    pass


class AsyncFront:
    """RSGI application: reads the body, then runs `app` (WSGI) on the loop's thread, or on one of
    `threads` pool threads when there are more."""

    def __init__(self, app: WsgiApp, *, max_body_bytes: int, body_timeout: float, threads: int = 1):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        # one thread: the event loop's own runs each operation once its body is in (measured: a hop to
        # a pool thread costs a quarter of a short call's throughput); more: a pool of that size
        self._operations = ThreadPoolExecutor(threads, thread_name_prefix="emall-operation") \
            if threads > 1 else None

    async def __rsgi__(self, scope, protocol) -> None:
        if scope.proto != "http":
            return
        environ = wsgi_environ(scope)
        language = language_of_request(environ)
        declared = environ.get("CONTENT_LENGTH", "")
        if declared and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            # not read at all: the client is told at once and the connection goes
            return _answer_fault(protocol, 413, faults.client_fault(
                "BadRequest", "REQUEST_TOO_LARGE", language, limit=self.max_body_bytes))
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await (protocol() if declared else self._read_chunked(protocol))
        except TimeoutError:
            return _answer_fault(protocol, 408, faults.client_fault(
                "BadRequest", "BODY_TIMEOUT", language, seconds=_seconds(self.body_timeout)))
        except BodyTooLarge:
            return _answer_fault(protocol, 413, faults.client_fault(
                "BadRequest", "REQUEST_TOO_LARGE", language, limit=self.max_body_bytes))
        except Exception:  # the client went away mid-body: nobody to answer
            return None
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            if self._operations is None:
                status, headers, payload = self._call(environ)
            else:
                loop = asyncio.get_running_loop()
                status, headers, payload = await loop.run_in_executor(self._operations, self._call, environ)
        except Exception:  # the app answers every error itself; this is the last resort
            log.exception("the application failed outside its own error handling")
            return _answer_fault(protocol, 500, faults.internal_fault(language))
        protocol.response_bytes(status, headers, payload)

    async def _read_chunked(self, protocol) -> bytes:
        body = bytearray()
        async for chunk in protocol:
            body += chunk
            if len(body) > self.max_body_bytes:
                raise BodyTooLarge
        return bytes(body)

    def _call(self, environ: dict) -> tuple[int, list[tuple[str, str]], bytes]:
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [int(status[:3]), headers]

        chunks = self.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return started[0], started[1], payload


def wsgi_environ(scope) -> dict:
    """A WSGI environ for an RSGI scope (the body is added once read)."""
    host, _, port = scope.server.rpartition(":")
    environ = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scope.path,
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _answer_fault(protocol, status: int, fault: faults.PlatformFault) -> None:
    payload, headers = fault_envelope(fault)
    protocol.response_bytes(status, [*headers, _CLOSE], payload)


def _seconds(value: float) -> str:
    return f"{value:g}"
