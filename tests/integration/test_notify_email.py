"""Email delivery for real: an in-process SMTP server (aiosmtpd) on loopback, and the Maildir."""
import email
import email.policy
import mailbox
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from emall_ws.config import Settings
from emall_ws.db.models import Notification
from emall_ws.notify.dispatcher import Dispatcher
from emall_ws.notify.email import DeliveryError, MaildirEmailSender, SmtpEmailSender
from emall_ws.notify.outbox import EMAIL, enqueue
from emall_ws.worker import build_worker
from tests.processes import free_port  # aiosmtpd connects to its own port: it cannot take port 0

CODE = "482913"


class Inbox:
    """aiosmtpd handler: keeps what it receives; can refuse recipients with a given reply."""

    def __init__(self, rcpt_reply=None):
        self.messages = []
        self.rcpt_reply = rcpt_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    started = []

    def start(handler, **options):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


pytestmark = pytest.mark.network


def test_activation_email_goes_from_the_outbox_through_smtp_with_the_code_in_both_parts(db, smtp_server):
    inbox = Inbox()
    server = smtp_server(inbox)
    with db.unit_of_work() as session:
        enqueue(session, event_key="member:1:activation:1", channel=EMAIL, recipient="siti@example.id",
                template="member_activation",
                data=dict(name="Siti Aminah", username="siti", code=CODE,
                          expires_at=datetime(2025, 3, 5, 7, 30)))
    sender = SmtpEmailSender(f"smtp://127.0.0.1:{server.port}", timeout=5)
    assert Dispatcher(db, {EMAIL: sender}).run_once().sent == 1

    [(mail_from, rcpt_tos, raw)] = inbox.messages
    assert (mail_from, rcpt_tos) == ("no-reply@emall-kukm.local", ["siti@example.id"])
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Kode aktivasi akun Emall KUKM Anda"
    assert message["From"] == "Emall KUKM <no-reply@emall-kukm.local>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert CODE in text and CODE in html
    assert "5 Maret 2025 pukul 14.30 WIB" in text
    with db.unit_of_work() as session:
        row = session.scalars(select(Notification)).one()
    assert row.status == "SENT" and row.provider_id == message["Message-ID"]
    # every attempt at the row carries it: a repeat after a crash is recognisable as one
    assert message["Message-ID"] == f"<{row.reference}@emall-kukm.local>"


class Crash(BaseException):
    """Like SIGKILL for the dispatcher: the message left, the outcome is never written."""


class MaildirCrashingOnce(MaildirEmailSender):
    def __init__(self, path):
        super().__init__(path)
        self.crashed = False

    def send(self, to, subject, text, html, reference=""):
        message_id = super().send(to, subject, text, html, reference)
        if not self.crashed:
            self.crashed = True
            raise Crash
        return message_id


def test_a_redelivery_after_a_crash_carries_the_same_message_id(db, tmp_path):
    with db.unit_of_work() as session:
        enqueue(session, event_key="invoice:1:issued", channel=EMAIL, recipient="budi@example.id",
                template="member_activation", data=dict(name="Budi", username="budi", code=CODE,
                                                        expires_at=datetime(2025, 3, 5, 7, 30)))
    sender = MaildirCrashingOnce(tmp_path / "mail")
    dispatcher = Dispatcher(db, {EMAIL: sender})
    with pytest.raises(Crash):
        dispatcher.run_once()
    with db.unit_of_work() as session:
        row = session.scalars(select(Notification)).one()
    assert row.status == "PENDING"  # the first copy left, unrecorded: sent again once the lease ends
    assert dispatcher.run_once(row.next_attempt_at).sent == 1
    copies = [parse(message.as_bytes()) for message in mailbox.Maildir(tmp_path / "mail", create=False)]
    assert len(copies) == 2  # delivered twice (at least once), and recognisably one message:
    assert {copy["Message-ID"] for copy in copies} == {f"<{row.reference}@emall-kukm.local>"}


def test_smtp_login_with_url_credentials(smtp_server):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p@ss", handled=False)

    inbox = Inbox()
    server = smtp_server(inbox, authenticator=authenticator, auth_require_tls=False)
    SmtpEmailSender(f"smtp://mailer:p%40ss@127.0.0.1:{server.port}", timeout=5).send(
        "a@example.id", "Subjek", "teks", "<p>html</p>")
    assert logins == [(b"mailer", b"p@ss")] and len(inbox.messages) == 1

    with pytest.raises(DeliveryError) as refused:
        SmtpEmailSender(f"smtp://mailer:wrong@127.0.0.1:{server.port}", timeout=5).send(
            "a@example.id", "Subjek", "teks", "<p>html</p>")
    assert "535" in str(refused.value)
    assert not refused.value.permanent  # a set-up problem: worth retrying once fixed


@pytest.mark.parametrize("reply, permanent", [("550 5.1.1 No such user", True),
                                              ("451 4.3.0 Try again later", False)])
def test_smtp_refusals_are_permanent_for_5xx_and_temporary_for_4xx(smtp_server, reply, permanent):
    server = smtp_server(Inbox(rcpt_reply=reply))
    with pytest.raises(DeliveryError) as refused:
        SmtpEmailSender(f"smtp://127.0.0.1:{server.port}", timeout=5).send(
            "nobody@example.id", "Subjek", "teks", "<p>html</p>")
    assert refused.value.permanent is permanent
    assert reply.split()[0] in str(refused.value)


def test_an_unreachable_smtp_server_is_a_temporary_error():
    with pytest.raises(DeliveryError) as refused:
        SmtpEmailSender(f"smtp://127.0.0.1:{free_port()}", timeout=2).send(
            "a@example.id", "Subjek", "teks", "<p>html</p>")
    assert not refused.value.permanent and "unavailable" in str(refused.value)


def test_maildir_delivery_writes_a_readable_message(tmp_path):
    sender = MaildirEmailSender(tmp_path / "var" / "mail")
    message_id = sender.deliver("budi@example.id", "password_reset",
                                dict(name="Budi", code="771204", expires_at=datetime(2025, 1, 1)))
    box = mailbox.Maildir(tmp_path / "var" / "mail", create=False)
    [(key, stored)] = box.items()
    assert (tmp_path / "var" / "mail" / "new" / key).is_file()  # delivered, not left in tmp/
    message = parse(stored.as_bytes())
    assert message["Message-ID"] == message_id and message["To"] == "budi@example.id"
    assert "771204" in message.get_body(("plain",)).get_content()
    assert "771204" in message.get_body(("html",)).get_content()


def test_the_embedded_worker_delivers_the_outbox_into_var_mail(db, tmp_path):
    with db.unit_of_work() as session:
        enqueue(session, event_key="member:2:activated", channel=EMAIL, recipient="ani@example.id",
                template="member_activated", data=dict(name="Ani", username="ani", role="BUYER"))
    # no EMALL_SMTP_URL: the Maildir default
    worker = build_worker(db, Settings.from_env({"EMALL_VAR_DIR": str(tmp_path)}))
    worker.run_pending()
    [stored] = mailbox.Maildir(tmp_path / "mail", create=False)
    assert "sebagai pembeli" in parse(stored.as_bytes()).get_body(("plain",)).get_content()
    with db.unit_of_work() as session:
        assert session.scalars(select(Notification.status)).all() == ["SENT"]
