"""Shipping quotes: the buyer's cart (or won auction) planned as one group per seller, each group
quoted by every courier, and the option a checkout takes for each group.

The couriers are asked all at once, outside any database transaction, and waited for at most
EMALL_PARTNER_TIMEOUT; every option they give is stored for the buyer (`ShippingQuote`, valid for
`quote_ttl`), so that a checkout calls no partner and charges exactly what was quoted.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Mapping, Protocol

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from adapters.courier import CourierAdapter, TariffOption
from adapters.errors import AdapterError
from emall_ws.db.models import CartLine, Member, Product, SellerVerification, ShippingQuote
from emall_ws.db.session import Database
from emall_ws.domain.checkout import Route, choices_by_seller, chosen_quote, group_sums
from emall_ws.domain.errors import FieldError, InvalidState, ValidationFailed
from emall_ws.domain.pipelines import VerificationStatus
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok
from emall_ws.services.addresses import own_address
from emall_ws.services.auction import WonAuction, won_auction
from emall_ws.services.auth import SHOPPERS, Principal, authorize
from emall_ws.services.catalog import ensure_seller_on_sale
from emall_ws.services.fan_out import ask_all

log = logging.getLogger(__name__)

SELLER_NOT_VERIFIED = "SELLER_NOT_VERIFIED"


class CheckoutSettings(Protocol):
    """What CheckoutPolicy reads of emall_ws.config.Settings."""
    @property
    def invoice_due_hours(self) -> float: ...
    @property
    def quote_ttl_minutes(self) -> float: ...
    @property
    def max_open_invoices(self) -> int: ...
    @property
    def partner_timeout(self) -> float: ...
    @property
    def require_verified_seller(self) -> bool: ...


@dataclass(frozen=True)
class CheckoutPolicy:
    """The settings of quoting and checking out (the checkout transaction takes it from here)."""
    payment_window: timedelta = timedelta(hours=24)  # EMALL_INVOICE_DUE_HOURS
    quote_ttl: timedelta = timedelta(minutes=60)  # EMALL_QUOTE_TTL_MINUTES
    # unpaid invoices one buyer may hold (EMALL_MAX_OPEN_INVOICES): unpaid invoices hold stock for the
    # payment window, so without a cap a few accounts could hold a seller's whole stock
    max_open_invoices: int = 5
    couriers_within: float = 5.0  # EMALL_PARTNER_TIMEOUT: seconds a quote waits for the couriers, asked at once
    # EMALL_REQUIRE_VERIFIED_SELLER: a cart of a seller not VERIFIED is neither quoted nor checked out
    require_verified_seller: bool = False

    @classmethod
    def from_settings(cls, settings: CheckoutSettings) -> CheckoutPolicy:
        return cls(payment_window=timedelta(hours=settings.invoice_due_hours),
                   quote_ttl=timedelta(minutes=settings.quote_ttl_minutes),
                   max_open_invoices=settings.max_open_invoices, couriers_within=settings.partner_timeout,
                   require_verified_seller=settings.require_verified_seller)


@dataclass(frozen=True)
class ShipTo:
    address: str | None = None
    city_code: str | None = None
    address_id: int | None = None  # an entry of the buyer's address book, instead of the two above


@dataclass(frozen=True)
class GroupPlan:
    seller_id: int
    seller_username: str
    origin_city_code: str
    weight_grams: int
    subtotal: int


@dataclass(frozen=True)
class Plan:
    buyer: Principal
    groups: tuple[GroupPlan, ...]
    name: str
    address: str
    city_code: str


@dataclass(frozen=True)
class ShippingOption:
    courier: str
    service: str
    description: str
    cost: int
    etd_days: int


@dataclass(frozen=True)
class GroupQuote:
    group: GroupPlan
    options: tuple[ShippingOption, ...]
    unavailable: tuple[str, ...]  # couriers that did not answer


@dataclass(frozen=True)
class Quotation:
    """What quoteShipping answers: each group's options, stored for the buyer until `expires_at`."""
    destination_city_code: str
    groups: tuple[GroupQuote, ...]
    expires_at: datetime


@dataclass(frozen=True)
class Choice:
    seller_username: str | None
    courier: str | None
    service: str | None


def _destination(session: Session, buyer: Principal, ship_to: ShipTo | None,
                 regions: RegionCatalog) -> tuple[str, str, str]:
    """(name, address, city) to ship to: the registered address, an entry of the address book, or another
    address given whole."""
    member = session.get_one(Member, buyer.member_id)
    ship_to = ship_to or ShipTo()
    address, city = (ship_to.address or "").strip(), (ship_to.city_code or "").strip()
    if ship_to.address_id is not None:
        if address or city:
            raise ValidationFailed([FieldError("addressId", "ADDRESS_ID_OR_ADDRESS")])
        entry = own_address(session, buyer.member_id, ship_to.address_id)
        return entry.name, entry.address, entry.city_code
    if not (address or city):
        return member.name, member.address, member.city_code
    missing = [FieldError(name, "REQUIRED") for name, value in (("address", address), ("cityCode", city)) if not value]
    if missing:  # half an address is never silently dropped for the registered one
        raise ValidationFailed(missing)
    if regions.city(city) is None:
        raise ValidationFailed([FieldError("cityCode", "UNKNOWN_CITY")])
    if len(address) > 500:
        raise ValidationFailed([FieldError("address", "MAX_LENGTH", {"max": 500})])
    if not single_line_ok(address):
        raise ValidationFailed([FieldError("address", UNSAFE_CHARACTER)])
    return member.name, address, city


def plan_cart(session: Session, buyer: Principal, ship_to: ShipTo | None, regions: RegionCatalog,
              policy: CheckoutPolicy) -> Plan:
    """The buyer's cart as checkout will split it: one group per seller (with
    `policy.require_verified_seller`, every one of them verified)."""
    authorize(buyer, *SHOPPERS)
    rows = session.execute(
        select(CartLine, Product, Member)
        .join(Product, Product.id == CartLine.product_id).join(Member, Member.id == Product.seller_id)
        .where(CartLine.buyer_id == buyer.member_id).order_by(CartLine.id)).all()
    if not rows:
        raise InvalidState("CART_EMPTY")
    name, address, city = _destination(session, buyer, ship_to, regions)
    groups: dict[int, list[tuple[CartLine, Product, Member]]] = {}
    for line, product, seller in rows:
        ensure_seller_on_sale(seller)
        groups.setdefault(seller.id, []).append((line, product, seller))
    plans = []
    for seller_id, items in groups.items():
        seller = items[0][2]
        sums = group_sums((line.quantity, p.weight_grams, line.price_when_added) for line, p, _ in items)
        plans.append(GroupPlan(seller_id, seller.username, items[0][1].seller_city_code, sums.weight_grams,
                               sums.subtotal))
    plans.sort(key=lambda g: g.seller_username.lower())
    if policy.require_verified_seller:
        _ensure_sellers_verified(session, plans)
    return Plan(buyer, tuple(plans), name, address, city)


def _ensure_sellers_verified(session: Session, groups: list[GroupPlan]) -> None:
    """Every seller of the groups VERIFIED, read in one query (a seller without a verification row is
    not); else the first other one, by username, refuses the whole cart. Read without a lock: unlike a
    suspension, a seller's verification changing later voids no invoice, so a checkout that read
    VERIFIED is one made before the change."""
    verified = set(session.scalars(select(SellerVerification.member_id).where(
        SellerVerification.member_id.in_([g.seller_id for g in groups]),
        SellerVerification.status == VerificationStatus.VERIFIED)))
    for group in groups:
        if group.seller_id not in verified:
            raise InvalidState(SELLER_NOT_VERIFIED, seller=group.seller_username)


def _group_quote(group: GroupPlan, index: int, couriers: Mapping[str, CourierAdapter],
                 answered: Mapping[tuple[int, str], Future[list[TariffOption]]], within: float) -> GroupQuote:
    """The options of the couriers that answered for the group, in the couriers' order; the others
    listed as unavailable."""
    options, unavailable = [], []
    for code in couriers:
        future = answered.get((index, code))
        try:
            if future is None:
                raise AdapterError(f"courier:{code}", f"no answer within {within:g} s")
            tariffs = future.result()
        except AdapterError as error:
            log.warning("courier %s: no tariff: %s", code, error)
            unavailable.append(code)
            continue
        options += [ShippingOption(code, t.service, t.description, t.cost, t.etd_days) for t in tariffs]
    return GroupQuote(group, tuple(options), tuple(unavailable))


def quote(db: Database, plan: Plan, couriers: Mapping[str, CourierAdapter], now: datetime,
          policy: CheckoutPolicy) -> Quotation:
    """Asks every courier for every group at once (no transaction open) and waits for them at most
    `policy.couriers_within`, then stores every option for the buyer, replacing the buyer's expired
    quotes and the older ones of these groups. Couriers that did not answer are listed, not waited for."""
    answered = ask_all({(i, code): partial(adapter.get_tariff, g.origin_city_code, plan.city_code,
                                           max(1, g.weight_grams))
                        for i, g in enumerate(plan.groups) for code, adapter in couriers.items()},
                       policy.couriers_within)
    quotation = Quotation(plan.city_code, tuple(_group_quote(g, i, couriers, answered, policy.couriers_within)
                                                for i, g in enumerate(plan.groups)),
                          now + policy.quote_ttl)

    def store(session: Session) -> None:
        session.execute(delete(ShippingQuote).where(ShippingQuote.buyer_id == plan.buyer.member_id, or_(
            ShippingQuote.expires_at <= now, *(and_(
                ShippingQuote.seller_id == g.seller_id, ShippingQuote.origin_city_code == g.origin_city_code,
                ShippingQuote.destination_city_code == plan.city_code, ShippingQuote.weight_grams == g.weight_grams)
                for g in plan.groups))))
        session.add_all(ShippingQuote(
            buyer_id=plan.buyer.member_id, seller_id=q.group.seller_id, origin_city_code=q.group.origin_city_code,
            destination_city_code=plan.city_code, weight_grams=q.group.weight_grams, courier=o.courier,
            service=o.service, description=(o.description or "")[:100], cost=o.cost, etd_days=o.etd_days,
            quoted_at=now, expires_at=quotation.expires_at) for q in quotation.groups for o in q.options)

    db.run(store)
    return quotation


def quoted_choices(session: Session, plan: Plan, choices: list[Choice], now: datetime) -> dict[str, ShippingOption]:
    """The chosen courier service of each group at the cost the buyer was quoted for it: the newest
    unexpired quote of that seller, courier and service for the group's origin, destination and weight."""
    by_seller = choices_by_seller((g.seller_username for g in plan.groups), choices)
    quoted = defaultdict(list)  # seller id: the buyer's quotes, newest first; one query
    for q in session.scalars(select(ShippingQuote).where(
            ShippingQuote.buyer_id == plan.buyer.member_id,
            ShippingQuote.seller_id.in_([g.seller_id for g in plan.groups]))
            .order_by(ShippingQuote.quoted_at.desc(), ShippingQuote.id.desc())):
        quoted[q.seller_id].append(q)
    chosen = {}
    for group in plan.groups:
        choice = by_seller.get(group.seller_username.lower())
        if choice is None:
            raise InvalidState("CHOICE_MISSING", seller=group.seller_username)
        route = Route(group.origin_city_code, plan.city_code, group.weight_grams)
        q = chosen_quote(quoted[group.seller_id], choice, group.seller_username, route, now)
        chosen[group.seller_username] = ShippingOption(q.courier, q.service, q.description, q.cost, q.etd_days)
    return chosen


def quote_shipping(db: Database, buyer: Principal, ship_to: ShipTo | None, couriers: Mapping[str, CourierAdapter],
                   regions: RegionCatalog, now: datetime, policy: CheckoutPolicy) -> Quotation:
    plan = db.run(lambda session: plan_cart(session, buyer, ship_to, regions, policy))
    return quote(db, plan, couriers, now, policy)


def auction_plan(session: Session, buyer: Principal, product_id: int | None, ship_to: ShipTo | None,
                  regions: RegionCatalog) -> tuple[Plan, WonAuction]:
    """The won auction as a one-group plan at the winning price, and the auction; for its winner only."""
    authorize(buyer, *SHOPPERS)
    won = won_auction(session, product_id or 0)
    if won is None or won.winner_id != buyer.member_id:
        raise InvalidState("AUCTION_NOT_WON")
    product = session.get_one(Product, won.product_id)
    seller = session.get_one(Member, won.seller_id)
    ensure_seller_on_sale(seller)
    name, address, city = _destination(session, buyer, ship_to, regions)
    group = GroupPlan(seller.id, seller.username, product.seller_city_code, product.weight_grams, won.amount)
    return Plan(buyer, (group,), name, address, city), won


def quote_auction_shipping(db: Database, buyer: Principal, product_id: int | None, ship_to: ShipTo | None,
                           couriers: Mapping[str, CourierAdapter], regions: RegionCatalog, now: datetime,
                           policy: CheckoutPolicy) -> Quotation:
    plan, _ = db.run(lambda session: auction_plan(session, buyer, product_id, ship_to, regions))
    return quote(db, plan, couriers, now, policy)
