"""The asynchronous front of a WSGI application, served by granian's RSGI interface.

A request body is read whole in the event loop, within a size limit and a deadline, before the
request is handed to the threads that run operations: a client that sends its body slowly, or
stops halfway, holds a coroutine and a buffer, never one of those threads. A body that has not
fully arrived in time is answered 408 with a SOAP fault (BODY_TIMEOUT) and the connection closed.
An operation that waits on a partner (emall_ws/soap/partner_bound.py) runs on threads of its own,
so that it holds neither the event loop nor the threads of the other operations while it waits.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Sequence

from emall_ws.client_address import Network, client_address
from emall_ws.messages import language_of_request
from emall_ws.observability.access import ARRIVED, UNKNOWN, record_call
from emall_ws.soap import faults
from emall_ws.soap.hardening import fault_envelope

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
PartnerBound = Callable[[str, bytes], bool]  # (path, body): whether the request waits on a partner
# partner-bound operations running at once per worker process (more wait for a thread, off the loop)
PARTNER_BOUND_THREADS = 16
_CLOSE = ("connection", "close")
HOOKS = "/hooks/"  # paths answered in JSON, not SOAP (emall_ws/hooks/)


class BodyTooLarge(Exception):
    pass


class Deadlines:
    """The body reads in progress, each with its deadline. One sweep a second (more often for a
    short deadline) cancels the late ones: measured, a timer per request (asyncio.timeout) cost
    8 % of a short call's throughput. A read thus ends up to one sweep after its deadline."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._every = min(1.0, seconds / 4)
        self._reading: dict[asyncio.Task, float] = {}
        self._late: set[asyncio.Task] = set()
        self._sweep_planned = False

    def start(self, task: asyncio.Task, loop: asyncio.AbstractEventLoop) -> None:
        self._reading[task] = loop.time() + self.seconds
        if not self._sweep_planned:  # a timer only while reads are in progress
            self._sweep_planned = True
            loop.call_later(self._every, self._sweep, loop)

    def end(self, task: asyncio.Task) -> bool:
        """Stops watching the task's read; True when it was cancelled for being late."""
        self._reading.pop(task, None)
        if task in self._late:
            self._late.discard(task)
            task.uncancel()
            return True
        return False

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for task in [task for task, deadline in self._reading.items() if deadline <= now]:
            del self._reading[task]
            self._late.add(task)
            task.cancel()
        self._sweep_planned = bool(self._reading)
        if self._sweep_planned:
            loop.call_later(self._every, self._sweep, loop)


class AsyncFront:
    """RSGI application: reads the body, then runs `app` (WSGI) on the loop's thread, or on one of
    `threads` pool threads when there are more; a request `partner_bound` says waits on a partner
    on one of PARTNER_BOUND_THREADS threads of its own."""

    def __init__(self, app: WsgiApp, *, max_body_bytes: int, body_timeout: float, threads: int = 1,
                 trusted_proxies: Sequence[Network] = (), partner_bound: PartnerBound | None = None):
        self.app = app
        self.trusted_proxies = trusted_proxies  # EMALL_TRUSTED_PROXIES: for the access line of a refusal
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self._deadlines = Deadlines(body_timeout)
        # one thread: the event loop's own runs each operation once its body is in (measured: a hop to
        # a pool thread costs a quarter of a short call's throughput); more: a pool of that size
        self._operations = ThreadPoolExecutor(threads, thread_name_prefix="emall-operation") \
            if threads > 1 else None
        self._partner_bound = partner_bound
        self._partner_calls = ThreadPoolExecutor(PARTNER_BOUND_THREADS, thread_name_prefix="emall-partner-bound") \
            if partner_bound is not None else None

    async def __rsgi__(self, scope, protocol) -> None:
        if scope.proto != "http":
            return
        environ = wsgi_environ(scope)
        environ[ARRIVED] = time.perf_counter()
        declared = environ.get("CONTENT_LENGTH", "")
        if declared and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            # not read at all: the client is told at once and the connection goes
            return self._refuse(protocol, environ, 413, faults.client_fault(
                "BadRequest", "REQUEST_TOO_LARGE", language_of_request(environ), limit=self.max_body_bytes))
        task = asyncio.current_task()
        assert task is not None  # granian runs each request as a task
        self._deadlines.start(task, asyncio.get_running_loop())
        try:
            body = await (protocol() if declared else self._read_chunked(protocol))
        except asyncio.CancelledError:
            if not self._deadlines.end(task):
                raise  # the worker is stopping
            return self._refuse(protocol, environ, 408, faults.client_fault(
                "BadRequest", "BODY_TIMEOUT", language_of_request(environ), seconds=_seconds(self.body_timeout)))
        except BodyTooLarge:
            return self._refuse(protocol, environ, 413, faults.client_fault(
                "BadRequest", "REQUEST_TOO_LARGE", language_of_request(environ), limit=self.max_body_bytes))
        except Exception:  # the client went away mid-body: nobody to answer
            return None
        finally:
            self._deadlines.end(task)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        pool = self._operations
        # a compressed body hides its operation's name (the guard decodes it): it might wait on a partner
        if self._partner_bound is not None and (environ.get("HTTP_CONTENT_ENCODING")
                                                or self._partner_bound(environ["PATH_INFO"], body)):
            pool = self._partner_calls
        try:
            if pool is None:
                status, headers, payload = self._call(environ)
            else:
                status, headers, payload = await asyncio.get_running_loop().run_in_executor(pool, self._call, environ)
        except Exception:  # the app answers every error itself; this is the last resort
            log.exception("the application failed outside its own error handling")
            return self._refuse(protocol, environ, 500, faults.internal_fault(language_of_request(environ)))
        protocol.response_bytes(status, headers, payload)

    def _refuse(self, protocol, environ: dict, status: int, fault: faults.PlatformFault) -> None:
        """Answers a request the application never saw with `fault`, closes the connection, and
        records the call like any other (its operation unknown: the body was not read, or not whole).
        A partner's hook (/hooks/..., JSON) is answered in JSON, with the fault's code."""
        if environ["PATH_INFO"].startswith(HOOKS):
            payload = json.dumps({"error": fault.detail_code}).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        else:
            payload, headers = fault_envelope(fault)
        protocol.response_bytes(status, [*headers, _CLOSE], payload)
        path = environ["PATH_INFO"]
        service = path[len("/ws/"):].rstrip("/") if path.startswith("/ws/") else UNKNOWN
        record_call(client_address(environ, self.trusted_proxies), service, UNKNOWN, fault.faultcode,
                    fault.detail_code, time.perf_counter() - environ[ARRIVED], len(payload))

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




def _seconds(value: float) -> str:
    return f"{value:g}"
