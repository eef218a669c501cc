"""Complaint rules: the window to complain, when a complaint may be escalated, and a remedy's amount."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emall_ws.domain.complaints import check_reason, escalatable, remedy_amount, within_complaint_window
from emall_ws.domain.errors import ValidationFailed
from emall_ws.domain.text import checked_text

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
WINDOW = timedelta(days=3)


def field_codes(call) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as refused:
        call()
    return [(e.field, e.code) for e in refused.value.errors]


@pytest.mark.parametrize("status, delivered_at, expected", [
    ("SHIPPED", None, True),  # the parcel may never come
    ("DELIVERED", NOW - WINDOW, True),  # the window's last moment
    ("DELIVERED", NOW - WINDOW - timedelta(seconds=1), False),
    ("DELIVERED", None, False),  # delivered with no time recorded: nothing to count from
    ("PAID", None, False), ("COMPLETED", NOW, False), ("CANCELLED", None, False),
])
def test_the_window_to_complain(status, delivered_at, expected):
    assert within_complaint_window(status, delivered_at, NOW, WINDOW) is expected


@pytest.mark.parametrize("status, respond_by, expected", [
    ("OFFERED", NOW + timedelta(days=1), True),  # an offer refused: at once
    ("OPEN", NOW, False), ("OPEN", NOW - timedelta(seconds=1), True),
    ("RETURN_REQUESTED", NOW - timedelta(seconds=1), True), ("RETURNING", NOW + timedelta(hours=1), False),
    ("ESCALATED", NOW - timedelta(days=9), False), ("RESOLVED", NOW - timedelta(days=9), False),
])
def test_when_a_complaint_may_be_escalated(status, respond_by, expected):
    assert escalatable(status, respond_by, NOW) is expected


@pytest.mark.parametrize("remedy, amount, refunded", [
    ("FULL_REFUND", None, 100_000), ("RETURN_FOR_REFUND", None, 100_000), ("NONE", None, 0),
    ("PARTIAL_REFUND", 1, 1), ("PARTIAL_REFUND", 99_999, 99_999),
])
def test_what_a_remedy_refunds(remedy, amount, refunded):
    assert remedy_amount(remedy, amount, 100_000) == refunded


@pytest.mark.parametrize("remedy, amount, code", [
    ("PARTIAL_REFUND", None, "REQUIRED"), ("PARTIAL_REFUND", 0, "PARTIAL_REFUND_RANGE"),
    ("PARTIAL_REFUND", 100_000, "PARTIAL_REFUND_RANGE"), ("PARTIAL_REFUND", -5, "PARTIAL_REFUND_RANGE"),
    ("FULL_REFUND", 5_000, "AMOUNT_ONLY_FOR_PARTIAL_REFUND"), ("NONE", 1, "AMOUNT_ONLY_FOR_PARTIAL_REFUND"),
])
def test_a_remedy_with_the_wrong_amount_is_refused_on_amount(remedy, amount, code):
    assert field_codes(lambda: remedy_amount(remedy, amount, 100_000)) == [("amount", code)]


def test_a_remedy_outside_the_set_is_refused_on_its_own_field():
    assert field_codes(lambda: remedy_amount("REFUND_TWICE", None, 100_000, field="decision")) == [
        ("decision", "REQUIRED")]
    assert field_codes(lambda: check_reason("LATE")) == [("reason", "REQUIRED")]
    assert check_reason("NOT_RECEIVED") == "NOT_RECEIVED"


@pytest.mark.parametrize("value, code", [
    ("  ", "REQUIRED"), (None, "REQUIRED"), ("x" * 11, "TOO_LONG"), ("a\u202eb", "UNSAFE_CHARACTER"),
])
def test_a_free_text_is_required_short_and_safe(value, code):
    assert field_codes(lambda: checked_text("description", value, 10, required=True, multi_line=True)) == [
        ("description", code)]


def test_a_free_text_keeps_its_line_breaks():
    assert checked_text("description", " dus penyok\nbotol pecah ", 100, multi_line=True) == "dus penyok\nbotol pecah"
    assert field_codes(lambda: checked_text("reason", "dus\npenyok", 100)) == [("reason", "UNSAFE_CHARACTER")]
