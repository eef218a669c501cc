"""Mutation service sandbox in the style of Moota: JSON over HTTP at /partners/moota, pushing bank
mutations to a webhook (signed as emall_ws/hooks/signature.py says; pushing: moota_push.py).

It is a view over the bank sandbox's ledger: the mutation ids it lists and pushes are the bank's own,
so the platform records a pushed mutation and the same one read from the statement once.

  GET  /partners/moota/accounts                               registered accounts
  POST /partners/moota/accounts {"bank", "accountNumber"}     register one for pushing (*)
  GET  /partners/moota/accounts/<bank>/<number>/mutations     its mutations, oldest first
  GET  /partners/moota/webhook                                {"url", "secretSet"} (never the secret)
  PUT  /partners/moota/webhook {"url", "secret"}              where to push, and the shared secret (*)
  GET  /partners/moota/deliveries[?bank=&accountNumber=]      pushes, newest first, with their outcome
  POST /partners/moota/deliveries/<id>/resend                 push it again, signed now (*)
  POST /partners/moota/deliveries/<id>/replay                 send its last request again, byte for byte (*)
(*) sandbox only: callers on this machine only, as the SOAP sandboxes' sandbox-only operations.
Errors answer {"error": CODE, "message": ...}.
"""
from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from emall_ws.clock import to_wib, utcnow
from emall_ws.domain.members import BANK_ACCOUNT_LENGTHS
from emall_ws.sandbox import moota_push
from emall_ws.sandbox.json_http import Refusal, answer, json_object, read_body, sandbox_only
from emall_ws.sandbox.moota_store import MootaAccount, MootaDelivery, MootaWebhook
from emall_ws.sandbox.store import Account, LedgerEntry, SandboxDatabase
from emall_ws.setting import SettingError, shared_secret, url

PREFIX = "/partners/moota"
MAX_BODY_BYTES = 16 * 1024
_MUTATIONS = re.compile(r"/accounts/([a-z]+)/(\d+)/mutations")
_DELIVERY = re.compile(r"/deliveries/(\d+)/(resend|replay)")


class MootaSandbox:
    """The WSGI application of every path under PREFIX."""

    def __init__(self, db: SandboxDatabase):
        self.db = db

    def __call__(self, environ, start_response):
        return answer(self._route, environ, start_response)

    def _route(self, environ) -> tuple[str, Any]:
        path = (environ.get("PATH_INFO") or "")[len(PREFIX):].rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET").upper()
        query = dict(pair.partition("=")[::2] for pair in (environ.get("QUERY_STRING") or "").split("&") if pair)
        if (path, method) == ("/accounts", "GET"):
            return "200 OK", {"accounts": self._accounts()}
        if (path, method) == ("/accounts", "POST"):
            sandbox_only(environ)
            return self._register(json_object(read_body(environ, MAX_BODY_BYTES)))
        if (path, method) == ("/webhook", "GET"):
            return "200 OK", self._webhook()
        if path == "/webhook" and method in ("PUT", "POST"):
            sandbox_only(environ)
            return "200 OK", self._set_webhook(json_object(read_body(environ, MAX_BODY_BYTES)))
        if (path, method) == ("/deliveries", "GET"):
            return "200 OK", {"deliveries": self._deliveries(query.get("bank"), query.get("accountNumber"))}
        if (match := _MUTATIONS.fullmatch(path)) and method == "GET":
            return "200 OK", self._mutations(match.group(1), match.group(2))
        if (match := _DELIVERY.fullmatch(path)) and method == "POST":
            sandbox_only(environ)
            return "200 OK", self._send_again(int(match.group(1)), replay=match.group(2) == "replay")
        raise Refusal("404 Not Found", "NOT_FOUND", "no such resource of the mutation service")

    def _accounts(self) -> list[dict[str, str]]:
        with self.db.unit_of_work() as session:
            return [_account_view(row) for row in session.scalars(
                select(MootaAccount).order_by(MootaAccount.bank, MootaAccount.account_number))]

    def _register(self, document: dict) -> tuple[str, Any]:
        bank, number = str(document.get("bank", "")).strip().lower(), str(document.get("accountNumber", "")).strip()
        if bank not in BANK_ACCOUNT_LENGTHS:
            raise Refusal("400 Bad Request", "UNKNOWN_BANK", f"bank must be one of {', '.join(BANK_ACCOUNT_LENGTHS)}")
        if not number.isdigit() or len(number) != BANK_ACCOUNT_LENGTHS[bank]:
            raise Refusal("400 Bad Request", "INVALID_ACCOUNT_NUMBER",
                          f"a {bank} account number is {BANK_ACCOUNT_LENGTHS[bank]} digits")
        try:
            with self.db.unit_of_work() as session:
                row = MootaAccount(bank=bank, account_number=number, registered_at=utcnow())
                session.add(row)
            return "201 Created", {"account": _account_view(row)}
        except IntegrityError:  # registered before (or by a concurrent call): registering is idempotent
            with self.db.unit_of_work() as session:
                return "200 OK", {"account": _account_view(session.scalars(select(MootaAccount).where(
                    MootaAccount.bank == bank, MootaAccount.account_number == number)).one())}

    def _mutations(self, bank: str, number: str) -> dict[str, Any]:
        with self.db.unit_of_work() as session:
            if session.scalar(select(MootaAccount.id).where(MootaAccount.bank == bank,
                                                            MootaAccount.account_number == number)) is None:
                raise Refusal("404 Not Found", "ACCOUNT_NOT_REGISTERED", "this account is not registered")
            entries = session.scalars(select(LedgerEntry).join(Account, LedgerEntry.account_id == Account.id).where(
                Account.bank == bank, Account.account_number == number).order_by(LedgerEntry.posted_at,
                                                                                 LedgerEntry.id))
            return json.loads(moota_push.push_body(bank, number, list(entries)))

    def _webhook(self) -> dict[str, Any]:
        with self.db.unit_of_work() as session:
            row = session.get(MootaWebhook, 1)
            return {"url": row.url if row else None, "secretSet": row is not None}

    def _set_webhook(self, document: dict) -> dict[str, Any]:
        try:
            target = url()("url", str(document.get("url", "")).strip())
            secret = shared_secret("secret", str(document.get("secret", "")))
        except SettingError as error:
            raise Refusal("400 Bad Request", "INVALID_WEBHOOK", f"{error.name}: expected {error.expected}") from None
        with self.db.unit_of_work() as session:
            row = session.get(MootaWebhook, 1) or MootaWebhook(id=1)
            row.url, row.secret, row.updated_at = target, secret, utcnow()
            session.add(row)
        return {"url": target, "secretSet": True}

    def _deliveries(self, bank: str | None, number: str | None) -> list[dict[str, Any]]:
        query = select(MootaDelivery).order_by(MootaDelivery.id.desc()).limit(200)
        if bank:
            query = query.where(MootaDelivery.bank == bank)
        if number:
            query = query.where(MootaDelivery.account_number == number)
        with self.db.unit_of_work() as session:
            return [_delivery_view(row) for row in session.scalars(query)]

    def _send_again(self, delivery_id: int, *, replay: bool) -> dict[str, Any]:
        with self.db.unit_of_work() as session:
            if session.get(MootaDelivery, delivery_id) is None:
                raise Refusal("404 Not Found", "DELIVERY_NOT_FOUND", f"no delivery {delivery_id}")
        sent = moota_push.send(self.db.engine, delivery_id, replay=replay)  # at once: the caller waits for it
        with self.db.unit_of_work() as session:
            return {"httpStatus": sent.http_status, "delivery": _delivery_view(session.get_one(MootaDelivery,
                                                                                                delivery_id))}


def _account_view(row: MootaAccount) -> dict[str, str]:
    return {"bank": row.bank, "accountNumber": row.account_number,
            "registeredAt": to_wib(row.registered_at).isoformat()}


def _delivery_view(row: MootaDelivery) -> dict[str, Any]:
    return {"id": row.id, "bank": row.bank, "accountNumber": row.account_number,
            "mutationIds": row.mutation_ids.split(","), "status": row.status, "attempts": row.attempts,
            "lastStatus": row.last_status, "createdAt": to_wib(row.created_at).isoformat()}
