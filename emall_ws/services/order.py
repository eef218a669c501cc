"""An order after payment: the seller rejects it, or the worker cancels it when it is not shipped in
time; either way the order is CANCELLED, the stock back exactly once (invoices.restore_stock) and a
refund of the invoice's amountDue is due to the buyer (who paid it into the seller's account). The
buyer names the account to refund to, the seller records the transfer, the buyer confirms or disputes
it. Parties and admins read the refund and the order's history.

A cancellation is written with the order row locked, as shipping.ship_order writes a shipment: the
seller's rejection and shipOrder lock it FOR UPDATE (SQLite: BEGIN IMMEDIATE), the worker claims it
FOR UPDATE SKIP LOCKED and reads it afresh, so of a cancellation and a shipment at the same moment
exactly one happens. Any refusal changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from emall_ws.clock import as_utc
from emall_ws.db.models import Complaint, Invoice, Member, Order, OrderStatusHistory, Refund, RefundStatusHistory
from emall_ws.db.session import Database
from emall_ws.domain import pipelines
from emall_ws.domain.auction import rupiah
from emall_ws.domain.errors import InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.domain.members import ADMIN, BUYER, SELLER, validate_payout_account
from emall_ws.domain.partners import bank_name
from emall_ws.domain.paging import offset_within, page_and_size, page_errors
from emall_ws.domain.pipelines import OrderStatus, RefundReason, RefundStatus
from emall_ws.domain.refunds import OPEN, check_note, check_transfer, is_overdue
from emall_ws.notify.outbox import notify_member
from emall_ws.services import actors
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.claims import handle_each_claimed
from emall_ws.services.invoices import find_order, items_text, order_not_found, restore_stock, set_order_status
from emall_ws.services.status import HistoryEntry, change_status, read_history
from emall_ws.services.usernames import usernames

CANCEL_JOB = "cancel-unshipped-orders"
CANCEL_BATCH = 500
LIST_PAGE = 20
LIST_MAX = 100


@dataclass(frozen=True)
class OrderPolicy:
    ship_deadline: timedelta = timedelta(days=3)  # EMALL_SHIP_DEADLINE_DAYS after payment
    refund_within: timedelta = timedelta(days=2)  # EMALL_REFUND_DAYS after the refund became due
    complaint_window: timedelta = timedelta(days=3)  # EMALL_COMPLAINT_DAYS after delivery
    response_within: timedelta = timedelta(days=2)  # EMALL_COMPLAINT_RESPONSE_DAYS for the seller (or a return)

    @classmethod
    def from_settings(cls, settings: Any) -> OrderPolicy:
        return cls(ship_deadline=timedelta(days=settings.ship_deadline_days),
                   refund_within=timedelta(days=settings.refund_days),
                   complaint_window=timedelta(days=settings.complaint_days),
                   response_within=timedelta(days=settings.complaint_response_days))


# --- views ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RefundView:
    order_number: str
    invoice_number: str
    order_status: str
    buyer: str
    seller: str
    amount: int
    reason: str
    note: str
    status: str
    due_at: datetime
    overdue: bool
    bank_code: str | None
    account_number: str | None
    account_holder: str | None
    transfer_reference: str | None
    transferred_amount: int | None
    transferred_at: datetime | None
    dispute_reason: str | None
    created_at: datetime
    updated_at: datetime


def refund_view(session: Session, refund: Refund, now: datetime) -> RefundView:
    return refund_views(session, [refund], now)[0]


def refund_views(session: Session, refunds: list[Refund], now: datetime) -> list[RefundView]:
    """The refunds as their parties and admins read them, the usernames of all in one query (a page's
    refunds come with their orders and invoices loaded: list_refunds)."""
    names = usernames(session, [r.buyer_id for r in refunds] + [r.seller_id for r in refunds])
    return [_refund_view(refund, names, now) for refund in refunds]


def _refund_view(refund: Refund, names: dict[int, str], now: datetime) -> RefundView:
    return RefundView(
        order_number=refund.order.number, invoice_number=refund.invoice.number, order_status=refund.order.status,
        buyer=names[refund.buyer_id], seller=names[refund.seller_id], amount=refund.amount, reason=refund.reason,
        note=refund.note, status=refund.status, due_at=refund.due_at,
        overdue=is_overdue(refund.status, refund.due_at, now), bank_code=refund.bank_code,
        account_number=refund.account_number, account_holder=refund.account_holder,
        transfer_reference=refund.transfer_reference, transferred_amount=refund.transferred_amount,
        transferred_at=refund.transferred_at, dispute_reason=refund.dispute_reason,
        created_at=refund.created_at, updated_at=refund.updated_at)


# --- finding an order and its refund --------------------------------------------------------------------

def visible_order(session: Session, principal: Principal, number: str | None, lock: bool = False) -> Order:
    """The order, when the caller is its buyer, its seller or an admin; anyone else's answers as one
    that does not exist (order numbers can be guessed)."""
    order = find_order(session, number, lock)
    if principal.role != ADMIN and principal.member_id not in (order.buyer_id, order.seller_id):
        raise order_not_found(number)
    return order


Part = TypeVar("Part", Refund, Complaint)


def order_part(session: Session, principal: Principal, number: str | None, model: type[Part], missing: str,
               side: str | None = None, lock: bool = False) -> Part:
    """The order's one row of `model` (its refund, its complaint), for a party or an admin; with `side`
    (BUYER or SELLER) only for that party of the order: the other party (or an admin) is refused with
    NOT_OWNER. None there is NotFound `missing`."""
    order = visible_order(session, principal, number, lock)
    if side is not None and principal.member_id != (order.buyer_id if side == BUYER else order.seller_id):
        raise NotAuthorized("NOT_OWNER")
    query = select(model).where(model.order_id == order.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    part = session.scalars(query).first()
    if part is None:
        raise NotFound(missing, number=order.number)
    return part


def _refund(session: Session, principal: Principal, number: str | None, side: str | None = None,
            lock: bool = False) -> Refund:
    return order_part(session, principal, number, Refund, "REFUND_NOT_FOUND", side, lock)


def set_refund_status(session: Session, refund: Refund, target: str, now: datetime, reason: str,
                      actor: str) -> None:
    """The one way a refund's status changes: checked against the pipeline, with history."""
    change_status(session, pipelines.REFUND, refund, RefundStatusHistory, target, now, reason, actor)
    refund.updated_at = now


# --- rejection and cancellation ----------------------------------------------------------------------

def reject_order(session: Session, seller: Principal, number: str | None, reason: str | None, now: datetime,
                 policy: OrderPolicy) -> RefundView:
    """The seller of a PAID order not yet shipped rejects it: CANCELLED, stock back, a refund due."""
    authorize(seller, SELLER)
    note = check_note("reason", reason, required=True)
    order = find_order(session, number, lock=True)
    if order.seller_id != seller.member_id:
        raise order_not_found(number)  # someone else's order answers as one that does not exist
    if order.status != OrderStatus.PAID:
        raise InvalidState("ORDER_NOT_REJECTABLE", status=order.status)
    refund = cancel_paid_order(session, order, RefundReason.SELLER_REJECTED, note, actors.member(seller), now,
                               policy)
    return refund_view(session, refund, now)


def cancel_paid_order(session: Session, order: Order, reason: str, note: str, actor: str, now: datetime,
                      policy: OrderPolicy) -> Refund:
    """Cancels a (locked) PAID order: the stock back exactly once, a refund of the invoice's amountDue
    due to the buyer, buyer and seller told."""
    invoice = session.scalars(select(Invoice).where(Invoice.order_id == order.id).with_for_update()
                              .execution_options(populate_existing=True)).one()
    set_order_status(session, order, OrderStatus.CANCELLED, now, f"{reason}: {note}", actor)
    restore_stock(session, invoice, now, actor)
    refund = open_refund(session, order, invoice, invoice.amount_due, reason, note, actor, now, policy)
    _tell_cancelled(session, order, invoice, refund)
    return refund


def open_refund(session: Session, order: Order, invoice: Invoice, amount: int, reason: str, note: str, actor: str,
                now: datetime, policy: OrderPolicy) -> Refund:
    """A refund of `amount` due to the order's buyer by `policy.refund_within` from now (one per order)."""
    refund = Refund(order_id=order.id, invoice_id=invoice.id, buyer_id=order.buyer_id, seller_id=order.seller_id,
                    amount=amount, reason=reason, note=note[:200], status=None,
                    due_at=now + policy.refund_within, created_at=now, updated_at=now)
    refund.order, refund.invoice = order, invoice
    session.add(refund)
    set_refund_status(session, refund, RefundStatus.DUE, now, reason, actor)
    session.flush()
    return refund


def cancel_unshipped_orders(db: Database, now: datetime, policy: OrderPolicy, *, limit: int = CANCEL_BATCH) -> int:
    """The worker's job: cancels every PAID order whose invoice was paid `policy.ship_deadline` ago or
    more and that is still not shipped, each once (claims.handle_each_claimed); returns how many."""
    due = (select(Order).join(Invoice, Invoice.order_id == Order.id)
           .where(Order.status == OrderStatus.PAID, Invoice.paid_at <= now - policy.ship_deadline)
           .order_by(Invoice.paid_at, Order.id))
    days = policy.ship_deadline / timedelta(days=1)
    note = f"not shipped within {days:g} days of payment"

    def cancel(session: Session, order: Order) -> bool:
        if order.status != OrderStatus.PAID:  # shipped (or rejected) while this waited
            return False
        cancel_paid_order(session, order, RefundReason.NOT_SHIPPED_IN_TIME, note, actors.job(CANCEL_JOB), now,
                          policy)
        return True

    return handle_each_claimed(db, due, Order, cancel, limit=limit, what="order")


# --- the refund's life -----------------------------------------------------------------------------------

def set_refund_account(session: Session, buyer: Principal, number: str | None, bank_code: str | None,
                       account_number: str | None, account_holder: str | None, now: datetime) -> RefundView:
    """The buyer names the account to refund to, once."""
    authorize(buyer, BUYER, SELLER)  # a seller buys as a buyer too
    account = validate_payout_account(bank_code, account_number, account_holder)  # the registration's rules
    refund = _refund(session, buyer, number, BUYER, lock=True)
    if refund.bank_code is not None:
        raise InvalidState("REFUND_ACCOUNT_ALREADY_SET", number=refund.order.number)
    refund.bank_code, refund.account_number = account.bank_code, account.account_number
    refund.account_holder, refund.account_set_at, refund.updated_at = account.account_holder, now, now
    _tell_refund(session, refund, refund.seller_id, "account_set",
                 f"Pembeli telah mengisi rekening pengembalian dana: {bank_name(account.bank_code)} "
                 f"{account.account_number} a.n. {account.account_holder}. Transfer {rupiah(refund.amount)} lalu "
                 f"catat transfernya (recordRefund).", now)
    return refund_view(session, refund, now)


def record_refund(session: Session, seller: Principal, number: str | None, reference: str | None,
                  amount: int | None, transferred_at: datetime | None, now: datetime) -> RefundView:
    """The seller records the refund's transfer (again after a dispute): TRANSFERRED, the buyer told."""
    authorize(seller, SELLER)
    refund = _refund(session, seller, number, SELLER, lock=True)
    if refund.status not in OPEN:
        raise InvalidState("REFUND_NOT_TRANSFERABLE", status=refund.status)
    if refund.bank_code is None:
        raise InvalidState("REFUND_ACCOUNT_MISSING", number=refund.order.number)
    when = as_utc(transferred_at) if transferred_at is not None and transferred_at.tzinfo else transferred_at
    reference = check_transfer(reference, amount, when, refund.amount, now)
    refund.transfer_reference, refund.transferred_amount, refund.transferred_at = reference, amount, when
    set_refund_status(session, refund, RefundStatus.TRANSFERRED, now, f"transfer {reference}", actors.member(seller))
    _tell_refund(session, refund, refund.buyer_id, "transferred",
                 f"Penjual mencatat transfer pengembalian dana {rupiah(refund.amount)} ke "
                 f"{bank_name(refund.bank_code or '')} {refund.account_number} (referensi {reference}). Periksa "
                 f"rekening Anda, lalu konfirmasi (confirmRefund) atau sanggah (disputeRefund).", now)
    return refund_view(session, refund, now)


def confirm_refund(session: Session, buyer: Principal, number: str | None, now: datetime) -> RefundView:
    """The buyer confirms the refund arrived: CONFIRMED, the seller told."""
    authorize(buyer, BUYER, SELLER)
    refund = _refund(session, buyer, number, BUYER, lock=True)
    if refund.status != RefundStatus.TRANSFERRED:
        raise InvalidState("REFUND_NOT_CONFIRMABLE", status=refund.status)
    set_refund_status(session, refund, RefundStatus.CONFIRMED, now, "confirmed by the buyer", actors.member(buyer))
    _tell_refund(session, refund, refund.seller_id, "confirmed",
                 f"Pembeli mengonfirmasi pengembalian dana {rupiah(refund.amount)} telah diterima.", now)
    return refund_view(session, refund, now)


def dispute_refund(session: Session, buyer: Principal, number: str | None, reason: str | None,
                   now: datetime) -> RefundView:
    """The buyer says the transfer did not arrive (in full): DISPUTED, the seller told to record it again."""
    authorize(buyer, BUYER, SELLER)
    note = check_note("reason", reason, required=True)
    refund = _refund(session, buyer, number, BUYER, lock=True)
    if refund.status != RefundStatus.TRANSFERRED:
        raise InvalidState("REFUND_NOT_CONFIRMABLE", status=refund.status)
    refund.dispute_reason = note
    set_refund_status(session, refund, RefundStatus.DISPUTED, now, f"disputed: {note}", actors.member(buyer))
    _tell_refund(session, refund, refund.seller_id, "disputed",
                 f"Pembeli menyanggah transfer pengembalian dana: {note}. Periksa transfer Anda dan catat lagi "
                 f"(recordRefund).", now)
    return refund_view(session, refund, now)


# --- reading -------------------------------------------------------------------------------------------

def get_refund(session: Session, principal: Principal, number: str | None, now: datetime) -> RefundView:
    return refund_view(session, _refund(session, principal, number), now)


def list_refunds(session: Session, principal: Principal, status: str | None, overdue_only: bool | None,
                 page: int | None, page_size: int | None, now: datetime) -> tuple[list[RefundView], int]:
    """Refunds newest first: all for admins, a member's own (as buyer or seller) otherwise; `overdue_only`:
    those still owed past their due time. Returns one page and how many match in all."""
    errors = page_errors(page, page_size)
    if errors:
        raise ValidationFailed(errors)
    page, size = page_and_size(page, page_size, LIST_PAGE, LIST_MAX)
    where = []
    if principal.role != ADMIN:
        where.append(or_(Refund.buyer_id == principal.member_id, Refund.seller_id == principal.member_id))
    if status:
        where.append(Refund.status == status)  # one of RefundStatus: the schema refuses any other spelling
    if overdue_only:
        where += [Refund.status.in_([str(s) for s in OPEN]), Refund.due_at < now]
    total = session.scalar(select(func.count()).select_from(Refund).where(*where)) or 0
    offset = offset_within(page, size, total)
    if offset is None:
        return [], total
    rows = session.scalars(select(Refund).where(*where).options(joinedload(Refund.order), joinedload(Refund.invoice))
                           .order_by(Refund.id.desc()).offset(offset).limit(size))
    return refund_views(session, list(rows), now), total


def get_history(session: Session, principal: Principal, number: str | None) -> list[HistoryEntry]:
    """The order's status changes, oldest first, for its parties and admins."""
    order = visible_order(session, principal, number)
    return read_history(session, OrderStatusHistory, OrderStatusHistory.order_id, order.id)


# --- notifications -----------------------------------------------------------------------------------

def _cancel_text(refund: Refund) -> str:
    if refund.reason == RefundReason.SELLER_REJECTED:
        return f"ditolak oleh penjual: {refund.note}"
    return "dibatalkan otomatis karena tidak dikirim penjual dalam batas waktu"


def _tell_cancelled(session: Session, order: Order, invoice: Invoice, refund: Refund) -> None:
    for member_id, role in ((order.buyer_id, "buyer"), (order.seller_id, "seller")):
        member = session.get_one(Member, member_id)
        template = f"order_cancelled_{role}"
        notify_member(session, f"order:{order.number}:cancelled:{role}", member.email, member.phone, template, {
            "name": member.name, "order_number": order.number, "invoice_number": invoice.number,
            "amount": rupiah(refund.amount), "cancel_text": _cancel_text(refund), "items": items_text(order),
            "due_at": refund.due_at})


def _tell_refund(session: Session, refund: Refund, member_id: int, event: str, text: str, now: datetime) -> None:
    member = session.get_one(Member, member_id)
    notify_member(session, f"refund:{refund.order.number}:{event}:{now.isoformat()}", member.email, None,
                  "refund_update", {"name": member.name, "order_number": refund.order.number,
                                    "amount": rupiah(refund.amount), "event_text": text,
                                    "status": refund.status})


__all__ = ["OrderPolicy", "RefundView", "reject_order", "cancel_paid_order", "cancel_unshipped_orders",
           "open_refund", "order_part", "visible_order", "set_refund_account", "record_refund", "confirm_refund",
           "dispute_refund", "get_refund", "list_refunds", "get_history", "CANCEL_JOB"]
