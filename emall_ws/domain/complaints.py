"""Complaint rules (no I/O): when a buyer may still complain, which complaints an admin or the buyer
may take further, and the amount a remedy refunds."""
from __future__ import annotations

from datetime import datetime, timedelta

from emall_ws.domain.auction import rupiah
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.pipelines import ComplaintReason, ComplaintStatus, OrderStatus, Remedy

DESCRIPTION_MAX = 1000  # the buyer's account of what went wrong
MESSAGE_MAX = 500  # the seller's answer
UNRESOLVED = frozenset(set(ComplaintStatus) - {ComplaintStatus.RESOLVED})
COMPLAINABLE = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)


def within_complaint_window(order_status: str, delivered_at: datetime | None, now: datetime,
                            window: timedelta) -> bool:
    """A SHIPPED order (its parcel may never come) any time; a DELIVERED one until `window` after delivery."""
    if order_status == OrderStatus.SHIPPED:
        return True
    return order_status == OrderStatus.DELIVERED and delivered_at is not None and now <= delivered_at + window


def escalatable(status: str, respond_by: datetime, now: datetime) -> bool:
    """The buyer takes a complaint to an admin when the seller's offer is refused, or when the seller
    (or the return) is late: OPEN, RETURN_REQUESTED or RETURNING past respond_by."""
    if status == ComplaintStatus.OFFERED:
        return True
    late = (ComplaintStatus.OPEN, ComplaintStatus.RETURN_REQUESTED, ComplaintStatus.RETURNING)
    return status in late and now > respond_by


def check_reason(reason: str | None) -> str:
    if reason not in set(ComplaintReason):
        raise ValidationFailed([FieldError("reason", "REQUIRED")])  # the schema refuses any other word
    return reason


def remedy_amount(remedy: str | None, amount: int | None, paid: int, field: str = "offer") -> int:
    """What the remedy (given as `field`) refunds of `paid` (the invoice's amountDue): all of it, or for
    PARTIAL_REFUND the amount given (more than 0, less than `paid`), or nothing (NONE). Only PARTIAL_REFUND
    takes an amount."""
    if remedy not in set(Remedy):
        raise ValidationFailed([FieldError(field, "REQUIRED")])  # the schema refuses any other word
    if remedy != Remedy.PARTIAL_REFUND:
        if amount is not None:
            raise ValidationFailed([FieldError("amount", "AMOUNT_ONLY_FOR_PARTIAL_REFUND")])
        return 0 if remedy == Remedy.NONE else paid
    if amount is None:
        raise ValidationFailed([FieldError("amount", "REQUIRED")])
    if not 0 < amount < paid:
        raise ValidationFailed([FieldError("amount", "PARTIAL_REFUND_RANGE", {"paid": rupiah(paid)})])
    return amount
