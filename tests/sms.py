"""The SMS side of the notification tests: a fake gateway, activation SMS in the outbox, and what
reached the phones."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import select

from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.sms import SmsAdapter, SmsDelivery
from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.notify.outbox import SMS, enqueue


class FakeGateway(SmsAdapter):
    """Records every call; de-duplicates by reference as the real gateway does (a repeated
    reference gets the first message's id and reaches no phone). Set `down`, `reject` or
    `garble` to play a failure; `garble_after_accepting` accepts, then answers nonsense."""

    def __init__(self):
        self.calls: list[tuple[str, str, str]] = []  # (msisdn, text, reference) of every send
        self.messages: dict[str, tuple[str, str, str]] = {}  # message id -> (msisdn, text, reference)
        self.by_reference: dict[str, str] = {}
        self.statuses: dict[str, str] = {}
        self.status_calls: list[str] = []
        self.down = self.reject = self.garble = self.garble_after_accepting = False
        self.on_status = None  # called with the message id before answering (tests' hook)
        self._lock = threading.Lock()

    def send(self, msisdn: str, text: str, reference: str) -> str:
        with self._lock:
            self.calls.append((msisdn, text, reference))
            if self.down:
                raise PartnerUnavailable("sms", "connection refused")
            if self.reject:
                raise PartnerRejected("sms", "number blocked", code="Client.Validation")
            if self.garble:
                raise BadPartnerResponse("sms", "not a messageId")
            if reference not in self.by_reference:
                message_id = f"MSG{len(self.messages) + 1:04d}"
                self.by_reference[reference] = message_id
                self.messages[message_id] = (msisdn, text, reference)
                self.statuses[message_id] = "ACCEPTED"
            if self.garble_after_accepting:
                raise BadPartnerResponse("sms", "truncated answer")
            return self.by_reference[reference]

    def status(self, message_id: str) -> SmsDelivery:
        self.status_calls.append(message_id)
        if self.on_status is not None:
            self.on_status(message_id)
        if self.down:
            raise PartnerUnavailable("sms", "connection refused")
        if message_id not in self.statuses:
            raise PartnerRejected("sms", "unknown messageId", code="Client.NotFound")
        return SmsDelivery(message_id, self.statuses[message_id], None)

    def delivered(self, msisdn: str) -> list[str]:
        """The texts that reached `msisdn` (each accepted message once)."""
        return [text for number, text, _ in self.messages.values() if number == msisdn]


def activation(number: int) -> dict:
    return dict(name=f"Anggota {number}", username=f"user{number}", code=f"{100000 + number}",
                expires_at=utcnow() + timedelta(hours=24))


def enqueue_activation(db) -> str:
    """One activation SMS to a number no other test uses; returns the number."""
    msisdn = f"+62812{uuid.uuid4().int % 10 ** 8:08d}"
    with db.unit_of_work() as session:
        enqueue(session, event_key=f"member:{msisdn}:activation:1", channel=SMS, recipient=msisdn,
                template="member_activation", data=activation(1))
    return msisdn


def received(partners, msisdn: str) -> list:
    return partners.driver(partners.sms).service.listMessages(msisdn) or []


def rows(db, channel=None):
    query = select(Notification).order_by(Notification.id)
    if channel:
        query = query.where(Notification.channel == channel)
    with db.unit_of_work() as session:
        return session.scalars(query).all()


def frozen():  # a monotonic clock that never moves: `now` stays exactly what the test passes
    return 0.0
