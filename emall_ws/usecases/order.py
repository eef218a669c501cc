"""The Order service's use cases: rejection, refunds, complaints and the order's history."""
from __future__ import annotations

from datetime import datetime

from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.services import complaints, order, tracking
from emall_ws.services.auth import SHOPPERS, Credentials
from emall_ws.services.complaints import ComplaintView
from emall_ws.services.order import OrderPolicy, RefundView
from emall_ws.services.status import HistoryEntry
from emall_ws.services.tracking import ParcelView
from emall_ws.usecases import UseCases


class OrderUseCases(UseCases):
    @property
    def policy(self) -> OrderPolicy:
        return self.platform.order_policy

    def reject_order(self, credentials: Credentials, number: str | None, reason: str | None) -> RefundView:
        return self.transaction(lambda session: order.reject_order(
            session, self.caller(session, credentials, SELLER), number, reason, self.now(), self.policy))

    def set_refund_account(self, credentials: Credentials, number: str | None, bank_code: str | None,
                           account_number: str | None, account_holder: str | None) -> RefundView:
        return self.transaction(lambda session: order.set_refund_account(
            session, self.caller(session, credentials, *SHOPPERS), number, bank_code, account_number,
            account_holder, self.now()))

    def record_refund(self, credentials: Credentials, number: str | None, reference: str | None,
                      amount: int | None, transferred_at: datetime | None) -> RefundView:
        return self.transaction(lambda session: order.record_refund(
            session, self.caller(session, credentials, SELLER), number, reference, amount, transferred_at,
            self.now()))

    def confirm_refund(self, credentials: Credentials, number: str | None) -> RefundView:
        return self.transaction(lambda session: order.confirm_refund(
            session, self.caller(session, credentials, *SHOPPERS), number, self.now()))

    def dispute_refund(self, credentials: Credentials, number: str | None, reason: str | None) -> RefundView:
        return self.transaction(lambda session: order.dispute_refund(
            session, self.caller(session, credentials, *SHOPPERS), number, reason, self.now()))

    def get_refund(self, credentials: Credentials, number: str | None) -> RefundView:
        return self.transaction(lambda session: order.get_refund(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), number, self.now()))

    def list_refunds(self, credentials: Credentials, status: str | None, overdue_only: bool | None,
                     page: int | None, page_size: int | None) -> tuple[list[RefundView], int]:
        return self.transaction(lambda session: order.list_refunds(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), status, overdue_only, page,
            page_size, self.now()))

    def get_history(self, credentials: Credentials, number: str | None) -> list[HistoryEntry]:
        return self.transaction(lambda session: order.get_history(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), number))

    # --- complaints

    def open_complaint(self, credentials: Credentials, number: str | None, reason: str | None,
                       description: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.open_complaint(
            session, self.caller(session, credentials, *SHOPPERS), number, reason, description, self.now(),
            self.policy))

    def respond_complaint(self, credentials: Credentials, number: str | None, message: str | None,
                          offer: str | None, amount: int | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.respond_complaint(
            session, self.caller(session, credentials, SELLER), number, message, offer, amount, self.now()))

    def accept_offer(self, credentials: Credentials, number: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.accept_offer(
            session, self.caller(session, credentials, *SHOPPERS), number, self.now(), self.policy))

    def set_return_waybill(self, credentials: Credentials, number: str | None, courier: str | None,
                           waybill: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.set_return_waybill(
            session, self.caller(session, credentials, *SHOPPERS), number, courier, waybill, self.now(),
            self.policy))

    def confirm_return(self, credentials: Credentials, number: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.confirm_return(
            session, self.caller(session, credentials, SELLER), number, self.now(), self.policy))

    def track_return(self, credentials: Credentials, number: str | None) -> ParcelView:
        """The complaint's return read live from its courier (outside any transaction, as tracking is)."""
        courier, waybill = self.transaction(lambda session: complaints.return_parcel(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), number))
        return tracking.read_parcel(courier, waybill, self.platform.adapters("courier").get(courier))

    def escalate_complaint(self, credentials: Credentials, number: str | None, reason: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.escalate_complaint(
            session, self.caller(session, credentials, *SHOPPERS), number, reason, self.now()))

    def resolve_complaint(self, credentials: Credentials, number: str | None, decision: str | None,
                          amount: int | None, note: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.resolve_complaint(
            session, self.caller(session, credentials, ADMIN), number, decision, amount, note, self.now(),
            self.policy))

    def get_complaint(self, credentials: Credentials, number: str | None) -> ComplaintView:
        return self.transaction(lambda session: complaints.get_complaint(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), number))

    def list_complaints(self, credentials: Credentials, status: str | None, page: int | None,
                        page_size: int | None) -> tuple[list[ComplaintView], int]:
        return self.transaction(lambda session: complaints.list_complaints(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), status, page, page_size))
