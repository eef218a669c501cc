"""Notification templates: Indonesian texts, WIB times, HTML escaping, missing values."""
from datetime import datetime

import pytest

from emall_ws.notify import templates
from emall_ws.notify.templates import TemplateError, format_wib, format_wib_short, render, render_sms

ACTIVATION = dict(name="Siti Aminah", username="siti_a", code="482913",
                  expires_at=datetime(2025, 3, 5, 7, 30))


def test_activation_email_greets_gives_the_code_and_its_expiry_in_wib():
    email = render("member_activation", ACTIVATION)
    assert email.subject == "Kode aktivasi akun Emall KUKM Anda"
    for body in (email.text, email.html):
        assert "Yth. Siti Aminah" in body
        assert "482913" in body
        assert "5 Maret 2025 pukul 14.30 WIB" in body  # 07:30 UTC
        assert "Abaikan email ini jika Anda tidak mendaftar" in body
        assert "siti_a" in body


def test_password_reset_email_gives_the_code_and_its_expiry():
    email = render("password_reset", dict(name="Budi", code="771204",
                                          expires_at="2025-12-31T17:15:00"))
    assert "kata sandi" in email.subject
    for body in (email.text, email.html):
        assert "771204" in body
        assert "1 Januari 2026 pukul 00.15 WIB" in body  # ISO text from the outbox's JSON
        assert "kata sandi Anda tidak berubah" in body


@pytest.mark.parametrize("role, shown", [("BUYER", "pembeli"), ("SELLER", "penjual")])
def test_welcome_email_names_the_role_in_indonesian(role, shown):
    email = render("member_activated", dict(name="Budi", username="budi", role=role))
    assert email.subject == "Selamat datang di Emall KUKM"
    assert f"sebagai {shown}." in email.text
    assert f"sebagai <strong>{shown}</strong>" in email.html


def test_html_gets_escaped_values_and_text_gets_them_as_typed():
    email = render("member_activated", dict(name='<script>alert("x")</script> & Co', username="a'b",
                                            role="BUYER"))
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in email.html
    assert "a&#x27;b" in email.html
    assert '<script>alert("x")</script> & Co' in email.text


def test_subject_is_one_line_whatever_the_template_file_ends_with():
    for name in ("member_activation", "password_reset", "member_activated"):
        data = dict(ACTIVATION, role="BUYER")
        subject = render(name, data).subject
        assert "\n" not in subject and "\r" not in subject and subject == subject.strip()


def test_a_missing_value_is_an_error_not_a_gap():
    with pytest.raises(TemplateError, match="code"):
        render("member_activation", dict(name="Siti", username="s", expires_at=datetime(2025, 1, 1)))


def test_unknown_or_unsafe_template_names_are_refused():
    with pytest.raises(TemplateError):
        render("no_such_template", {})
    with pytest.raises(TemplateError):
        render("../templates/member_activation", ACTIVATION)
    assert not templates.exists("../member_activation")
    assert not templates.exists("member_activation", "FAX")


def test_every_email_template_has_its_three_files_and_only_the_codes_an_sms_text():
    for name in ("member_activation", "password_reset", "member_activated"):
        assert templates.exists(name, "EMAIL")
    assert templates.exists("member_activation", "SMS") and templates.exists("password_reset", "SMS")
    assert not templates.exists("member_activated", "SMS")


def test_activation_sms_is_one_line_with_the_code_and_a_compact_wib_expiry():
    assert render_sms("member_activation", dict(ACTIVATION, expires_at=datetime(2026, 11, 28, 3, 0))) == (
        "Kode aktivasi Emall KUKM Anda: 482913. Berlaku s.d. 28 Nov 2026 10.00 WIB. "
        "Jangan berikan kode ini kepada siapa pun.")


def test_password_reset_sms_gives_the_code_its_expiry_and_what_to_do_if_unasked():
    text = render_sms("password_reset", dict(name="Budi", code="771204",
                                             expires_at="2025-12-31T17:15:00"))
    assert "771204" in text and "1 Jan 2026 00.15 WIB" in text and "Abaikan" in text


def test_a_line_break_in_a_value_does_not_break_the_sms():
    assert "\n" not in render_sms("member_activation", dict(ACTIVATION, code="48\n2913"))


@pytest.mark.parametrize("moment, shown", [
    (datetime(2025, 8, 16, 18, 5), "17 Agu 2025 01.05 WIB"),
    (datetime(2026, 9, 30, 16, 59), "30 Sep 2026 23.59 WIB"),
    (datetime(2025, 12, 31, 16, 59), "31 Des 2025 23.59 WIB"),
    (datetime(2025, 12, 31, 17, 0), "1 Jan 2026 00.00 WIB"),
    (datetime(2025, 5, 1, 0, 0), "1 Mei 2025 07.00 WIB"),
])
def test_sms_times_are_compact_wib(moment, shown):
    assert format_wib_short(moment) == shown


def test_times_are_naive_utc_and_shown_in_wib_across_midnight():
    assert format_wib(datetime(2025, 8, 16, 18, 5)) == "17 Agustus 2025 pukul 01.05 WIB"
    with pytest.raises(TemplateError):
        render("password_reset", dict(name="a", code="1", expires_at="tomorrow"))


REMINDER = dict(name="Koperasi Maju", order_number="ORD/20261207/000042", invoice_number="INV/20261207/000042",
                amount="Rp 170.123", due_at=datetime(2026, 12, 9, 1, 0), action_text="Transfer <segera>.")


def test_an_overdue_refund_reminds_the_seller_by_email_and_sms_and_tells_the_buyer_by_email():
    seller, buyer = render("refund_overdue_seller", REMINDER), render("refund_overdue_buyer", REMINDER)
    assert seller.subject == ("Pengingat: kembalikan dana Rp 170.123 pesanan ORD/20261207/000042, batas waktunya "
                              "sudah lewat")
    assert buyer.subject == ("Pengembalian dana pesanan ORD/20261207/000042 (Rp 170.123) terlambat: penjual kami "
                             "ingatkan")
    for email in (seller, buyer):
        assert "9 Desember 2026 pukul 08.00 WIB" in email.text and "INV/20261207/000042" in email.text
        assert "Transfer <segera>." in email.text and "Transfer &lt;segera&gt;." in email.html
    assert render_sms("refund_overdue_seller", REMINDER) == (
        "Emall KUKM: pengembalian dana Rp 170.123 pesanan ORD/20261207/000042 lewat batas 9 Des 2026 08.00 WIB. "
        "Transfer dan catat segera.")
    assert templates.exists("refund_overdue_seller", "SMS") and not templates.exists("refund_overdue_buyer", "SMS")
