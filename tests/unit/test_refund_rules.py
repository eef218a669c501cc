"""Refund rules without a database: the order's and the refund's pipelines, the buyer's refund account
checked as a payout account at registration, the seller's record of a transfer, and when a refund is overdue."""
from datetime import datetime, timedelta

import pytest

from emall_ws.domain.errors import InvalidState, ValidationFailed
from emall_ws.domain.pipelines import ORDER, REFUND, OrderStatus, RefundReason, RefundStatus
from emall_ws.domain.members import PayoutAccount, validate_payout_account
from emall_ws.domain.refunds import REMIND_EVERY, check_note, check_transfer, is_overdue, reminder_due
from emall_ws.services import actors
from emall_ws.services.auth import Principal
from emall_ws.soap.codes import CODE_SETS

NOW = datetime(2026, 12, 7, 1, 0)
R = RefundStatus


def test_a_paid_order_may_be_cancelled_but_not_a_shipped_one():
    ORDER.check(OrderStatus.PAID, OrderStatus.CANCELLED)
    for current in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        with pytest.raises(InvalidState):
            ORDER.check(current, OrderStatus.CANCELLED)


@pytest.mark.parametrize("current, target", [
    (None, R.DUE), (R.DUE, R.TRANSFERRED), (R.TRANSFERRED, R.CONFIRMED), (R.TRANSFERRED, R.DISPUTED),
    (R.DISPUTED, R.TRANSFERRED),  # the seller records the transfer again
])
def test_a_refund_moves_along_its_pipeline(current, target):
    REFUND.check(current, target)


@pytest.mark.parametrize("current, target", [
    (None, R.TRANSFERRED), (R.DUE, R.CONFIRMED), (R.DUE, R.DISPUTED), (R.CONFIRMED, R.DISPUTED),
    (R.CONFIRMED, R.TRANSFERRED), (R.DISPUTED, R.CONFIRMED),
])
def test_a_refund_cannot_skip_or_leave_confirmed(current, target):
    with pytest.raises(InvalidState) as refused:
        REFUND.check(current, target)
    assert refused.value.params["entity"] == "refund"


def test_the_refund_words_are_code_sets():
    assert CODE_SETS["RefundStatus"] == ("DUE", "TRANSFERRED", "CONFIRMED", "DISPUTED")
    assert CODE_SETS["RefundReason"] == tuple(RefundReason)


def test_a_refund_account_is_checked_as_a_payout_account_and_the_bank_code_kept_lower_case():
    assert validate_payout_account(" BCA ", "1234567890", " Budi Santoso ") == PayoutAccount(
        "bca", "1234567890", "Budi Santoso")
    assert validate_payout_account("bri", "123456789012345", "Budi").bank_code == "bri"


def test_every_failing_field_of_a_refund_account_is_named():
    with pytest.raises(ValidationFailed) as refused:
        validate_payout_account("bank_x", "12ab", "")
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("bankCode", "UNKNOWN_BANK"), ("accountNumber", "DIGITS_ONLY"), ("accountHolder", "REQUIRED")]
    with pytest.raises(ValidationFailed) as refused:
        validate_payout_account("mandiri", "1234567890", "Budi\nSantoso")
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("accountNumber", "ACCOUNT_NUMBER_FORMAT"), ("accountHolder", "UNSAFE_CHARACTER")]


def test_a_transfer_is_of_exactly_the_refunds_amount_and_not_in_the_future():
    assert check_transfer(" TRF-1 ", 85_123, NOW, 85_123, NOW) == "TRF-1"
    with pytest.raises(ValidationFailed) as refused:
        check_transfer("", 85_000, NOW + timedelta(minutes=1), 85_123, NOW)
    assert [(e.field, e.code, e.params) for e in refused.value.errors] == [
        ("transferReference", "REQUIRED", {}), ("amount", "REFUND_AMOUNT_MISMATCH", {"amount": "Rp 85.123"}),
        ("transferredAt", "TRANSFER_IN_FUTURE", {})]
    with pytest.raises(ValidationFailed) as refused:
        check_transfer("x" * 61, None, None, 1, NOW)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("transferReference", "TOO_LONG"), ("amount", "REQUIRED"), ("transferredAt", "REQUIRED")]


def test_a_reason_is_one_line_of_at_most_200_characters():
    assert check_note("reason", "  stok habis ", required=True) == "stok habis"
    assert check_note("reason", None) == ""
    for value, code in (("", "REQUIRED"), ("x" * 201, "TOO_LONG"), ("a\u202eb", "UNSAFE_CHARACTER")):
        with pytest.raises(ValidationFailed) as refused:
            check_note("reason", value, required=True)
        assert refused.value.errors[0].code == code


def test_a_refund_is_overdue_while_owed_past_its_due_time():
    due = NOW - timedelta(seconds=1)
    assert is_overdue(R.DUE, due, NOW) and is_overdue(R.DISPUTED, due, NOW)
    assert not is_overdue(R.TRANSFERRED, due, NOW) and not is_overdue(R.CONFIRMED, due, NOW)
    assert not is_overdue(R.DUE, NOW, NOW)


@pytest.mark.parametrize("status, due_at, reminded_at, due", [
    (R.DUE, NOW - timedelta(hours=1), None, True),  # overdue, never reminded
    (R.DISPUTED, NOW - timedelta(days=3), None, True),
    (R.DUE, NOW, None, False),  # not yet past its due time
    (R.DUE, NOW + timedelta(hours=1), None, False),
    (R.TRANSFERRED, NOW - timedelta(days=3), None, False),  # the seller has paid: no longer owed
    (R.CONFIRMED, NOW - timedelta(days=3), None, False),
    (R.DUE, NOW - timedelta(days=3), NOW - timedelta(hours=23, minutes=59), False),  # reminded within the day
    (R.DUE, NOW - timedelta(days=3), NOW - timedelta(days=1), True),  # a day after the last reminder
    (R.DISPUTED, NOW - timedelta(days=3), NOW - timedelta(days=2), True),
])
def test_an_overdue_refund_is_reminded_at_most_once_a_day(status, due_at, reminded_at, due):
    assert REMIND_EVERY == timedelta(days=1)
    assert reminder_due(status, due_at, reminded_at, NOW) is due


def test_actors_name_members_admins_and_jobs():
    assert actors.member(Principal(1, "budi", "BUYER")) == "member:budi"
    assert actors.member(Principal(2, "root", "ADMIN")) == "admin:root"
    assert actors.job("cancel-unshipped-orders") == "job:cancel-unshipped-orders"
