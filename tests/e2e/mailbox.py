"""A real SMTP server in the test process (aiosmtpd), collecting what the platform sends."""
from __future__ import annotations

import email
import email.policy
import re
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.waiting import eventually


class Mailbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> list[EmailMessage]:
        return eventually(lambda: len(found := self.to(address)) >= count and found,
                          lambda: f"{count} message(s) to {address}; got {len(self.to(address))}", timeout)

    def code_for(self, address: str, count: int = 1) -> str:
        """The 6-digit code in the newest of `count` messages to `address`, checked in both parts."""
        message = self.wait_for(address, count)[-1]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        code = re.search(r"\b(\d{6})\b", text).group(1)
        assert code in html
        return code


def start_smtp_server(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox
