"""The README's sandbox walkthrough ("A whole auction in the sandbox"), taken step by step over SOAP against
`emall-ws serve` started as the README starts it (EMALL_AUCTION_MIN_DURATION=60, every other interval at
its default): an auction listed, bid on by two buyers (the leader is told he leads), closed by the worker,
won, checked out, paid by a transfer in the bank sandbox to the seller's payout account (no openAccount),
shipped through the courier sandbox and tracked to delivery, all within five minutes of the start."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import zeep

from emall_ws.clock import utcnow
from tests.e2e.catalog import ADMIN_PASSWORD, Member, auction_form, create_admin, fixed_form, in_wib, new_category
from tests.e2e.catalog import new_member
from tests.e2e.members import login
from tests.e2e.server import serving
from tests.e2e.soap import client, fault_code, fault_of, field_errors
from tests.waiting import eventually

README = Path(__file__).resolve().parents[2] / "README.md"
MIN_DURATION, ENDS_IN = 60, 90  # seconds: the README's setting, and its "say 90 s"
START, STEP = 750_000, 25_000
# the walkthrough's intervals are the defaults an integrator has (the other e2e servers run theirs every second)
DEFAULT_INTERVALS = {"EMALL_AUCTION_CLOSE_INTERVAL": "5", "EMALL_RECONCILE_INTERVAL": "60",
                     "EMALL_TRACKING_INTERVAL": "300", "EMALL_INVOICE_EXPIRY_INTERVAL": "30"}
# the calls the walkthrough names, in its order; the flow below makes them in this order
STEPS = ("Catalog.createCategory", "Member.register", "Member.activate", "Member.login", "Catalog.sellProduct",
         "Auction.placeBid", "Auction.getAuction", "Checkout.quoteAuctionShipping", "Checkout.checkoutAuction",
         "transfer", "Payment.confirmPayment", "registerShipment", "advanceShipment", "Shipping.shipOrder",
         "Shipping.trackOrder")
PAYOUT = "5550012345"  # the seller's BCA payout account: registered with the platform, never opened by hand


@pytest.fixture(scope="module")
def started(database_factory, tmp_path_factory, mailbox):
    """(the server, when `emall-ws serve` was started)."""
    began = time.monotonic()
    with serving(database_factory, tmp_path_factory.mktemp("walkthrough"), mailbox, "walkthrough",
                 EMALL_AUCTION_MIN_DURATION=str(MIN_DURATION), **DEFAULT_INTERVALS) as server:
        yield server, began


@pytest.fixture(scope="module")
def category(started) -> str:
    server, _ = started
    admin_name = create_admin(server)
    return new_category(server, Member(admin_name, login(server, admin_name, ADMIN_PASSWORD)))


def walkthrough() -> str:
    return README.read_text().split("\n## A whole auction in the sandbox\n", 1)[1].split("\n## ", 1)[0]


def sandbox(server, path: str):
    return zeep.Client(f"{server.sandbox_url}{path}?wsdl", settings=zeep.Settings(strict=False)).service


def listed(server, seller: Member) -> dict:
    """The seller's products as the catalogue shows them to anyone."""
    page = client(server, "Catalog").service.searchProducts(filters={"seller": seller.username})
    return zeep.helpers.serialize_object(page)


def test_the_readme_walkthrough_names_the_calls_in_the_order_this_test_makes_them():
    section = walkthrough()
    where = {step: section.find(f"`{step}") for step in STEPS}
    assert [step for step, at in where.items() if at < 0] == []
    assert sorted(STEPS, key=where.__getitem__) == list(STEPS)
    assert "EMALL_AUCTION_MIN_DURATION=60 .venv/bin/emall-ws serve" in section


def test_an_integrator_runs_a_whole_auction_in_the_sandbox_within_five_minutes(started, category, mailbox):
    server, began = started
    # 2. members: the seller registers a payout account and nobody opens it at the bank sandbox
    seller = new_member(server, mailbox, seller=True, bankCode="BCA", accountNumber=PAYOUT)
    budi, siti = new_member(server, mailbox), new_member(server, mailbox)

    # 3. sell, with an auction just past the configured minimum
    catalog, auth = seller.service(server, "Catalog")
    product_id = catalog.sellProduct(form=auction_form(category, reservePrice=None, endsAt=in_wib(seconds=ENDS_IN)),
                                     **auth).productId

    # 4. two buyers bid; each, with his SessionHeader, reads whether he leads
    for bidder, amount in ((budi, START), (siti, START + STEP)):
        auction, auth = bidder.service(server, "Auction")
        auction.placeBid(productId=product_id, amount=amount, **auth)
    auction, siti_auth = siti.service(server, "Auction")
    leading = auction.getAuction(productId=product_id, **siti_auth)
    assert (leading.status, leading.youLead, leading.leader) == ("OPEN", True, siti.username)
    assert [bid.yours for bid in leading.recentBids.Bid] == [True, False]
    budi_auction, budi_auth = budi.service(server, "Auction")
    assert budi_auction.getAuction(productId=product_id, **budi_auth).youLead is False

    # 5. the worker closes it after endsAt (within EMALL_AUCTION_CLOSE_INTERVAL): the winner reads that he won
    won = eventually(lambda: (a := auction.getAuction(productId=product_id, **siti_auth)).status == "SOLD" and a,
                     "the worker to close the auction", timeout=ENDS_IN + 60, interval=1)
    assert (won.youWon, won.winner, won.currentPrice) == (True, siti.username, START + STEP)

    # 6. check out the won auction
    checkout, auth = siti.service(server, "Checkout")
    quote = checkout.quoteAuctionShipping(productId=product_id, **auth)
    option = min(quote.options.ShippingOption, key=lambda o: o.cost)
    invoice = checkout.checkoutAuction(productId=product_id, choice={"courier": option.courier,
                                                                     "service": option.service}, **auth)
    assert (invoice.payeeBank, invoice.payeeAccount, invoice.status) == ("bca", PAYOUT, "UNPAID")

    # 7. pay: the bank sandbox's transfer to the payout account opens it; confirmPayment reads the bank
    bank = sandbox(server, f"/partners/bank/{invoice.payeeBank}")
    bank.transfer(toAccount=invoice.payeeAccount, amount=invoice.amountDue, description=invoice.invoiceNumber,
                  fromName="SITI AMINAH")
    payment, auth = siti.service(server, "Payment")
    assert payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **auth).statusText == "LUNAS"

    # 8. ship: the courier sandbox accepts and moves the parcel, then the seller enters its waybill
    courier = sandbox(server, f"/partners/courier/{option.courier}")
    parcel = courier.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                      service=option.service, receiverName="Siti Aminah")
    eventually(lambda: courier.advanceShipment(waybill=parcel.waybill, failAttempt=False).delivered,
               "the courier sandbox to deliver the parcel", interval=0)
    shipping, auth = seller.service(server, "Shipping")
    shipped = shipping.shipOrder(orderNumber=invoice.orderNumber, courier=option.courier, waybill=parcel.waybill,
                                 reason=None, **auth)
    assert shipped.orderStatus == "SHIPPED"

    # 9. track: the live read finds the delivery
    shipping, auth = siti.service(server, "Shipping")
    tracked = shipping.trackOrder(orderNumber=invoice.orderNumber, **auth)
    assert (tracked.status, tracked.delivered, tracked.orderStatus, tracked.checkFailed) == (
        "Delivered", True, "DELIVERED", False)
    assert time.monotonic() - began < 5 * 60


def test_an_auction_shorter_than_the_setting_is_refused_naming_the_minimum(started, category, mailbox):
    server, _ = started
    seller = new_member(server, mailbox, seller=True, accountNumber="5550054321")
    catalog, auth = seller.service(server, "Catalog")
    before = listed(server, seller)
    fault = fault_of(catalog.sellProduct, form=auction_form(category, endsAt=in_wib(seconds=MIN_DURATION - 20)),
                     **auth)
    assert fault_code(fault) == "Client.Validation"
    assert field_errors(fault)["endsAt"] == ("AUCTION_END_TOO_SOON", "Lelang harus berlangsung paling sedikit 1 menit")
    assert listed(server, seller) == before and before["products"] is None  # nothing was listed


def test_a_waybill_the_courier_does_not_know_yet_is_told_as_such_not_as_a_courier_unreachable(started, category,
                                                                                               mailbox):
    server, _ = started
    seller = new_member(server, mailbox, seller=True, accountNumber="5550067890")
    buyer = new_member(server, mailbox)
    catalog, auth = seller.service(server, "Catalog")
    product_id = catalog.sellProduct(form=fixed_form(category, stock=3), **auth).productId
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=product_id, quantity=1, **auth)
    checkout, auth = buyer.service(server, "Checkout")
    [quote] = checkout.quoteShipping(**auth)
    option = next(o for o in quote.options.ShippingOption if o.courier == "jne")
    [invoice] = checkout.checkout(choices={"ShippingChoice": [{
        "sellerUsername": seller.username, "courier": "jne", "service": option.service}]}, **auth)
    sandbox(server, "/partners/bank/bca").transfer(toAccount=invoice.payeeAccount, amount=invoice.amountDue,
                                                   description=invoice.invoiceNumber, fromName="BUDI")
    payment, auth = buyer.service(server, "Payment")
    assert payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **auth).statusText == "LUNAS"
    shipping, auth = seller.service(server, "Shipping")
    waybill = f"JNE{utcnow():%y%m%d%H%M%S}"  # entered before the courier has scanned the parcel in
    shipping.shipOrder(orderNumber=invoice.orderNumber, courier="jne", waybill=waybill, reason=None, **auth)

    shipping, auth = buyer.service(server, "Shipping")
    tracked = shipping.trackOrder(orderNumber=invoice.orderNumber, **auth)
    assert (tracked.status, tracked.orderStatus, tracked.checkFailed, tracked.events) == (
        "Pending", "SHIPPED", True, None)  # nothing changed but the note of the read
    assert tracked.messageCode == "TRACKING_WAYBILL_UNKNOWN"
    assert tracked.message == f"Kurir JNE belum mengenal resi {waybill}; ditampilkan status terakhir yang " \
                              "diketahui. Periksa nomor resi, atau tunggu sampai kurir mencatat kiriman."
    assert "tidak dapat dihubungi" not in tracked.message
