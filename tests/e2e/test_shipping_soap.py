"""Shipping over SOAP with the courier sandboxes (Table I row 10): for each of the seven couriers a
paid order is shipped, the buyer gets the SMS, the sandbox moves the parcel through its events and
trackOrder shows each step, told once per status change; bad calls get their own faults and change
nothing; a courier that is down shows the last known status and loses nothing.

Orders are paid as buyers pay: a transfer of the exact amount at the bank sandbox, then
Payment.confirmPayment (the worker would find it within a second anyway).
"""
from __future__ import annotations

import itertools
from datetime import timedelta
from dataclasses import dataclass

import pytest
import zeep
from sqlalchemy import select, update

from emall_ws.clock import utcnow
from emall_ws.db.models import Notification, Shipment
from emall_ws.db.session import Database
from emall_ws.domain.partners import COURIERS
from emall_ws.sandbox.courier_profiles import PROFILES
from tests.e2e.catalog import Member, Shop, fixed_form, new_member, new_shop
from tests.e2e.payments import messages_to, unique_account
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors
from tests.waiting import eventually

_mobiles = itertools.count(20_000_001)
# the sandbox's journey in normalised statuses: accepted, scans in transit, out, delivered
JOURNEY_LENGTH = {code: len(profile.script) for code, profile in PROFILES.items()}


def expected_statuses(code: str) -> list[str]:
    middle = JOURNEY_LENGTH[code] - 3
    return ["InfoReceived"] + ["InTransit"] * middle + ["OutForDelivery", "Delivered"]


@pytest.fixture(scope="module")
def database(server):
    db = Database(server.database_url)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def sms_gateway(server):
    return zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service


@dataclass(frozen=True)
class ShippingShop(Shop):
    seller: Member  # with an account opened at the bank sandbox
    other_seller: Member
    product: int  # the seller's, stock 500


@pytest.fixture(scope="module")
def shop(server, mailbox) -> ShippingShop:
    shop = new_shop(server)
    category = shop.category
    seller, other_seller = (new_member(server, mailbox, seller=True, accountNumber=opened_account(server))
                            for _ in range(2))
    catalog, auth = seller.service(server, "Catalog")
    product = catalog.sellProduct(form=fixed_form(category, stock=500), **auth).productId
    return ShippingShop(shop.admin, category, seller, other_seller, product)


def new_buyer(server, mailbox) -> tuple[Member, str]:
    local = f"0812{next(_mobiles):08d}"
    return new_member(server, mailbox, phone=local), "+62" + local[1:]


def checked_out(server, buyer: Member, product: int, courier: str):
    """(order number, invoice number, service) of a checkout choosing `courier`'s cheapest service."""
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=product, quantity=1, **auth)
    checkout, auth = buyer.service(server, "Checkout")
    [group] = checkout.quoteShipping(**auth)
    option = min((o for o in group.options.ShippingOption if o.courier == courier), key=lambda o: o.cost)
    [invoice] = checkout.checkout(choices={"ShippingChoice": [
        {"sellerUsername": group.sellerUsername, "courier": courier, "service": option.service}]}, **auth)
    return invoice.orderNumber, invoice.invoiceNumber, option.service


def opened_account(server) -> str:
    """A payee account of its own at the BCA sandbox."""
    account = unique_account("bca")
    bank(server).openAccount(accountNumber=account, holderName="Koperasi Maju Bersama", openingBalance=0)
    return account


def bank(server):
    return zeep.Client(f"{server.sandbox_url}/partners/bank/bca?wsdl").service


def pay(server, buyer: Member, invoice_number: str) -> None:
    """The buyer transfers the exact amount to the payee account and confirms: the invoice is PAID."""
    checkout, auth = buyer.service(server, "Checkout")
    invoice = checkout.getInvoice(invoiceNumber=invoice_number, **auth)
    bank(server).transfer(toAccount=invoice.payeeAccount, amount=invoice.amountDue, description=invoice_number,
                          fromName="Budi Santoso", postedAt=None)
    payment, auth = buyer.service(server, "Payment")
    assert payment.confirmPayment(invoiceNumber=invoice_number, **auth).status == "PAID"


def courier_driver(server, code: str):
    return zeep.Client(f"{server.sandbox_url}/partners/courier/{code}?wsdl",
                       settings=zeep.Settings(strict=False)).service


def age_last_check(database, waybill: str) -> None:
    """As if the last read were two minutes old: the next trackOrder reads the courier live."""
    with database.unit_of_work() as session:
        session.execute(update(Shipment).where(Shipment.waybill == waybill)
                        .values(last_checked_at=utcnow() - timedelta(minutes=2)))


def shown(view) -> tuple[str, int, bool]:
    return view.status, len(view.events.TrackingEvent), view.checkFailed


def tracked_live(database, tracker, auth, number: str, waybill: str, expected: tuple[str, int, bool]):
    """trackOrder right after ageing the last read, again until it shows `expected` (status, number of
    events, checkFailed), for up to 10 s; that view. A worker's read begun before the courier
    changed (a step, a failure mode) may be noted after the ageing: trackOrder then trusts it, fresh,
    and shows what the courier said before."""
    def view_now():
        age_last_check(database, waybill)
        return tracker.trackOrder(orderNumber=number, **auth)

    return eventually(lambda: shown(view := view_now()) == expected and view,
                      f"trackOrder of {number} showing {expected}", timeout=10)


def status_notices(database, code: str, waybill: str) -> list[tuple[str, str]]:
    with database.unit_of_work() as session:
        return sorted(session.execute(select(Notification.template, Notification.channel).where(
            Notification.event_key.like(f"shipment:{code}:{waybill}:%"))).all())


def order_status(server, member: Member, invoice_number: str) -> str:
    checkout, auth = member.service(server, "Checkout")
    return checkout.getInvoice(invoiceNumber=invoice_number, **auth).orderStatus


@pytest.mark.parametrize("code", list(COURIERS))
def test_table1_row10_pay_ship_sms_then_track_every_step(server, mailbox, shop, database, sms_gateway, code):
    buyer, msisdn = new_buyer(server, mailbox)
    number, invoice, service = checked_out(server, buyer, shop.product, code)
    pay(server, buyer, invoice)
    driver = courier_driver(server, code)
    registered = driver.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                         service=service, receiverName="Siti Aminah")
    waybill = registered.waybill
    shipping, seller_auth = shop.seller.service(server, "Shipping")
    shipped = shipping.shipOrder(orderNumber=number, courier=code, waybill=waybill, **seller_auth)
    assert (shipped.orderNumber, shipped.invoiceNumber, shipped.status, shipped.orderStatus) == (
        number, invoice, "Pending", "SHIPPED")
    sms = messages_to(sms_gateway, msisdn, 4)  # activation code, invoice, payment received, the shipment
    assert f"Barang dengan nomor faktur {invoice} telah dikirim via {COURIERS[code]}, resi {waybill}." in [
        m.text.removeprefix("Emall KUKM: ") for m in sms]

    tracker, buyer_auth = buyer.service(server, "Shipping")
    statuses = expected_statuses(code)
    for step, expected in enumerate(statuses):
        if step:
            driver.advanceShipment(waybill=waybill, failAttempt=False)
        view = tracked_live(database, tracker, buyer_auth, number, waybill, (expected, step + 1, False))
        assert shown(view) == (expected, step + 1, False)
        assert view.courierStatus.upper() == PROFILES[code].script[step].status.upper()
        assert all(e.time.utcoffset() == timedelta(hours=7) for e in view.events.TrackingEvent)  # WIB
    assert view.delivered and view.receivedBy == "Siti Aminah" and view.deliveredAt is not None
    assert view.orderStatus == "DELIVERED"
    # each status reached told once, by email and SMS; Delivered also to the seller
    reached = len(set(statuses))
    assert status_notices(database, code, waybill) == sorted(
        [("shipment_status", "EMAIL"), ("shipment_status", "SMS")] * reached
        + [("order_delivered", "EMAIL"), ("order_delivered", "SMS")])
    # anyone logged in can follow the waybill; the order number only its parties
    stranger, _ = new_buyer(server, mailbox)
    other, other_auth = stranger.service(server, "Shipping")
    public = other.trackShipment(courier=code, waybill=waybill, **other_auth)
    assert (public.status, public.orderNumber) == ("Delivered", None)
    assert buyer.service(server, "Shipping")[0].confirmReceived(orderNumber=number, **buyer_auth) == "COMPLETED"
    assert order_status(server, buyer, invoice) == "COMPLETED"


def test_bad_shipping_calls_get_their_own_faults_and_change_nothing(server, mailbox, shop, database):
    buyer, _ = new_buyer(server, mailbox)
    unpaid, unpaid_invoice, _ = checked_out(server, buyer, shop.product, "jne")
    number, invoice, _ = checked_out(server, buyer, shop.product, "jne")
    pay(server, buyer, invoice)
    shipping, auth = shop.seller.service(server, "Shipping")
    other, other_auth = shop.other_seller.service(server, "Shipping")
    as_buyer, buyer_auth = buyer.service(server, "Shipping")
    good = dict(orderNumber=number, courier="jne", waybill="CGK1A99999999999")
    for call, values, kwargs, expected in (
            (shipping.shipOrder, dict(good, orderNumber=unpaid), auth, ("Client.InvalidState", "ORDER_NOT_SHIPPABLE")),
            (other.shipOrder, good, other_auth, ("Client.NotFound", "ORDER_NOT_FOUND")),  # as if there were none
            (as_buyer.shipOrder, good, buyer_auth, ("Client.Authorization", "ROLE_REQUIRED")),
            (shipping.shipOrder, dict(good, orderNumber="ORD/20000101/000000"), auth,
             ("Client.NotFound", "ORDER_NOT_FOUND")),
            (shipping.shipOrder, good, {}, ("Client.Authentication", "AUTHENTICATION_REQUIRED")),
            (as_buyer.trackShipment, dict(courier="jne", waybill="CGK0000000000000"), buyer_auth,
             ("Client.NotFound", "SHIPMENT_NOT_FOUND")),
            (as_buyer.trackOrder, dict(orderNumber=number), buyer_auth, ("Client.InvalidState", "ORDER_NOT_SHIPPED"))):
        fault = fault_of(call, **values, **kwargs)
        assert (fault_code(fault), detail_code(fault)) == expected
    for values, field, code in ((dict(good, waybill=" "), "waybill", "REQUIRED"),
                                (dict(good, courier="gojek"), "courier", "UNKNOWN_COURIER"),
                                (dict(good, courier="dhl", waybill="12-34", reason="x"), "waybill", "WAYBILL_FORMAT"),
                                (dict(good, courier="tiki", waybill="660012345678"), "reason",
                                 "COURIER_CHANGE_REASON")):
        fault = fault_of(shipping.shipOrder, **values, **auth)
        assert fault_code(fault) == "Client.Validation" and field_errors(fault)[field][0] == code
    assert field_errors(fault)["reason"][1] == "Kurir berbeda dari pilihan pembeli (JNE); isi alasan penggantian kurir"
    assert (order_status(server, buyer, invoice), order_status(server, buyer, unpaid_invoice)) == (
        "PAID", "AWAITING_PAYMENT")
    with database.unit_of_work() as session:
        assert session.scalar(select(Shipment.id).where(Shipment.waybill == "CGK1A99999999999")) is None
    # the one good call ships it; a second order with the same waybill is a conflict
    assert shipping.shipOrder(**good, **auth).status == "Pending"
    second, second_invoice, _ = checked_out(server, buyer, shop.product, "jne")
    pay(server, buyer, second_invoice)
    fault = fault_of(shipping.shipOrder, **dict(good, orderNumber=second), **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Conflict", "WAYBILL_IN_USE")
    assert order_status(server, buyer, second_invoice) == "PAID"


def test_a_courier_down_shows_the_last_known_status_and_loses_nothing(server, mailbox, shop, database):
    code = "wahana"
    buyer, _ = new_buyer(server, mailbox)
    number, invoice, service = checked_out(server, buyer, shop.product, code)
    pay(server, buyer, invoice)
    driver = courier_driver(server, code)
    waybill = driver.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                      service=service, receiverName="Siti Aminah").waybill
    shipping, seller_auth = shop.seller.service(server, "Shipping")
    shipping.shipOrder(orderNumber=number, courier=code, waybill=waybill, **seller_auth)
    tracker, auth = buyer.service(server, "Shipping")
    assert tracker.trackOrder(orderNumber=number, **auth).status == "InfoReceived"
    # down before the parcel moves (the sandbox takes no advanceShipment while UNAVAILABLE): a worker
    # read between a move and the failure mode would store the move, and the down view would vary
    driver.setFailureMode(mode="UNAVAILABLE", delayMs=0)
    try:
        down = tracked_live(database, tracker, auth, number, waybill, ("InfoReceived", 1, True))
        assert shown(down) == ("InfoReceived", 1, True)
        assert down.message and down.lastCheckedAt is not None
    finally:
        driver.setFailureMode(mode="NORMAL", delayMs=0)
    driver.advanceShipment(waybill=waybill, failAttempt=False)
    back = tracked_live(database, tracker, auth, number, waybill, ("InTransit", 2, False))
    assert (*shown(back), back.message) == ("InTransit", 2, False, None)
    assert status_notices(database, code, waybill) == sorted([("shipment_status", "EMAIL"),
                                                              ("shipment_status", "SMS")] * 2)
