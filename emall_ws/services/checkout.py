"""Checkout ("kasir"): shipping quotes, one order and one invoice per seller, and the invoices' life.

Shipping is quoted first (`quote_shipping`): the couriers are asked all at once, outside any database
transaction, and waited for at most EMALL_PARTNER_TIMEOUT; every option they give is stored for the buyer (`ShippingQuote`, valid for `quote_ttl`). A checkout
then calls no partner; it runs in one transaction, in three steps:
1. plan: the buyer's cart grouped by seller, with origin, destination and weight;
2. price: each group's chosen courier service is the buyer's newest unexpired quote for that seller,
   origin, destination and weight, at its quoted cost (none: refused, "quote again");
3. commit: the buyer and the sellers are locked, then every product of the cart (SELECT ... FOR UPDATE
   in id order on MariaDB; SQLite's BEGIN IMMEDIATE makes the transaction the only writer); no seller
   may be suspended, every line is re-checked (still for sale, the cart's price, enough stock) and the
   cart re-checked against the plan; then stock goes down, orders, invoices, history and
   notifications are written and the cart emptied.
Any problem refuses the whole checkout and changes nothing.

Stock comes back exactly once when an invoice is cancelled or expires (`stock_restored`).
"""
from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Callable, Mapping

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.courier import CourierAdapter
from adapters.errors import AdapterError
from emall_ws.clock import to_wib
from emall_ws.db.models import (CartLine, Invoice, InvoiceStatusHistory, Member, Order, OrderLine,
                                OrderStatusHistory, Product, ShippingQuote)
from emall_ws.db.session import Database
from emall_ws.domain import pipelines
from emall_ws.domain.auction import rupiah
from emall_ws.domain.catalog import ACTIVE, FIXED, SOLD_OUT
from emall_ws.domain.errors import (Conflict, FieldError, InvalidState, NotAuthorized, NotFound,
                                    ValidationFailed)
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok
from emall_ws.notify.outbox import notify_member
from emall_ws.notify.templates import member_text
from emall_ws.services.auction import won_auction
from emall_ws.services.auth import ADMIN, BUYER, SELLER, Principal, authorize
from emall_ws.services.catalog import ensure_seller_on_sale
from emall_ws.services.catalog import set_status as set_product_status
from emall_ws.services.claims import handle_each_claimed
from emall_ws.services.fan_out import ask_all
from emall_ws.services.status import change_status

log = logging.getLogger(__name__)

SHOPPERS = (BUYER, SELLER)
UNPAID, PAID, EXPIRED, CANCELLED = "UNPAID", "PAID", "EXPIRED", "CANCELLED"
AWAITING_PAYMENT = "AWAITING_PAYMENT"
EXPIRE_BATCH = 500
CODE_ATTEMPTS = 8
CODE_MAX = 999  # unique codes are 1..CODE_MAX
LIST_MAX = 200


@dataclass(frozen=True)
class CheckoutPolicy:
    payment_window: timedelta = timedelta(hours=24)  # EMALL_INVOICE_DUE_HOURS
    quote_ttl: timedelta = timedelta(minutes=60)  # EMALL_QUOTE_TTL_MINUTES
    # unpaid invoices one buyer may hold (EMALL_MAX_OPEN_INVOICES): unpaid invoices hold stock for the
    # payment window, so without a cap a few accounts could hold a seller's whole stock
    max_open_invoices: int = 5
    couriers_within: float = 5.0  # EMALL_PARTNER_TIMEOUT: seconds a quote waits for the couriers, asked at once


class CheckoutRefused(Conflict):
    """Lines changed since they went into the cart: `errors` names each (field product:<id>)."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("CHECKOUT_LINES_CHANGED", count=len(errors))
        self.errors = errors


# --- plan and quotes --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShipTo:
    address: str | None = None
    city_code: str | None = None


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
    """(name, address, city) to ship to: the registered address, or another one given whole."""
    member = session.get(Member, buyer.member_id)
    ship_to = ship_to or ShipTo()
    address, city = (ship_to.address or "").strip(), (ship_to.city_code or "").strip()
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


def plan_cart(session: Session, buyer: Principal, ship_to: ShipTo | None, regions: RegionCatalog) -> Plan:
    """The buyer's cart as checkout will split it: one group per seller."""
    authorize(buyer, *SHOPPERS)
    rows = session.execute(
        select(CartLine, Product, Member)
        .join(Product, Product.id == CartLine.product_id).join(Member, Member.id == Product.seller_id)
        .where(CartLine.buyer_id == buyer.member_id).order_by(CartLine.id)).all()
    if not rows:
        raise InvalidState("CART_EMPTY")
    name, address, city = _destination(session, buyer, ship_to, regions)
    groups: dict[int, list] = {}
    for line, product, seller in rows:
        ensure_seller_on_sale(seller)
        groups.setdefault(seller.id, []).append((line, product, seller))
    plans = []
    for seller_id, items in groups.items():
        seller = items[0][2]
        plans.append(GroupPlan(seller_id, seller.username, items[0][1].seller_city_code,
                               sum(l.quantity * p.weight_grams for l, p, _ in items),
                               sum(l.quantity * l.price_when_added for l, p, _ in items)))
    plans.sort(key=lambda g: g.seller_username.lower())
    return Plan(buyer, tuple(plans), name, address, city)


def _group_quote(group: GroupPlan, index: int, couriers: Mapping[str, CourierAdapter], answered: dict,
                 within: float) -> GroupQuote:
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
    with db.unit_of_work() as session:
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
    return quotation


def quoted_choices(session: Session, plan: Plan, choices: list[Choice], now: datetime) -> dict[str, ShippingOption]:
    """The chosen courier service of each group at the cost the buyer was quoted for it: the newest
    unexpired quote of that seller, courier and service for the group's origin, destination and weight."""
    by_seller = {}
    for choice in choices or ():
        key = (choice.seller_username or "").strip().lower()
        if key not in {g.seller_username.lower() for g in plan.groups}:
            raise InvalidState("CHOICE_UNKNOWN_SELLER", seller=(choice.seller_username or "")[:32])
        by_seller[key] = choice
    quoted = defaultdict(list)  # (seller id, courier): the buyer's quotes, newest first; one query
    for q in session.scalars(select(ShippingQuote).where(
            ShippingQuote.buyer_id == plan.buyer.member_id,
            ShippingQuote.seller_id.in_([g.seller_id for g in plan.groups]))
            .order_by(ShippingQuote.quoted_at.desc(), ShippingQuote.id.desc())):
        quoted[q.seller_id, q.courier].append(q)
    chosen = {}
    for group in plan.groups:
        choice = by_seller.get(group.seller_username.lower())
        if choice is None:
            raise InvalidState("CHOICE_MISSING", seller=group.seller_username)
        courier, service = (choice.courier or "").strip().lower(), (choice.service or "").strip()
        said = {"courier": courier[:20], "service": service[:30], "seller": group.seller_username}
        quotes = quoted[group.seller_id, courier]
        if not quotes:
            raise InvalidState("COURIER_NOT_QUOTED", **said)
        quotes = [q for q in quotes if q.service.lower() == service.lower()]
        if not quotes:
            raise InvalidState("SERVICE_NOT_QUOTED", **said)
        quotes = [q for q in quotes if (q.origin_city_code, q.destination_city_code, q.weight_grams)
                  == (group.origin_city_code, plan.city_code, group.weight_grams)]
        if not quotes:
            raise InvalidState("QUOTE_OUTDATED", **said)  # the cart or the address changed since
        quotes = [q for q in quotes if q.expires_at > now]
        if not quotes:
            raise InvalidState("QUOTE_EXPIRED", **said)
        q = quotes[0]
        chosen[group.seller_username] = ShippingOption(q.courier, q.service, q.description, q.cost, q.etd_days)
    return chosen


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
    def of(cls, product_id: int, name: str, quantity: int, unit_price: int) -> "InvoiceLineView":
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


def _view(session: Session, invoice: Invoice) -> InvoiceView:
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
        lines=tuple(InvoiceLineView.of(l.product_id, l.name, l.quantity, l.unit_price)
                    for l in order.lines))


# --- the checkout transaction ------------------------------------------------------------------------

def _lock_members(session: Session, buyer_id: int, seller_ids: list[int]) -> dict[int, Member]:
    """The buyer and the sellers of a checkout, locked in id order before any product, and the
    sellers checked: a suspension (members.suspend) locks the seller and then the products of its
    unpaid invoices, so whichever of the two comes second sees what the first did (no invoice to a
    suspended seller survives), and one buyer's checkouts run one at a time."""
    query = (select(Member).where(Member.id.in_(sorted({buyer_id, *seller_ids}))).order_by(Member.id)
             .with_for_update().execution_options(populate_existing=True))
    members = {m.id: m for m in session.scalars(query)}
    for seller_id in seller_ids:
        ensure_seller_on_sale(members[seller_id])
    return members


def _check_open_invoices(session: Session, buyer_id: int, adding: int, policy: CheckoutPolicy) -> None:
    """At most `policy.max_open_invoices` UNPAID invoices per buyer, counting the `adding` this checkout
    would issue; read under the buyer's lock (_lock_members), so two checkouts cannot both pass."""
    unpaid = session.scalar(select(func.count()).select_from(Invoice)
                            .where(Invoice.buyer_id == buyer_id, Invoice.status == UNPAID))
    if unpaid + adding > policy.max_open_invoices:
        raise Conflict("TOO_MANY_UNPAID", open=unpaid, adding=adding, max=policy.max_open_invoices)


def _lock_products(session: Session, ids: list[int]) -> dict[int, Product]:
    query = (select(Product).where(Product.id.in_(sorted(set(ids)))).order_by(Product.id)
             .with_for_update().execution_options(populate_existing=True))
    return {p.id: p for p in session.scalars(query)}


@dataclass(frozen=True)
class _Line:
    id: int
    product_id: int
    quantity: int
    price_when_added: int


def _problem(line: _Line, product: Product) -> FieldError | None:
    field_name = f"product:{product.id}"
    if product.status != ACTIVE or product.sale_method != FIXED:
        code = "CART_SOLD_OUT" if product.status == SOLD_OUT else "CART_UNAVAILABLE"
        return FieldError(field_name, code, {"name": product.name})
    if product.price != line.price_when_added:
        return FieldError(field_name, "CART_REPRICED",
                          {"name": product.name, "was": rupiah(line.price_when_added), "now": rupiah(product.price)})
    if line.quantity > (product.stock or 0):
        return FieldError(field_name, "CART_NOT_ENOUGH_STOCK", {"name": product.name, "stock": product.stock or 0})
    return None


def commit_checkout(session: Session, plan: Plan, chosen: Mapping[str, ShippingOption], now: datetime,
                    policy: CheckoutPolicy) -> list[InvoiceView]:
    """Step 3 (see the module): all or nothing."""
    buyer = plan.buyer
    lines = list(session.scalars(select(CartLine).where(CartLine.buyer_id == buyer.member_id)
                                 .order_by(CartLine.id).execution_options(populate_existing=True)))
    if not lines:
        raise InvalidState("CART_EMPTY")
    lines = [_Line(line.id, line.product_id, line.quantity, line.price_when_added) for line in lines]
    # the cart is emptied first, one row at a time by primary key, and only then are the products
    # locked: another buyer's addItem holds a lock on the cart's unique index next to these rows while
    # it waits for a product row, so deleting after taking the product locks deadlocked (measured on
    # MariaDB by bench/checkout.py); a refused checkout rolls the deletion back with everything else.
    # The lines were read without a lock: a concurrent checkout (or removeItem) of the same cart may
    # have deleted one since, so each deletion must find its row (READ COMMITTED waits for the other
    # transaction, then deletes nothing) or this checkout would sell stale lines a second time
    for line in lines:
        if session.execute(delete(CartLine).where(CartLine.id == line.id)).rowcount != 1:
            raise Conflict("CART_CHANGED")
    members = _lock_members(session, buyer.member_id, [g.seller_id for g in plan.groups])
    _check_open_invoices(session, buyer.member_id, len(plan.groups), policy)
    products = _lock_products(session, [line.product_id for line in lines])
    problems = [p for p in (_problem(line, products[line.product_id]) for line in lines) if p]
    if problems:
        raise CheckoutRefused(problems)
    by_seller: dict[int, list[tuple[_Line, Product]]] = {}
    for line in lines:
        by_seller.setdefault(products[line.product_id].seller_id, []).append((line, products[line.product_id]))
    planned = {(g.seller_id, g.weight_grams, g.subtotal) for g in plan.groups}
    actual = {(sid, sum(l.quantity * p.weight_grams for l, p in items), sum(l.quantity * p.price for l, p in items))
              for sid, items in by_seller.items()}
    if planned != actual:
        raise Conflict("CART_CHANGED")  # the cart changed between the quote and now: nothing done
    buyer_member = members[buyer.member_id]
    invoices = []
    for group in plan.groups:
        items = by_seller[group.seller_id]
        for line, product in items:
            _take_stock(session, product, line.quantity, now)
        invoices.append(_create(session, buyer_member, members[group.seller_id], plan,
                                chosen[group.seller_username],
                                [(p.id, p.name, l.quantity, p.price, l.quantity * p.weight_grams) for l, p in items],
                                now, policy))
    _tell_checkout(session, buyer_member, invoices)
    return [_view(session, invoice) for invoice in invoices]


def _take_stock(session: Session, product: Product, quantity: int, now: datetime) -> None:
    if quantity > (product.stock or 0):  # re-checked under the lock; never negative
        raise Conflict("NOT_ENOUGH_STOCK", stock=product.stock or 0)
    product.stock -= quantity
    product.updated_at = now
    if product.stock == 0:
        set_product_status(session, product, SOLD_OUT, now, "sold out at checkout")


def _create(session: Session, buyer: Member, seller: Member, plan: Plan, shipping: ShippingOption,
            items: list[tuple[int, str, int, int, int]], now: datetime, policy: CheckoutPolicy,
            auction_product_id: int | None = None) -> Invoice:
    if not (seller.bank_code and seller.account_number and seller.account_holder):
        raise InvalidState("SELLER_NO_PAYOUT_ACCOUNT", seller=seller.username)
    goods = sum(quantity * price for _, _, quantity, price, _ in items)
    order = Order(number=f"tmp-{uuid.uuid4().hex}", buyer_id=buyer.id, seller_id=seller.id, status=None,
                  courier=shipping.courier, courier_service=shipping.service, shipping_cost=shipping.cost,
                  etd_days=shipping.etd_days, ship_name=plan.name[:100], ship_address=plan.address[:500],
                  ship_city_code=plan.city_code, origin_city_code=session.get(Member, seller.id).city_code,
                  goods_total=goods, weight_grams=sum(w for *_, w in items), auction_product_id=auction_product_id,
                  created_at=now, updated_at=now)
    session.add(order)
    set_order_status(session, order, AWAITING_PAYMENT, now, "checkout")
    session.flush()
    order.number = f"ORD/{to_wib(now):%Y%m%d}/{order.id:06d}"
    for product_id, name, quantity, price, weight in items:
        session.add(OrderLine(order=order, product_id=product_id, name=name, quantity=quantity, unit_price=price,
                              weight_grams=weight))
    invoice = _insert_invoice(session, order, seller, goods + shipping.cost, now, policy)
    invoice.number = f"INV/{to_wib(now):%Y%m%d}/{invoice.id:06d}"
    session.flush()
    return invoice


def _insert_invoice(session: Session, order: Order, seller: Member, total: int, now: datetime,
                    policy: CheckoutPolicy) -> Invoice:
    """An UNPAID invoice with a code 1-999 such that the amount (total + code) is that of no other open
    invoice to this account, so that a credit's amount names one invoice. Only amounts must differ, so
    an account may have any number of open invoices; NO_FREE_UNIQUE_CODE only when every amount from
    total + 1 to total + 999 is open there. The unique `open_amount_key` index decides a race, and the
    loser tries again."""
    # the bank as its partner code (bca ...): the key of its adapter and of the mutations read from it
    bank, account = (seller.bank_code or "").lower(), seller.account_number
    for _ in range(CODE_ATTEMPTS):
        taken = set(session.scalars(select(Invoice.amount_due).where(  # ix (payee_bank, payee_account, amount_due)
            Invoice.payee_bank == bank, Invoice.payee_account == account,
            Invoice.amount_due.between(total + 1, total + CODE_MAX), Invoice.status == UNPAID)))
        free = [code for code in range(1, CODE_MAX + 1) if total + code not in taken]
        if not free:
            raise Conflict("NO_FREE_UNIQUE_CODE")
        code = random.choice(free)
        invoice = Invoice(number=f"tmp-{uuid.uuid4().hex}", order_id=order.id, buyer_id=order.buyer_id,
                          seller_id=seller.id, payee_bank=bank, payee_account=account,
                          payee_holder=seller.account_holder, goods_total=order.goods_total,
                          shipping_cost=order.shipping_cost, unique_code=code, amount_due=total + code,
                          status=None, open_amount_key=f"{bank}:{account}:{total + code}", stock_restored=False,
                          issued_at=now, due_at=now + policy.payment_window)
        try:
            with session.begin_nested():
                session.add(invoice)
                set_invoice_status(session, invoice, UNPAID, now, "checkout")
                session.flush()
        except IntegrityError:  # the savepoint's rollback has expunged the invoice and its history row
            continue
        invoice.order = order
        return invoice
    raise Conflict("NO_FREE_UNIQUE_CODE")


def run_checkout(db: Database, buyer: Principal, choices: list[Choice], ship_to: ShipTo | None,
                 regions: RegionCatalog, now: datetime, policy: CheckoutPolicy = CheckoutPolicy()) -> list[InvoiceView]:
    """The whole checkout of the buyer's cart (the three steps of the module docstring)."""
    with db.unit_of_work() as session:
        plan = plan_cart(session, buyer, ship_to, regions)
        chosen = quoted_choices(session, plan, choices, now)
        return commit_checkout(session, plan, chosen, now, policy)


def quote_shipping(db: Database, buyer: Principal, ship_to: ShipTo | None, couriers: Mapping[str, CourierAdapter],
                   regions: RegionCatalog, now: datetime, policy: CheckoutPolicy = CheckoutPolicy()) -> Quotation:
    with db.unit_of_work() as session:
        plan = plan_cart(session, buyer, ship_to, regions)
    return quote(db, plan, couriers, now, policy)


# --- a won auction ------------------------------------------------------------------------------------

def _auction_plan(session: Session, buyer: Principal, product_id: int | None, ship_to: ShipTo | None,
                  regions: RegionCatalog):
    """The won auction as a one-group plan at the winning price, and the auction; for its winner only."""
    authorize(buyer, *SHOPPERS)
    won = won_auction(session, product_id or 0)
    if won is None or won.winner_id != buyer.member_id:
        raise InvalidState("AUCTION_NOT_WON")
    product = session.get(Product, won.product_id)
    seller = session.get(Member, won.seller_id)
    ensure_seller_on_sale(seller)
    name, address, city = _destination(session, buyer, ship_to, regions)
    group = GroupPlan(seller.id, seller.username, product.seller_city_code, product.weight_grams, won.amount)
    return Plan(buyer, (group,), name, address, city), won


def quote_auction_shipping(db: Database, buyer: Principal, product_id: int | None, ship_to: ShipTo | None,
                           couriers: Mapping[str, CourierAdapter], regions: RegionCatalog, now: datetime,
                           policy: CheckoutPolicy = CheckoutPolicy()) -> Quotation:
    with db.unit_of_work() as session:
        plan, _ = _auction_plan(session, buyer, product_id, ship_to, regions)
    return quote(db, plan, couriers, now, policy)


def run_auction_checkout(db: Database, buyer: Principal, product_id: int | None, choice: Choice,
                         ship_to: ShipTo | None, regions: RegionCatalog, now: datetime,
                         policy: CheckoutPolicy = CheckoutPolicy()) -> InvoiceView:
    """The winner's checkout of a won auction: a one-line order at the winning price, shipped as quoted."""
    with db.unit_of_work() as session:
        plan, won = _auction_plan(session, buyer, product_id, ship_to, regions)
        members = _lock_members(session, buyer.member_id, [won.seller_id])
        _check_open_invoices(session, buyer.member_id, 1, policy)
        product = _lock_products(session, [won.product_id])[won.product_id]
        if session.scalar(select(Order.id).where(Order.auction_product_id == product.id)) is not None:
            raise Conflict("AUCTION_ALREADY_CHECKED_OUT")
        seller = plan.groups[0].seller_username
        chosen = quoted_choices(session, plan, [Choice(seller, choice.courier, choice.service)], now)
        buyer_member = members[buyer.member_id]
        invoice = _create(session, buyer_member, members[won.seller_id], plan, chosen[seller],
                          [(product.id, product.name, 1, won.amount, product.weight_grams)], now, policy,
                          auction_product_id=product.id)
        _tell_checkout(session, buyer_member, [invoice])
        return _view(session, invoice)


# --- reading invoices ---------------------------------------------------------------------------------

def _invoice(session: Session, number: str | None, lock: bool = False) -> Invoice:
    query = select(Invoice).where(Invoice.number == (number or "").strip())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    invoice = session.scalars(query).first()
    if invoice is None:
        raise NotFound("INVOICE_NOT_FOUND", number=(number or "")[:40])
    return invoice


def visible_invoice(session: Session, principal: Principal, number: str | None) -> Invoice:
    """The invoice, when the caller is its buyer, its payee (the seller) or an admin."""
    invoice = _invoice(session, number)
    if principal.role != ADMIN and principal.member_id not in (invoice.buyer_id, invoice.seller_id):
        raise NotAuthorized("INVOICE_NOT_YOURS")
    return invoice


def get_invoice(session: Session, principal: Principal, number: str | None) -> InvoiceView:
    return _view(session, visible_invoice(session, principal, number))


def list_invoices(session: Session, principal: Principal, status: str | None = None,
                  limit: int = LIST_MAX) -> list[InvoiceView]:
    """Newest first: a buyer's own, those payable to a seller (and a seller's own purchases), or all for admins."""
    query = select(Invoice).order_by(Invoice.id.desc()).limit(max(1, min(limit, LIST_MAX)))
    if principal.role != ADMIN:
        query = query.where(or_(Invoice.buyer_id == principal.member_id, Invoice.seller_id == principal.member_id))
    if status:
        query = query.where(Invoice.status == status.strip().upper())
    return [_view(session, invoice) for invoice in session.scalars(query)]


# --- cancel and expire ----------------------------------------------------------------------------------

def cancel_invoice(session: Session, principal: Principal, number: str | None, now: datetime) -> InvoiceView:
    """The buyer cancels an invoice before paying it: stock back, both sides told."""
    invoice = _invoice(session, number, lock=True)
    if invoice.buyer_id != principal.member_id:
        raise NotAuthorized("INVOICE_NOT_YOURS")
    if invoice.status != UNPAID:
        raise InvalidState("INVOICE_NOT_CANCELLABLE", status=invoice.status)
    close_invoice(session, invoice, CANCELLED, now, "cancelled by the buyer")
    return _view(session, invoice)


def set_invoice_status(session: Session, invoice: Invoice, target: str, now: datetime, reason: str = "",
                       paid_at: datetime | None = None) -> None:
    """The one way an invoice's status changes: checked against the pipeline, with history.
    `paid_at`: when the money arrived (the mutation's posting time), if not now."""
    change_status(session, pipelines.INVOICE, invoice, InvoiceStatusHistory, target, now, reason)
    if target != UNPAID:
        invoice.open_amount_key = None  # the amount is free for another invoice to this account
        invoice.closed_at = now
    if target == PAID:
        invoice.paid_at = paid_at or now


def set_order_status(session: Session, order: Order, target: str, now: datetime, reason: str = "") -> None:
    """The one way an order's status changes: checked against the pipeline, with history."""
    change_status(session, pipelines.ORDER, order, OrderStatusHistory, target, now, reason)
    order.updated_at = now


def close_invoice(session: Session, invoice: Invoice, target: str, now: datetime, reason: str,
                  announce: Callable[[Session, Invoice, str], None] | None = None) -> None:
    """Cancels or expires a (locked) UNPAID invoice and its order; restores the stock exactly once.
    `announce` tells the parties (default: both sides, by the template of `target`)."""
    set_invoice_status(session, invoice, target, now, reason)
    order = invoice.order
    set_order_status(session, order, CANCELLED, now, reason)
    if not invoice.stock_restored:
        invoice.stock_restored = True
        if order.auction_product_id is None:
            products = _lock_products(session, [line.product_id for line in order.lines])
            for line in order.lines:
                product = products[line.product_id]
                product.stock = (product.stock or 0) + line.quantity
                product.updated_at = now
                if product.status == SOLD_OUT:
                    set_product_status(session, product, ACTIVE, now, f"stock back: invoice {invoice.number}")
    session.flush()
    (announce or _tell_closed)(session, invoice, target)


def cancel_invoices_of_suspended_seller(session: Session, seller_id: int, now: datetime) -> int:
    """Cancels every UNPAID invoice payable to a seller just suspended (locked by the caller), stock
    back and each buyer told not to transfer; paid orders stay, to be shipped or refunded. Returns
    how many were cancelled."""
    unpaid = session.scalars(select(Invoice).where(Invoice.seller_id == seller_id, Invoice.status == UNPAID)
                             .order_by(Invoice.id).with_for_update().execution_options(populate_existing=True))
    cancelled = 0
    for invoice in list(unpaid):
        if invoice.status != UNPAID:  # paid or cancelled while this waited for its lock
            continue
        close_invoice(session, invoice, CANCELLED, now, "seller suspended", announce=_tell_seller_suspended)
        cancelled += 1
    return cancelled


def expire_due_invoices(db: Database, now: datetime, *, limit: int = EXPIRE_BATCH) -> int:
    """Expires every UNPAID invoice past its due time, each once (claims.handle_each_claimed); returns
    how many this run expired."""
    due = select(Invoice).where(Invoice.status == UNPAID, Invoice.due_at <= now).order_by(Invoice.due_at, Invoice.id)
    return handle_each_claimed(
        db, due, Invoice, lambda session, invoice: close_invoice(session, invoice, EXPIRED, now,
                                                                 "not paid before the due time"),
        limit=limit, what="invoice")


# --- notifications -----------------------------------------------------------------------------------

def _items_text(order: Order) -> str:
    return "\n".join(f"  - {member_text(line.name)} x {line.quantity} @ {rupiah(line.unit_price)} = "
                     f"{rupiah(line.quantity * line.unit_price)}" for line in order.lines)


def _invoice_text(invoice: Invoice, seller: Member, bank_names: Mapping[str, str]) -> str:
    order = invoice.order
    return (f"Faktur {invoice.number} (pesanan {order.number}, penjual {seller.username})\n"
            f"{_items_text(order)}\n"
            f"  Harga barang: {rupiah(invoice.goods_total)}\n"
            f"  Ongkos kirim ({order.courier.upper()} {order.courier_service}): {rupiah(invoice.shipping_cost)}\n"
            f"  Kode unik: {invoice.unique_code}\n"
            f"  JUMLAH YANG HARUS DITRANSFER: {rupiah(invoice.amount_due)} (tepat sampai digit terakhir)\n"
            f"  Ke rekening: {bank_names.get(invoice.payee_bank.lower(), invoice.payee_bank.upper())} "
            f"{invoice.payee_account} a.n. {member_text(invoice.payee_holder)}\n")


def _tell_checkout(session: Session, buyer: Member, invoices: list[Invoice]) -> None:
    from emall_ws.domain.partners import BANKS

    sellers = {i.seller_id: session.get(Member, i.seller_id) for i in invoices}
    due_at = min(i.due_at for i in invoices)
    blocks = "\n".join(_invoice_text(i, sellers[i.seller_id], BANKS) for i in invoices)
    total = sum(i.amount_due for i in invoices)
    notify_member(session, f"checkout:{invoices[0].number}", buyer.email, buyer.phone, "invoice_issued", {
        "name": buyer.name, "invoice_count": len(invoices), "grand_total": rupiah(total),
        "invoices": blocks, "due_at": due_at, "first_invoice": invoices[0].number,
        "ship_address": f"{invoices[0].order.ship_name}, {invoices[0].order.ship_address}"})
    for invoice in invoices:
        seller = sellers[invoice.seller_id]
        order = invoice.order
        notify_member(session, f"order:{order.number}:new", seller.email, seller.phone, "order_new", {
            "name": seller.name, "order_number": order.number, "invoice_number": invoice.number,
            "buyer": buyer.username, "amount": rupiah(order.goods_total), "items": _items_text(order),
            "courier": f"{order.courier.upper()} {order.courier_service}",
            "ship_address": f"{order.ship_name}, {order.ship_address} ({order.ship_city_code})",
            "due_at": invoice.due_at, "issued_at": invoice.issued_at})


def _tell_closed(session: Session, invoice: Invoice, target: str) -> None:
    template = "invoice_cancelled" if target == CANCELLED else "invoice_expired"
    order = invoice.order
    for member_id in (invoice.buyer_id, invoice.seller_id):
        member = session.get(Member, member_id)
        notify_member(session, f"invoice:{invoice.number}:{target.lower()}", member.email, member.phone, template, {
            "name": member.name, "invoice_number": invoice.number, "order_number": order.number,
            "amount": rupiah(invoice.amount_due), "items": _items_text(order), "due_at": invoice.due_at,
            "closed_at": invoice.closed_at})


def _tell_seller_suspended(session: Session, invoice: Invoice, target: str) -> None:
    buyer, seller = session.get(Member, invoice.buyer_id), session.get(Member, invoice.seller_id)
    notify_member(session, f"invoice:{invoice.number}:{target.lower()}", buyer.email, buyer.phone,
                  "invoice_cancelled_seller_suspended", {
                      "name": buyer.name, "invoice_number": invoice.number, "order_number": invoice.order.number,
                      "seller": seller.username, "amount": rupiah(invoice.amount_due),
                      "items": _items_text(invoice.order), "closed_at": invoice.closed_at})


__all__ = ["CheckoutPolicy", "Choice", "ShipTo", "run_checkout", "quote_shipping", "quote_auction_shipping",
           "run_auction_checkout", "get_invoice", "list_invoices", "cancel_invoice", "expire_due_invoices"]
