"""The worker's reminders of overdue refunds: a refund still owed (DUE, or DISPUTED) after its due time
has its seller reminded by email and SMS, and its buyer told by email that the seller is being chased,
at most once every domain.refunds.REMIND_EVERY (a day) until the seller records the transfer.

`refund.reminded_at` is when it last happened. Each refund is claimed once across workers
(claims.handle_each_claimed) and read afresh, so a transfer recorded meanwhile ends its reminders; each
message's key names the WIB day, so one day's reminder is one message even if it were written twice.
Whatever the reason of the refund (a cancellation, a complaint), its amount and status are what count.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from emall_ws.clock import to_wib
from emall_ws.db.models import Member, Refund
from emall_ws.db.session import Database
from emall_ws.domain.auction import rupiah
from emall_ws.domain.partners import bank_name
from emall_ws.domain.pipelines import RefundStatus
from emall_ws.domain.refunds import OPEN, REMIND_EVERY, reminder_due
from emall_ws.notify.outbox import notify_member
from emall_ws.services.claims import handle_each_claimed

REMIND_JOB = "remind-overdue-refunds"
REMIND_BATCH = 500


def remind_overdue_refunds(db: Database, now: datetime, *, limit: int = REMIND_BATCH) -> int:
    """The worker's job: reminds the parties of each refund reminder_due at `now`, oldest due first;
    returns how many refunds were reminded."""
    due = (select(Refund)  # reminder_due as a query, served by the index (status, due_at)
           .where(Refund.status.in_([str(s) for s in OPEN]), Refund.due_at < now,
                  or_(Refund.reminded_at.is_(None), Refund.reminded_at <= now - REMIND_EVERY))
           .order_by(Refund.due_at, Refund.id))

    def remind(session: Session, refund: Refund) -> bool:
        if not reminder_due(refund.status, refund.due_at, refund.reminded_at, now):  # settled while this waited
            return False
        refund.reminded_at = now
        _tell(session, refund, refund.seller_id, "seller", _seller_action(refund), now)
        _tell(session, refund, refund.buyer_id, "buyer", _buyer_action(refund), now)
        return True

    return handle_each_claimed(db, due, Refund, remind, limit=limit, what="refund")


def _seller_action(refund: Refund) -> str:
    """What the seller is to do now, in the reminder."""
    if refund.status == RefundStatus.DISPUTED:
        return (f"Pembeli menyanggah transfer Anda: {refund.dispute_reason}. Periksa transfer Anda, lalu catat "
                f"lagi (Order.recordRefund).")
    if refund.bank_code is None:
        return ("Pembeli belum mengisi rekening pengembalian dana dan juga kami ingatkan. Begitu terisi "
                "(Order.getRefund), transfer dananya lalu catat transfernya (Order.recordRefund).")
    return (f"Transfer {rupiah(refund.amount)} ke {bank_name(refund.bank_code)} {refund.account_number} a.n. "
            f"{refund.account_holder}, lalu catat transfernya (Order.recordRefund).")


def _buyer_action(refund: Refund) -> str:
    """What the buyer is told: the seller is being chased, and what holds it up on the buyer's side."""
    if refund.status == RefundStatus.DISPUTED:
        return "Penjual telah kami ingatkan atas sanggahan Anda agar memeriksa dan mencatat transfernya lagi."
    if refund.bank_code is None:
        return ("Penjual telah kami ingatkan, tetapi baru dapat mentransfer setelah Anda mengisi rekening "
                "pengembalian dana (Order.setRefundAccount).")
    return "Penjual telah kami ingatkan untuk segera mentransfer dana ke rekening yang Anda isi."


def _tell(session: Session, refund: Refund, member_id: int, role: str, action_text: str, now: datetime) -> None:
    member = session.get_one(Member, member_id)
    day = to_wib(now).date().isoformat()
    notify_member(session, f"refund:{refund.order.number}:overdue:{day}:{role}", member.email, member.phone,
                  f"refund_overdue_{role}", {
                      "name": member.name, "order_number": refund.order.number,
                      "invoice_number": refund.invoice.number, "amount": rupiah(refund.amount),
                      "due_at": refund.due_at, "action_text": action_text})


__all__ = ["REMIND_JOB", "remind_overdue_refunds"]
