"""The SMS channel: what SmsSender hands the gateway, and how gateway errors become retries or not."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from emall_ws.notify.email import DeliveryError
from emall_ws.notify.sms import SmsSender
from tests.sms import FakeGateway

NOW = datetime(2026, 11, 28, 3, 0)
ACTIVATION = dict(name="Siti Aminah", username="sitiaminah", code="123456",
                  expires_at=datetime(2026, 11, 28, 3, 0) + timedelta(hours=24))
PHONE = "+6281234567890"


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
