"""Shipping: the seller ships a paid order by courier and waybill; the order completes when the
buyer confirms receipt, or by itself some days after the courier delivered it.

A shipment is written with the order row locked (SELECT ... FOR UPDATE on MariaDB; SQLite's
BEGIN IMMEDIATE makes the transaction the only writer), so an order is shipped once; the unique
(courier, waybill) index of `shipment` is the last line of defence against one waybill on two
orders. Any refusal changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emall_ws.db.models import Complaint, Invoice, Member, Order, Shipment
from emall_ws.db.session import Database
from emall_ws.domain.auction import rupiah
from emall_ws.domain.complaints import UNRESOLVED
from emall_ws.domain.errors import Conflict, FieldError, InvalidState, ValidationFailed
from emall_ws.domain.pipelines import OrderStatus, ShipmentStatus
from emall_ws.domain.partners import courier_name
from emall_ws.domain.shipping import check_courier, check_waybill
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok
from emall_ws.notify.outbox import notify_member
from emall_ws.notify.templates import member_text
from emall_ws.domain.members import BUYER, SELLER
from emall_ws.services import actors
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.claims import handle_each_claimed
from emall_ws.services.invoices import find_order, order_not_found, set_order_status
from emall_ws.services.tracking import TrackingView, set_shipment_status, view_of

log = logging.getLogger(__name__)

REASON_MAX = 200  # Shipment.courier_change_reason
COMPLETE_BATCH = 500


@dataclass(frozen=True)
class ShippingPolicy:
    auto_complete_after: timedelta = timedelta(days=2)  # EMALL_AUTO_COMPLETE_DAYS


def check_shipping_fields(courier: str | None, waybill: str | None, reason: str | None) -> tuple[str, str, str]:
    """courier code, normalised waybill, reason; or every failing field at once."""
    errors: list[FieldError] = []
    code = normalised = ""
    try:
        code = check_courier(courier)
    except ValidationFailed as error:
        errors += error.errors
    if not (waybill or "").strip():
        errors.append(FieldError("waybill", "REQUIRED"))
    elif code:
        try:
            normalised = check_waybill(code, waybill)
        except ValidationFailed as error:
            errors += error.errors
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        errors.append(FieldError("reason", "TOO_LONG", {"max": REASON_MAX}))
    elif not single_line_ok(reason):
        errors.append(FieldError("reason", UNSAFE_CHARACTER))
    if errors:
        raise ValidationFailed(errors)
    return code, normalised, reason


def ship_order(session: Session, seller: Principal, number: str | None, courier: str | None,
               waybill: str | None, reason: str | None, now: datetime) -> TrackingView:
    """The seller of a PAID order ships it: SHIPPED with history, a shipment to track, the buyer told."""
    authorize(seller, SELLER)
    code, waybill, reason = check_shipping_fields(courier, waybill, reason)
    order = find_order(session, number, lock=True)
    if order.seller_id != seller.member_id:
        raise order_not_found(number)  # someone else's order answers as one that does not exist
    if order.status != OrderStatus.PAID:
        raise InvalidState("ORDER_NOT_SHIPPABLE", status=order.status)
    if code != order.courier and not reason:
        raise ValidationFailed([FieldError("reason", "COURIER_CHANGE_REASON",
                                           {"chosen": courier_name(order.courier)})])
    if session.scalar(select(Shipment.id).where(Shipment.courier == code, Shipment.waybill == waybill)):
        raise Conflict("WAYBILL_IN_USE", courier=courier_name(code), waybill=waybill)
    shipment = Shipment(order_id=order.id, courier=code, waybill=waybill,
                        courier_change_reason=reason if code != order.courier else "", status=None,
                        courier_status="", shipped_at=now, next_check_at=now, last_check_error="")
    session.add(shipment)
    set_shipment_status(session, shipment, ShipmentStatus.PENDING, now, "shipped by the seller", actors.member(seller))
    try:
        session.flush()
    except IntegrityError:  # the same waybill, shipped by a request racing this one
        raise Conflict("WAYBILL_IN_USE", courier=courier_name(code), waybill=waybill) from None
    set_order_status(session, order, OrderStatus.SHIPPED, now, f"shipped: {code} {waybill}", actors.member(seller))
    _tell_shipped(session, order, shipment)
    return view_of(session, shipment)


def _tell_shipped(session: Session, order: Order, shipment: Shipment) -> None:
    buyer, seller = session.get_one(Member, order.buyer_id), session.get_one(Member, order.seller_id)
    invoice_number = session.scalar(select(Invoice.number).where(Invoice.order_id == order.id))
    note = (f"Penjual mengirim dengan kurir lain dari pilihan Anda ({courier_name(order.courier)}): "
            f"{shipment.courier_change_reason}" if shipment.courier_change_reason else "")
    notify_member(session, f"order:{order.number}:shipped", buyer.email, buyer.phone, "order_shipped", {
        "name": buyer.name, "invoice_number": invoice_number, "order_number": order.number,
        "seller": seller.username, "courier_name": courier_name(shipment.courier), "waybill": shipment.waybill,
        "shipped_at": shipment.shipped_at, "ship_address": f"{order.ship_name}, {order.ship_address}",
        "items": "\n".join(f"  - {member_text(line.name)} x {line.quantity} @ {rupiah(line.unit_price)}"
                            for line in order.lines),
        "courier_note": note})


def confirm_received(session: Session, buyer: Principal, number: str | None, now: datetime) -> str:
    """The buyer confirms the goods arrived: the order completes (DELIVERED first if the courier has
    not said so yet). Returns the order's new status."""
    authorize(buyer, BUYER, SELLER)  # a seller buys as a buyer too
    order = find_order(session, number, lock=True)
    if order.buyer_id != buyer.member_id:
        raise order_not_found(number)  # (only buyers and sellers get here: no admin)
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise InvalidState("ORDER_NOT_RECEIVABLE", status=order.status)
    if session.scalar(select(Complaint.id).where(Complaint.order_id == order.id, Complaint.status.in_(UNRESOLVED))):
        raise InvalidState("COMPLAINT_OPEN", number=order.number)  # the complaint's resolution completes it
    if order.status == OrderStatus.SHIPPED:
        set_order_status(session, order, OrderStatus.DELIVERED, now, "received: confirmed by the buyer",
                         actors.member(buyer))
    set_order_status(session, order, OrderStatus.COMPLETED, now, "received: confirmed by the buyer",
                     actors.member(buyer))
    return order.status


def complete_delivered_orders(db: Database, now: datetime, policy: ShippingPolicy, *,
                              limit: int = COMPLETE_BATCH) -> int:
    """Completes every DELIVERED order delivered at least `policy.auto_complete_after` ago and with no
    complaint under way, each once (claims.handle_each_claimed); returns how many this run completed."""
    complained = select(Complaint.id).where(Complaint.order_id == Order.id, Complaint.status.in_(UNRESOLVED))
    due = (select(Order).join(Shipment, Shipment.order_id == Order.id)
           .where(Order.status == OrderStatus.DELIVERED, Shipment.delivered_at <= now - policy.auto_complete_after,
                  ~complained.exists())
           .order_by(Shipment.delivered_at, Order.id))
    return handle_each_claimed(
        db, due, Order, lambda session, order: set_order_status(session, order, OrderStatus.COMPLETED, now,
                                                                "completed: delivered and not disputed in time",
                                                                actors.job("complete-orders")),
        limit=limit, what="order")


__all__ = ["ShippingPolicy", "ship_order", "confirm_received", "complete_delivered_orders"]
