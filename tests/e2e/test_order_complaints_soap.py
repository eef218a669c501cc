"""Complaints over SOAP: a buyer whose parcel was delivered damaged complains, the seller offers a partial
refund, the buyer refuses and escalates, an admin decides, and the refund runs; a parcel that never came
is settled by a return; each step tells the other party by email, every fault changes nothing, and the
order's and complaint's histories name who did what.

Orders are paid as buyers pay (tests.e2e.test_order_refunds_soap.paid_order) and shipped by JNE with a
waybill the courier sandbox knows; its advanceShipment delivers the parcel and the worker's poll records it.
"""
from __future__ import annotations

import zeep

from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors
from tests.e2e.test_order_refunds_soap import emails, paid_order, shop  # noqa: F401 - the module's shop fixture
from tests.waiting import eventually


def jne(server):
    return zeep.Client(f"{server.sandbox_url}/partners/courier/jne?wsdl", settings=zeep.Settings(strict=False)).service


def shipped(server, shop, *, delivered: bool) -> tuple[str, int]:
    """(order number, amount paid) of an order shipped by JNE (whatever courier the buyer chose), and
    delivered when asked: the sandbox moves the parcel, the worker's poll records DELIVERED."""
    number, _, amount = paid_order(server, shop.buyer, shop.product)
    courier = jne(server)
    parcel = courier.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                      service="REG", receiverName="Budi Santoso")
    shipping, auth = shop.seller.service(server, "Shipping")
    shipping.shipOrder(orderNumber=number, courier="jne", waybill=parcel.waybill, reason="kurir terdekat", **auth)
    if delivered:
        eventually(lambda: courier.advanceShipment(waybill=parcel.waybill, failAttempt=False).delivered,
                   "the courier sandbox to deliver the parcel", interval=0)
        tracking, auth = shop.buyer.service(server, "Shipping")
        eventually(lambda: tracking.trackOrder(orderNumber=number, **auth).orderStatus == "DELIVERED",
                   "the worker's poll to record the delivery", timeout=30)
    return number, amount


def complaint_of(server, member, number) -> dict:
    order, auth = member.service(server, "Order")
    return zeep.helpers.serialize_object(order.getComplaint(orderNumber=number, **auth), dict)


def test_a_damaged_parcel_is_escalated_decided_by_an_admin_and_refunded(server, mailbox, shop):
    number, amount = shipped(server, shop, delivered=True)
    as_buyer, buyer_auth = shop.buyer.service(server, "Order")
    as_seller, seller_auth = shop.seller.service(server, "Order")
    admin, admin_auth = shop.admin.service(server, "Order")

    opened = as_buyer.openComplaint(orderNumber=number, reason="DAMAGED",
                                    description="Dus penyok,\nbotol pecah", **buyer_auth)
    assert (opened.status, opened.orderStatus, opened.paid, opened.description) == (
        "OPEN", "DELIVERED", amount, "Dus penyok,\nbotol pecah")
    [told] = emails(mailbox, shop.seller, f"Komplain pesanan {number}: OPEN")
    assert "respondComplaint" in told.get_body(("plain",)).get_content()

    offered = as_seller.respondComplaint(orderNumber=number, message="Kami ganti sebagian", offer="PARTIAL_REFUND",
                                         amount=5_000, **seller_auth)
    assert (offered.status, offered.offer, offered.offerAmount) == ("OFFERED", "PARTIAL_REFUND", 5_000)
    emails(mailbox, shop.buyer, f"Komplain pesanan {number}: OFFERED")
    escalated = as_buyer.escalateComplaint(orderNumber=number, reason="Terlalu kecil", **buyer_auth)
    assert escalated.status == "ESCALATED"
    waiting = admin.listComplaints(status="ESCALATED", page=1, pageSize=100, **admin_auth)
    assert number in {c.orderNumber for c in waiting.complaints.Complaint}

    decided = admin.resolveComplaint(orderNumber=number, decision="FULL_REFUND", amount=None,
                                     note="Foto menunjukkan botol pecah", **admin_auth)
    assert (decided.status, decided.decision, decided.decisionAmount, decided.orderStatus) == (
        "RESOLVED", "FULL_REFUND", amount, "COMPLETED")
    for party in (shop.buyer, shop.seller):
        emails(mailbox, party, f"Komplain pesanan {number}: RESOLVED")
    refund = as_buyer.getRefund(orderNumber=number, **buyer_auth)
    assert (refund.reason, refund.status, refund.amount) == ("COMPLAINT", "DUE", amount)
    as_buyer.setRefundAccount(orderNumber=number, bankCode="bni", accountNumber="1234567890",
                              accountHolder="Budi Santoso", **buyer_auth)
    changes = as_seller.getHistory(orderNumber=number, **seller_auth)
    assert (changes[-1].fromStatus, changes[-1].toStatus, changes[-1].actor) == (
        "DELIVERED", "COMPLETED", f"admin:{shop.admin.username}")


def test_a_parcel_never_received_is_returned_and_refunded_in_full(server, mailbox, shop):
    number, amount = shipped(server, shop, delivered=False)
    as_buyer, buyer_auth = shop.buyer.service(server, "Order")
    as_seller, seller_auth = shop.seller.service(server, "Order")
    as_buyer.openComplaint(orderNumber=number, reason="NOT_RECEIVED", description="Paket belum sampai",
                           **buyer_auth)
    as_seller.respondComplaint(orderNumber=number, message="Kurir salah antar; kembalikan jika sampai",
                               offer="RETURN_FOR_REFUND", amount=None, **seller_auth)
    assert as_buyer.acceptOffer(orderNumber=number, **buyer_auth).status == "RETURN_REQUESTED"
    fault = fault_of(as_seller.trackReturn, orderNumber=number, **seller_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "RETURN_NOT_SENT")
    courier = jne(server)
    parcel = courier.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                      service="REG", receiverName="Koperasi")
    returning = as_buyer.setReturnWaybill(orderNumber=number, courier="JNE", waybill=parcel.waybill.lower(),
                                          **buyer_auth)
    assert (returning.status, returning.returnCourier, returning.returnWaybill) == (
        "RETURNING", "jne", parcel.waybill)
    emails(mailbox, shop.seller, f"Komplain pesanan {number}: RETURNING")
    # the seller follows the parcel back from the courier, as a shipment is followed
    eventually(lambda: courier.advanceShipment(waybill=parcel.waybill, failAttempt=False).delivered,
               "the courier sandbox to deliver the return", interval=0)
    back = as_seller.trackReturn(orderNumber=number, **seller_auth)
    assert (back.status, back.delivered, back.waybill, back.messageCode) == ("Delivered", True, parcel.waybill, None)
    assert len(back.events.ReturnEvent) >= 2
    done = as_seller.confirmReturn(orderNumber=number, **seller_auth)
    assert (done.status, done.decision, done.decisionAmount, done.orderStatus) == (
        "RESOLVED", "FULL_REFUND", amount, "COMPLETED")
    assert as_buyer.getRefund(orderNumber=number, **buyer_auth).amount == amount


def test_every_fault_of_a_complaint_changes_nothing(server, shop):
    unshipped, _, _ = paid_order(server, shop.buyer, shop.product)
    number, amount = shipped(server, shop, delivered=False)
    as_buyer, buyer_auth = shop.buyer.service(server, "Order")
    as_seller, seller_auth = shop.seller.service(server, "Order")
    as_other, other_auth = shop.other_buyer.service(server, "Order")
    admin, admin_auth = shop.admin.service(server, "Order")

    def complain(order, auth, on=number, **form):
        return fault_of(order.openComplaint, orderNumber=on, **{"reason": "DAMAGED", "description": "rusak",
                                                                **form}, **auth)

    fault = complain(as_buyer, buyer_auth, on=unshipped)
    assert (fault_code(fault), detail_code(fault), "PAID" in fault.message) == (
        "Client.InvalidState", "ORDER_NOT_COMPLAINABLE", True)
    assert detail_code(complain(as_other, other_auth)) == "ORDER_NOT_FOUND"
    assert (fault_code(complain(as_seller, seller_auth)), detail_code(complain(as_seller, seller_auth))) == (
        "Client.Authorization", "NOT_OWNER")
    assert fault_code(complain(admin, admin_auth)) == "Client.Authorization"
    assert field_errors(complain(as_buyer, buyer_auth, description=""))["description"][0] == "REQUIRED"
    assert fault_code(complain(as_buyer, buyer_auth, reason="LATE")) == "Client.Validation"  # not in the set
    assert detail_code(fault_of(as_buyer.getComplaint, orderNumber=number, **buyer_auth)) == "COMPLAINT_NOT_FOUND"

    as_buyer.openComplaint(orderNumber=number, reason="NOT_RECEIVED", description="belum sampai", **buyer_auth)
    unchanged = complaint_of(server, shop.buyer, number)
    assert (fault_code(complain(as_buyer, buyer_auth)), detail_code(complain(as_buyer, buyer_auth))) == (
        "Client.Conflict", "COMPLAINT_EXISTS")
    fault = fault_of(as_seller.respondComplaint, orderNumber=number, message="maaf", offer="PARTIAL_REFUND",
                     amount=amount, **seller_auth)
    assert field_errors(fault)["amount"][0] == "PARTIAL_REFUND_RANGE"
    fault = fault_of(as_seller.respondComplaint, orderNumber=number, message="maaf", offer="NONE", amount=1,
                     **seller_auth)
    assert field_errors(fault)["amount"][0] == "AMOUNT_ONLY_FOR_PARTIAL_REFUND"
    fault = fault_of(as_buyer.escalateComplaint, orderNumber=number, reason="lama", **buyer_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "COMPLAINT_NOT_ESCALATABLE")
    fault = fault_of(as_buyer.acceptOffer, orderNumber=number, **buyer_auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "OFFER_NOT_ACCEPTABLE")
    fault = fault_of(as_seller.confirmReturn, orderNumber=number, **seller_auth)
    assert (fault_code(fault), detail_code(fault), "OPEN" in fault.message) == (
        "Client.InvalidState", "RETURN_NOT_EXPECTED", True)
    fault = fault_of(as_seller.resolveComplaint, orderNumber=number, decision="NONE", amount=None, note="x",
                     **seller_auth)
    assert fault_code(fault) == "Client.Authorization"
    shipping, auth = shop.buyer.service(server, "Shipping")
    fault = fault_of(shipping.confirmReceived, orderNumber=number, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "COMPLAINT_OPEN")
    assert complaint_of(server, shop.buyer, number) == unchanged
    mine = as_other.listComplaints(**other_auth)
    assert mine.total == 0
