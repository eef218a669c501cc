"""Checkout ("kasir"): one order and one invoice per seller of the buyer's cart (or a won auction).

Shipping is quoted first (services/quoting.py), so a checkout calls no partner; it runs in one
transaction, in three steps:
1. plan: the buyer's cart grouped by seller, with origin, destination and weight (with
   EMALL_REQUIRE_VERIFIED_SELLER, every seller verified: else SELLER_NOT_VERIFIED);
2. price: each group's chosen courier service is the buyer's newest unexpired quote for that seller,
   origin, destination and weight, at its quoted cost (none: refused, "quote again");
3. commit: the buyer and the sellers are locked, then every product of the cart (SELECT ... FOR UPDATE
   in id order on MariaDB; SQLite's BEGIN IMMEDIATE makes the transaction the only writer); no seller
   may be suspended, every line is re-checked (still for sale, the cart's price, enough stock) and the
   cart re-checked against the plan; then stock goes down, orders, invoices, history and
   notifications are written and the cart emptied.
Any problem refuses the whole checkout and changes nothing. What happens to an invoice afterwards
is services/invoices.py.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emall_ws.clock import to_wib
from emall_ws.db.models import CartLine, Invoice, Member, Order, OrderLine, Product
from emall_ws.db.session import Database
from emall_ws.db.statements import rows_changed
from emall_ws.domain.auction import rupiah
from emall_ws.domain.checkout import group_sums, line_problem
from emall_ws.domain.errors import Conflict, FieldError, InvalidState
from emall_ws.domain.partners import bank_code, bank_name, courier_name
from emall_ws.domain.pipelines import InvoiceStatus, OrderStatus, ProductStatus
from emall_ws.domain.regions import RegionCatalog
from emall_ws.notify.outbox import notify_member
from emall_ws.notify.templates import member_text
from emall_ws.services import actors
from emall_ws.services.auth import Principal
from emall_ws.services.catalog import ensure_seller_on_sale
from emall_ws.services.catalog import set_status as set_product_status
from emall_ws.services.invoices import (InvoiceView, invoice_view, items_text, lock_products, set_invoice_status,
                                        set_order_status)
from emall_ws.services.quoting import (CheckoutPolicy, Choice, Plan, ShippingOption, ShipTo,
                                       auction_plan, plan_cart, quoted_choices)

CODE_ATTEMPTS = 8
CODE_MAX = 999  # unique codes are 1..CODE_MAX

class CheckoutRefused(Conflict):
    """Lines changed since they went into the cart: `errors` names each (field product:<id>)."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("CHECKOUT_LINES_CHANGED", count=len(errors))
        self.errors = errors


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
    unpaid = session.execute(select(func.count()).select_from(Invoice)
                             .where(Invoice.buyer_id == buyer_id, Invoice.status == InvoiceStatus.UNPAID)).scalar_one()
    if unpaid + adding > policy.max_open_invoices:
        raise Conflict("TOO_MANY_UNPAID", open=unpaid, adding=adding, max=policy.max_open_invoices)


@dataclass(frozen=True)
class _Line:
    id: int
    product_id: int
    quantity: int
    price_when_added: int


def commit_checkout(session: Session, plan: Plan, chosen: Mapping[str, ShippingOption], now: datetime,
                    policy: CheckoutPolicy) -> list[InvoiceView]:
    """Step 3 (see the module): all or nothing."""
    buyer = plan.buyer
    rows = list(session.scalars(select(CartLine).where(CartLine.buyer_id == buyer.member_id)
                                .order_by(CartLine.id).execution_options(populate_existing=True)))
    if not rows:
        raise InvalidState("CART_EMPTY")
    lines = [_Line(row.id, row.product_id, row.quantity, row.price_when_added) for row in rows]
    # locks in one order, held by every writer: members, then products, then cart lines (addItem,
    # updateItem and removeItem lock the product before its line). On Galera deleting a cart line
    # share-locks its product (the foreign key's parent), so deleting before the product locks made
    # racing checkouts upgrade those share locks and deadlock.
    members = _lock_members(session, buyer.member_id, [g.seller_id for g in plan.groups])
    products = lock_products(session, [line.product_id for line in lines])
    # The lines were read without a lock: a concurrent checkout (or removeItem) of the same cart may
    # have deleted one since, so each deletion must find its row (READ COMMITTED waits for the other
    # transaction, then deletes nothing) or this checkout would sell stale lines a second time; a
    # refused checkout rolls the deletion back with everything else
    for line in lines:
        if rows_changed(session, delete(CartLine).where(CartLine.id == line.id)) != 1:
            raise Conflict("CART_CHANGED")
    _check_open_invoices(session, buyer.member_id, len(plan.groups), policy)  # a double click: CART_CHANGED first
    problems = [p for p in (line_problem(line.quantity, line.price_when_added, products[line.product_id])
                            for line in lines) if p]
    if problems:
        raise CheckoutRefused(problems)
    # each line at the price it went into the cart at: line_problem found the product still asks it
    by_seller: dict[int, list[tuple[_Line, Product]]] = {}
    for line in lines:
        by_seller.setdefault(products[line.product_id].seller_id, []).append((line, products[line.product_id]))
    planned = {(g.seller_id, g.weight_grams, g.subtotal) for g in plan.groups}
    actual = set()
    for seller_id, items in by_seller.items():
        sums = group_sums((line.quantity, p.weight_grams, line.price_when_added) for line, p in items)
        actual.add((seller_id, sums.weight_grams, sums.subtotal))
    if planned != actual:
        raise Conflict("CART_CHANGED")  # the cart changed between the quote and now: nothing done
    buyer_member = members[buyer.member_id]
    invoices = []
    for group in plan.groups:
        items = by_seller[group.seller_id]
        for line, product in items:
            _take_stock(session, product, line.quantity, now, actors.member(buyer))
        invoices.append(_create(session, buyer_member, members[group.seller_id], plan,
                                chosen[group.seller_username],
                                [(p.id, p.name, line.quantity, line.price_when_added, line.quantity * p.weight_grams)
                                 for line, p in items],
                                now, policy))
    _tell_checkout(session, buyer_member, invoices)
    return [invoice_view(session, invoice) for invoice in invoices]


def _take_stock(session: Session, product: Product, quantity: int, now: datetime, actor: str) -> None:
    stock = product.stock or 0
    if quantity > stock:  # re-checked under the lock; never negative
        raise Conflict("NOT_ENOUGH_STOCK", stock=stock)
    product.stock = stock - quantity
    product.updated_at = now
    if product.stock == 0:
        set_product_status(session, product, ProductStatus.SOLD_OUT, now, "sold out at checkout", actor)


def _create(session: Session, buyer: Member, seller: Member, plan: Plan, shipping: ShippingOption,
            items: list[tuple[int, str, int, int, int]], now: datetime, policy: CheckoutPolicy,
            auction_product_id: int | None = None) -> Invoice:
    if not (seller.bank_code and seller.account_number and seller.account_holder):
        raise InvalidState("SELLER_NO_PAYOUT_ACCOUNT", seller=seller.username)
    goods = sum(quantity * price for _, _, quantity, price, _ in items)
    order = Order(number=f"tmp-{uuid.uuid4().hex}", buyer_id=buyer.id, seller_id=seller.id, status=None,
                  courier=shipping.courier, courier_service=shipping.service, shipping_cost=shipping.cost,
                  etd_days=shipping.etd_days, ship_name=plan.name[:100], ship_address=plan.address[:500],
                  ship_city_code=plan.city_code, origin_city_code=session.get_one(Member, seller.id).city_code,
                  goods_total=goods, weight_grams=sum(w for *_, w in items), auction_product_id=auction_product_id,
                  created_at=now, updated_at=now)
    session.add(order)
    set_order_status(session, order, OrderStatus.AWAITING_PAYMENT, now, "checkout", actors.member(buyer))
    session.flush()
    order.number = f"ORD/{to_wib(now):%Y%m%d}/{order.id:06d}"
    for product_id, name, quantity, price, weight in items:
        session.add(OrderLine(order=order, product_id=product_id, name=name, quantity=quantity, unit_price=price,
                              weight_grams=weight))
    invoice = _insert_invoice(session, order, seller, goods + shipping.cost, now, policy, actors.member(buyer))
    invoice.number = f"INV/{to_wib(now):%Y%m%d}/{invoice.id:06d}"
    session.flush()
    return invoice


def _insert_invoice(session: Session, order: Order, seller: Member, total: int, now: datetime,
                    policy: CheckoutPolicy, actor: str) -> Invoice:
    """An UNPAID invoice with a code 1-999 such that the amount (total + code) is that of no other open
    invoice to this account, so that a credit's amount names one invoice. Only amounts must differ, so
    an account may have any number of open invoices; NO_FREE_UNIQUE_CODE only when every amount from
    total + 1 to total + 999 is open there. The unique `open_amount_key` index decides a race, and the
    loser tries again."""
    # the bank as its partner code (bca ...): the key of its adapter and of the mutations read from it.
    # Registration keeps it so; folded all the same, for a seller registered by an instance of the previous
    # version during a rolling upgrade to revision 0009 (which kept "BCA")
    bank, account = bank_code(seller.bank_code), seller.account_number
    for _ in range(CODE_ATTEMPTS):
        taken = set(session.scalars(select(Invoice.amount_due).where(  # ix (payee_bank, payee_account, amount_due)
            Invoice.payee_bank == bank, Invoice.payee_account == account,
            Invoice.amount_due.between(total + 1, total + CODE_MAX), Invoice.status == InvoiceStatus.UNPAID)))
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
                set_invoice_status(session, invoice, InvoiceStatus.UNPAID, now, "checkout", actor)
                session.flush()
        except IntegrityError:  # the savepoint's rollback has expunged the invoice and its history row
            continue
        invoice.order = order
        return invoice
    raise Conflict("NO_FREE_UNIQUE_CODE")


def run_checkout(db: Database, buyer: Principal, choices: list[Choice], ship_to: ShipTo | None,
                 regions: RegionCatalog, now: datetime, policy: CheckoutPolicy) -> list[InvoiceView]:
    """The whole checkout of the buyer's cart (the three steps of the module docstring)."""

    def check_out(session: Session) -> list[InvoiceView]:
        plan = plan_cart(session, buyer, ship_to, regions, policy)
        chosen = quoted_choices(session, plan, choices, now)
        return commit_checkout(session, plan, chosen, now, policy)

    return db.run(check_out)


def run_auction_checkout(db: Database, buyer: Principal, product_id: int | None, choice: Choice,
                         ship_to: ShipTo | None, regions: RegionCatalog, now: datetime,
                         policy: CheckoutPolicy) -> InvoiceView:
    """The winner's checkout of a won auction: a one-line order at the winning price, shipped as quoted."""

    def check_out(session: Session) -> InvoiceView:
        plan, won = auction_plan(session, buyer, product_id, ship_to, regions)
        members = _lock_members(session, buyer.member_id, [won.seller_id])
        _check_open_invoices(session, buyer.member_id, 1, policy)
        product = lock_products(session, [won.product_id])[won.product_id]
        if session.scalar(select(Order.id).where(Order.auction_product_id == product.id)) is not None:
            raise Conflict("AUCTION_ALREADY_CHECKED_OUT")
        seller = plan.groups[0].seller_username
        chosen = quoted_choices(session, plan, [Choice(seller, choice.courier, choice.service)], now)
        buyer_member = members[buyer.member_id]
        invoice = _create(session, buyer_member, members[won.seller_id], plan, chosen[seller],
                          [(product.id, product.name, 1, won.amount, product.weight_grams)], now, policy,
                          auction_product_id=product.id)
        _tell_checkout(session, buyer_member, [invoice])
        return invoice_view(session, invoice)

    return db.run(check_out)


def _invoice_text(invoice: Invoice, seller: Member) -> str:
    """One invoice as the buyer reads it: the courier and the bank by their names."""
    order = invoice.order
    return (f"Faktur {invoice.number} (pesanan {order.number}, penjual {seller.username})\n"
            f"{items_text(order)}\n"
            f"  Harga barang: {rupiah(invoice.goods_total)}\n"
            f"  Ongkos kirim ({courier_name(order.courier)} {order.courier_service}): "
            f"{rupiah(invoice.shipping_cost)}\n"
            f"  Kode unik: {invoice.unique_code}\n"
            f"  JUMLAH YANG HARUS DITRANSFER: {rupiah(invoice.amount_due)} (tepat sampai digit terakhir)\n"
            f"  Ke rekening: {bank_name(invoice.payee_bank)} "
            f"{invoice.payee_account} a.n. {member_text(invoice.payee_holder)}\n")


def _tell_checkout(session: Session, buyer: Member, invoices: list[Invoice]) -> None:
    sellers = {i.seller_id: session.get_one(Member, i.seller_id) for i in invoices}
    due_at = min(i.due_at for i in invoices)
    blocks = "\n".join(_invoice_text(i, sellers[i.seller_id]) for i in invoices)
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
            "buyer": buyer.username, "amount": rupiah(order.goods_total), "items": items_text(order),
            "courier": f"{courier_name(order.courier)} {order.courier_service}",
            "ship_address": f"{order.ship_name}, {order.ship_address} ({order.ship_city_code})",
            "due_at": invoice.due_at, "issued_at": invoice.issued_at})


__all__ = ["CheckoutRefused", "commit_checkout", "run_checkout", "run_auction_checkout"]
