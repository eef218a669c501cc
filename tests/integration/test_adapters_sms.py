"""ZeepSmsAdapter against the SMS gateway sandbox over HTTP."""
import uuid

import pytest

from adapters.errors import PartnerRejected
from adapters.sms import ZeepSmsAdapter
from tests.sandbox_server import partners, sandbox  # noqa: F401

pytestmark = pytest.mark.network


def unique_msisdn(prefix: str = "+62812") -> str:
    return prefix + f"{uuid.uuid4().int % 10 ** 8:08d}"


def test_a_message_is_accepted_then_delivered(partners):
    adapter = ZeepSmsAdapter(partners.sms, timeout=5)
    msisdn = unique_msisdn()

    message_id = adapter.send(msisdn, "Kode aktivasi Anda: 123456", f"ref-{uuid.uuid4()}")

    first, second = adapter.status(message_id), adapter.status(message_id)
    assert (first.message_id, first.status) == (message_id, "ACCEPTED")
    assert second.status == "DELIVERED" and second.updated_at.utcoffset() is not None
    assert adapter.status(message_id).status == "DELIVERED"


def test_a_repeated_reference_is_sent_once(partners):
    adapter = ZeepSmsAdapter(partners.sms, timeout=5)
    msisdn, reference = unique_msisdn(), f"member:7:activation:1:{uuid.uuid4()}"

    first = adapter.send(msisdn, "Halo", reference)
    again = adapter.send(msisdn, "Halo", reference)

    assert again == first
    received = partners.driver(partners.sms).service.listMessages(msisdn)
    assert [(m.messageId, m.text, m.reference) for m in received] == [(first, "Halo", reference)]


def test_messages_to_the_unallocated_range_fail(partners):
    adapter = ZeepSmsAdapter(partners.sms, timeout=5)
    message_id = adapter.send(unique_msisdn("+62800"), "Halo", f"ref-{uuid.uuid4()}")
    adapter.status(message_id)
    assert adapter.status(message_id).status == "FAILED"


@pytest.mark.parametrize("text, parts", [
    ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("Pesanan Anda dikirim 😀", 1), ("é" * 70, 1), ("ü" * 70 + "😀", 2), ("ж" * 71, 2), ("[" * 80, 1), ("[" * 81, 2),
])
def test_the_gateway_counts_the_parts(partners, text, parts):
    adapter = ZeepSmsAdapter(partners.sms, timeout=5)
    message_id = adapter.send(unique_msisdn(), text, f"ref-{uuid.uuid4()}")
    assert partners.driver(partners.sms).service.getStatus(message_id).parts == parts


@pytest.mark.parametrize("msisdn", ["081234567890", "6281234567890", "+62 812 3456 7890", "+0812345678"])
def test_a_number_not_in_e164_is_refused(partners, msisdn):
    with pytest.raises(PartnerRejected) as refused:
        ZeepSmsAdapter(partners.sms, timeout=5).send(msisdn, "Halo", f"ref-{uuid.uuid4()}")
    assert refused.value.code == "Client.InvalidMsisdn"


def test_an_unknown_message_is_refused(partners):
    with pytest.raises(PartnerRejected) as refused:
        ZeepSmsAdapter(partners.sms, timeout=5).status("SMS000000000000000")
    assert refused.value.code == "Client.UnknownMessage"


def test_the_sandbox_lists_what_a_number_received(partners):
    adapter = ZeepSmsAdapter(partners.sms, timeout=5)
    msisdn = unique_msisdn()
    ids = [adapter.send(msisdn, text, f"ref-{uuid.uuid4()}") for text in ("satu", "dua")]
    received = partners.driver(partners.sms).service.listMessages(msisdn)
    assert [(m.messageId, m.text, m.status) for m in received] == [(ids[0], "satu", "ACCEPTED"),
                                                                   (ids[1], "dua", "ACCEPTED")]
