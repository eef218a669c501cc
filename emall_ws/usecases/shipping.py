"""The Shipping service's use cases: tracking reads the courier outside any transaction (services/tracking.py)."""
from __future__ import annotations

from emall_ws.services import shipping, tracking
from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.services.auth import SHOPPERS, Credentials
from emall_ws.services.tracking import TrackingView
from emall_ws.usecases import UseCases


class ShippingUseCases(UseCases):
    def ship_order(self, credentials: Credentials, number: str | None, courier: str | None, waybill: str | None,
                   reason: str | None) -> TrackingView:
        return self.transaction(lambda session: shipping.ship_order(
            session, self.caller(session, credentials, SELLER), number, courier, waybill, reason, self.now()))

    def track_order(self, credentials: Credentials, number: str | None) -> TrackingView:
        principal = self.identified(credentials, BUYER, SELLER, ADMIN)
        return tracking.track_order(self.platform.db, principal, number, self.platform.adapters("courier"),
                                    self.now(), self.platform.tracking_policy)

    def track_shipment(self, credentials: Credentials, courier: str | None, waybill: str | None) -> TrackingView:
        principal = self.identified(credentials, BUYER, SELLER, ADMIN)
        return tracking.track_shipment(self.platform.db, principal, courier, waybill,
                                       self.platform.adapters("courier"), self.now(), self.platform.tracking_policy)

    def confirm_received(self, credentials: Credentials, number: str | None) -> str:
        return self.transaction(lambda session: shipping.confirm_received(
            session, self.caller(session, credentials, *SHOPPERS), number, self.now()))
