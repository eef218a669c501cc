"""Email messages and sender configuration (no network: nothing here connects)."""
from pathlib import Path

import pytest

from emall_ws.notify.email import (DEFAULT_FROM, DeliveryError, MaildirEmailSender, SmtpEmailSender,
                                   build_message, email_sender_from)


def test_message_is_multipart_alternative_with_text_then_html():
    message = build_message(DEFAULT_FROM, "siti@example.id", "Subjek", "teks 123", "<p>html 123</p>")
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and "teks 123" in text.get_content()
    assert html.get_content_type() == "text/html" and "<p>html 123</p>" in html.get_content()
    assert message["From"] == DEFAULT_FROM
    assert message["Message-ID"].endswith("@emall-kukm.local>")


def test_the_message_id_is_the_notifications_reference_when_it_is_safe_in_a_header():
    sent = build_message(DEFAULT_FROM, "siti@example.id", "S", "t", "h", "emall-0f3a9c")
    assert sent["Message-ID"] == "<emall-0f3a9c@emall-kukm.local>"
    odd = build_message(DEFAULT_FROM, "siti@example.id", "S", "t", "h", "a>b\r\nBcc: x@example.id")
    assert odd["Message-ID"].endswith("@emall-kukm.local>") and "Bcc" not in odd["Message-ID"]


@pytest.mark.parametrize("to", ["siti@example.id\r\nBcc: all@example.id", "not-an-address", ""])
def test_unusable_recipients_are_permanent_errors(to):
    with pytest.raises(DeliveryError) as raised:
        build_message(DEFAULT_FROM, to, "Subjek", "t", "h")
    assert raised.value.permanent


def test_header_injection_through_the_subject_is_refused():
    with pytest.raises(DeliveryError):
        build_message(DEFAULT_FROM, "a@example.id", "Hai\r\nBcc: x@example.id", "t", "h")


@pytest.mark.parametrize("url, scheme, port", [
    ("smtp://mail.example.id", "smtp", 25),
    ("smtps://u:p@mail.example.id", "smtps", 465),
    ("smtp+starttls://u:p@mail.example.id", "smtp+starttls", 587),
    ("smtp+starttls://mail.example.id:2525", "smtp+starttls", 2525),
])
def test_smtp_url_gives_scheme_and_default_ports(url, scheme, port):
    sender = SmtpEmailSender(url)
    assert (sender.scheme, sender.host, sender.port) == (scheme, "mail.example.id", port)


def test_smtp_credentials_are_url_decoded_and_never_shown():
    sender = SmtpEmailSender("smtps://noreply%40emall.id:p%40ss%2Fw0rd@mail.example.id")
    assert sender.username == "noreply@emall.id"
    assert sender._password == "p@ss/w0rd"
    assert "w0rd" not in repr(sender)


@pytest.mark.parametrize("url", ["http://mail.example.id", "smtp://", "mail.example.id:25"])
def test_bad_smtp_urls_are_refused_at_start(url):
    with pytest.raises(ValueError, match="EMALL_SMTP_URL"):
        SmtpEmailSender(url)


def test_factory_uses_smtp_when_configured_and_the_var_maildir_otherwise(tmp_path):
    assert isinstance(email_sender_from("smtp://mail.example.id", tmp_path), SmtpEmailSender)
    local = email_sender_from(None, tmp_path)
    assert isinstance(local, MaildirEmailSender) and local.path == Path(tmp_path) / "mail"


def test_a_template_problem_is_a_permanent_delivery_error(tmp_path):
    with pytest.raises(DeliveryError) as raised:
        MaildirEmailSender(tmp_path / "mail").deliver("a@example.id", "member_activation", {})
    assert raised.value.permanent
    assert not (tmp_path / "mail").exists()
