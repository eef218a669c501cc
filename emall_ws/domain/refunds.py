"""Refund rules (no I/O): the seller's record of the transfer, a reason's text, when a refund is overdue.
The buyer's refund account is checked as a seller's payout account is (domain.members.validate_payout_account)."""
from __future__ import annotations

from datetime import datetime, timedelta

from emall_ws.domain.auction import rupiah
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.pipelines import RefundStatus
from emall_ws.domain.text import UNSAFE_CHARACTER, checked_text, single_line_ok

REFERENCE_MAX = 60  # Refund.transfer_reference
NOTE_MAX = 200  # a rejection's or dispute's reason
OPEN = (RefundStatus.DUE, RefundStatus.DISPUTED)  # the seller still owes the money
# an overdue refund's seller is reminded at most this often: daily keeps it in mind without flooding
# (an SMS each time); EMALL_REFUND_DAYS is the time to pay, not a nagging rhythm
REMIND_EVERY = timedelta(days=1)


def check_note(field: str, value: str | None, *, required: bool = False) -> str:
    """A reason or note: one line, at most NOTE_MAX characters (REQUIRED when `required`)."""
    return checked_text(field, value, NOTE_MAX, required=required)


def check_transfer(reference: str | None, amount: int | None, transferred_at: datetime | None,
                   refund_amount: int, now: datetime) -> str:
    """The seller's record of a refund transfer: a one-line reference, exactly the refund's amount, a time
    not in the future; or every failing field at once. Returns the reference."""
    errors: list[FieldError] = []
    reference = (reference or "").strip()
    if not reference:
        errors.append(FieldError("transferReference", "REQUIRED"))
    elif len(reference) > REFERENCE_MAX:
        errors.append(FieldError("transferReference", "TOO_LONG", {"max": REFERENCE_MAX}))
    elif not single_line_ok(reference):
        errors.append(FieldError("transferReference", UNSAFE_CHARACTER))
    if amount is None:
        errors.append(FieldError("amount", "REQUIRED"))
    elif amount != refund_amount:
        errors.append(FieldError("amount", "REFUND_AMOUNT_MISMATCH", {"amount": rupiah(refund_amount)}))
    if transferred_at is None:
        errors.append(FieldError("transferredAt", "REQUIRED"))
    elif transferred_at > now:
        errors.append(FieldError("transferredAt", "TRANSFER_IN_FUTURE"))
    if errors:
        raise ValidationFailed(errors)
    return reference


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """Still owed by the seller (DUE, or DISPUTED) after its due time."""
    return status in OPEN and due_at < now


def reminder_due(status: str, due_at: datetime, reminded_at: datetime | None, now: datetime) -> bool:
    """Overdue (is_overdue), and its seller not reminded within the last REMIND_EVERY."""
    return is_overdue(status, due_at, now) and (reminded_at is None or reminded_at <= now - REMIND_EVERY)
