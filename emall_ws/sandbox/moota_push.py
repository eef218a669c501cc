"""How the mutation service sandbox pushes: a delivery written in the bank's own transaction, sent
after that transaction commits, from a background thread, with retries.

A mutation posted by the bank sandbox (bank._post) on an account registered with the service gets a
delivery row in the same transaction: a transfer that rolls back pushes nothing, and one that commits
is pushed even if the platform is slow or down, without the transfer waiting on it. The push is
signed as emall_ws/hooks/signature.py says, freshly at each attempt; `send(..., replay=True)` sends the
last request again byte for byte (same timestamp and signature), as an attacker or a confused
service would.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from emall_ws.clock import to_wib, utcnow
from emall_ws.hooks.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from emall_ws.sandbox.moota_store import MootaAccount, MootaDelivery, MootaWebhook
from emall_ws.sandbox.store import LedgerEntry

log = logging.getLogger(__name__)
RETRY_DELAYS = (1.0, 2.0, 4.0)  # seconds before each try after the first: four tries in all
SEND_TIMEOUT = 5.0  # seconds one try may take
_QUEUED = "moota_deliveries"  # session.info key: deliveries to send once the transaction commits


@dataclass(frozen=True)
class Sent:
    status: str  # the delivery's: DELIVERED, RETRYING, FAILED, NO_WEBHOOK
    http_status: int | None  # the webhook's answer; 0: none (refused, timed out); None: nothing sent


def push_body(bank: str, account_number: str, entries: list[LedgerEntry]) -> str:
    """The push's JSON, as hooks/mutation_push.py reads it."""
    return json.dumps({"account": {"bank": bank, "accountNumber": account_number}, "mutations": [
        {"mutationId": entry.mutation_id, "postedAt": to_wib(entry.posted_at).isoformat(), "type": entry.type,
         "amount": entry.amount, "description": entry.description, "balance": entry.balance}
        for entry in entries]}, separators=(",", ":"))


def announce(session: Session, bank: str, account_number: str, entry: LedgerEntry) -> None:
    """In the bank's transaction: a delivery of `entry` when the account is registered, sent after commit."""
    registered = session.scalar(select(MootaAccount.id).where(MootaAccount.bank == bank,
                                                              MootaAccount.account_number == account_number))
    if registered is None:
        return
    delivery = MootaDelivery(bank=bank, account_number=account_number, mutation_ids=entry.mutation_id or "",
                             body=push_body(bank, account_number, [entry]), status="PENDING", attempts=0,
                             created_at=utcnow())
    session.add(delivery)
    session.flush()
    session.info.setdefault(_QUEUED, []).append(delivery.id)
    if not event.contains(session, "after_commit", _send_after_commit):
        event.listen(session, "after_commit", _send_after_commit)


def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    ids = session.info.pop(_QUEUED, [])
    if ids:
        engine = session.get_bind()
        # the transfer's answer must not wait on the platform: a thread of its own does the sending
        threading.Thread(target=deliver, args=(engine, ids), name="moota-push", daemon=True).start()


def deliver(engine: Engine, ids: list[int], delays: tuple[float, ...] | None = None) -> None:
    """Sends each delivery, trying again after each of `delays` (RETRY_DELAYS) while the webhook
    does not answer, or answers 408, 429 or 5xx (a refusal, 4xx, is final)."""
    for delivery_id in ids:
        waits = (0.0, *(RETRY_DELAYS if delays is None else delays))
        for number, delay in enumerate(waits, 1):
            time.sleep(delay)
            try:
                sent = send(engine, delivery_id, last_try=number == len(waits))
            except Exception:  # the sandbox's database: nothing to retry against
                log.exception("moota delivery %s failed", delivery_id)
                break
            if sent.status != "RETRYING":
                break


def _worth_retrying(http_status: int) -> bool:
    return http_status in (0, 408, 429) or http_status >= 500


def send(engine: Engine, delivery_id: int, *, replay: bool = False, last_try: bool = True) -> Sent:
    """One try of the delivery: signed now, or (`replay`) its last request again as it was (signed now
    if it was never sent). A failure leaves it RETRYING unless it is `last_try` or a refusal (4xx but
    408 and 429), then FAILED; a delivery once DELIVERED stays so, whatever a replay meets."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        delivery = session.get_one(MootaDelivery, delivery_id)
        webhook = session.get(MootaWebhook, 1)
        if replay and delivery.sent_timestamp and delivery.sent_url:
            url, timestamp, signed = delivery.sent_url, delivery.sent_timestamp, delivery.sent_signature or ""
        elif webhook is None:
            delivery.status = "NO_WEBHOOK"
            return Sent("NO_WEBHOOK", None)
        else:
            url, timestamp = webhook.url, str(int(time.time()))
            signed = signature(webhook.secret, timestamp, delivery.body.encode())
        body = delivery.body.encode()
    http_status = _post(url, body, timestamp, signed)  # outside any transaction: a slow webhook holds no lock
    with Session(engine, expire_on_commit=False) as session, session.begin():
        delivery = session.get_one(MootaDelivery, delivery_id)
        delivery.attempts += 1
        delivery.last_status = http_status
        delivery.sent_url, delivery.sent_timestamp, delivery.sent_signature = url, timestamp, signed
        if 200 <= http_status < 300:
            delivery.status, delivery.delivered_at = "DELIVERED", delivery.delivered_at or utcnow()
        elif delivery.status != "DELIVERED":  # a replay refused does not undo the delivery
            delivery.status = "FAILED" if last_try or not _worth_retrying(http_status) else "RETRYING"
        return Sent(delivery.status, http_status)


def _post(url: str, body: bytes, timestamp: str, signed: str) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signed})
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):  # refused, timed out, not a URL we can call
        return 0
