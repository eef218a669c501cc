"""The composition root: what every service needs at run time, built once per process."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Callable

from emall_ws.clock import utcnow
from emall_ws.config import Settings
from emall_ws.data.regions import load_regions
from emall_ws.db.session import Database
from emall_ws.domain.cart import CartPolicy
from emall_ws.domain.catalog import CatalogPolicy
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.reports import ReportPolicy
from emall_ws.passwords import Passwords
from emall_ws.secret_box import SecretBox, server_box
from emall_ws.services.auth import AuthPolicy
from emall_ws.services.limits import MessageLimits
from emall_ws.services.members import MemberPolicy
from emall_ws.services.order import OrderPolicy
from emall_ws.services.payments import ReconcilePolicy
from emall_ws.services.quoting import CheckoutPolicy
from emall_ws.services.second_chance import SecondChancePolicy
from emall_ws.services.tracking import TrackingPolicy
from emall_ws.usecases.auction import AuctionUseCases
from emall_ws.usecases.cart import CartUseCases
from emall_ws.usecases.catalog import CatalogUseCases
from emall_ws.usecases.checkout import CheckoutUseCases
from emall_ws.usecases.events import EventsUseCases
from emall_ws.usecases.member import MemberUseCases
from emall_ws.usecases.order import OrderUseCases
from emall_ws.usecases.payment import PaymentUseCases
from emall_ws.usecases.registry import RegistryUseCases
from emall_ws.usecases.report import ReportUseCases
from emall_ws.usecases.shipping import ShippingUseCases


@dataclass
class Platform:
    settings: Settings
    db: Database
    passwords: Passwords = field(default_factory=Passwords)
    auth_policy: AuthPolicy = field(default_factory=AuthPolicy)
    member_policy: MemberPolicy = field(default_factory=MemberPolicy)
    cart_policy: CartPolicy = field(default_factory=CartPolicy)
    catalog_policy: CatalogPolicy = field(default_factory=CatalogPolicy)
    report_policy: ReportPolicy = field(default_factory=ReportPolicy)
    checkout_policy: CheckoutPolicy = field(default_factory=CheckoutPolicy)
    reconcile_policy: ReconcilePolicy = field(default_factory=ReconcilePolicy)
    tracking_policy: TrackingPolicy = field(default_factory=TrackingPolicy)
    order_policy: OrderPolicy = field(default_factory=OrderPolicy)
    second_chance_policy: SecondChancePolicy = field(default_factory=SecondChancePolicy)
    regions: RegionCatalog = field(default_factory=load_regions)
    clock: Callable[[], datetime] = utcnow
    _adapters: dict = field(default_factory=dict, repr=False)
    _adapters_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # the use cases of each SOAP service, over this platform's dependencies
        self.auction = AuctionUseCases(self)
        self.cart = CartUseCases(self)
        self.catalog = CatalogUseCases(self)
        self.checkout = CheckoutUseCases(self)
        self.events = EventsUseCases(self)
        self.member = MemberUseCases(self)
        self.order = OrderUseCases(self)
        self.payment = PaymentUseCases(self)
        self.registry = RegistryUseCases(self)
        self.report = ReportUseCases(self)
        self.shipping = ShippingUseCases(self)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Platform:
        db = db or Database(settings.database_url, sqlite_busy_timeout=settings.sqlite_busy_timeout)
        return cls(settings, db, passwords=Passwords(settings.password_hash),
                   member_policy=MemberPolicy(message_limits=MessageLimits.from_settings(settings)),
                   checkout_policy=CheckoutPolicy.from_settings(settings),
                   catalog_policy=CatalogPolicy.from_settings(settings),
                   reconcile_policy=ReconcilePolicy.from_settings(settings),
                   tracking_policy=TrackingPolicy.from_settings(settings),
                   order_policy=OrderPolicy.from_settings(settings),
                   second_chance_policy=SecondChancePolicy.from_settings(settings))

    @cached_property
    def secret_box(self) -> SecretBox:
        """What seals API-key and callback secrets (secret_box.server_box)."""
        return server_box(self.settings.secret_key, self.settings.var_dir)

    def adapters(self, kind: str) -> dict:
        """One adapter per partner endpoint of `kind` (bank, courier), made once per process:
        zeep clients and their parsed WSDLs are reused. These serve SOAP requests: one attempt
        within EMALL_PARTNER_TIMEOUT, endpoints that keep failing skipped (partners.call_policy)."""
        with self._adapters_lock:
            if kind not in self._adapters:
                from emall_ws.partners import adapters_for  # zeep is loaded when first needed

                self._adapters[kind] = adapters_for(self.settings, kind, in_request=True)
            return self._adapters[kind]
