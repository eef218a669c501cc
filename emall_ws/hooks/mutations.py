"""POST /hooks/mutations/<provider>: bank mutations pushed by a mutation service (Moota style).

The service reads a payee account at the bank and posts what it found, signed (hooks/signature.py);
the body is hooks/mutation_push.py's. A push is recorded and matched by payments.record_mutations,
the same exactly-once path as the worker's statement reading, within the request. Answers (JSON):

  200  recorded; mutation ids recorded before (a retry, a replay inside the window, or the
       statement reading got there first) are not recorded again and still answer 200, so the
       service stops retrying: {"received": n, "recorded": k}
  400  signed, but not a push (INVALID_JSON, INVALID_PUSH, ...): {"error": code, "message": ...}
  401  no signature, a wrong one, or a timestamp outside EMALL_HOOK_TIMESTAMP_WINDOW: nothing written
  404  a provider this platform has no secret for (EMALL_MOOTA_SECRET unset): the hook is not there
  405  not a POST; 413 a body past EMALL_MAX_REQUEST_BYTES; 415 a compressed body
  503  the database is busy or down: nothing written, the service should retry
Every request gets an access line (event `hook`), every refusal a security event
(`mutation_push_refused`). The secret is never logged, nor a body; account numbers are masked.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from emall_ws.client_address import client_address
from emall_ws.clock import aware
from emall_ws.db.session import is_busy, is_unavailable
from emall_ws.domain.members import mask_account
from emall_ws.hooks.mutation_push import MalformedPush, parse_push
from emall_ws.hooks.signature import refusal
from emall_ws.logs import ACCESS_LOGGER, log_event, security_event
from emall_ws.observability.access import ARRIVED, UNKNOWN
from emall_ws.platform import Platform
from emall_ws.services.payments import record_mutations

PREFIX = "/hooks/mutations/"
log = logging.getLogger(__name__)
_access = logging.getLogger(ACCESS_LOGGER)


class MutationHook:
    """The WSGI handler of every path under PREFIX."""

    def __init__(self, platform: Platform):
        self.platform = platform
        settings = platform.settings
        # a provider without its secret is not served at all: nobody could sign for it
        self._secrets = {name: secret for name, secret in (("moota", settings.moota_secret),) if secret}

    def __call__(self, environ, start_response):
        started = environ.get(ARRIVED) or time.perf_counter()
        provider = (environ.get("PATH_INFO") or "")[len(PREFIX):].strip("/")
        status, answer, extra_headers = self._answer(provider, environ)
        body = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                *extra_headers])
        log_event(_access, "hook", client=self._client(environ) or UNKNOWN,
                  hook=f"mutations.{provider if provider in self._secrets else UNKNOWN}", status=status[:3],
                  code=answer.get("error"), ms=round((time.perf_counter() - started) * 1000, 1), bytes=len(body))
        return [body]

    def _answer(self, provider: str, environ) -> tuple[str, dict[str, Any], list[tuple[str, str]]]:
        secret = self._secrets.get(provider)
        if secret is None:
            return "404 Not Found", {"error": "UNKNOWN_HOOK"}, []
        if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
            return "405 Method Not Allowed", {"error": "METHOD_NOT_ALLOWED"}, [("Allow", "POST")]
        if (environ.get("HTTP_CONTENT_ENCODING") or "identity").strip().lower() != "identity":
            # the signature is over the bytes as sent: a service has no reason to compress them
            return "415 Unsupported Media Type", {"error": "UNSUPPORTED_ENCODING"}, []
        body = self._body(environ)
        if body is None:
            return "413 Payload Too Large", {"error": "REQUEST_TOO_LARGE",
                                             "limit": self.platform.settings.max_request_bytes}, []
        now = self.platform.clock()
        refused = refusal(secret, environ.get("HTTP_X_EMALL_TIMESTAMP"), environ.get("HTTP_X_EMALL_SIGNATURE"),
                          body, aware(now).timestamp(), self.platform.settings.hook_timestamp_window)
        if refused is not None:
            security_event("mutation_push_refused", provider=provider, reason=refused, client=self._client(environ))
            return "401 Unauthorized", {"error": refused}, []
        try:
            push = parse_push(body)
        except MalformedPush as error:
            log_event(log, "mutation_push_malformed", logging.WARNING, provider=provider, code=error.code,
                      client=self._client(environ))
            return "400 Bad Request", {"error": error.code, "message": error.detail}, []
        try:
            outcome = record_mutations(self.platform.db, push.bank, push.account, push.mutations, now,
                                       self.platform.reconcile_policy)
        except Exception as error:
            if is_busy(error) or is_unavailable(error):  # rolled back whole: the service's retry records it
                log.warning("pushed mutations of %s %s: the database is %s; the service will retry", push.bank,
                            mask_account(push.account), "busy" if is_busy(error) else "unavailable")
                return "503 Service Unavailable", {"error": "DATABASE_UNAVAILABLE"}, [("Retry-After", "5")]
            log.exception("pushed mutations of %s %s: recording failed", push.bank, mask_account(push.account))
            return "500 Internal Server Error", {"error": "INTERNAL"}, []
        log_event(log, "mutations_pushed", provider=provider, bank=push.bank, account=mask_account(push.account),
                  received=outcome.read, recorded=outcome.recorded, held=outcome.held,
                  paid=",".join(outcome.paid) or None)
        return "200 OK", {"received": outcome.read, "recorded": outcome.recorded}, []

    def _body(self, environ) -> bytes | None:
        """The whole body, or None past the limit (the server's front has cut such bodies already;
        a plain WSGI server has not)."""
        limit = self.platform.settings.max_request_bytes
        declared = (environ.get("CONTENT_LENGTH") or "").strip()
        if declared and (not declared.isdigit() or int(declared) > limit):
            return None
        body = environ["wsgi.input"].read(int(declared) if declared else limit + 1)
        return None if len(body) > limit else body

    def _client(self, environ) -> str:
        return client_address(environ, self.platform.settings.trusted_proxies)
