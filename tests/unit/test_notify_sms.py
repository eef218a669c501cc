"""The SMS channel: what SmsSender hands the gateway, and how gateway errors become retries or not.

FakeGateway is the SMS gateway as the dispatcher sees it; the integration tests use it too.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.sms import SmsAdapter, SmsDelivery
from emall_ws.notify.email import DeliveryError
from emall_ws.notify.sms import SmsSender

NOW = datetime(2026, 11, 28, 3, 0)
ACTIVATION = dict(name="Siti Aminah", username="sitiaminah", code="123456",
                  expires_at=datetime(2026, 11, 28, 3, 0) + timedelta(hours=24))
PHONE = "+6281234567890"


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


def sender(gateway):
    return SmsSender(gateway, clock=lambda: NOW)


def test_the_sms_text_goes_to_the_number_with_the_reference_and_the_id_comes_back():
    gateway = FakeGateway()
    message_id = sender(gateway).deliver(PHONE, "member_activation", ACTIVATION, "emall-7-x")
    assert message_id == "MSG0001"
    assert gateway.calls == [(PHONE, "Kode aktivasi Emall KUKM Anda: 123456. Berlaku s.d. "
                                     "29 Nov 2026 10.00 WIB. Jangan berikan kode ini kepada siapa pun.",
                              "emall-7-x")]


def test_a_repeated_reference_is_one_message_at_the_gateway():
    gateway = FakeGateway()
    first = sender(gateway).deliver(PHONE, "member_activation", ACTIVATION, "emall-7-x")
    again = sender(gateway).deliver(PHONE, "member_activation", ACTIVATION, "emall-7-x")
    assert first == again and len(gateway.calls) == 2 and len(gateway.delivered(PHONE)) == 1


@pytest.mark.parametrize("recipient", [
    "081234567890", "6281234567890", "+62 812 3456 7890", "+6581234567", "+62812", "+620812345678",
    "siti@example.id", "", "+6281234567890\n"])
def test_numbers_that_are_not_indonesian_e164_fail_for_good_and_nothing_is_sent(recipient):
    gateway = FakeGateway()
    with pytest.raises(DeliveryError) as raised:
        sender(gateway).deliver(recipient, "member_activation", ACTIVATION, "r")
    assert raised.value.permanent and "E.164" in str(raised.value)
    assert gateway.calls == []


@pytest.mark.parametrize("failure, permanent", [
    ("down", False), ("garble", False), ("garble_after_accepting", False), ("reject", True)])
def test_gateway_errors_are_temporary_except_a_refusal(failure, permanent):
    gateway = FakeGateway()
    setattr(gateway, failure, True)
    with pytest.raises(DeliveryError) as raised:
        sender(gateway).deliver(PHONE, "member_activation", ACTIVATION, "r")
    assert raised.value.permanent is permanent
    if permanent:
        assert "Client.Validation" in str(raised.value)


@pytest.mark.parametrize("template, data", [
    ("member_activation", {k: v for k, v in ACTIVATION.items() if k != "code"}),
    ("member_activated", dict(name="Siti", username="siti", role="BUYER")),  # no SMS text
    ("../member_activation", ACTIVATION),
    ("member_activation", dict(ACTIVATION, expires_at="besok")),
])
def test_a_message_that_cannot_be_rendered_fails_for_good(template, data):
    gateway = FakeGateway()
    with pytest.raises(DeliveryError) as raised:
        sender(gateway).deliver(PHONE, template, data, "r")
    assert raised.value.permanent and gateway.calls == []


def test_a_code_that_expired_while_waiting_is_not_sent():
    gateway = FakeGateway()
    expired = dict(ACTIVATION, expires_at=NOW.isoformat())  # as the outbox stores it: ISO text
    with pytest.raises(DeliveryError) as raised:
        sender(gateway).deliver(PHONE, "member_activation", expired, "r")
    assert raised.value.permanent and "expired" in str(raised.value)
    assert gateway.calls == []
    almost = dict(ACTIVATION, expires_at=(NOW + timedelta(minutes=1)).isoformat())
    assert sender(gateway).deliver(PHONE, "member_activation", almost, "r") == "MSG0001"
