"""The paper's whole flow over SOAP, as one function: tests/e2e/test_whole_flow.py runs it on a fresh
server, tests/e2e/test_migrations.py on an upgraded database."""
from __future__ import annotations

from datetime import timedelta

import zeep

from emall_ws.clock import utcnow, to_wib
from tests.e2e.catalog import ADMIN_PASSWORD, Member, Shop, create_admin, fixed_form, new_category
from tests.e2e.members import login
from tests.e2e.payments import Party, items, new_buyer, new_seller, transfer
from tests.waiting import eventually


def told(mailbox, gateway, party: Party, subject_part: str, sms_part: str | None = None):
    """The party's email whose subject has `subject_part` (and SMS with `sms_part`), waited for."""
    mail = eventually(lambda: [m for m in mailbox.to(party.email) if subject_part in str(m["Subject"])],
                      f"email '{subject_part}' to {party.member.username}")
    if sms_part:
        eventually(lambda: [s for s in (gateway.listMessages(msisdn=party.msisdn) or []) if sms_part in s.text],
                   f"SMS '{sms_part}' to {party.msisdn}")
    return mail[0]


def whole_flow(server, mailbox) -> None:
    """Register, list, bid, buy, pay, ship, track and report, each step and its notifications asserted
    (the steps in words: tests/e2e/test_whole_flow.py)."""
    gateway = zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service
    banks = {"bca": zeep.Client(f"{server.sandbox_url}/partners/bank/bca?wsdl").service}
    jne = zeep.Client(f"{server.sandbox_url}/partners/courier/jne?wsdl", settings=zeep.Settings(strict=False)).service
    admin_name = create_admin(server)
    admin = Member(admin_name, login(server, admin_name, ADMIN_PASSWORD))
    shop = Shop(admin, new_category(server, admin))

    # 1. registration, validated and activated automatically (the activation code came by email)
    seller = new_seller(server, mailbox, shop, banks, "bca")  # with a NIK: a seller; lists a FIXED product
    buyer, rival = new_buyer(server, mailbox), new_buyer(server, mailbox)
    member, auth = seller.service(server, "Member")
    assert member.getProfile(**auth).role == "SELLER"
    member, auth = buyer.service(server, "Member")
    assert member.getProfile(**auth).role == "BUYER"

    # 2. an auction next to the fixed-price product: the buyer bids, the rival outbids, the buyer is told
    catalog, auth = seller.service(server, "Catalog")
    auction_id = catalog.sellProduct(form=fixed_form(
        shop.category, name="Tenun Ikat Sumba", saleMethod="AUCTION", price=None, stock=None,
        startPrice=500_000, minIncrement=25_000, endsAt=to_wib(utcnow() + timedelta(hours=2))), **auth).productId
    assert catalog.getProduct(productId=auction_id).action == "BID"
    assert catalog.getProduct(productId=seller.product_id).action == "BUY"
    for bidder, amount in ((buyer, 500_000), (rival, 525_000)):
        auction, auth = bidder.service(server, "Auction")
        auction.placeBid(productId=auction_id, amount=amount, **auth)
    told(mailbox, gateway, buyer, "telah dilampaui")

    # 3. cart and checkout: one invoice, emailed with the exact amount and the seller's account
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=seller.product_id, quantity=2, **auth)
    checkout, auth = buyer.service(server, "Checkout")
    [group] = checkout.quoteShipping(**auth)
    option = min((o for o in group.options.ShippingOption if o.courier == "jne"), key=lambda o: o.cost)
    [invoice] = checkout.checkout(choices={"ShippingChoice": [{
        "sellerUsername": seller.member.username, "courier": "jne", "service": option.service}]}, **auth)
    number = invoice.invoiceNumber
    mail = told(mailbox, gateway, buyer, "Faktur")
    text = mail.get_body(("plain",)).get_content()
    assert number in text and seller.account in text
    told(mailbox, gateway, seller, invoice.orderNumber)

    # 4. payment: the transfer's mutation pays the invoice; both told "Pembayaran faktur ... telah diterima"
    transfer(banks, seller, invoice.amountDue, number)
    payment, auth = buyer.service(server, "Payment")
    assert payment.confirmPayment(invoiceNumber=number, **auth).statusText == "LUNAS"
    for party in (buyer, seller):
        told(mailbox, gateway, party, f"Pembayaran faktur {number}", f"Pembayaran faktur {number}")

    # 5. shipping: the seller enters the courier's waybill; the buyer gets SMS and email
    registered = jne.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                      service=option.service, receiverName="Siti Aminah")
    shipping, seller_auth = seller.service(server, "Shipping")
    shipped = shipping.shipOrder(orderNumber=invoice.orderNumber, courier="jne", waybill=registered.waybill,
                                 reason=None, **seller_auth)
    assert shipped.orderStatus == "SHIPPED"
    told(mailbox, gateway, buyer, f"{number} telah dikirim via", f"resi {registered.waybill}")

    # 6. tracking: the courier moves the parcel to delivery; the worker's poll sees it, the order is DELIVERED
    eventually(lambda: jne.advanceShipment(waybill=registered.waybill, failAttempt=False).delivered,
               "the courier sandbox to deliver the parcel", interval=0)
    shipping, buyer_auth = buyer.service(server, "Shipping")
    tracking = eventually(lambda: (t := shipping.trackOrder(orderNumber=invoice.orderNumber, **buyer_auth))
                          .status == "Delivered" and t, "the poll to see the delivery")
    assert tracking.delivered and tracking.orderStatus == "DELIVERED" and tracking.receivedBy
    assert len(items(tracking.events, "TrackingEvent")) >= 3
    told(mailbox, gateway, seller, f"Pesanan {invoice.orderNumber} telah diterima")
    shipping.confirmReceived(orderNumber=invoice.orderNumber, **buyer_auth)

    # 7. reports: the purchase and the sale, complete, with the waybill leading to its tracking
    today = to_wib(utcnow()).date()
    report, auth = buyer.service(server, "Report")
    [bought] = items(report.purchaseReport(fromDate=today - timedelta(days=1), toDate=today, **auth).rows, "ReportRow")
    report, auth = seller.service(server, "Report")
    [sold] = items(report.salesReport(fromDate=today - timedelta(days=1), toDate=today, **auth).rows, "ReportRow")
    for row in (bought, sold):
        assert (row.invoiceNumber, row.invoiceStatus, row.orderStatus) == (number, "PAID", "COMPLETED")
        assert (row.amountDue, row.waybill, row.shippingStatus) == (invoice.amountDue, registered.waybill, "Delivered")
        assert [(i.productId, i.quantity) for i in items(row.items, "ReportItem")] == [(seller.product_id, 2)]
    traced = shipping.trackShipment(courier=sold.tracking.courier, waybill=sold.tracking.waybill, **buyer_auth)
    assert traced.status == "Delivered" and traced.orderNumber == invoice.orderNumber
