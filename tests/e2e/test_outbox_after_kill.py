"""A notification claimed by a dispatcher killed mid-send (kill -9 of `serve`) is delivered by the
restarted platform within 60 s of the claim, with the Message-ID every attempt at it carries."""
from __future__ import annotations

import asyncio
import os
import signal
import threading
from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification
from emall_ws.db.session import Database
from emall_ws.notify.dispatcher import LEASE
from tests.e2e.mailbox import Mailbox
from tests.e2e.members import form
from tests.e2e.soap import client
from tests.e2e.test_serve_shutdown import Serve
from tests.processes import free_port
from tests.waiting import eventually


class StallingMailbox(Mailbox):
    """Holds the first message's DATA open: its sender is in the middle of sending when killed."""

    def __init__(self):
        super().__init__()
        self.stalled = threading.Event()
        self.received_at: list = []

    async def handle_DATA(self, server, session, envelope):
        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(120)  # cancelled by aiosmtpd when the connection drops
        self.received_at.append(utcnow())
        return await super().handle_DATA(server, session, envelope)


class _Soap:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"

    def wsdl_url(self, service: str) -> str:
        return f"{self.url}/ws/{service}?wsdl"


def activation_row(database_url: str, email: str) -> Notification:
    db = Database(database_url)
    try:
        with db.unit_of_work() as session:
            return session.scalars(select(Notification).where(Notification.recipient == email)).one()
    finally:
        db.dispose()


def test_a_claim_of_a_killed_dispatcher_is_delivered_within_60_seconds_with_its_message_id(
        database_factory, tmp_path):
    inbox, smtp_port = StallingMailbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    settings = dict(EMALL_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", EMALL_DISPATCH_INTERVAL="5",
                    EMALL_DATABASE_URL=database_factory.new_url("outbox_kill"))
    first = Serve(tmp_path, **settings)
    again = None
    try:
        values = form()
        client(_Soap(first.port), "Member").service.register(form=values)
        eventually(inbox.stalled.is_set, "the worker sending the activation email", timeout=30)
        claimed = activation_row(settings["EMALL_DATABASE_URL"], values["email"])
        assert (claimed.status, claimed.attempts) == ("PENDING", 1)
        claimed_at = claimed.next_attempt_at - LEASE

        os.kill(first.process.pid, signal.SIGKILL)  # the worker dies with it, mid-send
        first.process.wait()
        first.assert_all_ended(timeout=5)
        (tmp_path / "again").mkdir()
        again = Serve(tmp_path / "again", ports=first.ports, **settings)

        [message] = inbox.wait_for(values["email"], timeout=70)
        assert inbox.received_at[0] - claimed_at <= timedelta(seconds=60)
        # The mailbox holds the message before its sender reads the 250 reply and records SENT.
        eventually(lambda: activation_row(settings["EMALL_DATABASE_URL"], values["email"]).status == "SENT",
                   "the restarted dispatcher recording the delivery", timeout=10)
        sent = activation_row(settings["EMALL_DATABASE_URL"], values["email"])
        assert (sent.status, sent.attempts) == ("SENT", 2)
        assert message["Message-ID"] == f"<{sent.reference}@emall-kukm.local>" == sent.provider_id
    finally:
        for running in (first, again):
            if running is not None:
                running.kill_all()
        smtp.stop()
