"""Purchase and sales reports (Table II row 1): one row per invoice (= order) issued in a WIB period.

A buyer's purchases, a seller's sales (a seller who also buys has purchases too), or everybody's for an
admin, filterable by seller and the seller's province. Each page costs a fixed number of queries,
whatever its size: the totals (one GROUP BY over the whole period), the page's invoices with their
orders, shipments and refunds (one join), then the lines and the usernames of the page (one IN query
each). Refunds are read from the refund table as they stand (amount and status), whatever their reason.
The period filters on invoice.issued_at, served by the indexes (buyer_id, issued_at),
(seller_id, issued_at) and (issued_at) of the invoice table.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import ColumnElement, Row, and_, case, func, or_, select
from sqlalchemy.orm import Session

from emall_ws.db.models import Invoice, Member, Order, OrderLine, Refund, Shipment
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.reports import (Page, Period, ReportPolicy, ReportRequest, StatusTotal, page_count,
                                     totals_by_status, validate)
from emall_ws.domain.members import ADMIN, BUYER, SELLER
from emall_ws.domain.pipelines import RefundStatus
from emall_ws.domain.refunds import OPEN
from emall_ws.services.auth import Principal, authorize
from emall_ws.services.invoices import InvoiceLineView

PURCHASES, SALES = "PURCHASES", "SALES"
ROLES = {PURCHASES: (BUYER, SELLER, ADMIN), SALES: (SELLER, ADMIN)}  # a seller may buy too
EXPORT_CHUNK = 500  # invoices per query while exporting: bounded memory per query, few round trips


@dataclass(frozen=True)
class ReportRow:
    """One invoice and its order; times in UTC (shown in WIB by whoever presents them)."""
    invoice_number: str
    order_number: str
    issued_at: datetime
    buyer: str
    seller: str
    counterparty: str  # the seller in purchases, the buyer in sales
    lines: tuple[InvoiceLineView, ...]
    goods_total: int
    shipping_cost: int
    unique_code: int
    amount_due: int
    invoice_status: str
    paid_at: datetime | None
    order_status: str
    courier: str  # the shipment's when shipped (the seller may have changed it), else the buyer's choice
    courier_service: str
    waybill: str | None  # with courier: what Shipping.trackShipment takes; order_number: trackOrder
    shipping_status: str | None  # normalised (Pending ... Expired); None before shipping
    shipped_at: datetime | None
    delivered_at: datetime | None
    refund_amount: int | None  # the order's refund, when it has one (all of amount_due or a part)
    refund_status: str | None


@dataclass(frozen=True)
class Report:
    kind: str
    period: Period
    page: Page
    total_rows: int
    total_pages: int
    rows: tuple[ReportRow, ...]
    totals: tuple[StatusTotal, ...]  # per invoice status, over the whole period (not the page)
    overall: StatusTotal


def _scope(session: Session, principal: Principal, kind: str, request: ReportRequest,
           regions: RegionCatalog) -> tuple[list[ColumnElement[bool]], list[FieldError]]:
    """Whose invoices the caller may see, narrowed by the filters; and what is wrong with the filters."""
    authorize(principal, *ROLES[kind])
    conditions: list[ColumnElement[bool]] = []
    errors: list[FieldError] = []
    if not principal.is_admin:
        own = Invoice.buyer_id if kind == PURCHASES else Invoice.seller_id
        conditions.append(own == principal.member_id)
    seller = (request.seller or "").strip().lower()
    if seller:
        seller_id = session.scalar(select(Member.id).where(Member.username_key == seller,
                                                           Member.role == SELLER))
        if seller_id is None:
            errors.append(FieldError("seller", "UNKNOWN_SELLER"))
        conditions.append(Invoice.seller_id == (seller_id or 0))
    province = (request.province or "").strip()
    if province:
        if regions.province(province) is None:
            errors.append(FieldError("province", "UNKNOWN_PROVINCE"))
        conditions.append(Invoice.seller_id.in_(select(Member.id).where(Member.province_code == province)))
    return conditions, errors


def _in_period(period: Period) -> list[ColumnElement[bool]]:
    return [Invoice.issued_at >= period.start_utc, Invoice.issued_at < period.end_utc]


def _refunded(*statuses: str) -> ColumnElement[int]:
    """The sum of the refunds in `statuses` (a refund's columns are NULL where an order has none)."""
    return func.sum(case((Refund.status.in_([str(s) for s in statuses]), Refund.amount), else_=0))


def _totals(session: Session, where: list[ColumnElement[bool]]) -> tuple[list[StatusTotal], StatusTotal]:
    """In one GROUP BY: the invoices per status, and the refunds of their orders (at most one an order, so
    the outer join repeats no invoice)."""
    sums = {status: StatusTotal(status, *(int(value or 0) for value in values))
            for status, *values in session.execute(
                select(Invoice.status, func.count(Invoice.id), func.sum(Invoice.goods_total),
                       func.sum(Invoice.shipping_cost), func.sum(Invoice.amount_due), func.count(Refund.id),
                       func.sum(Refund.amount), _refunded(*OPEN), _refunded(RefundStatus.TRANSFERRED),
                       _refunded(RefundStatus.CONFIRMED))
                .outerjoin(Refund, Refund.invoice_id == Invoice.id).where(*where).group_by(Invoice.status))}
    return totals_by_status(sums)


# only what a row shows: a page is read as plain tuples, not ORM objects (whole rows of three tables
# cost twice the time to read and build, measured on 8,000 rows by bench/reports.py)
_ROW_COLUMNS = (Invoice.id, Invoice.number, Invoice.issued_at, Invoice.buyer_id, Invoice.seller_id, Invoice.goods_total,
                Invoice.shipping_cost, Invoice.unique_code, Invoice.amount_due, Invoice.status, Invoice.paid_at,
                Order.id.label("order_id"), Order.number.label("order_number"), Order.status.label("order_status"),
                Order.courier.label("order_courier"), Order.courier_service,
                Shipment.courier.label("shipment_courier"), Shipment.waybill,
                Shipment.status.label("shipping_status"), Shipment.shipped_at, Shipment.delivered_at,
                Refund.amount.label("refund_amount"), Refund.status.label("refund_status"))


def _rows(session: Session, kind: str, where: list[ColumnElement[bool]], limit: int, offset: int = 0
          ) -> tuple[list[ReportRow], tuple[datetime, int] | None]:
    """Up to `limit` rows, oldest first, in three queries; and the (issued_at, id) of the last one."""
    found = session.execute(
        select(*_ROW_COLUMNS).join(Order, Order.id == Invoice.order_id)
        .outerjoin(Shipment, Shipment.order_id == Order.id).outerjoin(Refund, Refund.invoice_id == Invoice.id)
        .where(*where)
        .order_by(Invoice.issued_at, Invoice.id).limit(limit).offset(offset)).all()
    if not found:
        return [], None
    lines: dict[int, list[InvoiceLineView]] = {}
    for order_id, product_id, name, quantity, unit_price in session.execute(
            select(OrderLine.order_id, OrderLine.product_id, OrderLine.name, OrderLine.quantity, OrderLine.unit_price)
            .where(OrderLine.order_id.in_([r.order_id for r in found])).order_by(OrderLine.order_id, OrderLine.id)):
        lines.setdefault(order_id, []).append(InvoiceLineView.of(product_id, name, quantity, unit_price))
    member_ids = {r.buyer_id for r in found} | {r.seller_id for r in found}
    names = dict(session.execute(select(Member.id, Member.username).where(Member.id.in_(member_ids))).all())
    return [_row(kind, r, names, lines.get(r.order_id, [])) for r in found], (found[-1].issued_at, found[-1].id)


def _row(kind: str, r: Row[*tuple[Any, ...]], names: dict[int, str], lines: list[InvoiceLineView]) -> ReportRow:
    buyer, seller = names[r.buyer_id], names[r.seller_id]
    return ReportRow(
        invoice_number=r.number, order_number=r.order_number, issued_at=r.issued_at, buyer=buyer, seller=seller,
        counterparty=seller if kind == PURCHASES else buyer, lines=tuple(lines), goods_total=r.goods_total,
        shipping_cost=r.shipping_cost, unique_code=r.unique_code, amount_due=r.amount_due, invoice_status=r.status,
        paid_at=r.paid_at, order_status=r.order_status, courier=r.shipment_courier or r.order_courier,
        courier_service=r.courier_service, waybill=r.waybill, shipping_status=r.shipping_status,
        shipped_at=r.shipped_at, delivered_at=r.delivered_at, refund_amount=r.refund_amount,
        refund_status=r.refund_status)


def report(session: Session, principal: Principal, kind: str, request: ReportRequest, regions: RegionCatalog,
           policy: ReportPolicy) -> Report:
    """One page of the caller's report, with the totals of the whole period."""
    scope, errors = _scope(session, principal, kind, request, regions)
    period, page = validate(request, policy, errors)
    where = scope + _in_period(period)
    totals, overall = _totals(session, where)
    rows = _rows(session, kind, where, page.size, page.offset)[0] if page.offset < overall.count else []
    return Report(kind, period, page, overall.count, page_count(overall.count, page.size), tuple(rows),
                  tuple(totals), overall)


@dataclass(frozen=True)
class Export:
    """Every row of the period (no pages), for a file; rows come lazily, a chunk per query."""
    kind: str
    period: Period
    total_rows: int
    rows: Iterator[ReportRow]


def export(session: Session, principal: Principal, kind: str, request: ReportRequest, regions: RegionCatalog,
           policy: ReportPolicy) -> Export:
    """The whole period's rows, read in chunks by keyset (issued_at, id): no deep OFFSETs."""
    request = ReportRequest(request.from_date, request.to_date, seller=request.seller, province=request.province)
    scope, errors = _scope(session, principal, kind, request, regions)
    period, _ = validate(request, policy, errors)
    where = scope + _in_period(period)
    total = session.execute(select(func.count()).select_from(Invoice).where(*where)).scalar_one()
    if total > policy.export_max_rows:
        raise ValidationFailed([FieldError("toDate", "EXPORT_TOO_LARGE", {"rows": total,
                                                                            "max": policy.export_max_rows})])

    def chunks() -> Iterator[ReportRow]:
        after: list[ColumnElement[bool]] = []
        while True:
            rows, last = _rows(session, kind, where + after, EXPORT_CHUNK)
            yield from rows
            if len(rows) < EXPORT_CHUNK or last is None:  # (a full chunk has a last row)
                return
            issued_at, invoice_id = last
            after = [or_(Invoice.issued_at > issued_at, and_(Invoice.issued_at == issued_at, Invoice.id > invoice_id))]

    return Export(kind, period, total, chunks())
