"""Checkout over SOAP (Table III row 2): a two-seller cart becomes two invoices, emailed to the buyer, and
open invoices to one account never share an amount; bad input gets its own fault and changes
nothing; cancel restores the stock, a paid invoice cannot be cancelled; a won auction is checked out."""
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from emall_ws.clock import utcnow
from emall_ws.db.session import Database
from emall_ws.domain.partners import BANKS, COURIERS
from emall_ws.services.auction import close_due_auctions
from tests.builders import set_ends_at
from tests.e2e.catalog import Member, Shop, auction_form, fixed_form, new_member, new_shop, stock_of
from tests.e2e.payments import buy, cheapest, new_buyer, new_seller, transfer, wait_until_paid
from tests.e2e.soap import detail_code, fault_code, fault_of, field_errors, seen_by_caller
from tests.waiting import eventually


@dataclass(frozen=True)
class CheckoutShop(Shop):
    sellers: list[Member]  # each with a payout account: bca 5550001111, mandiri 1230009999123 (typed "MANDIRI")
    products: dict[str, int]  # keripik, sambal (the first seller's), batik


@pytest.fixture(scope="module")
def shop(server, mailbox) -> CheckoutShop:
    shop = new_shop(server)
    category = shop.category
    sellers = [new_member(server, mailbox, seller=True, accountNumber="5550001111"),
               new_member(server, mailbox, seller=True, bankCode="MANDIRI", accountNumber="1230009999123")]
    products = {}
    for seller, key, form in ((sellers[0], "keripik", fixed_form(category, stock=50)),
                              (sellers[0], "sambal", fixed_form(category, name="Sambal Bawang", price=18_000,
                                                                weightGrams=200, stock=40)),
                              (sellers[1], "batik", fixed_form(category, name="Batik Cap Pekalongan",
                                                               price=175_000, weightGrams=400, stock=30))):
        catalog, auth = seller.service(server, "Catalog")
        products[key] = catalog.sellProduct(form=form, **auth).productId
    return CheckoutShop(shop.admin, category, sellers, products)


def filled_cart(server, mailbox, shop) -> Member:
    buyer = new_member(server, mailbox)
    cart, auth = buyer.service(server, "Cart")
    p = shop.products
    cart.addItem(productId=p["keripik"], quantity=2, **auth)
    cart.addItem(productId=p["sambal"], quantity=1, **auth)
    cart.addItem(productId=p["batik"], quantity=1, **auth)
    return buyer


def test_table3_row2_checkout_makes_two_invoices_and_emails_them(server, mailbox, shop):
    buyer = filled_cart(server, mailbox, shop)
    service, auth = buyer.service(server, "Checkout")
    quotes = service.quoteShipping(**auth)
    assert len(quotes) == 2 and all(q.options for q in quotes)
    sellers = [s.username for s in shop.sellers]
    choices, options = zip(*(cheapest(quotes, s) for s in sellers), strict=True)
    before = stock_of(server, shop.products["keripik"])
    invoices = service.checkout(choices={"ShippingChoice": list(choices)}, **auth)
    assert [i.seller for i in invoices] == sorted(sellers, key=str.lower)  # one per seller, by seller name
    by_seller = {i.seller: i for i in invoices}
    assert all(1 <= i.uniqueCode <= 999 for i in invoices)
    for seller, option in zip(sellers, options, strict=True):
        invoice = by_seller[seller]
        assert re.fullmatch(r"INV/\d{8}/\d{6,}", invoice.invoiceNumber)
        assert invoice.shippingCost == option.cost and invoice.status == "UNPAID"
        assert invoice.amountDue == invoice.goodsTotal + invoice.shippingCost + invoice.uniqueCode
        assert invoice.dueAt.utcoffset().total_seconds() == 7 * 3600  # WIB on the wire
    assert by_seller[sellers[0]].goodsTotal == 2 * 25_000 + 18_000
    assert by_seller[sellers[1]].payeeAccount == "1230009999123"
    assert stock_of(server, shop.products["keripik"]) == before - 2
    cart, cart_auth = buyer.service(server, "Cart")
    assert not cart.getCart(**cart_auth).groups
    # the buyer's one email lists both invoices: number, exact amount, account, in text and HTML
    address = f"{buyer.username}@example.co.id"
    message = mail_about(mailbox, address, "Faktur pembelian")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for invoice in invoices:
        amount = f"Rp {invoice.amountDue:,}".replace(",", ".")
        for body in (text, html):
            assert invoice.invoiceNumber in body and amount in body and invoice.payeeAccount in body
            # a person reads the bank and the courier by their names, never an upper-cased code
            assert f"Ke rekening: {BANKS[invoice.payeeBank]} {invoice.payeeAccount}" in body
            assert f"Ongkos kirim ({COURIERS[invoice.courier]} {invoice.courierService})" in body
    assert "WIB" in text
    # issue 22: one spelling per code: the payee bank is the seller's bank code as the profile answers it
    # (the second seller typed "MANDIRI")
    for seller in shop.sellers:
        member, member_auth = seller.service(server, "Member")
        assert by_seller[seller.username].payeeBank == member.getProfile(**member_auth).bankCode
    assert [by_seller[s].payeeBank for s in sellers] == ["bca", "mandiri"]
    # both sellers hear of their new order
    for seller in sellers:
        order = mail_about(mailbox, f"{seller}@example.co.id", "Pesanan baru")
        assert by_seller[seller].invoiceNumber in order.get_body(("plain",)).get_content()
    # getInvoice / listInvoices
    assert service.getInvoice(invoiceNumber=invoices[0].invoiceNumber, **auth).amountDue == invoices[0].amountDue
    assert {i.invoiceNumber for i in service.listInvoices(**auth)} == {i.invoiceNumber for i in invoices}
    # a second buyer's checkout: two open invoices to the first seller's one account, never with the
    # same amount (a credit of that amount names one invoice)
    second = filled_cart(server, mailbox, shop)
    other, other_auth = second.service(server, "Checkout")
    other.checkout(choices={"ShippingChoice": [cheapest(other.quoteShipping(**other_auth), s)[0] for s in sellers]},
                   **other_auth)
    payee, payee_auth = shop.sellers[0].service(server, "Checkout")
    open_ones = payee.listInvoices(status="UNPAID", **payee_auth)
    assert len(open_ones) >= 2 and {i.payeeAccount for i in open_ones} == {"5550001111"}
    assert len({i.amountDue for i in open_ones}) == len(open_ones)


def mail_about(mailbox, address, subject, timeout=30):
    """The first message to `address` whose subject holds `subject`, waiting for it to arrive."""
    return eventually(lambda: [m for m in mailbox.to(address) if subject in str(m["Subject"])],
                      f"a message {subject!r} to {address}", timeout, interval=0.1)[0]


def test_bad_checkouts_get_their_own_faults_and_change_nothing(server, mailbox, shop):
    empty = new_member(server, mailbox)
    service, auth = empty.service(server, "Checkout")
    fault = fault_of(service.checkout, choices={"ShippingChoice": []}, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "CART_EMPTY")

    buyer = filled_cart(server, mailbox, shop)
    service, auth = buyer.service(server, "Checkout")
    quotes = service.quoteShipping(**auth)
    sellers = [s.username for s in shop.sellers]
    good = [cheapest(quotes, s)[0] for s in sellers]
    stock = stock_of(server, shop.products["keripik"])
    for choices, code in (([dict(good[0], courier="nosuch"), good[1]], "COURIER_NOT_QUOTED"),
                          ([dict(good[0], service="TELEPORT"), good[1]], "SERVICE_NOT_QUOTED"),
                          ([good[0]], "CHOICE_MISSING")):
        fault = fault_of(service.checkout, choices={"ShippingChoice": choices}, **auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", code)
    fault = fault_of(service.checkout, choices={"ShippingChoice": good},
                     shippingAddress={"address": "Jl. Antah Berantah 1", "cityCode": "99.99"}, **auth)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["cityCode"][0] == "UNKNOWN_CITY"
    assert stock_of(server, shop.products["keripik"]) == stock
    assert not service.listInvoices(**auth)
    cart, cart_auth = buyer.service(server, "Cart")
    assert cart.getCart(**cart_auth).itemCount == 4


def test_someone_elses_invoice_and_cancelling_twice_are_refused(server, mailbox, shop):
    buyer = filled_cart(server, mailbox, shop)
    service, auth = buyer.service(server, "Checkout")
    quotes = service.quoteShipping(**auth)
    choices = [cheapest(quotes, s.username)[0] for s in shop.sellers]
    stock = stock_of(server, shop.products["batik"])
    invoice = service.checkout(choices={"ShippingChoice": choices}, **auth)[0]
    assert stock_of(server, shop.products["batik"]) == stock - 1
    stranger = new_member(server, mailbox)
    other, other_auth = stranger.service(server, "Checkout")
    missing = "INV/20000101/000000"
    for call in (other.getInvoice, other.cancelInvoice):  # someone else's answers as one that does not exist
        fault = fault_of(call, invoiceNumber=invoice.invoiceNumber, **other_auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "INVOICE_NOT_FOUND")
        assert seen_by_caller(fault, invoice.invoiceNumber) \
            == seen_by_caller(fault_of(call, invoiceNumber=missing, **other_auth), missing)
    shown = service.getInvoice(invoiceNumber=invoice.invoiceNumber, **auth)  # the stranger changed nothing
    assert (shown.status, shown.orderStatus, shown.closedAt) == ("UNPAID", "AWAITING_PAYMENT", None)
    assert stock_of(server, shop.products["batik"]) == stock - 1
    fault = fault_of(service.getInvoice, invoiceNumber="INV/20000101/000000", **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.NotFound", "INVOICE_NOT_FOUND")
    # the payee sees it too, the admin as well
    seller, seller_auth = Member.service(next(s for s in shop.sellers if s.username == invoice.seller),
                                         server, "Checkout")
    assert seller.getInvoice(invoiceNumber=invoice.invoiceNumber, **seller_auth).buyer == buyer.username
    cancelled = service.cancelInvoice(invoiceNumber=invoice.invoiceNumber, **auth)
    assert (cancelled.status, cancelled.orderStatus) == ("CANCELLED", "CANCELLED")
    fault = fault_of(service.cancelInvoice, invoiceNumber=invoice.invoiceNumber, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "INVOICE_NOT_CANCELLABLE")
    admin, admin_auth = shop.admin.service(server, "Checkout")
    assert admin.getInvoice(invoiceNumber=invoice.invoiceNumber, **admin_auth).status == "CANCELLED"


def test_a_paid_invoice_cannot_be_cancelled(server, mailbox, shop, banks):
    seller = new_seller(server, mailbox, shop, banks, "bni")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    transfer(banks, seller, invoice.amountDue, f"Pembayaran {invoice.invoiceNumber}")
    payment, payment_auth = buyer.service(server, "Payment")
    payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **payment_auth)  # or the worker pays it first
    wait_until_paid(server, buyer, invoice.invoiceNumber)
    service, auth = buyer.service(server, "Checkout")
    stock = stock_of(server, seller.product_id)
    fault = fault_of(service.cancelInvoice, invoiceNumber=invoice.invoiceNumber, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "INVOICE_NOT_CANCELLABLE")
    shown = service.getInvoice(invoiceNumber=invoice.invoiceNumber, **auth)
    assert (shown.status, shown.orderStatus) == ("PAID", "PAID") and stock_of(server, seller.product_id) == stock


def test_a_won_auction_is_quoted_and_checked_out_by_its_winner_once(server, mailbox, shop):
    seller = shop.sellers[0]
    catalog, seller_auth = seller.service(server, "Catalog")
    product_id = catalog.sellProduct(form=auction_form(shop.category), **seller_auth).productId
    winner, stranger = new_member(server, mailbox), new_member(server, mailbox)
    auction, auction_auth = winner.service(server, "Auction")
    auction.placeBid(productId=product_id, amount=1_000_000, **auction_auth)  # reaches the reserve
    db = Database(server.database_url)
    try:
        set_ends_at(db, product_id, utcnow() - timedelta(seconds=1))
        close_due_auctions(db, utcnow())  # what the worker job runs (it may have run first, or hold the row now)
    finally:
        db.dispose()
    eventually(lambda: auction.getAuction(productId=product_id).status != "ENDED",
               "the auction closed, by close_due_auctions or the worker's job (every 5 s)")
    assert auction.getAuction(productId=product_id).status == "SOLD"
    service, auth = winner.service(server, "Checkout")
    jne = {"courier": "jne", "service": "REG"}
    fault = fault_of(service.checkoutAuction, productId=product_id, choice=jne, **auth)  # not quoted yet
    assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "COURIER_NOT_QUOTED")
    other, other_auth = stranger.service(server, "Checkout")
    for call in (other.quoteAuctionShipping, other.checkoutAuction):
        fault = fault_of(call, productId=product_id, **other_auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.InvalidState", "AUCTION_NOT_WON")
    quote = service.quoteAuctionShipping(productId=product_id, **auth)
    assert (quote.sellerUsername, quote.weightGrams, quote.subtotal) == (seller.username, 2500, 1_000_000)
    assert quote.expiresAt.utcoffset() == timedelta(hours=7)
    option = min(quote.options.ShippingOption, key=lambda o: o.cost)
    invoice = service.checkoutAuction(productId=product_id, choice={"courier": option.courier,
                                                                    "service": option.service}, **auth)
    assert [(line.productId, line.quantity, line.unitPrice) for line in invoice.lines.InvoiceLine] == [
        (product_id, 1, 1_000_000)]
    assert invoice.shippingCost == option.cost and invoice.status == "UNPAID" and invoice.seller == seller.username
    assert invoice.amountDue == 1_000_000 + option.cost + invoice.uniqueCode
    fault = fault_of(service.checkoutAuction, productId=product_id, choice={"courier": option.courier,
                                                                           "service": option.service}, **auth)
    assert (fault_code(fault), detail_code(fault)) == ("Client.Conflict", "AUCTION_ALREADY_CHECKED_OUT")
    assert [i.invoiceNumber for i in service.listInvoices(**auth)] == [invoice.invoiceNumber]


def test_eight_buyers_flooding_one_seller_are_capped_and_an_honest_buyer_still_checks_out(server, mailbox, shop):
    """Issue 21's attack over SOAP: self-registered buyers check out from one seller again and again.
    Each is refused past five unpaid invoices (TOO_MANY_UNPAID, saying how many are open and how to
    cancel one); the refusal changes nothing; an honest buyer then checks out at once."""
    seller = new_member(server, mailbox, seller=True, accountNumber="5550002222")
    catalog, seller_auth = seller.service(server, "Catalog")
    product_id = catalog.sellProduct(form=fixed_form(shop.category, stock=1_000), **seller_auth).productId

    def attempt(buyer: Member, choice=None):
        cart, cart_auth = buyer.service(server, "Cart")
        cart.addItem(productId=product_id, quantity=1, **cart_auth)
        service, auth = buyer.service(server, "Checkout")
        choice = choice or cheapest(service.quoteShipping(**auth), seller.username)[0]
        return service, auth, choice  # the quote stays valid for the same group: checkout again and again

    for _ in range(8):
        attacker = new_member(server, mailbox)
        service, auth, choice = attempt(attacker)
        for round_ in range(5):
            if round_:
                attempt(attacker, choice)
            service.checkout(choices={"ShippingChoice": [choice]}, **auth)
        attempt(attacker, choice)
        before = stock_of(server, product_id)
        fault = fault_of(service.checkout, choices={"ShippingChoice": [choice]}, **auth)
        assert (fault_code(fault), detail_code(fault)) == ("Client.Conflict", "TOO_MANY_UNPAID")
        assert "5" in fault.message and "cancelInvoice" in fault.message
        assert stock_of(server, product_id) == before
        assert len(service.listInvoices(status="UNPAID", **auth)) == 5
    honest = new_member(server, mailbox)
    service, auth, choice = attempt(honest)
    [invoice] = service.checkout(choices={"ShippingChoice": [choice]}, **auth)
    assert invoice.status == "UNPAID" and invoice.seller == seller.username
    assert stock_of(server, product_id) == 1_000 - 41


def test_text_that_could_forge_a_line_or_reorder_one_is_refused_naming_the_field(server, mailbox, shop):
    """Issue 21: a line break in a name, a shipping address or a product name, or an RTL override in a
    photo URL, is a Client.Validation fault naming the field; nothing is registered, listed or sold."""
    from tests.e2e.members import form
    from tests.e2e.soap import client

    forged = "\nPEMBAYARAN TELAH DITERIMA (LUNAS). SEGERA KIRIM."
    member = client(server, "Member").service
    values = form(name="Budi Santoso" + forged)
    fault = fault_of(member.register, form=values)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["name"][0] == "UNSAFE_CHARACTER"
    assert field_errors(fault)["name"][1].startswith("Kolom ")
    assert member.register(form=dict(values, name="Budi Santoso")).status == "PENDING"  # the username was not taken

    catalog, auth = shop.sellers[0].service(server, "Catalog")
    fault = fault_of(catalog.sellProduct, form=fixed_form(
        shop.category, name="Keripik\n  Ke rekening: BCA 0000000000 a.n. PENIPU",
        photoUrls=["https://cdn.example.id/\u202egpj.exe"]), **auth)
    assert {field: code for field, (code, _) in field_errors(fault).items()} == {
        "name": "UNSAFE_CHARACTER", "photoUrls": "PHOTO_URL_INVALID"}

    buyer = filled_cart(server, mailbox, shop)
    service, auth = buyer.service(server, "Checkout")
    quotes = service.quoteShipping(**auth)
    good = [cheapest(quotes, s.username)[0] for s in shop.sellers]
    stock = stock_of(server, shop.products["keripik"])
    fault = fault_of(service.checkout, choices={"ShippingChoice": good},
                     shippingAddress={"address": "Jl. Merdeka 1" + forged, "cityCode": "31.74"}, **auth)
    assert fault_code(fault) == "Client.Validation" and field_errors(fault)["address"][0] == "UNSAFE_CHARACTER"
    assert stock_of(server, shop.products["keripik"]) == stock and not service.listInvoices(**auth)
