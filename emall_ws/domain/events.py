"""What integrators are told: the change events of the feed and of callbacks, named once.

A status change of an invoice, order, shipment, complaint, refund or product is an event whose type
names the entity and the new status (`EVENT_OF_CHANGE`); the auction's bids add two that are no status
change. A type is `<object>.<what happened>`, the way the payment and marketplace APIs integrators
already use name theirs.
"""
from __future__ import annotations

from emall_ws.domain.pipelines import (ComplaintStatus, InvoiceStatus, OrderStatus, ProductStatus, RefundStatus,
                                       ShipmentStatus)

INVOICE_ISSUED = "invoice.issued"
INVOICE_PAID = "invoice.paid"
INVOICE_EXPIRED = "invoice.expired"
INVOICE_CANCELLED = "invoice.cancelled"
ORDER_CREATED = "order.created"
ORDER_PAID = "order.paid"
ORDER_SHIPPED = "order.shipped"
ORDER_DELIVERED = "order.delivered"
ORDER_COMPLETED = "order.completed"
ORDER_CANCELLED = "order.cancelled"
TRACKING_UPDATED = "shipment.tracking_updated"  # the normalised tracking status changed
AUCTION_OUTBID = "auction.outbid"  # to the bidder who led until now
AUCTION_WON = "auction.won"  # to the winner
AUCTION_CLOSED = "auction.closed"  # to the seller, sold or not
PRODUCT_SOLD_OUT = "product.sold_out"
PRODUCT_RESTOCKED = "product.restocked"
PRODUCT_WITHDRAWN = "product.withdrawn"
COMPLAINT_OPENED = "complaint.opened"
COMPLAINT_OFFERED = "complaint.offered"
COMPLAINT_RETURN_REQUESTED = "complaint.return_requested"
COMPLAINT_RETURNING = "complaint.returning"
COMPLAINT_ESCALATED = "complaint.escalated"
COMPLAINT_RESOLVED = "complaint.resolved"
REFUND_DUE = "refund.due"
REFUND_TRANSFERRED = "refund.transferred"
REFUND_CONFIRMED = "refund.confirmed"
REFUND_DISPUTED = "refund.disputed"
TEST = "test"  # sendTestEvent's: never in a feed

# (pipeline entity, new status) -> event type; a change not here is told to nobody (a product listed,
# a shipment starting Pending as its order is shipped, a member's own status)
EVENT_OF_CHANGE: dict[tuple[str, str], str] = {
    ("invoice", InvoiceStatus.UNPAID): INVOICE_ISSUED,
    ("invoice", InvoiceStatus.PAID): INVOICE_PAID,
    ("invoice", InvoiceStatus.EXPIRED): INVOICE_EXPIRED,
    ("invoice", InvoiceStatus.CANCELLED): INVOICE_CANCELLED,
    ("order", OrderStatus.AWAITING_PAYMENT): ORDER_CREATED,
    ("order", OrderStatus.PAID): ORDER_PAID,
    ("order", OrderStatus.SHIPPED): ORDER_SHIPPED,
    ("order", OrderStatus.DELIVERED): ORDER_DELIVERED,
    ("order", OrderStatus.COMPLETED): ORDER_COMPLETED,
    ("order", OrderStatus.CANCELLED): ORDER_CANCELLED,
    **{("shipment", status): TRACKING_UPDATED for status in ShipmentStatus if status != ShipmentStatus.PENDING},
    ("product", ProductStatus.SOLD_OUT): PRODUCT_SOLD_OUT,
    ("product", ProductStatus.WITHDRAWN): PRODUCT_WITHDRAWN,
    ("product", ProductStatus.CLOSED): AUCTION_CLOSED,
    ("complaint", ComplaintStatus.OPEN): COMPLAINT_OPENED,
    ("complaint", ComplaintStatus.OFFERED): COMPLAINT_OFFERED,
    ("complaint", ComplaintStatus.RETURN_REQUESTED): COMPLAINT_RETURN_REQUESTED,
    ("complaint", ComplaintStatus.RETURNING): COMPLAINT_RETURNING,
    ("complaint", ComplaintStatus.ESCALATED): COMPLAINT_ESCALATED,
    ("complaint", ComplaintStatus.RESOLVED): COMPLAINT_RESOLVED,
    ("refund", RefundStatus.DUE): REFUND_DUE,
    ("refund", RefundStatus.TRANSFERRED): REFUND_TRANSFERRED,
    ("refund", RefundStatus.CONFIRMED): REFUND_CONFIRMED,
    ("refund", RefundStatus.DISPUTED): REFUND_DISPUTED,
}
# a product back on sale after it sold out: "listed" from nothing is no event
RESTOCKED_FROM = ProductStatus.SOLD_OUT

# every type a feed holds and a subscription may ask for, in the order the documentation lists them
TYPES: tuple[str, ...] = tuple(dict.fromkeys([*EVENT_OF_CHANGE.values(), PRODUCT_RESTOCKED, AUCTION_OUTBID,
                                              AUCTION_WON]))


def event_type(entity: str, previous: str | None, status: str) -> str | None:
    """The type of the event a change of `entity` from `previous` to `status` is, or None if it is none."""
    if entity == "product" and status == ProductStatus.ACTIVE:
        return PRODUCT_RESTOCKED if previous == RESTOCKED_FROM else None
    return EVENT_OF_CHANGE.get((entity, status))
