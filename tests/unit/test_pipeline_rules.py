"""Status pipelines without a database: a shipment moves as its courier's tracking says, from Pending
on, and never out of a final status; every status word is the one stored and sent on the wire."""
import pytest

from emall_ws.domain.errors import InvalidState
from emall_ws.domain.payments import MatchStatus
from emall_ws.domain.pipelines import (SHIPMENT, InvoiceStatus, MemberStatus, OrderStatus, ProductStatus,
                                       ShipmentStatus)
from emall_ws.domain.shipping import is_final

S = ShipmentStatus


@pytest.mark.parametrize("current, target", [
    (None, S.PENDING), (S.PENDING, S.INFO_RECEIVED), (S.INFO_RECEIVED, S.IN_TRANSIT),
    (S.IN_TRANSIT, S.OUT_FOR_DELIVERY), (S.OUT_FOR_DELIVERY, S.ATTEMPT_FAIL), (S.ATTEMPT_FAIL, S.OUT_FOR_DELIVERY),
    (S.OUT_FOR_DELIVERY, S.DELIVERED), (S.IN_TRANSIT, S.EXCEPTION), (S.EXCEPTION, S.IN_TRANSIT),
    (S.IN_TRANSIT, S.AVAILABLE_FOR_PICKUP), (S.AVAILABLE_FOR_PICKUP, S.DELIVERED), (S.IN_TRANSIT, S.EXPIRED),
    (S.PENDING, S.DELIVERED),  # a courier whose first answer is the delivery
    (S.INFO_RECEIVED, S.PENDING),  # an answer with neither a status word nor an event
])
def test_a_shipment_moves_as_its_tracking_says(current, target):
    SHIPMENT.check(current, target)


@pytest.mark.parametrize("current, target", [
    (None, S.IN_TRANSIT),  # a shipment starts Pending
    (None, S.DELIVERED),
    (S.DELIVERED, S.IN_TRANSIT),  # final: never read again
    (S.DELIVERED, S.EXCEPTION),
    (S.EXPIRED, S.DELIVERED),
    (S.IN_TRANSIT, S.IN_TRANSIT),  # no change is no move
    (S.IN_TRANSIT, "SHIPPED"),  # an order's word
])
def test_an_illegal_shipment_move_is_refused(current, target):
    with pytest.raises(InvalidState) as refused:
        SHIPMENT.check(current, target)
    assert (refused.value.code, refused.value.params) == (
        "ILLEGAL_STATUS_CHANGE", {"entity": "shipment", "current": current or "-", "target": target})


def test_the_final_shipment_statuses_are_those_with_no_move_out():
    assert {s for s in S if not SHIPMENT.moves.get(s)} == {s for s in S if is_final(s)} == {S.DELIVERED, S.EXPIRED}


def test_the_status_words_are_the_stored_and_wire_values():
    assert [str(s) for s in MemberStatus] == ["PENDING", "ACTIVE", "SUSPENDED"]
    assert [str(s) for s in ProductStatus] == ["ACTIVE", "SOLD_OUT", "WITHDRAWN", "CLOSED"]
    assert [str(s) for s in InvoiceStatus] == ["UNPAID", "PAID", "EXPIRED", "CANCELLED"]
    assert [str(s) for s in OrderStatus] == ["AWAITING_PAYMENT", "PAID", "CANCELLED", "SHIPPED", "DELIVERED",
                                             "COMPLETED"]
    assert [str(s) for s in S] == ["Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail",
                                   "Delivered", "AvailableForPickup", "Exception", "Expired"]
    # the decision that a credit paid an invoice has its own name, and keeps the word stored and sent
    assert MatchStatus.MATCHED == "PAID" and MatchStatus.MATCHED is not InvoiceStatus.PAID
    assert [str(s) for s in MatchStatus] == ["PAID", "NO_MATCH", "AMBIGUOUS", "LATE", "CLOSED", "DEBIT"]
