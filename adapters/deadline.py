"""One deadline for one attempt of a partner call: connecting, loading the WSDL and reading the
whole answer all come out of it.

requests knows only a connect timeout and a timeout per socket read, so a partner that answers
a byte at a time could stretch a call without end. Here the attempt's deadline lives with the
thread making it (zeep's transport is shared by every thread of the process); the transport
asks for each request's timeout, and the answer's body is read chunk by chunk against it.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from functools import partial
from typing import Iterator

import requests
import urllib3
from urllib3.util import Timeout

_CHUNK = 64 * 1024
_current = threading.local()


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Everything this thread asks of a partner inside the block ends `seconds` from now."""
    outer = getattr(_current, "deadline", None)
    _current.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _current.deadline = outer


def remaining(default: float) -> float:
    """Seconds left to this thread's deadline (`default` outside any); never below zero."""
    deadline = getattr(_current, "deadline", None)
    return default if deadline is None else max(0.0, deadline - time.monotonic())


def request_timeout(default: float) -> Timeout:
    """What requests is given: connecting and the first byte of the answer within what is left."""
    left = remaining(default)
    if left <= 0:
        raise requests.Timeout("the partner call's deadline passed")
    return Timeout(total=left)


def read_body_within_deadline(response: requests.Response, *_args, **_kwargs) -> requests.Response:
    """requests' response hook: reads the whole body before the deadline, or raises Timeout.
    Each read waits at most what is left (the socket's timeout is cut down before each)."""
    deadline = getattr(_current, "deadline", None)
    if deadline is None or response.raw is None or response._content_consumed:
        return response
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    # read1: whatever has arrived, at most _CHUNK (read(n) would wait for all n bytes); decoded
    # (gzip) as requests itself would
    raw = response.raw
    read = partial(raw.read1, decode_content=True) if isinstance(raw, urllib3.BaseHTTPResponse) else raw.read
    body = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            response.close()
            raise requests.ReadTimeout("the partner's answer did not arrive whole before the deadline")
        if sock is not None:
            sock.settimeout(left)
        try:
            chunk = read(_CHUNK)
        except (TimeoutError, urllib3.exceptions.ReadTimeoutError) as error:
            response.close()
            raise requests.ReadTimeout("the partner's answer did not arrive whole before the deadline") from error
        if not chunk:
            break
        body += chunk
    response._content = bytes(body)  # what response.content returns from now on
    response._content_consumed = True
    return response
