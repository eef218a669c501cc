"""Each entity's status words, declared once, and its pipeline: every status change of an entity
must be one of its pipeline's moves. The words are the values stored and sent on the wire."""
from __future__ import annotations

from collections.abc import Mapping, Set
from enum import StrEnum

from emall_ws.domain.errors import InvalidState


class Pipeline:
    def __init__(self, entity: str, moves: Mapping[str | None, Set[str]]):
        self.entity = entity
        self.moves = moves

    def check(self, current: str | None, target: str) -> None:
        """Raises InvalidState unless current -> target is a move of this pipeline."""
        if target not in self.moves.get(current, set()):
            raise InvalidState("ILLEGAL_STATUS_CHANGE", entity=self.entity,
                               current=current or "-", target=target)


class MemberStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


MEMBER = Pipeline("member", {
    None: {MemberStatus.PENDING, MemberStatus.ACTIVE},  # ACTIVE at once only for admins made by the operator
    MemberStatus.PENDING: {MemberStatus.ACTIVE},
    MemberStatus.ACTIVE: {MemberStatus.SUSPENDED},
    MemberStatus.SUSPENDED: {MemberStatus.ACTIVE},
})


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SOLD_OUT = "SOLD_OUT"
    WITHDRAWN = "WITHDRAWN"
    CLOSED = "CLOSED"  # an auction after its end


PRODUCT = Pipeline("product", {
    None: {ProductStatus.ACTIVE},
    ProductStatus.ACTIVE: {ProductStatus.SOLD_OUT, ProductStatus.WITHDRAWN, ProductStatus.CLOSED},
    ProductStatus.SOLD_OUT: {ProductStatus.ACTIVE, ProductStatus.WITHDRAWN},  # restocked, or taken off sale
})


class InvoiceStatus(StrEnum):
    UNPAID = "UNPAID"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


INVOICE = Pipeline("invoice", {
    None: {InvoiceStatus.UNPAID},
    InvoiceStatus.UNPAID: {InvoiceStatus.PAID, InvoiceStatus.EXPIRED, InvoiceStatus.CANCELLED},
})


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"


ORDER = Pipeline("order", {
    None: {OrderStatus.AWAITING_PAYMENT},
    OrderStatus.AWAITING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},  # rejected by the seller, or not shipped in time
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED, OrderStatus.COMPLETED},  # completed: a complaint resolved
    OrderStatus.DELIVERED: {OrderStatus.COMPLETED},
})


class RefundStatus(StrEnum):
    DUE = "DUE"  # the buyer is owed the money back
    TRANSFERRED = "TRANSFERRED"  # the seller recorded the transfer
    CONFIRMED = "CONFIRMED"  # the buyer confirmed it arrived
    DISPUTED = "DISPUTED"  # the buyer says it did not (or not in full)


class RefundReason(StrEnum):
    SELLER_REJECTED = "SELLER_REJECTED"
    NOT_SHIPPED_IN_TIME = "NOT_SHIPPED_IN_TIME"
    COMPLAINT = "COMPLAINT"  # a complaint resolved with a (full or partial) refund


REFUND = Pipeline("refund", {
    None: {RefundStatus.DUE},
    RefundStatus.DUE: {RefundStatus.TRANSFERRED},
    RefundStatus.TRANSFERRED: {RefundStatus.CONFIRMED, RefundStatus.DISPUTED},
    RefundStatus.DISPUTED: {RefundStatus.TRANSFERRED},  # the seller records the transfer again
})


class ComplaintStatus(StrEnum):
    OPEN = "OPEN"  # the buyer complained; the seller answers by respond_by
    OFFERED = "OFFERED"  # the seller offered a remedy; the buyer accepts it or escalates
    RETURN_REQUESTED = "RETURN_REQUESTED"  # a return for a refund agreed: the buyer sends the goods back
    RETURNING = "RETURNING"  # the buyer gave the return's waybill; the seller confirms receiving it
    ESCALATED = "ESCALATED"  # an admin decides
    RESOLVED = "RESOLVED"  # closed: a refund due, or none


class ComplaintReason(StrEnum):
    NOT_RECEIVED = "NOT_RECEIVED"
    NOT_AS_DESCRIBED = "NOT_AS_DESCRIBED"
    DAMAGED = "DAMAGED"
    OTHER = "OTHER"


class Remedy(StrEnum):
    """What a seller offers, or an admin decides, for a complaint."""
    FULL_REFUND = "FULL_REFUND"
    PARTIAL_REFUND = "PARTIAL_REFUND"  # with an amount
    RETURN_FOR_REFUND = "RETURN_FOR_REFUND"  # the full amount once the goods are back with the seller
    NONE = "NONE"


COMPLAINT = Pipeline("complaint", {
    None: {ComplaintStatus.OPEN},
    # an admin may resolve a complaint, or order a return, at any point before it is resolved
    ComplaintStatus.OPEN: {ComplaintStatus.OFFERED, ComplaintStatus.ESCALATED, ComplaintStatus.RESOLVED,
                           ComplaintStatus.RETURN_REQUESTED},
    ComplaintStatus.OFFERED: {ComplaintStatus.RESOLVED, ComplaintStatus.RETURN_REQUESTED, ComplaintStatus.ESCALATED},
    ComplaintStatus.RETURN_REQUESTED: {ComplaintStatus.RETURNING, ComplaintStatus.ESCALATED, ComplaintStatus.RESOLVED},
    ComplaintStatus.RETURNING: {ComplaintStatus.RESOLVED, ComplaintStatus.ESCALATED},
    ComplaintStatus.ESCALATED: {ComplaintStatus.RESOLVED, ComplaintStatus.RETURN_REQUESTED},
})


class ShipmentStatus(StrEnum):
    """A shipment's tracking status: one set for all couriers (DESIGN §4), each courier's own status
    words normalised onto it (domain/shipping.py)."""
    PENDING = "Pending"
    INFO_RECEIVED = "InfoReceived"
    IN_TRANSIT = "InTransit"
    OUT_FOR_DELIVERY = "OutForDelivery"
    ATTEMPT_FAIL = "AttemptFail"
    DELIVERED = "Delivered"
    AVAILABLE_FOR_PICKUP = "AvailableForPickup"
    EXCEPTION = "Exception"
    EXPIRED = "Expired"


# A shipment starts Pending when the seller ships it; after that it goes wherever its courier's
# tracking says (even back to Pending: a courier's answer with no status word and no event), except
# out of a final status: Delivered ends the journey, Expired is the courier giving up on the number,
# and neither is read again. Exception stays open: a customs hold or a return still moves.
FINAL_SHIPMENT_STATUSES = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.EXPIRED})

SHIPMENT = Pipeline("shipment", {
    None: {ShipmentStatus.PENDING},
    **{status: set(ShipmentStatus) - {status} for status in ShipmentStatus if status not in FINAL_SHIPMENT_STATUSES},
})


class VerificationStatus(StrEnum):
    UNVERIFIED = "UNVERIFIED"  # not yet checked, a partner unreachable, or an answer that settles nothing
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


SELLER_VERIFICATION = Pipeline("seller_verification", {
    None: {VerificationStatus.UNVERIFIED},
    # checked; a changed payout account or an admin's re-run starts over; an admin overrides either way
    VerificationStatus.UNVERIFIED: {VerificationStatus.VERIFIED, VerificationStatus.REJECTED},
    VerificationStatus.VERIFIED: {VerificationStatus.UNVERIFIED, VerificationStatus.REJECTED},
    VerificationStatus.REJECTED: {VerificationStatus.UNVERIFIED, VerificationStatus.VERIFIED},
})
