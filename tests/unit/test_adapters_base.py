"""The adapters' edge without a network: error mapping, retries, and zeep's answers checked.

zeep reads the committed contract WSDLs from wsdl/partners/; the partner's HTTP answers are
canned (zeep's Transport.post replaced), so every shape a partner could send can be tried.
"""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from lxml import etree
from zeep.exceptions import Fault, TransportError, ValidationError, XMLParseError, XMLSyntaxError
from zeep.transports import Transport

from adapters.bank import ZeepBankAdapter
from adapters.base import _HttpStatus, _check_answer, partner_errors
from adapters.courier import ZeepCourierAdapter
from adapters.errors import BadPartnerResponse, PartnerRejected, PartnerUnavailable
from adapters.sms import ZeepSmsAdapter
from tests.unit.canned_partners import replies  # noqa: F401  (a fixture)
from tests.unit.canned_partners import BANK_NS, COURIER_NS, ENV, SMS_NS, Reply, soap

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raised, expected", [
    (Fault("Rekening tidak dikenal", code="soap11env:Client.UnknownAccount"), PartnerRejected),
    (Fault("Sedang pemeliharaan", code="soap11env:Server.Maintenance"), PartnerUnavailable),
    (Fault("Internal", code="Server"), PartnerUnavailable), (Fault("?", code=None), PartnerUnavailable),
    (requests.ConnectionError("refused"), PartnerUnavailable),
    (requests.ConnectTimeout("slow"), PartnerUnavailable),
    (requests.ReadTimeout("slow"), PartnerUnavailable),
    (requests.exceptions.ChunkedEncodingError("cut"), PartnerUnavailable),
    (_HttpStatus(503, "html"), PartnerUnavailable), (_HttpStatus(429, "busy"), PartnerUnavailable),
    (_HttpStatus(404, "html"), BadPartnerResponse), (_HttpStatus(200, "not xml"), BadPartnerResponse),
    (TransportError("x", status_code=502), PartnerUnavailable),
    (TransportError("x", status_code=200), BadPartnerResponse),
    (XMLSyntaxError("x"), BadPartnerResponse), (XMLParseError("x"), BadPartnerResponse),
    (ValidationError("x"), BadPartnerResponse), (etree.XMLSyntaxError("x", 1, 1, 1), BadPartnerResponse),
])
def test_error_mapping(raised, expected):
    with pytest.raises(expected) as mapped:
        with partner_errors("bank:bca"):
            raise raised
    assert mapped.value.partner == "bank:bca"
    if expected is PartnerRejected:
        assert mapped.value.code == "Client.UnknownAccount"


@pytest.mark.parametrize("status, expected", [(503, PartnerUnavailable), (500, PartnerUnavailable),
                                              (404, BadPartnerResponse), (401, BadPartnerResponse)])
def test_a_wsdl_that_cannot_be_loaded(status, expected):
    response = requests.Response()
    response.status_code = status
    with pytest.raises(expected):
        with partner_errors("sms:gateway"):
            raise requests.HTTPError(response=response)


def test_programming_errors_are_not_disguised():
    with pytest.raises(KeyError):
        with partner_errors("sms:gateway"):
            raise KeyError("a bug of ours")


@pytest.mark.parametrize("status, body, passes", [
    (200, b"<ok/>", True), (202, b"", True), (200, b"<html><body>oops", False), (200, b"{}", False),
    (500, f'<e:Envelope xmlns:e="{ENV}"><e:Body><e:Fault/></e:Body></e:Envelope>'.encode(), True),
    (503, b"<html><body>503</body></html>", False), (502, b"", False),
])
def test_answers_are_checked_before_zeep_reads_them(status, body, passes):
    if passes:
        _check_answer(status, body)
    else:
        with pytest.raises(_HttpStatus):
            _check_answer(status, body)


OK_MUTATION = ("<t:mutationId>BCA1</t:mutationId><t:postedAt>2025-03-05T10:00:00+07:00</t:postedAt><t:type>CR</t:type>"
               "<t:amount>150123</t:amount><t:description>TRSF</t:description><t:balance>650123</t:balance>")


def bank(**options) -> ZeepBankAdapter:
    return ZeepBankAdapter("bca", "http://bank.test/partners/bank/bca", wsdl=str(ROOT / "wsdl/partners/bank.wsdl"),
                           backoff=0, **options)


def mutations(replies, inner: str):
    replies.append(soap(BANK_NS, "getMutations", f"<t:mutations>{inner}</t:mutations>"))
    now = datetime(2025, 3, 6, tzinfo=timezone.utc)
    return bank(retries=0).get_mutations("0123456789", now - timedelta(days=2), now)


def test_a_well_formed_answer_becomes_dataclasses(replies):
    [mutation] = mutations(replies, f"<t:Mutation>{OK_MUTATION}</t:Mutation>")
    assert (mutation.mutation_id, mutation.amount, mutation.balance, mutation.type) == ("BCA1", 150123, 650123, "CR")
    assert mutation.posted_at.utcoffset().total_seconds() == 7 * 3600
    assert b"0123456789" in replies.posted[0]


def test_an_unexpected_field_at_the_end_is_tolerated_and_in_the_middle_is_a_bad_partner_response(replies):
    # by design (adapters/base.py, docs/partners.md): contracts grow at the end, so only there is it ignored
    at_the_end = f"<t:Mutation>{OK_MUTATION}<t:channel>QRIS</t:channel></t:Mutation><t:next>2</t:next>"
    [mutation] = mutations(replies, at_the_end)
    assert mutation.mutation_id == "BCA1"
    in_the_middle = OK_MUTATION.replace("<t:type>CR</t:type>", "<t:type>CR</t:type><t:channel>QRIS</t:channel>")
    with pytest.raises(BadPartnerResponse):
        mutations(replies, f"<t:Mutation>{in_the_middle}</t:Mutation>")


@pytest.mark.parametrize("inner", [
    OK_MUTATION.replace("+07:00", ""),  # no offset: the contract says with offset
    OK_MUTATION.replace("<t:type>CR</t:type>", "<t:type>XX</t:type>"),
    OK_MUTATION.replace("150123", "abc"),  # zeep logs and gives None
    OK_MUTATION.replace("150123", "1.5"),
    OK_MUTATION.replace("<t:mutationId>BCA1</t:mutationId>", ""),
])
def test_answers_not_in_the_contracts_shape_are_bad_partner_responses(replies, inner):
    with pytest.raises(BadPartnerResponse):
        mutations(replies, f"<t:Mutation>{inner}</t:Mutation>")


def test_a_read_is_retried_while_the_partner_is_unavailable_and_then_answers(replies):
    replies.extend([Reply(503, b"<html/>"), Reply(502, b""), soap(BANK_NS, "getMutations", "<t:mutations/>")])
    now = datetime(2025, 3, 6, tzinfo=timezone.utc)
    assert bank(retries=2).get_mutations("0123456789", now.replace(day=5), now) == []
    assert len(replies.posted) == 3


def test_a_read_gives_up_after_its_retries(replies):
    replies.extend([Reply(503, b"<html/>")] * 3)
    with pytest.raises(PartnerUnavailable):
        ZeepCourierAdapter("jne", "http://courier.test/partners/courier/jne", backoff=0, retries=2,
                           wsdl=str(ROOT / "wsdl/partners/courier.wsdl")).get_tariff("31.74", "32.73", 1000)
    assert len(replies.posted) == 3


def test_a_send_is_never_retried(replies):
    replies.extend([Reply(503, b"<html/>"), soap(SMS_NS, "sendSms", "<t:messageId>M1</t:messageId>")])
    adapter = ZeepSmsAdapter("http://sms.test/partners/sms", backoff=0, retries=5,
                             wsdl=str(ROOT / "wsdl/partners/sms.wsdl"))
    with pytest.raises(PartnerUnavailable):
        adapter.send("+6281234567890", "Halo", "r1")
    assert len(replies.posted) == 1


@pytest.mark.parametrize("inner", ["", "<t:messageId></t:messageId>"])
def test_a_send_without_a_message_id_is_a_bad_partner_response(replies, inner):
    replies.append(soap(SMS_NS, "sendSms", inner))
    adapter = ZeepSmsAdapter("http://sms.test/partners/sms", wsdl=str(ROOT / "wsdl/partners/sms.wsdl"))
    with pytest.raises(BadPartnerResponse):
        adapter.send("+6281234567890", "Halo", "r1")


@pytest.mark.parametrize("status", ["QUEUED", ""])
def test_an_sms_status_outside_the_contract_is_a_bad_partner_response(replies, status):
    replies.append(soap(SMS_NS, "getStatus", f"<t:status><t:messageId>M1</t:messageId><t:status>{status}</t:status>"
                                             "</t:status>"))
    adapter = ZeepSmsAdapter("http://sms.test/partners/sms", retries=0, wsdl=str(ROOT / "wsdl/partners/sms.wsdl"))
    with pytest.raises(BadPartnerResponse):
        adapter.status("M1")


def test_a_tracking_answer_becomes_a_tracking(replies):
    replies.append(soap(COURIER_NS, "track", (
        "<t:tracking><t:waybill>1234567890</t:waybill><t:status>Delivered</t:status><t:delivered>true</t:delivered>"
        "<t:receiver>YBS</t:receiver><t:deliveredAt>2025-03-05T10:00:00+07:00</t:deliveredAt><t:events>"
        "<t:TrackingEvent><t:time>2025-03-04T10:00:00+07:00</t:time><t:location>Jakarta</t:location>"
        "<t:description>Shipment picked up</t:description><t:status>Shipment picked up</t:status></t:TrackingEvent>"
        "</t:events></t:tracking>")))
    tracking = ZeepCourierAdapter("dhl", "http://courier.test/partners/courier/dhl",
                                  wsdl=str(ROOT / "wsdl/partners/courier.wsdl")).track("1234567890")
    assert (tracking.waybill, tracking.status, tracking.delivered, tracking.receiver) == \
        ("1234567890", "Delivered", True, "YBS")
    assert [e.status for e in tracking.events] == ["Shipment picked up"]


def test_a_soap_fault_with_a_500_is_partner_rejected(replies):
    replies.append(Reply(500, (f'<e:Envelope xmlns:e="{ENV}"><e:Body><e:Fault><faultcode>e:Client.UnknownWaybill'
                               "</faultcode><faultstring>not found</faultstring></e:Fault></e:Body></e:Envelope>")
                         .encode()))
    with pytest.raises(PartnerRejected) as refused:
        ZeepCourierAdapter("dhl", "http://courier.test/partners/courier/dhl", retries=0,
                           wsdl=str(ROOT / "wsdl/partners/courier.wsdl")).track("1234567890")
    assert (refused.value.code, str(refused.value)) == ("Client.UnknownWaybill", "courier:dhl: not found")


def test_the_endpoint_url_wins_over_the_wsdls_address(replies, monkeypatch):
    addresses = []
    original = Transport.post

    def post(self, address, message, headers):
        addresses.append(address)
        return original(self, address, message, headers)

    monkeypatch.setattr(Transport, "post", post)
    replies.append(soap(SMS_NS, "sendSms", "<t:messageId>M1</t:messageId>"))
    ZeepSmsAdapter("http://gateway.internal:9000/partners/sms", wsdl=str(ROOT / "wsdl/partners/sms.wsdl")).send(
        "+6281234567890", "Halo", "r1")
    assert addresses == ["http://gateway.internal:9000/partners/sms"]


def tariff():
    return ZeepCourierAdapter("jne", "http://courier.test/partners/courier/jne", retries=0,
                              wsdl=str(ROOT / "wsdl/partners/courier.wsdl")).get_tariff("31.74", "32.73", 1000)


@pytest.mark.parametrize("service, cost, etd", [("REGULER-SAMEDAY-INSTAN", 9000, 2),  # 22 > maxLength 20
                                                ("REG", -1, 2), ("REG", 9000, 366)])
def test_a_tariff_outside_the_contracts_bounds_is_a_bad_partner_response(replies, service, cost, etd):
    replies.append(soap(COURIER_NS, "getTariff", (
        f"<t:options><t:TariffOption><t:service>{service}</t:service><t:description>Reguler</t:description>"
        f"<t:cost>{cost}</t:cost><t:etdDays>{etd}</t:etdDays></t:TariffOption></t:options>")))
    with pytest.raises(BadPartnerResponse):
        tariff()


def test_a_tariff_within_the_bounds_is_read(replies):
    replies.append(soap(COURIER_NS, "getTariff", (
        "<t:options><t:TariffOption><t:service>REGULER-SAMEDAY-INS</t:service><t:description>Reguler</t:description>"
        "<t:cost>0</t:cost><t:etdDays>365</t:etdDays></t:TariffOption></t:options>")))
    [option] = tariff()
    assert (option.service, option.cost, option.etd_days) == ("REGULER-SAMEDAY-INS", 0, 365)
