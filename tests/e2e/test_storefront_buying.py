"""The storefront's buying and order pages (storefront/pages/buying.py, orders.py) in-process against the
real platform: a buyer adds a seller's product, checks out with a courier, pays through the bank sandbox,
confirms, follows the parcel and confirms receipt; each refusal shows the platform's message and changes
nothing (checked through SOAP)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import zeep

from storefront.app import create_app
from tests.e2e.catalog import Member, Shop, auction_form, fixed_form, new_shop
from tests.e2e.members import PASSWORD
from tests.e2e.payments import Party, Seller, buy, items, new_buyer, new_seller, transfer, wait_until_paid
from tests.e2e.storefront_client import Browser, Page, check_accessibility
from tests.waiting import eventually


@dataclass
class World:
    shop: Shop
    seller: Seller
    scarce: int  # the seller's product with 3 in stock
    auction: int


@pytest.fixture(scope="module")
def world(server, mailbox, banks) -> World:
    shop = new_shop(server)
    seller = new_seller(server, mailbox, shop, banks, "bca")
    catalog, auth = seller.service(server, "Catalog")
    scarce = catalog.sellProduct(form=fixed_form(shop.category, name="Batik Tulis Lasem", price=350_000, stock=3),
                                 **auth).productId
    auction = catalog.sellProduct(form=auction_form(shop.category), **auth).productId
    return World(shop, seller, scarce, auction)


@pytest.fixture
def browser(server, tmp_path) -> Browser:
    return Browser(create_app(server.url, tmp_path / "state", secure_cookies=True))


def logged_in(browser: Browser, who: Member | Party) -> None:
    username = who.username if isinstance(who, Member) else who.member.username
    form = browser.get("/masuk")
    answer = browser.post("/masuk", {"csrf": form.csrf(), "username": username, "password": PASSWORD})
    assert answer.status == 303, answer.text[:2000]


def followed(browser: Browser, answer: Page, location_starts: str) -> Page:
    """The page a 303 after a form leads to (its notice shown once)."""
    assert answer.status == 303, answer.text[:3000]
    location = answer.header("Location")
    assert location and location.startswith(location_starts), location
    page = browser.get(location)
    assert page.status == 200, page.text[:3000]
    return page


def accessible(page: Page, where: str) -> Page:
    check_accessibility(page.text, where)
    return page


def cart_lines(server, buyer: Party) -> list[tuple[int, int]]:
    cart, auth = buyer.service(server, "Cart")
    answer = cart.getCart(**auth)
    return [(line.productId, line.quantity) for group in items(answer.groups, "SellerGroup")
            for line in items(group.lines, "CartLine")]


def invoice_numbers(server, buyer: Party) -> list[str]:
    checkout, auth = buyer.service(server, "Checkout")
    return [invoice.invoiceNumber for invoice in items(checkout.listInvoices(**auth), "Invoice")]


def test_a_visitor_is_asked_to_log_in_to_buy(browser, world):
    page = browser.get(f"/produk/{world.seller.product_id}")
    assert page.dom().xpath("//a/@href").count(f"/masuk?kembali=/produk/{world.seller.product_id}") == 1
    assert not page.dom().xpath("//form[contains(@action, '/keranjang')]")
    answer = browser.request("GET", "/keranjang")
    assert answer.status == 303 and answer.header("Location") == "/masuk?kembali=%2Fkeranjang"


def test_buy_pay_track_and_receive(server, mailbox, banks, browser, world):
    seller, buyer = world.seller, new_buyer(server, mailbox)
    logged_in(browser, buyer)
    product = accessible(browser.get(f"/produk/{seller.product_id}"), "product")
    form = product.dom().xpath("//form[contains(@action, '/keranjang')]")[0]
    assert form.xpath(".//label[@for='jumlah']") and "Tambah ke keranjang" in form.text_content()

    # the cart: the seller's group, price, quantity and subtotal
    cart = followed(browser, browser.post(f"/produk/{seller.product_id}/keranjang",
                                          {"csrf": product.csrf(), "jumlah": "2"}), "/keranjang")
    accessible(cart, "cart")
    assert cart_lines(server, buyer) == [(seller.product_id, 2)]
    [group] = cart.dom().xpath("//section[contains(@class, 'seller-group')]")
    assert seller.member.username in group.xpath("string(.//h2)")
    row = group.xpath(".//tbody/tr")[0]
    assert [cell.text_content().strip() for cell in row.xpath("./td[@class='num']")] == ["Rp 25.000", "Rp 50.000"]
    assert row.xpath(".//input[@name='jumlah']/@value") == ["2"]
    # a quantity changed on the page is the cart's
    cart = followed(browser, browser.post("/keranjang/ubah", {"csrf": cart.csrf(), "produk": str(seller.product_id),
                                                               "jumlah": "3"}), "/keranjang")
    assert cart_lines(server, buyer) == [(seller.product_id, 3)] and "Rp 75.000" in cart.text

    # checkout: one radio group of courier and service for the seller, the first answer chosen
    kasir = accessible(browser.get("/kasir"), "checkout")
    radios = kasir.dom().xpath(f"//input[@type='radio'][@name='kirim:{seller.member.username}']")
    assert radios and all(kasir.dom().xpath(f"//label[@for='{r.get('id')}']") for r in radios)
    chosen = radios[0].get("value")  # courier|service: whichever courier answered in time
    code, service = chosen.split("|")
    label = kasir.dom().xpath(f"string(//label[@for='{radios[0].get('id')}'])")
    assert code.upper() in label and "Rp " in label and "hari" in label
    invoice_page = followed(browser, browser.post("/kasir", {"csrf": kasir.csrf(),
                                                            f"kirim:{seller.member.username}": chosen}), "/faktur/INV/")
    accessible(invoice_page, "invoice")
    [number] = invoice_numbers(server, buyer)
    checkout, auth = buyer.service(server, "Checkout")
    invoice = checkout.getInvoice(invoiceNumber=number, **auth)
    assert (invoice.courier, invoice.courierService) == (code, service) and invoice.goodsTotal == 75_000
    assert cart_lines(server, buyer) == []

    # the payment instructions: bank, account, holder, the exact amount with the unique code marked
    dom = invoice_page.dom()
    assert dom.xpath("string(//dd[@id='bank'])") == "BCA"
    assert dom.xpath("string(//dd[@id='rekening'])") == seller.account
    assert dom.xpath("string(//dd[@id='pemilik'])") == invoice.payeeHolder
    amount = "Rp " + f"{invoice.amountDue:,}".replace(",", ".")
    assert dom.xpath("string(//dd[@id='jumlah-transfer'])") == amount
    assert dom.xpath("string(//dd[@id='jumlah-transfer']/strong/mark)") == f"{invoice.uniqueCode:03d}"
    assert dom.xpath("string(//dd[@id='batas'])").endswith(" WIB")

    # confirming before paying: the platform's reading, and the invoice still unpaid
    early = browser.post(f"/faktur/{number}/konfirmasi", {"csrf": invoice_page.csrf()})
    assert early.status == 200 and "BELUM DIBAYAR" in early.dom().xpath("string(//div[@id='pesan-bayar'])")
    accessible(early, "invoice, not paid yet")
    payment, pay_auth = buyer.service(server, "Payment")
    assert payment.getPaymentStatus(invoiceNumber=number, **pay_auth).status == "UNPAID"

    # paid through the bank sandbox, then confirmed on the page: LUNAS
    transfer(banks, seller, invoice.amountDue, number)
    paid = followed(browser, browser.post(f"/faktur/{number}/konfirmasi", {"csrf": invoice_page.csrf()}), "/faktur/")
    assert paid.dom().xpath("string(//strong[@id='status-faktur'])") == "LUNAS" and "LUNAS" in paid.text
    assert payment.getPaymentStatus(invoiceNumber=number, **pay_auth).status == "PAID"
    assert not paid.dom().xpath("//a[@id='lacak']")  # not shipped yet
    listed = accessible(browser.get("/faktur"), "invoices")
    assert listed.dom().xpath(f"//a[@href='/faktur/{number}']")

    # the seller ships through SOAP; the buyer follows the parcel from the invoice to its timeline
    courier = zeep.Client(f"{server.sandbox_url}/partners/courier/{code}?wsdl", settings=zeep.Settings(strict=False))
    parcel = courier.service.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                              service=invoice.courierService, receiverName="Siti Aminah")
    shipping, seller_auth = seller.service(server, "Shipping")
    shipping.shipOrder(orderNumber=invoice.orderNumber, courier=code, waybill=parcel.waybill, reason=None,
                       **seller_auth)
    link = browser.get(f"/faktur/{number}").dom().xpath("//a[@id='lacak']/@href")
    assert link == [f"/pesanan/{invoice.orderNumber}"]
    courier.service.advanceShipment(waybill=parcel.waybill, failAttempt=False)
    tracking = accessible(browser.get(link[0]), "tracking")
    assert tracking.dom().xpath("string(//dd[@id='resi'])") == parcel.waybill
    assert not tracking.dom().xpath("//form[contains(@action, '/diterima')]")  # not delivered yet

    eventually(lambda: courier.service.advanceShipment(waybill=parcel.waybill, failAttempt=False).delivered,
               "the courier sandbox to deliver the parcel", interval=0)
    track, buyer_auth = buyer.service(server, "Shipping")
    seen = eventually(lambda: (t := track.trackOrder(orderNumber=invoice.orderNumber, **buyer_auth))
                      .orderStatus == "DELIVERED" and t, "the poll to see the delivery")
    delivered = accessible(browser.get(link[0]), "tracking, delivered")
    events = items(seen.events, "TrackingEvent")
    shown = delivered.dom().xpath("//ol[@id='riwayat']/li")
    assert len(shown) == len(events) >= 3
    ordered = sorted(events, key=lambda e: e.time)
    assert [li.xpath("string(./span[@class='what'])") for li in shown] == [e.description for e in ordered]
    assert all(li.xpath("string(./time)").endswith(" WIB") for li in shown)
    assert shown[0].xpath("string(./span[@class='place'])") == (ordered[0].location or "-")
    done = followed(browser, browser.post(f"{link[0]}/diterima", {"csrf": delivered.csrf()}), "/pesanan/")
    assert done.dom().xpath("string(//dd[@id='status-pesanan'])") == "Selesai"
    assert track.trackOrder(orderNumber=invoice.orderNumber, **buyer_auth).orderStatus == "COMPLETED"

    # Table II: the purchase report lists the invoice; its waybill opens the shipment's own page
    report = accessible(browser.get("/laporan"), "purchase report")
    [row] = report.dom().xpath(f"//table[@id='faktur']//tr[td[1]='{number}']")
    assert row.xpath("string(td[4])") == seller.member.username and "Selesai" in row.xpath("string(.)")
    [waybill_link] = row.xpath(".//a/@href")
    assert waybill_link == f"/lacak/{code}/{parcel.waybill}"
    shipment = accessible(browser.get(waybill_link), "shipment")
    assert shipment.dom().xpath("string(//dd[@id='resi'])") == parcel.waybill
    assert len(shipment.dom().xpath("//ol[@id='riwayat']/li")) == len(events)
    assert not shipment.dom().xpath("//form[contains(@action, '/diterima')]")  # the buyer's forms: on /pesanan/
    csv = browser.get("/laporan.csv")
    assert csv.status == 200 and csv.header("Content-Type") == "text/csv; charset=utf-8"
    assert number in csv.body.decode("utf-8-sig") and parcel.waybill in csv.body.decode("utf-8-sig")


def test_refusals_show_the_platform_message_and_change_nothing(server, mailbox, browser, world):
    buyer = new_buyer(server, mailbox)
    logged_in(browser, buyer)

    # more than the stock
    product = browser.get(f"/produk/{world.scarce}")
    refused = browser.post(f"/produk/{world.scarce}/keranjang", {"csrf": product.csrf(), "jumlah": "4"})
    assert refused.status == 400 and "Stok tidak mencukupi" in refused.dom().xpath("string(//p[@id='jumlah-galat'])")
    assert refused.dom().xpath("//input[@id='jumlah']/@aria-describedby") == ["jumlah-galat"]
    accessible(refused, "product, too many")
    assert cart_lines(server, buyer) == []

    # a bid below the start price
    auction, auth = buyer.service(server, "Auction")
    before = auction.getAuction(productId=world.auction)
    page = browser.get(f"/produk/{world.auction}")
    low = browser.post(f"/produk/{world.auction}/tawar", {"csrf": page.csrf(), "nilai": "100.000"})
    message = low.dom().xpath("string(//p[@id='nilai-galat'])")
    assert low.status == 400 and message
    assert low.dom().xpath("//input[@id='nilai']/@aria-invalid") == ["true"]
    accessible(low, "product, low bid")
    after = auction.getAuction(productId=world.auction)
    assert (after.bidCount, after.currentPrice) == (before.bidCount, before.currentPrice)

    # checkout of an empty cart
    empty = accessible(browser.get("/kasir"), "checkout, empty")
    assert "Keranjang kosong" in empty.dom().xpath("string(//div[@id='kasir-galat'])")
    posted = browser.post("/kasir", {"csrf": empty.csrf(), f"kirim:{world.seller.member.username}": "jne|REG"})
    assert posted.status == 400 and "Keranjang kosong" in posted.text
    assert invoice_numbers(server, buyer) == []

    # a quantity for a line no longer in the cart (removed in another tab): said above the cart
    cart = browser.get("/keranjang")
    gone = browser.post("/keranjang/ubah", {"csrf": cart.csrf(), "produk": str(world.scarce), "jumlah": "2"})
    assert gone.status in (400, 404) and gone.dom().xpath("string(//div[@role='alert'])").strip(), gone.text[:2000]
    assert cart_lines(server, buyer) == []


def test_a_good_bid_and_a_repriced_cart_line(server, mailbox, browser, world):
    buyer = new_buyer(server, mailbox)
    logged_in(browser, buyer)
    page = browser.get(f"/produk/{world.auction}")
    auction, _ = buyer.service(server, "Auction")
    amount = auction.getAuction(productId=world.auction).minimumNextBid
    placed = followed(browser, browser.post(f"/produk/{world.auction}/tawar", {"csrf": page.csrf(),
                                                                               "nilai": str(amount)}), "/produk/")
    assert placed.dom().xpath("string(//dd[@id='harga'])") == "Rp " + f"{amount:,}".replace(",", ".")
    assert auction.getAuction(productId=world.auction).currentPrice == amount

    product = browser.get(f"/produk/{world.scarce}")
    followed(browser, browser.post(f"/produk/{world.scarce}/keranjang", {"csrf": product.csrf(), "jumlah": "1"}),
             "/keranjang")
    catalog, auth = world.seller.service(server, "Catalog")
    catalog.updateProduct(productId=world.scarce, changes={"price": 375_000}, **auth)
    try:
        cart = accessible(browser.get("/keranjang"), "cart, repriced")
        assert cart.dom().xpath("//p[@data-flag='REPRICED']") and "Rp 350.000" in cart.text
        assert not cart.dom().xpath("//a[@href='/kasir']")
        removed = followed(browser, browser.post("/keranjang/hapus", {"csrf": cart.csrf(),
                                                                     "produk": str(world.scarce)}), "/keranjang")
        assert "Keranjang Anda kosong" in removed.text and cart_lines(server, buyer) == []
    finally:
        catalog.updateProduct(productId=world.scarce, changes={"price": 350_000}, **auth)


def shipped(server, banks, seller: Seller, invoice) -> str:
    """The invoice paid through the bank sandbox and its order shipped by the seller: the waybill."""
    transfer(banks, seller, invoice.amountDue, invoice.invoiceNumber)
    wait_until_paid(server, seller, invoice.invoiceNumber)
    courier = zeep.Client(f"{server.sandbox_url}/partners/courier/{invoice.courier}?wsdl",
                          settings=zeep.Settings(strict=False))
    waybill = courier.service.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                               service=invoice.courierService, receiverName="Siti Aminah").waybill
    shipping, auth = seller.service(server, "Shipping")
    shipping.shipOrder(orderNumber=invoice.orderNumber, courier=invoice.courier, waybill=waybill, reason=None, **auth)
    return waybill


def test_a_complaint_about_a_shipped_order(server, mailbox, banks, browser, world):
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, world.seller)
    shipped(server, banks, world.seller, invoice)
    logged_in(browser, buyer)
    path = f"/pesanan/{invoice.orderNumber}"
    page = accessible(browser.get(path), "tracking, complaint form")
    assert page.dom().xpath("//form[@action=$a]", a=f"{path}/keluhan")
    order, auth = buyer.service(server, "Order")

    empty = browser.post(f"{path}/keluhan", {"csrf": page.csrf(), "alasan": "NOT_RECEIVED", "uraian": " "})
    assert empty.status == 400 and "Jelaskan keluhan" in empty.dom().xpath("string(//div[@id='keluhan-galat'])")
    assert empty.dom().xpath("//textarea[@id='uraian']/@aria-describedby") == ["keluhan-galat"]
    assert items(order.listComplaints(page=1, pageSize=10, **auth).complaints, "Complaint") == []

    opened = followed(browser, browser.post(f"{path}/keluhan", {"csrf": page.csrf(), "alasan": "NOT_RECEIVED",
                                                                "uraian": "Paket belum sampai.\nMohon dicek."}), path)
    complaint = order.getComplaint(orderNumber=invoice.orderNumber, **auth)
    assert (complaint.reason, complaint.status, complaint.description) == (
        "NOT_RECEIVED", "OPEN", "Paket belum sampai.\nMohon dicek.")
    assert opened.dom().xpath("string(//dd[@id='status-keluhan'])") == "Menunggu jawaban penjual"
    assert not opened.dom().xpath("//textarea")
    listed = accessible(browser.get("/keluhan"), "complaints")
    # each complaint leads to its page, where its parties answer it (tests/e2e/test_storefront_complaints.py)
    assert listed.dom().xpath("//table[@id='daftar-keluhan']//a/@href") == [f"/keluhan/{invoice.orderNumber}"]


def test_two_sellers_two_groups_two_invoices(server, mailbox, banks, browser, world):
    other, buyer = new_seller(server, mailbox, world.shop, banks, "mandiri"), new_buyer(server, mailbox)
    logged_in(browser, buyer)
    for product_id in (world.seller.product_id, other.product_id):
        page = browser.get(f"/produk/{product_id}")
        followed(browser, browser.post(f"/produk/{product_id}/keranjang", {"csrf": page.csrf(), "jumlah": "1"}),
                 "/keranjang")
    cart = browser.get("/keranjang")
    assert sorted(cart.dom().xpath("//section[contains(@class, 'seller-group')]/h2/text()")) == sorted(
        f"Penjual: {s.member.username}" for s in (world.seller, other))
    kasir = browser.get("/kasir")
    form = {"csrf": kasir.csrf()}
    for seller in (world.seller, other):
        name = f"kirim:{seller.member.username}"
        form[name] = kasir.dom().xpath("//input[@type='radio'][@name=$n]/@value", n=name)[0]
    listed = followed(browser, browser.post("/kasir", form), "/faktur")
    numbers = invoice_numbers(server, buyer)
    assert len(numbers) == 2 and cart_lines(server, buyer) == []
    assert sorted(listed.dom().xpath("//table//a/text()")) == sorted(numbers)

    # an unpaid invoice cancelled from its page: CANCELLED, and no more payment instructions
    invoice = browser.get(f"/faktur/{numbers[0]}")
    cancelled = followed(browser, browser.post(f"/faktur/{numbers[0]}/batal", {"csrf": invoice.csrf()}), "/faktur/")
    checkout, auth = buyer.service(server, "Checkout")
    assert checkout.getInvoice(invoiceNumber=numbers[0], **auth).status == "CANCELLED"
    assert cancelled.dom().xpath("string(//strong[@id='status-faktur'])") == "Dibatalkan"
    assert not cancelled.dom().xpath("//dd[@id='jumlah-transfer']")
