"""SMS through the outbox: written beside the email, sent by the dispatcher through the gateway
(a fake that de-duplicates by reference, as the real one does), retried, never doubled."""
from __future__ import annotations

import json
import sys
import threading
import types
from datetime import timedelta

import pytest

from emall_ws.clock import utcnow
from emall_ws.config import Settings
from emall_ws.data.regions import load_regions
from emall_ws.domain.members import RegistrationForm
from emall_ws.notify.dispatcher import Dispatcher, DispatchStats
from emall_ws.notify.email import MaildirEmailSender
from emall_ws.notify.outbox import EMAIL, SMS, enqueue, notify_member
from emall_ws.notify.sms import SmsSender
from emall_ws.services import members
from emall_ws.worker import build_worker, run_worker, sms_adapter_from_settings
from tests.builders import PASSWORDS
from tests.sms import FakeGateway, activation, frozen, rows
from tests.waiting import eventually

LEASE = timedelta(minutes=5)


def enqueue_sms(db, count, *, first=1, template="member_activation"):
    with db.unit_of_work() as session:
        for number in range(first, first + count):
            enqueue(session, event_key=f"member:{number}:activation:1", channel=SMS,
                    recipient=f"+62812345{number:05d}", template=template, data=activation(number))


def sms_dispatcher(db, gateway, **options):
    return Dispatcher(db, {SMS: SmsSender(gateway)}, monotonic=frozen, **options)


class Crash(BaseException):
    """The process dies: nothing after the gateway call runs."""


def test_sms_rows_go_to_the_gateway_with_their_number_text_and_a_stable_reference(db):
    enqueue_sms(db, 2)
    gateway = FakeGateway()
    now = utcnow() + timedelta(seconds=1)
    assert sms_dispatcher(db, gateway).run_once(now) == DispatchStats(sent=2, claimed=2)
    first, second = rows(db)
    assert gateway.calls[0] == ("+6281234500001", gateway.calls[0][1],
                                first.reference)
    assert gateway.calls[0][1].startswith("Kode aktivasi Emall KUKM Anda: 100001. Berlaku s.d. ")
    assert [(row.status, row.provider_id, row.sent_at) for row in (first, second)] == [
        ("SENT", "MSG0001", now), ("SENT", "MSG0002", now)]
    assert first.delivery_status is None  # until the status job asks
    assert first.reference != second.reference
    assert first.reference.startswith("emall-") and len(first.reference) <= 100  # the gateway's limit


def test_while_the_gateway_is_down_nothing_is_lost_and_once_back_each_goes_exactly_once(db):
    enqueue_sms(db, 3)
    gateway = FakeGateway()
    gateway.down = True
    dispatcher = sms_dispatcher(db, gateway, backoff_base=timedelta(minutes=1))
    t0 = utcnow() + timedelta(seconds=1)
    assert dispatcher.run_once(t0) == DispatchStats(retried=3, claimed=3)
    assert dispatcher.run_once(t0 + timedelta(minutes=1)) == DispatchStats(retried=3, claimed=3)
    assert all(row.status == "PENDING" and "PartnerUnavailable" in row.error for row in rows(db))
    assert gateway.messages == {}

    gateway.down = False
    t1 = t0 + timedelta(minutes=1) + timedelta(minutes=2)  # after the doubled backoff
    assert dispatcher.run_once(t1).sent == 3
    assert dispatcher.run_once(t1 + timedelta(days=1)).claimed == 0
    assert len(gateway.calls) == 9 and len(gateway.messages) == 3
    for row in rows(db):  # every attempt at a row carried the same reference
        references = {ref for number, _, ref in gateway.calls if number == row.recipient}
        assert references == {row.reference}
        assert (row.status, row.attempts) == ("SENT", 3)
        assert len(gateway.delivered(row.recipient)) == 1


def test_a_crash_after_the_gateway_took_the_sms_resends_and_the_gateway_drops_the_repeat(db):
    enqueue_sms(db, 1)

    class CrashingGateway(FakeGateway):
        crash = True

        def send(self, msisdn, text, reference):
            message_id = super().send(msisdn, text, reference)
            if self.crash:
                self.crash = False
                raise Crash("killed after the gateway accepted")
            return message_id

    gateway = CrashingGateway()
    dispatcher = sms_dispatcher(db, gateway, lease=LEASE)
    t0 = utcnow() + timedelta(seconds=1)
    with pytest.raises(Crash):
        dispatcher.run_once(t0)
    [row] = rows(db)
    assert (row.status, row.provider_id) == ("PENDING", None)
    assert dispatcher.run_once(t0 + LEASE).sent == 1  # the lease ran out: sent again
    [row] = rows(db)
    assert (row.status, row.provider_id, row.attempts) == ("SENT", "MSG0001", 2)
    assert len(gateway.calls) == 2 and gateway.calls[0] == gateway.calls[1]
    assert len(gateway.delivered(row.recipient)) == 1  # one SMS reached the phone


def test_a_garbled_answer_is_retried_and_does_not_double_the_sms(db):
    enqueue_sms(db, 1)
    gateway = FakeGateway()
    gateway.garble_after_accepting = True
    dispatcher = sms_dispatcher(db, gateway)
    t0 = utcnow() + timedelta(seconds=1)
    assert dispatcher.run_once(t0).retried == 1
    gateway.garble_after_accepting = False
    assert dispatcher.run_once(t0 + timedelta(hours=1)).sent == 1
    [row] = rows(db)
    assert row.provider_id == "MSG0001" and len(gateway.messages) == 1


def test_a_refused_sms_fails_at_once_and_a_bad_number_is_never_sent(db):
    enqueue_sms(db, 1)
    with db.unit_of_work() as session:
        enqueue(session, event_key="member:9:activation:1", channel=SMS, recipient="081234567890",
                template="member_activation", data=activation(9))
    gateway = FakeGateway()
    gateway.reject = True
    assert sms_dispatcher(db, gateway).run_once().failed == 2
    refused, bad_number = rows(db)
    assert (refused.status, refused.attempts) == ("FAILED", 1)
    assert "refused [Client.Validation]" in refused.error
    assert bad_number.status == "FAILED" and "E.164" in bad_number.error
    assert [number for number, *_ in gateway.calls] == [refused.recipient]


def test_an_activation_code_that_expired_in_the_outbox_is_not_texted(db):
    with db.unit_of_work() as session:
        enqueue(session, event_key="member:1:activation:1", channel=SMS, recipient="+6281234500001",
                template="member_activation",
                data=dict(activation(1), expires_at=utcnow() - timedelta(seconds=1)))
    gateway = FakeGateway()
    assert sms_dispatcher(db, gateway).run_once().failed == 1
    assert gateway.calls == [] and "expired" in rows(db)[0].error


def test_notify_member_writes_email_and_sms_for_an_activation_code(db):
    with db.unit_of_work() as session:
        notify_member(session, "member:7:activation:1", "budi@example.id", "+6281234567890",
                      "member_activation", activation(7))
        notify_member(session, "member:8:activation:1", None, "+6281234567891",
                      "member_activation", activation(8))  # no email: SMS still
        notify_member(session, "member:9:activation:1", "ani@example.id", None,
                      "member_activation", activation(9))  # no phone: email only
    assert [(row.event_key, row.channel, row.recipient) for row in rows(db)] == [
        ("member:7:activation:1", "EMAIL", "budi@example.id"),
        ("member:7:activation:1", "SMS", "+6281234567890"),
        ("member:8:activation:1", "SMS", "+6281234567891"),
        ("member:9:activation:1", "EMAIL", "ani@example.id")]


def register(db, phone: str) -> None:
    form = RegistrationForm(province="31", city="31.74", address="Jl. Gatot Subroto Kav. 94",
                            phone=phone, name="Siti Aminah", username="sitiaminah",
                            password="rahasia123", email="siti@example.co.id")
    with db.unit_of_work() as session:
        members.register(session, form, load_regions(), PASSWORDS, utcnow(), members.MemberPolicy(),
                         client="192.0.2.10")


def test_registration_sends_the_activation_code_by_email_and_sms(db, tmp_path):
    register(db, "081234567890")
    email, sms = rows(db)
    assert (email.channel, sms.channel, sms.recipient) == ("EMAIL", "SMS", "+6281234567890")
    code = json.loads(sms.data)["code"]
    gateway = FakeGateway()
    dispatcher = Dispatcher(db, {EMAIL: MaildirEmailSender(tmp_path / "mail"), SMS: SmsSender(gateway)})
    assert dispatcher.run_once().sent == 2
    [text] = gateway.delivered("+6281234567890")
    assert f"Kode aktivasi Emall KUKM Anda: {code}." in text and len(text) <= 160


@pytest.mark.parametrize("landline", ["0215229002", "(021) 5229002", "+62 22 4231234"])
def test_a_member_with_a_landline_gets_the_activation_code_by_email_only(db, landline):
    register(db, landline)
    assert [(row.channel, row.recipient) for row in rows(db)] == [("EMAIL", "siti@example.co.id")]


def test_notify_member_sends_no_sms_to_a_landline_or_a_number_it_cannot_read(db):
    with db.unit_of_work() as session:
        for number, phone in enumerate(("+62215229002", "+6281234567890", "+62812", "081234567890")):
            notify_member(session, f"member:{number}:activation:1", None, phone, "member_activation",
                          activation(number))
    assert [row.recipient for row in rows(db)] == ["+6281234567890"]


def test_email_and_sms_of_one_event_each_go_once_through_their_own_sender(db, tmp_path):
    with db.unit_of_work() as session:
        notify_member(session, "member:7:activation:1", "budi@example.id", "+6281234567890",
                      "member_activation", activation(7))
    gateway = FakeGateway()
    gateway.down = True  # the gateway's trouble does not hold the email back
    dispatcher = Dispatcher(db, {EMAIL: MaildirEmailSender(tmp_path / "mail"), SMS: SmsSender(gateway)})
    assert dispatcher.run_once() == DispatchStats(sent=1, retried=1, claimed=2)
    assert [(row.channel, row.status) for row in rows(db)] == [("EMAIL", "SENT"), ("SMS", "PENDING")]


# --- the worker ---------------------------------------------------------------------------------

def settings_for(db, tmp_path):
    return Settings.from_env({"EMALL_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                              "EMALL_VAR_DIR": str(tmp_path), "EMALL_DISPATCH_INTERVAL": "0.1"})


def test_the_worker_sends_sms_and_polls_delivery_when_it_has_a_gateway(db, tmp_path):
    settings = settings_for(db, tmp_path)
    assert [job.name for job in build_worker(db, settings).jobs] == ["dispatch-notifications", "close-auctions",
                                                                  "expire-invoices", "settle-second-chances",
                                                                  "poll-tracking",
                                                                  "complete-orders", "cancel-unshipped-orders",
                                                                  "verify-sellers",
                                                                  "remind-overdue-refunds", "send-reset-codes",
                                                                  "forget-failed-tries", "forget-limit-windows",
                                                                  "forget-seen-nonces", "deliver-callbacks",
                                                                  "forget-old-events"]
    gateway = FakeGateway()
    worker = build_worker(db, settings, gateway)
    assert [job.name for job in worker.jobs] == ["dispatch-notifications", "poll-sms-status", "close-auctions",
                                                 "expire-invoices", "settle-second-chances", "poll-tracking",
                                                 "complete-orders",
                                                 "cancel-unshipped-orders", "verify-sellers", "remind-overdue-refunds",
                                                 "send-reset-codes", "forget-failed-tries",
                                                 "forget-limit-windows", "forget-seen-nonces",
                                                 "deliver-callbacks", "forget-old-events"]
    enqueue_sms(db, 1)
    worker.run_pending()  # both jobs run at start: the SMS goes, then its status is asked
    [row] = rows(db)
    assert (row.status, row.provider_id, row.delivery_status) == ("SENT", "MSG0001", "ACCEPTED")
    assert gateway.status_calls == ["MSG0001"]


def test_without_a_gateway_sms_rows_wait_and_emails_still_go(db, tmp_path):
    with db.unit_of_work() as session:
        notify_member(session, "member:7:activation:1", "budi@example.id", "+6281234567890",
                      "member_activation", activation(7))
    build_worker(db, settings_for(db, tmp_path)).run_pending()
    assert [(row.channel, row.status, row.attempts) for row in rows(db)] == [
        ("EMAIL", "SENT", 1), ("SMS", "PENDING", 0)]


def test_run_worker_builds_the_gateway_from_settings_through_the_factory(db, tmp_path):
    enqueue_sms(db, 1)
    gateway, seen, stop = FakeGateway(), [], threading.Event()

    def factory(settings):
        seen.append(settings)
        return gateway

    settings = settings_for(db, tmp_path)
    thread = threading.Thread(target=run_worker, args=(settings, stop),
                              kwargs=dict(sms_adapter_factory=factory))
    thread.start()
    try:
        eventually(lambda: gateway.messages, "the worker thread to send the SMS", timeout=10, interval=0.05)
    finally:
        stop.set()
        thread.join(10)
    assert seen == [settings] and len(gateway.messages) == 1 and not thread.is_alive()


def test_run_worker_takes_the_gateway_from_emall_ws_partners(monkeypatch, tmp_path):
    settings = Settings.from_env({"EMALL_VAR_DIR": str(tmp_path)})
    gateway = FakeGateway()
    partners = types.ModuleType("emall_ws.partners")
    partners.sms_adapter_from = lambda given: gateway if given is settings else None
    monkeypatch.setitem(sys.modules, "emall_ws.partners", partners)
    assert sms_adapter_from_settings(settings) is gateway
