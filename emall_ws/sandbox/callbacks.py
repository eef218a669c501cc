"""Callback receiver sandbox: JSON over HTTP at /partners/callbacks, inboxes that record the platform's
callbacks (signed as emall_ws/hooks/signature.py says), so tests, demos and integrators see deliveries
without a server of their own. An inbox is any name of [A-Za-z0-9_-]{1,60}; it exists once used.

  POST   /partners/callbacks/<inbox>                 record the request (body up to 64 KiB, X-Emall-* headers);
                                                     200 {"received": <id>}, unless its behaviour says otherwise
  GET    /partners/callbacks/<inbox>[?secret=S]      {"inbox", "received": [...]}: the newest 500, oldest
                                                     first; with S, each with "signatureValid" (the
                                                     signature only, not its age)
  PUT    /partners/callbacks/<inbox>/behaviour {"failTimes", "failStatus", "delayMs"}
                                                     answer the next failTimes requests (-1: all) with failStatus
                                                     (400-599, default 500), each after delayMs; {}: 200 at once (*)
  DELETE /partners/callbacks/<inbox>                 forget what it received, and its behaviour (*)
(*) sandbox only: callers on this machine only, as the SOAP sandboxes' sandbox-only operations.
Anyone may POST: the platform's worker does. A request answered with a failure is recorded too, with
that status. Errors answer {"error": CODE, "message": ...}.
"""
from __future__ import annotations

import http.client
import math
import re
import time
from typing import Any, Callable
from urllib.parse import parse_qs

from emall_ws.clock import to_wib
from emall_ws.hooks.signature import refusal
from emall_ws.sandbox import callback_store
from emall_ws.sandbox.application import MAX_DELAY_MS
from emall_ws.sandbox.json_http import Environ, Refusal, answer, json_object, read_body, sandbox_only
from emall_ws.sandbox.callback_store import Behaviour, CallbackReceived, Request
from emall_ws.sandbox.store import SandboxDatabase

PREFIX = "/partners/callbacks"
MAX_CALLBACK_BYTES = 64 * 1024
MAX_BEHAVIOUR_BYTES = 4 * 1024
MAX_FAIL_TIMES = 1_000_000  # a count a test or demo can mean; -1 says "always"
_INBOX = re.compile(r"[A-Za-z0-9_-]{1,60}")
_BEHAVIOUR_FIELDS = ("failTimes", "failStatus", "delayMs")


class CallbackSandbox:
    """The WSGI application of every path under PREFIX."""

    def __init__(self, db: SandboxDatabase):
        self.db = db

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        return answer(self._route, environ, start_response)

    def _route(self, environ: Environ) -> tuple[str, Any]:
        path = (environ.get("PATH_INFO") or "")[len(PREFIX):].rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        inbox, _, rest = path.lstrip("/").partition("/")
        if not inbox or rest not in ("", "behaviour"):
            raise Refusal("404 Not Found", "NOT_FOUND", "no such resource of the callback receiver")
        if not _INBOX.fullmatch(inbox):
            raise Refusal("400 Bad Request", "INVALID_INBOX", "an inbox is named by 1 to 60 of A-Z a-z 0-9 _ -")
        if rest == "behaviour":
            _allow(method, "PUT")
            sandbox_only(environ)
            return "200 OK", self._set_behaviour(inbox, json_object(read_body(environ, MAX_BEHAVIOUR_BYTES)))
        _allow(method, "POST", "GET", "DELETE")
        if method == "POST":
            return self._receive(inbox, environ)
        if method == "GET":
            secret = parse_qs(environ.get("QUERY_STRING") or "", keep_blank_values=True).get("secret")
            return "200 OK", self._listing(inbox, secret[0] if secret else None)
        sandbox_only(environ)
        return "200 OK", self._forget(inbox)

    def _receive(self, inbox: str, environ: Environ) -> tuple[str, Any]:
        body = read_body(environ, MAX_CALLBACK_BYTES)  # refused before anything is recorded
        with self.db.unit_of_work() as session:
            row, delay_ms = callback_store.receive(session, inbox, _request(environ, body))
        # after the commit: a slow answer holds no lock, and the request stays recorded if the caller gives up
        time.sleep(min(delay_ms, MAX_DELAY_MS) / 1000)
        if row.answered_status == 200:
            return "200 OK", {"received": row.id}
        return _status_line(row.answered_status), {
            "error": "FAILING_AS_TOLD", "message": "this inbox was told to fail (its behaviour)", "received": row.id}

    def _listing(self, inbox: str, secret: str | None) -> dict[str, Any]:
        with self.db.unit_of_work() as session:
            rows = callback_store.received(session, inbox)
        return {"inbox": inbox, "received": [_received_view(row, secret) for row in rows]}

    def _set_behaviour(self, inbox: str, document: dict[str, Any]) -> dict[str, Any]:
        behaviour = _behaviour(document)
        with self.db.unit_of_work() as session:
            callback_store.set_behaviour(session, inbox, behaviour)
        return {"inbox": inbox, "behaviour": {"failTimes": behaviour.fail_times,
                                              "failStatus": behaviour.fail_status, "delayMs": behaviour.delay_ms}}

    def _forget(self, inbox: str) -> dict[str, Any]:
        with self.db.unit_of_work() as session:
            return {"inbox": inbox, "forgotten": callback_store.forget(session, inbox)}


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise Refusal("405 Method Not Allowed", "METHOD_NOT_ALLOWED", f"this path answers {', '.join(allowed)}",
                      (("Allow", ", ".join(allowed)),))


def _behaviour(document: dict[str, Any]) -> Behaviour:
    unknown = sorted(set(document) - set(_BEHAVIOUR_FIELDS))
    if unknown:  # a misspelt field would otherwise reset the inbox silently
        raise Refusal("400 Bad Request", "INVALID_BEHAVIOUR",
                      f"unknown field {', '.join(unknown)}: expected {', '.join(_BEHAVIOUR_FIELDS)}")
    return Behaviour(fail_times=_integer(document, "failTimes", -1, MAX_FAIL_TIMES, 0),
                     fail_status=_integer(document, "failStatus", 400, 599, callback_store.DEFAULT_FAIL_STATUS),
                     delay_ms=_integer(document, "delayMs", 0, MAX_DELAY_MS, 0))


def _integer(document: dict[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = document.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:  # bool is an int
        raise Refusal("400 Bad Request", "INVALID_BEHAVIOUR", f"{name}: an integer from {low} to {high}")
    return value


def _request(environ: Environ, body: bytes) -> Request:
    # the body as text: what the platform sends is JSON, UTF-8; anything else is kept readable (and then
    # no longer matches its signature, which is computed over the bytes)
    return Request(event_id=environ.get("HTTP_X_EMALL_EVENT_ID"), event_type=environ.get("HTTP_X_EMALL_EVENT_TYPE"),
                   subscription=environ.get("HTTP_X_EMALL_SUBSCRIPTION"),
                   timestamp=environ.get("HTTP_X_EMALL_TIMESTAMP"), signature=environ.get("HTTP_X_EMALL_SIGNATURE"),
                   content_type=environ.get("CONTENT_TYPE") or None, body=body.decode("utf-8", "replace"))


def _status_line(status: int) -> str:
    return f"{status} {http.client.responses.get(status, 'Failure')}"


def _received_view(row: CallbackReceived, secret: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": row.id, "receivedAt": to_wib(row.received_at).isoformat(), "answeredStatus": row.answered_status,
        "eventId": row.event_id, "eventType": row.event_type, "subscription": row.subscription,
        "timestamp": row.timestamp, "signature": row.signature, "contentType": row.content_type, "body": row.body}
    if secret is not None:
        view["signatureValid"] = _signature_valid(row, secret)
    return view


def _signature_valid(row: CallbackReceived, secret: str) -> bool:
    # an infinite window: a stored delivery is old by the time anyone lists it. Whether it was fresh
    # was its receiver's question on arrival; the listing answers whether `secret` signed it
    return refusal(secret, row.timestamp, row.signature, row.body.encode(), now=0, window=math.inf) is None
