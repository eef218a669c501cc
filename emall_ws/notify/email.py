"""Email senders: SMTP for production, a local Maildir for the embedded default (`./var/mail/`)."""
from __future__ import annotations

import logging
import mailbox
import re
import smtplib
import ssl
from abc import ABC, abstractmethod
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

from emall_ws.notify.templates import TemplateError, render

log = logging.getLogger(__name__)

DEFAULT_FROM = "Emall KUKM <no-reply@emall-kukm.local>"
DEFAULT_TIMEOUT = 30.0  # seconds per SMTP socket operation; the dispatcher's lease must outlast it
_SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
_MESSAGE_ID_PART = re.compile(r"[A-Za-z0-9._-]{1,64}")  # a notification's reference: emall-<hex>


class DeliveryError(Exception):
    """A message was not handed over. `permanent`: retrying the same message cannot succeed
    (SMTP 5xx for the recipient or the content, an unusable address, a broken template)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class EmailSender(ABC):
    """Hands one email to a transport and returns the provider's message id."""

    @abstractmethod
    def send(self, to: str, subject: str, text: str, html: str, reference: str = "") -> str: ...

    def deliver(self, recipient: str, template: str, data: Mapping[str, Any],
                reference: str = "") -> str:
        """The dispatcher's entry point: renders `template` and sends it. `reference` becomes the
        Message-ID, the same on every attempt: a repeat after a crash is recognisable as one (mail
        systems and clients that de-duplicate do so by Message-ID)."""
        try:
            rendered = render(template, data)
        except TemplateError as error:
            raise DeliveryError(str(error), permanent=True) from error
        return self.send(recipient, rendered.subject, rendered.text, rendered.html, reference)


def build_message(from_address: str, to: str, subject: str, text: str, html: str,
                  reference: str = "") -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML preferred by clients that can;
    its Message-ID is <reference@sender's domain> when a reference is given."""
    if "@" not in parseaddr(to)[1]:
        raise DeliveryError("recipient is not an email address", permanent=True)
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "emall-kukm.local"
    message = EmailMessage()
    try:
        # the default policy refuses CR/LF in header values: no header injection through data
        message["From"] = from_address
        message["To"] = to
        message["Subject"] = subject
    except ValueError as error:
        raise DeliveryError(f"unusable header: {error}", permanent=True) from error
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # an explicit domain: make_msgid() would otherwise look up this host's FQDN (DNS) per message
    message["Message-ID"] = f"<{reference}@{domain}>" if _MESSAGE_ID_PART.fullmatch(reference) \
        else make_msgid(domain=domain)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class SmtpEmailSender(EmailSender):
    """SMTP submission. URL: smtp://[user:pass@]host[:25], smtps://...[:465] (TLS from the first
    byte), smtp+starttls://...[:587]. Certificates are verified (the system's CA store)."""

    def __init__(self, url: str, *, from_address: str = DEFAULT_FROM,
                 timeout: float = DEFAULT_TIMEOUT, ssl_context: ssl.SSLContext | None = None):
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES or not parts.hostname:
            raise ValueError("EMALL_SMTP_URL must look like smtp://host:25, smtps://user:pass@host:465 "
                             "or smtp+starttls://user:pass@host:587")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or _SCHEMES[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password or "")
        self.from_address = from_address
        self.timeout = timeout
        self._ssl_context = ssl_context or ssl.create_default_context()
        if self.username and self.scheme == "smtp" and self.host not in ("127.0.0.1", "::1", "localhost"):
            log.warning("SMTP credentials for %s travel unencrypted; use smtps:// or smtp+starttls://",
                        self.host)

    def __repr__(self) -> str:  # never the password
        return f"SmtpEmailSender({self.scheme}://{self.host}:{self.port})"

    def send(self, to: str, subject: str, text: str, html: str, reference: str = "") -> str:
        message = build_message(self.from_address, to, subject, text, html, reference)
        try:
            with self._connect() as smtp:
                if self.scheme == "smtp+starttls":
                    smtp.starttls(context=self._ssl_context)
                if self.username:
                    smtp.login(self.username, self._password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:  # our only recipient was refused
            codes = [code for code, _text in error.recipients.values()]
            raise DeliveryError(f"recipient refused: {_describe(error.recipients)}",
                                permanent=all(500 <= code < 600 for code in codes)) from error
        except smtplib.SMTPDataError as error:  # the content was refused
            raise DeliveryError(f"message refused: {error.smtp_code} {_text(error.smtp_error)}",
                                permanent=500 <= error.smtp_code < 600) from error
        except smtplib.SMTPResponseException as error:
            # auth or sender refused: a set-up problem, worth retrying once it is fixed
            raise DeliveryError(f"SMTP {error.smtp_code} {_text(error.smtp_error)}") from error
        except (smtplib.SMTPException, OSError) as error:  # unreachable, timeout, TLS, dropped
            raise DeliveryError(f"SMTP {self.host}:{self.port} unavailable: "
                                f"{type(error).__name__}: {error}") from error
        return str(message["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self._ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


class MaildirEmailSender(EmailSender):
    """Delivers into a local Maildir (new/ holds one file per message), readable by any mail
    client or `python -m mailbox`-style scripts: the default when no SMTP server is configured."""

    def __init__(self, path: str | Path, *, from_address: str = DEFAULT_FROM):
        self.path = Path(path)
        self.from_address = from_address

    def send(self, to: str, subject: str, text: str, html: str, reference: str = "") -> str:
        message = build_message(self.from_address, to, subject, text, html, reference)
        try:
            # created here rather than by Maildir(create=True), which fails when two processes
            # create the folder at once, or sees it half made
            for folder in (self.path, self.path / "tmp", self.path / "new", self.path / "cur"):
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Maildir writes to tmp/ then renames into new/: safe with several processes at once
            mailbox.Maildir(self.path, create=False).add(message)
        except OSError as error:
            raise DeliveryError(f"Maildir {self.path}: {error}") from error
        return str(message["Message-ID"])


def email_sender_from(smtp_url: str | None, var_dir: str | Path, *,
                      from_address: str = DEFAULT_FROM,
                      timeout: float = DEFAULT_TIMEOUT) -> EmailSender:
    """SMTP when EMALL_SMTP_URL is set, otherwise the Maildir <var_dir>/mail."""
    if smtp_url:
        return SmtpEmailSender(smtp_url, from_address=from_address, timeout=timeout)
    return MaildirEmailSender(Path(var_dir) / "mail", from_address=from_address)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _describe(recipients: dict) -> str:
    return "; ".join(f"{code} {_text(reply)}" for code, reply in recipients.values())
