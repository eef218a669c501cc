"""The Events service's use cases: a member's change feed, and its callback subscriptions (the worker
delivers them: services/callback_delivery.py)."""
from __future__ import annotations

from datetime import timedelta

from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.services import callbacks, events
from emall_ws.services.auth import Credentials
from emall_ws.services.callbacks import DeliveryPage, DeliveryView, NewSubscription, SubscriptionView
from emall_ws.usecases import UseCases

MEMBERS = (BUYER, SELLER, ADMIN)


class EventsUseCases(UseCases):
    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.platform.settings.event_retention_days)

    def list_changes(self, credentials: Credentials, cursor: str | None, limit: int | None) -> events.ChangePage:
        # only reads: the new cursor is encoded, not stored
        return self.read_as_caller(credentials, MEMBERS, lambda session, caller: events.list_changes(
            session, caller.member_id, cursor, limit, self.now(), self.retention))

    def subscribe(self, credentials: Credentials, url: str | None, types: list[str] | None) -> NewSubscription:
        # identified first: the url's DNS lookup comes before the subscription's transaction, not inside one
        principal = self.identified(credentials, *MEMBERS)
        settings = self.platform.settings
        return self.transaction(lambda session: callbacks.subscribe(
            session, principal, url, types, self.now(), self.platform.secret_box, settings.allow_private_callbacks,
            settings.callback_timeout))

    def list_subscriptions(self, credentials: Credentials) -> list[SubscriptionView]:
        return self.transaction(lambda session: callbacks.list_subscriptions(
            session, self.caller(session, credentials, *MEMBERS)))

    def unsubscribe(self, credentials: Credentials, subscription_id: str) -> SubscriptionView:
        return self.transaction(lambda session: callbacks.unsubscribe(
            session, self.caller(session, credentials, *MEMBERS), subscription_id, self.now()))

    def resume_subscription(self, credentials: Credentials, subscription_id: str) -> SubscriptionView:
        return self.transaction(lambda session: callbacks.resume_subscription(
            session, self.caller(session, credentials, *MEMBERS), subscription_id, self.now()))

    def list_deliveries(self, credentials: Credentials, subscription_id: str, page: int | None,
                        page_size: int | None) -> DeliveryPage:
        return self.transaction(lambda session: callbacks.list_deliveries(
            session, self.caller(session, credentials, *MEMBERS), subscription_id, page, page_size))

    def send_test_event(self, credentials: Credentials, subscription_id: str) -> DeliveryView:
        principal = self.identified(credentials, *MEMBERS)
        settings = self.platform.settings
        return callbacks.send_test_event(self.platform.db, principal.member_id, subscription_id, self.now(),
                                         self.platform.secret_box, settings.callback_timeout,
                                         settings.allow_private_callbacks)
