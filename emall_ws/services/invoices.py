"""An invoice's life after checkout: its status and its order's (the one way each changes), expiry,
cancellation (by the buyer, or for a suspended seller) with the stock back exactly once
(`stock_restored`), and the invoices as their buyer, payee and admins read them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from emall_ws.db.models import Invoice, InvoiceStatusHistory, Member, Order, OrderStatusHistory, Product
from emall_ws.db.session import Database
from emall_ws.domain import pipelines
from emall_ws.domain.auction import rupiah
from emall_ws.domain.errors import InvalidState, NotAuthorized, NotFound
from emall_ws.domain.pipelines import InvoiceStatus, OrderStatus, ProductStatus
from emall_ws.notify.outbox import notify_member
from emall_ws.notify.templates import member_text
from emall_ws.domain.members import ADMIN
from emall_ws.services import actors
from emall_ws.services.auth import Principal
from emall_ws.services.catalog import set_status as set_product_status
from emall_ws.services.claims import handle_each_claimed
from emall_ws.services.second_chance import SECOND_CHANCE_DEFAULT, SecondChancePolicy, record_non_payment
from emall_ws.services.status import change_status

EXPIRE_BATCH = 500
LIST_MAX = 200

# --- views ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InvoiceLineView:
    """One line of an order, as invoices and reports show it."""
    product_id: int
    name: str
    quantity: int
    unit_price: int
    line_total: int

    @classmethod
    def of(cls, product_id: int, name: str, quantity: int, unit_price: int) -> InvoiceLineView:
        return cls(product_id, name, quantity, unit_price, quantity * unit_price)


@dataclass(frozen=True)
class InvoiceView:
    number: str
    order_number: str
    status: str
    order_status: str
    buyer: str
    seller: str
    payee_bank: str
    payee_account: str
    payee_holder: str
    goods_total: int
    shipping_cost: int
    unique_code: int
    amount_due: int
    courier: str
    courier_service: str
    etd_days: int
    ship_name: str
    ship_address: str
    ship_city_code: str
    weight_grams: int
    issued_at: datetime
    due_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    lines: tuple[InvoiceLineView, ...] = field(default=())


def invoice_view(session: Session, invoice: Invoice) -> InvoiceView:
    order = invoice.order
    names = dict(session.execute(select(Member.id, Member.username)
                                 .where(Member.id.in_([invoice.buyer_id, invoice.seller_id]))).all())
    return InvoiceView(
        number=invoice.number, order_number=order.number, status=invoice.status, order_status=order.status,
        buyer=names[invoice.buyer_id], seller=names[invoice.seller_id], payee_bank=invoice.payee_bank,
        payee_account=invoice.payee_account, payee_holder=invoice.payee_holder,
        goods_total=invoice.goods_total, shipping_cost=invoice.shipping_cost, unique_code=invoice.unique_code,
        amount_due=invoice.amount_due, courier=order.courier, courier_service=order.courier_service,
        etd_days=order.etd_days, ship_name=order.ship_name, ship_address=order.ship_address,
        ship_city_code=order.ship_city_code, weight_grams=order.weight_grams, issued_at=invoice.issued_at,
        due_at=invoice.due_at, paid_at=invoice.paid_at, closed_at=invoice.closed_at,
        lines=tuple(InvoiceLineView.of(line.product_id, line.name, line.quantity, line.unit_price)
                    for line in order.lines))


# --- reading invoices ---------------------------------------------------------------------------------

def _invoice(session: Session, number: str | None, lock: bool = False) -> Invoice:
    query = select(Invoice).where(Invoice.number == (number or "").strip())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    invoice = session.scalars(query).first()
    if invoice is None:
        raise NotFound("INVOICE_NOT_FOUND", number=(number or "")[:40])
    return invoice


def _not_yours(principal: Principal, number: str | None) -> NotFound | NotAuthorized:
    """Someone else's invoice: to anyone but an admin, answered exactly as one that does not exist
    (numbers are sequential: "not yours" would tell which exist)."""
    if principal.role == ADMIN:
        return NotAuthorized("INVOICE_NOT_YOURS")
    return NotFound("INVOICE_NOT_FOUND", number=(number or "")[:40])


def order_not_found(number: str | None) -> NotFound:
    """The answer for an order that does not exist, and to anyone but an admin for someone else's:
    order numbers can be guessed, so "not yours" would tell which exist."""
    return NotFound("ORDER_NOT_FOUND", number=(number or "")[:40])


def find_order(session: Session, number: str | None, lock: bool = False) -> Order:
    """The order of this number (locked until the transaction ends, read afresh, when `lock`), whoever asks:
    the callers check the party."""
    query = select(Order).where(Order.number == (number or "").strip())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    order = session.scalars(query).first()
    if order is None:
        raise order_not_found(number)
    return order


def visible_invoice(session: Session, principal: Principal, number: str | None) -> Invoice:
    """The invoice, when the caller is its buyer, its payee (the seller) or an admin."""
    invoice = _invoice(session, number)
    if principal.role != ADMIN and principal.member_id not in (invoice.buyer_id, invoice.seller_id):
        raise _not_yours(principal, number)
    return invoice


def get_invoice(session: Session, principal: Principal, number: str | None) -> InvoiceView:
    return invoice_view(session, visible_invoice(session, principal, number))


def list_invoices(session: Session, principal: Principal, status: str | None = None,
                  limit: int = LIST_MAX) -> list[InvoiceView]:
    """Newest first: a buyer's own, those payable to a seller (and a seller's own purchases), or all for admins."""
    query = select(Invoice).order_by(Invoice.id.desc()).limit(max(1, min(limit, LIST_MAX)))
    if principal.role != ADMIN:
        query = query.where(or_(Invoice.buyer_id == principal.member_id, Invoice.seller_id == principal.member_id))
    if status:
        query = query.where(Invoice.status == status.strip().upper())
    return [invoice_view(session, invoice) for invoice in session.scalars(query)]


# --- cancel and expire ----------------------------------------------------------------------------------

def cancel_invoice(session: Session, principal: Principal, number: str | None, now: datetime,
                   second_chance: SecondChancePolicy = SECOND_CHANCE_DEFAULT) -> InvoiceView:
    """The buyer cancels an invoice before paying it: stock back, both sides told."""
    invoice = _invoice(session, number, lock=True)
    if invoice.buyer_id != principal.member_id:
        raise _not_yours(principal, number)
    if invoice.status != InvoiceStatus.UNPAID:
        raise InvalidState("INVOICE_NOT_CANCELLABLE", status=invoice.status)
    _close_unpaid(session, invoice, InvoiceStatus.CANCELLED, now, "cancelled by the buyer", actors.member(principal),
                  second_chance)
    return invoice_view(session, invoice)


def _close_unpaid(session: Session, invoice: Invoice, target: str, now: datetime, reason: str, actor: str,
                  second_chance: SecondChancePolicy) -> None:
    """The buyer did not pay (cancelled, or let it expire): closed, and an auction's buyer on record as a
    non-payer, its seller to choose a second chance or a relist. (A seller's suspension cancels invoices
    that are no buyer's fault: close_invoice alone.)"""
    close_invoice(session, invoice, target, now, reason, actor)
    if invoice.order.auction_product_id is not None:
        record_non_payment(session, invoice, now, second_chance)


def set_invoice_status(session: Session, invoice: Invoice, target: str, now: datetime, reason: str, actor: str,
                       paid_at: datetime | None = None) -> None:
    """The one way an invoice's status changes: checked against the pipeline, with history naming `actor`.
    `paid_at`: when the money arrived (the mutation's posting time), if not now."""
    change_status(session, pipelines.INVOICE, invoice, InvoiceStatusHistory, target, now, reason, actor)
    if target != InvoiceStatus.UNPAID:
        invoice.open_amount_key = None  # the amount is free for another invoice to this account
        invoice.closed_at = now
    if target == InvoiceStatus.PAID:
        invoice.paid_at = paid_at or now


def set_order_status(session: Session, order: Order, target: str, now: datetime, reason: str, actor: str) -> None:
    """The one way an order's status changes: checked against the pipeline, with history naming
    `actor` (who made it: actors.member/job ...)."""
    change_status(session, pipelines.ORDER, order, OrderStatusHistory, target, now, reason, actor)
    order.updated_at = now


def close_invoice(session: Session, invoice: Invoice, target: str, now: datetime, reason: str, actor: str,
                  announce: Callable[[Session, Invoice, str], None] | None = None) -> None:
    """Cancels or expires a (locked) UNPAID invoice and its order; restores the stock exactly once.
    `announce` tells the parties (default: both sides, by the template of `target`)."""
    set_invoice_status(session, invoice, target, now, reason, actor)
    order = invoice.order
    set_order_status(session, order, OrderStatus.CANCELLED, now, reason, actor)
    restore_stock(session, invoice, now, actor)
    session.flush()
    (announce or _tell_closed)(session, invoice, target)


def restore_stock(session: Session, invoice: Invoice, now: datetime, actor: str) -> None:
    """Puts the stock of the (locked) invoice's order back, exactly once (`stock_restored`): a fixed-price
    order's lines back on their products (a sold-out one on sale again); an auction's item has no stock."""
    order = invoice.order
    if not invoice.stock_restored:
        invoice.stock_restored = True
        if order.auction_product_id is None:
            products = lock_products(session, [line.product_id for line in order.lines])
            for line in order.lines:
                product = products[line.product_id]
                product.stock = (product.stock or 0) + line.quantity
                product.updated_at = now
                if product.status == ProductStatus.SOLD_OUT:
                    set_product_status(session, product, ProductStatus.ACTIVE, now,
                                       f"stock back: invoice {invoice.number}", actor)


def cancel_invoices_of_suspended_seller(session: Session, seller_id: int, now: datetime, actor: str) -> int:
    """Cancels every UNPAID invoice payable to a seller just suspended (locked by the caller), stock
    back and each buyer told not to transfer; paid orders stay, to be shipped or refunded. Returns
    how many were cancelled."""
    unpaid = session.scalars(select(Invoice)
                             .where(Invoice.seller_id == seller_id, Invoice.status == InvoiceStatus.UNPAID)
                             .order_by(Invoice.id).with_for_update().execution_options(populate_existing=True))
    cancelled = 0
    for invoice in list(unpaid):
        if invoice.status != InvoiceStatus.UNPAID:  # paid or cancelled while this waited for its lock
            continue
        close_invoice(session, invoice, InvoiceStatus.CANCELLED, now, "seller suspended", actor,
                      announce=_tell_seller_suspended)
        cancelled += 1
    return cancelled


def expire_due_invoices(db: Database, now: datetime, *, limit: int = EXPIRE_BATCH,
                        second_chance: SecondChancePolicy = SECOND_CHANCE_DEFAULT) -> int:
    """Expires every UNPAID invoice past its due time, each once (claims.handle_each_claimed); returns
    how many this run expired."""
    due = (select(Invoice).where(Invoice.status == InvoiceStatus.UNPAID, Invoice.due_at <= now)
           .order_by(Invoice.due_at, Invoice.id))
    return handle_each_claimed(
        db, due, Invoice, lambda session, invoice: _close_unpaid(session, invoice, InvoiceStatus.EXPIRED, now,
                                                                 "not paid before the due time",
                                                                 actors.job("expire-invoices"), second_chance),
        limit=limit, what="invoice")


def lock_products(session: Session, ids: list[int]) -> dict[int, Product]:
    query = (select(Product).where(Product.id.in_(sorted(set(ids)))).order_by(Product.id)
             .with_for_update().execution_options(populate_existing=True))
    return {p.id: p for p in session.scalars(query)}



# --- notifications -----------------------------------------------------------------------------------

def items_text(order: Order) -> str:
    return "\n".join(f"  - {member_text(line.name)} x {line.quantity} @ {rupiah(line.unit_price)} = "
                     f"{rupiah(line.quantity * line.unit_price)}" for line in order.lines)


def _tell_closed(session: Session, invoice: Invoice, target: str) -> None:
    template = "invoice_cancelled" if target == InvoiceStatus.CANCELLED else "invoice_expired"
    order = invoice.order
    for member_id in (invoice.buyer_id, invoice.seller_id):
        member = session.get_one(Member, member_id)
        notify_member(session, f"invoice:{invoice.number}:{target.lower()}", member.email, member.phone, template, {
            "name": member.name, "invoice_number": invoice.number, "order_number": order.number,
            "amount": rupiah(invoice.amount_due), "items": items_text(order), "due_at": invoice.due_at,
            "closed_at": invoice.closed_at})


def _tell_seller_suspended(session: Session, invoice: Invoice, target: str) -> None:
    buyer, seller = session.get_one(Member, invoice.buyer_id), session.get_one(Member, invoice.seller_id)
    notify_member(session, f"invoice:{invoice.number}:{target.lower()}", buyer.email, buyer.phone,
                  "invoice_cancelled_seller_suspended", {
                      "name": buyer.name, "invoice_number": invoice.number, "order_number": invoice.order.number,
                      "seller": seller.username, "amount": rupiah(invoice.amount_due),
                      "items": items_text(invoice.order), "closed_at": invoice.closed_at})
