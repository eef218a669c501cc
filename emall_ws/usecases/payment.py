"""The Payment service's use cases: the banks are read outside any transaction (services/payments.py)."""
from __future__ import annotations

from emall_ws.services import payments
from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.services.auth import Credentials
from emall_ws.services.payments import MutationPage, PaymentView, ReconcileReport
from emall_ws.usecases import UseCases


class PaymentUseCases(UseCases):
    def confirm_payment(self, credentials: Credentials, number: str | None) -> PaymentView:
        principal = self.identified(credentials, BUYER, SELLER, ADMIN)
        return payments.confirm_payment(self.platform.db, principal, number, self.platform.adapters("bank"),
                                        self.now(), self.platform.reconcile_policy)

    def get_payment_status(self, credentials: Credentials, number: str | None) -> PaymentView:
        return self.transaction(lambda session: payments.payment_view(
            session, self.caller(session, credentials, BUYER, SELLER, ADMIN), number))

    def list_unmatched_mutations(self, credentials: Credentials, status: str | None, page: int | None,
                                 page_size: int | None) -> MutationPage:
        return self.transaction(lambda session: payments.held_mutations(
            session, self.caller(session, credentials, ADMIN), status, page, page_size))

    def reconcile_now(self, credentials: Credentials) -> ReconcileReport:
        self.identified(credentials, ADMIN)
        return payments.reconcile(self.platform.db, self.platform.adapters("bank"), self.now(),
                                  self.platform.reconcile_policy)
