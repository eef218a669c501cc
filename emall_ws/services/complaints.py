"""Complaints: the buyer of a shipped or delivered order complains (within EMALL_COMPLAINT_DAYS of delivery),
the seller answers with an offer, the buyer accepts it or escalates to an admin, who decides. A refund
offered and accepted, or decided, is a refund due (services.order.open_refund, reason COMPLAINT); a return
for a refund waits for the buyer's return waybill and the seller's word that the goods came back. A
resolved complaint completes the order; an unresolved one keeps it from completing by itself
(services.shipping).

Every change is made with the order row locked (as every other change of an order), so two answers at
the same moment happen one after the other, the second one seeing the first. Any refusal changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from emall_ws.clock import to_wib
from emall_ws.db.models import Complaint, ComplaintStatusHistory, Invoice, Member, Order, Shipment
from emall_ws.domain import pipelines
from emall_ws.domain.auction import rupiah
from emall_ws.domain.complaints import (COMPLAINABLE, DESCRIPTION_MAX, MESSAGE_MAX, check_reason,
                                        escalatable, remedy_amount, within_complaint_window)
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, ValidationFailed
from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.domain.paging import offset_within, page_and_size, page_errors
from emall_ws.domain.partners import courier_name
from emall_ws.domain.pipelines import ComplaintStatus, OrderStatus, RefundReason, Remedy
from emall_ws.domain.refunds import check_note
from emall_ws.domain.text import checked_text
from emall_ws.notify.outbox import notify_member
from emall_ws.services import actors
from emall_ws.services.auth import SHOPPERS, Principal, authorize
from emall_ws.services.invoices import set_order_status
from emall_ws.services.order import OrderPolicy, open_refund, order_part, visible_order
from emall_ws.services.shipping import check_shipping_fields
from emall_ws.services.status import change_status
from emall_ws.services.usernames import usernames

LIST_PAGE = 20
LIST_MAX = 100


@dataclass(frozen=True)
class ComplaintView:
    order_number: str
    order_status: str
    buyer: str
    seller: str
    paid: int  # the invoice's amountDue: what a full refund gives back
    reason: str
    description: str
    status: str
    respond_by: datetime
    offer: str | None
    offer_amount: int | None
    seller_message: str | None
    return_courier: str | None
    return_waybill: str | None
    decision: str | None
    decision_amount: int | None
    resolution_note: str | None
    created_at: datetime
    updated_at: datetime


def _views(session: Session, complaints: list[Complaint]) -> list[ComplaintView]:
    """The complaints as their parties and admins read them (the usernames and amounts in two queries; a
    page's complaints come with their orders loaded: list_complaints)."""
    names = usernames(session, [c.buyer_id for c in complaints] + [c.seller_id for c in complaints])
    paid = dict(session.execute(select(Invoice.order_id, Invoice.amount_due)
                                .where(Invoice.order_id.in_([c.order_id for c in complaints]))).all())
    return [ComplaintView(
        order_number=c.order.number, order_status=c.order.status, buyer=names[c.buyer_id], seller=names[c.seller_id],
        paid=paid[c.order_id], reason=c.reason, description=c.description, status=c.status,
        respond_by=c.respond_by, offer=c.offer, offer_amount=c.offer_amount, seller_message=c.seller_message,
        return_courier=c.return_courier, return_waybill=c.return_waybill, decision=c.decision,
        decision_amount=c.decision_amount, resolution_note=c.resolution_note, created_at=c.created_at,
        updated_at=c.updated_at) for c in complaints]


def _view(session: Session, complaint: Complaint) -> ComplaintView:
    return _views(session, [complaint])[0]


def _complaint(session: Session, principal: Principal, number: str | None, side: str | None = None,
               lock: bool = False) -> Complaint:
    return order_part(session, principal, number, Complaint, "COMPLAINT_NOT_FOUND", side, lock)


def set_complaint_status(session: Session, complaint: Complaint, target: str, now: datetime, reason: str,
                         actor: str) -> None:
    """The one way a complaint's status changes: checked against the pipeline, with history."""
    change_status(session, pipelines.COMPLAINT, complaint, ComplaintStatusHistory, target, now, reason, actor)
    complaint.updated_at = now


# --- the buyer complains, the seller answers ------------------------------------------------------------

def open_complaint(session: Session, buyer: Principal, number: str | None, reason: str | None,
                   description: str | None, now: datetime, policy: OrderPolicy) -> ComplaintView:
    """The buyer of a SHIPPED order, or of one DELIVERED at most `policy.complaint_window` ago, complains:
    OPEN, the seller to answer within `policy.response_within`; the seller told."""
    authorize(buyer, *SHOPPERS)
    reason = check_reason(reason)
    description = checked_text("description", description, DESCRIPTION_MAX, required=True, multi_line=True)
    order = visible_order(session, buyer, number, lock=True)
    if order.buyer_id != buyer.member_id:
        raise NotAuthorized("NOT_OWNER")
    if order.status not in COMPLAINABLE:
        raise InvalidState("ORDER_NOT_COMPLAINABLE", status=order.status)
    delivered_at = session.scalar(select(Shipment.delivered_at).where(Shipment.order_id == order.id))
    if not within_complaint_window(order.status, delivered_at, now, policy.complaint_window):
        raise InvalidState("COMPLAINT_WINDOW_CLOSED", days=f"{policy.complaint_window / timedelta(days=1):g}")
    if session.scalar(select(Complaint.id).where(Complaint.order_id == order.id)) is not None:
        raise Conflict("COMPLAINT_EXISTS", number=order.number)
    complaint = Complaint(order_id=order.id, buyer_id=order.buyer_id, seller_id=order.seller_id, reason=reason,
                          description=description, status=None, respond_by=now + policy.response_within,
                          created_at=now, updated_at=now)
    complaint.order = order
    session.add(complaint)
    set_complaint_status(session, complaint, ComplaintStatus.OPEN, now, f"{reason}: {description[:150]}",
                         actors.member(buyer))
    session.flush()
    _tell(session, complaint, complaint.seller_id, "opened",
          f"Pembeli mengajukan komplain ({reason}): {description}. Jawab dengan tawaran penyelesaian "
          f"(respondComplaint) sebelum {to_wib(complaint.respond_by):%d-%m-%Y %H:%M} WIB.", now)
    return _view(session, complaint)


def respond_complaint(session: Session, seller: Principal, number: str | None, message: str | None,
                      offer: str | None, amount: int | None, now: datetime) -> ComplaintView:
    """The seller answers an OPEN complaint with a message and an offer: OFFERED; the buyer told."""
    authorize(seller, SELLER)
    message = checked_text("message", message, MESSAGE_MAX, required=True, multi_line=True)
    complaint = _complaint(session, seller, number, SELLER, lock=True)
    remedy_amount(offer, amount, _paid(session, complaint), field="offer")  # a refused one: the Validation fault
    if complaint.status != ComplaintStatus.OPEN:
        raise InvalidState("COMPLAINT_NOT_ANSWERABLE", status=complaint.status)
    complaint.offer, complaint.offer_amount, complaint.seller_message = offer, amount, message
    set_complaint_status(session, complaint, ComplaintStatus.OFFERED, now, f"offer {offer}", actors.member(seller))
    _tell(session, complaint, complaint.buyer_id, "offered",
          f"Penjual menjawab: {message}. Tawaran: {_remedy_text(offer or '', amount)}. Terima (acceptOffer) atau "
          f"teruskan ke admin (escalateComplaint).", now)
    return _view(session, complaint)


def accept_offer(session: Session, buyer: Principal, number: str | None, now: datetime,
                 policy: OrderPolicy) -> ComplaintView:
    """The buyer accepts the seller's offer (not NONE): a refund resolves the complaint, a return for a
    refund waits for the goods to go back."""
    authorize(buyer, *SHOPPERS)
    complaint = _complaint(session, buyer, number, BUYER, lock=True)
    if complaint.status != ComplaintStatus.OFFERED or complaint.offer == Remedy.NONE:
        raise InvalidState("OFFER_NOT_ACCEPTABLE", status=complaint.status, offer=complaint.offer or "-")
    _apply(session, complaint, complaint.offer or "", complaint.offer_amount, "the seller's offer, accepted",
           actors.member(buyer), now, policy)
    return _view(session, complaint)


# --- a return for a refund -------------------------------------------------------------------------------

def set_return_waybill(session: Session, buyer: Principal, number: str | None, courier: str | None,
                       waybill: str | None, now: datetime, policy: OrderPolicy) -> ComplaintView:
    """The buyer sent the goods back: the courier and waybill recorded, RETURNING, the seller told to
    confirm receiving them within `policy.response_within`."""
    authorize(buyer, *SHOPPERS)
    code, normalised, _ = check_shipping_fields(courier, waybill, None)  # as the seller's shipment is checked
    complaint = _complaint(session, buyer, number, BUYER, lock=True)
    if complaint.status != ComplaintStatus.RETURN_REQUESTED:
        raise InvalidState("RETURN_NOT_EXPECTED", status=complaint.status, step="RETURN_REQUESTED")
    complaint.return_courier, complaint.return_waybill = code, normalised
    complaint.respond_by = now + policy.response_within
    set_complaint_status(session, complaint, ComplaintStatus.RETURNING, now,
                         f"returned: {code} {normalised}", actors.member(buyer))
    _tell(session, complaint, complaint.seller_id, "returning",
          f"Pembeli mengirim barang kembali via {courier_name(code)}, resi {normalised}. "
          f"Setelah barang diterima, konfirmasi (confirmReturn): pengembalian dana penuh menjadi kewajiban Anda.",
          now)
    return _view(session, complaint)


def confirm_return(session: Session, seller: Principal, number: str | None, now: datetime,
                   policy: OrderPolicy) -> ComplaintView:
    """The seller has the goods back: RESOLVED with a full refund due to the buyer."""
    authorize(seller, SELLER)
    complaint = _complaint(session, seller, number, SELLER, lock=True)
    if complaint.status != ComplaintStatus.RETURNING:
        raise InvalidState("RETURN_NOT_EXPECTED", status=complaint.status, step="RETURNING")
    _resolve(session, complaint, Remedy.FULL_REFUND, None, "the goods are back with the seller",
             actors.member(seller), now, policy)
    return _view(session, complaint)


def return_parcel(session: Session, principal: Principal, number: str | None) -> tuple[str, str]:
    """(courier, waybill) of the complaint's return, for its parties and admins, once the buyer gave it."""
    complaint = _complaint(session, principal, number)
    if complaint.return_courier is None or complaint.return_waybill is None:
        raise InvalidState("RETURN_NOT_SENT", status=complaint.status)
    return complaint.return_courier, complaint.return_waybill


# --- an admin decides ---------------------------------------------------------------------------------

def escalate_complaint(session: Session, buyer: Principal, number: str | None, reason: str | None,
                       now: datetime) -> ComplaintView:
    """The buyer refuses the seller's offer, or the seller (or the return) is late: ESCALATED, for an
    admin to decide; the seller told."""
    authorize(buyer, *SHOPPERS)
    note = check_note("reason", reason, required=True)
    complaint = _complaint(session, buyer, number, BUYER, lock=True)
    if not escalatable(complaint.status, complaint.respond_by, now):
        raise InvalidState("COMPLAINT_NOT_ESCALATABLE", status=complaint.status,
                           respond_by=f"{to_wib(complaint.respond_by):%d-%m-%Y %H:%M} WIB")
    set_complaint_status(session, complaint, ComplaintStatus.ESCALATED, now, f"escalated: {note}",
                         actors.member(buyer))
    _tell(session, complaint, complaint.seller_id, "escalated",
          f"Pembeli meneruskan komplain ke admin: {note}. Admin akan memutuskan penyelesaiannya.", now)
    return _view(session, complaint)


def resolve_complaint(session: Session, admin: Principal, number: str | None, decision: str | None,
                      amount: int | None, note: str | None, now: datetime, policy: OrderPolicy) -> ComplaintView:
    """An admin decides an unresolved complaint: a full or partial refund, none, or a return for a refund."""
    authorize(admin, ADMIN)
    note = check_note("note", note, required=True)
    complaint = _complaint(session, admin, number, lock=True)
    remedy_amount(decision, amount, _paid(session, complaint), field="decision")
    if complaint.status == ComplaintStatus.RESOLVED:
        raise InvalidState("COMPLAINT_ALREADY_RESOLVED", number=complaint.order.number)
    _apply(session, complaint, decision or "", amount, f"decided by an admin: {note}", actors.member(admin), now,
           policy)
    return _view(session, complaint)


# --- reading -------------------------------------------------------------------------------------------

def get_complaint(session: Session, principal: Principal, number: str | None) -> ComplaintView:
    return _view(session, _complaint(session, principal, number))


def list_complaints(session: Session, principal: Principal, status: str | None, page: int | None,
                    page_size: int | None) -> tuple[list[ComplaintView], int]:
    """Complaints newest first: all for admins, a member's own (as buyer or seller) otherwise. Returns one
    page and how many match in all."""
    errors = page_errors(page, page_size)
    if errors:
        raise ValidationFailed(errors)
    page, size = page_and_size(page, page_size, LIST_PAGE, LIST_MAX)
    where = []
    if principal.role != ADMIN:
        where.append(or_(Complaint.buyer_id == principal.member_id, Complaint.seller_id == principal.member_id))
    if status:
        where.append(Complaint.status == status)  # one of ComplaintStatus: the schema refuses any other spelling
    total = session.scalar(select(func.count()).select_from(Complaint).where(*where)) or 0
    offset = offset_within(page, size, total)
    if offset is None:
        return [], total
    rows = list(session.scalars(select(Complaint).where(*where).options(joinedload(Complaint.order))
                                .order_by(Complaint.id.desc()).offset(offset).limit(size)))
    return _views(session, rows), total


# --- resolving -----------------------------------------------------------------------------------------

def _paid(session: Session, complaint: Complaint) -> int:
    return session.scalars(select(Invoice.amount_due).where(Invoice.order_id == complaint.order_id)).one()


def _apply(session: Session, complaint: Complaint, remedy: str, amount: int | None, why: str, actor: str,
           now: datetime, policy: OrderPolicy) -> None:
    """A remedy agreed or decided: a return for a refund waits for the goods; any other resolves."""
    if remedy != Remedy.RETURN_FOR_REFUND:
        _resolve(session, complaint, remedy, amount, why, actor, now, policy)
        return
    complaint.respond_by = now + policy.response_within
    set_complaint_status(session, complaint, ComplaintStatus.RETURN_REQUESTED, now, why, actor)
    for member_id in (complaint.buyer_id, complaint.seller_id):
        _tell(session, complaint, member_id, "return_requested",
              "Barang dikembalikan untuk pengembalian dana penuh: pembeli mengirim barang ke penjual lalu mengisi "
              "resinya (setReturnWaybill); penjual mengonfirmasi setelah barang diterima (confirmReturn).", now)


def _resolve(session: Session, complaint: Complaint, remedy: str, amount: int | None, why: str, actor: str,
             now: datetime, policy: OrderPolicy) -> None:
    """RESOLVED with `remedy`: its refund (if any) due to the buyer, the order COMPLETED, both parties told."""
    order: Order = complaint.order
    invoice = session.scalars(select(Invoice).where(Invoice.order_id == order.id)).one()
    refunded = remedy_amount(remedy, amount, invoice.amount_due)
    complaint.decision, complaint.decision_amount, complaint.resolution_note = remedy, refunded, why[:200]
    set_complaint_status(session, complaint, ComplaintStatus.RESOLVED, now, f"{remedy}: {why}", actor)
    if refunded:
        open_refund(session, order, invoice, refunded, RefundReason.COMPLAINT, why, actor, now, policy)
    set_order_status(session, order, OrderStatus.COMPLETED, now, f"complaint resolved: {remedy}", actor)
    text = f"Komplain selesai: {_remedy_text(remedy, refunded)}."
    if refunded:
        text += " Pembeli mengisi rekening tujuan (setRefundAccount); penjual mentransfer lalu mencatatnya."
    for member_id in (complaint.buyer_id, complaint.seller_id):
        _tell(session, complaint, member_id, "resolved", text, now)


# --- notifications -----------------------------------------------------------------------------------

def _remedy_text(remedy: str, amount: int | None) -> str:
    texts: dict[str, str] = {Remedy.FULL_REFUND: "pengembalian dana penuh",
                             Remedy.PARTIAL_REFUND: f"pengembalian dana sebagian, {rupiah(amount or 0)}",
                             Remedy.RETURN_FOR_REFUND: "barang dikembalikan, lalu pengembalian dana penuh",
                             Remedy.NONE: "tanpa pengembalian dana"}
    return texts.get(remedy, remedy)


def _tell(session: Session, complaint: Complaint, member_id: int, event: str, text: str, now: datetime) -> None:
    member = session.get_one(Member, member_id)
    role = "buyer" if member_id == complaint.buyer_id else "seller"
    notify_member(session, f"complaint:{complaint.order.number}:{event}:{role}:{now.isoformat()}", member.email,
                  member.phone, "complaint_update", {"name": member.name, "order_number": complaint.order.number,
                                                     "event_text": text, "status": complaint.status})


__all__ = ["ComplaintView", "open_complaint", "respond_complaint", "accept_offer", "set_return_waybill",
           "confirm_return", "escalate_complaint", "resolve_complaint", "get_complaint", "list_complaints"]
