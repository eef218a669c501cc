"""What the sandboxes that speak JSON over HTTP share (the Moota-style mutation service, the callback
receiver): their errors, their answers, reading a bounded body, and the loopback rule of their
sandbox-only requests."""
from __future__ import annotations

import json
from typing import Any, Callable

from emall_ws.config import is_loopback

Environ = dict[str, Any]
Headers = tuple[tuple[str, str], ...]


class Refusal(Exception):
    """A request answered {"error": code, "message": message} with `status`."""

    def __init__(self, status: str, code: str, message: str, headers: Headers = ()):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def answer(route: Callable[[Environ], tuple[str, Any]], environ: Environ,
           start_response: Callable[..., Any]) -> list[bytes]:
    """`route`'s answer as JSON, or its Refusal's."""
    headers: Headers = ()
    try:
        status, document = route(environ)
    except Refusal as refused:
        status, headers = refused.status, refused.headers
        document = {"error": refused.code, "message": refused.message}
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
    return [body]


def sandbox_only(environ: Environ) -> None:
    """Refuses a caller not on this machine, as the SOAP sandboxes' sandbox-only operations do: whoever
    reaches a sandbox's port must not steer it (redirect pushes, make an inbox fail or forget)."""
    if not is_loopback(environ.get("REMOTE_ADDR", "")):
        raise Refusal("403 Forbidden", "SANDBOX_LOOPBACK_ONLY", "sandbox-only: callers on this machine only")


def read_body(environ: Environ, limit: int) -> bytes:
    """The request's body, refused past `limit` bytes before it is read whole."""
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if declared and not declared.isdigit():
        raise Refusal("400 Bad Request", "INVALID_CONTENT_LENGTH", "Content-Length is not a number")
    if declared and int(declared) > limit:
        raise Refusal("413 Payload Too Large", "REQUEST_TOO_LARGE", f"at most {limit} bytes")
    body: bytes = environ["wsgi.input"].read(int(declared) if declared else limit + 1)
    if len(body) > limit:  # no Content-Length: one byte past the limit tells
        raise Refusal("413 Payload Too Large", "REQUEST_TOO_LARGE", f"at most {limit} bytes")
    return body


def json_object(body: bytes) -> dict[str, Any]:
    """`body` as a JSON object (an empty body as {})."""
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise Refusal("400 Bad Request", "INVALID_JSON", "the body is not JSON") from None
    if not isinstance(document, dict):
        raise Refusal("400 Bad Request", "INVALID_JSON", "the body must be a JSON object")
    return document
