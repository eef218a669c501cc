"""The seller's pages of the storefront (storefront/pages/seller.py, docs/storefront.md) in-process against
the real platform: a seller lists, changes and withdraws products through the forms, ships a paid order and
reads the sales report; what the pages did is checked through SOAP."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import pytest
import zeep

from storefront.app import create_app
from storefront.formats import WIB, rupiah, tanggal
from tests.e2e.catalog import Shop, in_wib, new_shop
from tests.e2e.members import PASSWORD
from tests.e2e.payments import Party, Seller, cheapest, new_buyer, new_seller, transfer, wait_until_paid
from tests.e2e.soap import client, unique
from tests.e2e.storefront_client import Browser, Page, check_accessibility
from tests.waiting import eventually


@dataclass
class World:
    shop: Shop
    seller: Seller
    buyer: Party


@pytest.fixture(scope="module")
def world(server, mailbox, banks) -> World:
    shop = new_shop(server)
    return World(shop, new_seller(server, mailbox, shop, banks, "bca"), new_buyer(server, mailbox))


@pytest.fixture(scope="module")
def app(server, tmp_path_factory):
    """One storefront for the module: its SOAP clients read each WSDL once (each test has its own browser)."""
    return create_app(server.url, tmp_path_factory.mktemp("storefront") / "state", secure_cookies=True)


def logged_in(app, username: str) -> Browser:
    browser = Browser(app)
    form = browser.get("/masuk", kembali="/toko")
    answer = browser.post("/masuk", {"csrf": form.csrf(), "username": username, "password": PASSWORD,
                                     "kembali": "/toko"})
    assert answer.status == 303 and answer.header("Location") == "/toko", answer.text[:2000]
    return browser


def shown(browser: Browser, path: str, **query) -> Page:
    page = browser.get(path, **query)
    assert page.status == 200, page.text[:3000]
    check_accessibility(page.text, path)
    return page


def posted(browser: Browser, path: str, form: dict, status: int = 303) -> Page:
    page = browser.post(path, {"csrf": browser.get("/").csrf(), **form})  # the logout form's token
    assert page.status == status, page.text[:3000]
    return page


def sell_form(category: str, name: str, **fields) -> dict:
    return {"name": name, "category": category, "description": "Keripik tempe renyah khas Malang.",
            "weightGrams": "300", "saleMethod": "FIXED", "price": "Rp 25.000", "stock": "12",
            "photoUrls": "https://cdn.example.id/keripik-1.jpg\nhttps://cdn.example.id/keripik-2.jpg", **fields}


def sold_id(page: Page) -> int:
    location = page.header("Location") or ""
    assert location.startswith("/toko/produk/"), location
    return int(location.rsplit("/", 1)[1])


def catalog(server):
    return client(server, "Catalog").service


def own_listing(server, seller: str) -> list[int]:
    found = catalog(server).searchProducts(filters={"seller": seller}, page=1, pageSize=50)
    return [p.productId for p in (found.products.ProductSummary if found.products else [])]


def field_error(page: Page, name: str) -> str:
    """The error shown beside the field `name`, which points at it."""
    dom = page.dom()
    [control] = dom.xpath(f"//*[@name='{name}' and not(@type='radio')]")
    assert control.get("aria-invalid") == "true", name
    described = control.get("aria-describedby", "").split()
    [error] = [dom.get_element_by_id(i) for i in described if i.endswith("-error")]
    return error.text_content().strip()


def bought(server, buyer: Party, seller: Seller):
    """The invoice of the seller's product checked out alone with its cheapest courier (payments.buy),
    quoted again while no courier answered in time: on a loaded machine every courier may miss it."""
    cart, auth = buyer.service(server, "Cart")
    cart.addItem(productId=seller.product_id, quantity=1, **auth)
    checkout, auth = buyer.service(server, "Checkout")
    [group] = eventually(lambda: [q for q in checkout.quoteShipping(**auth) if q.options], "a courier's quote")
    choice, _ = cheapest([group], group.sellerUsername)
    [invoice] = checkout.checkout(choices={"ShippingChoice": [choice]}, **auth)
    assert (invoice.status, invoice.payeeAccount) == ("UNPAID", seller.account)
    return invoice


def test_seller_sells_fixed_and_auction_through_the_form_updates_and_withdraws(server, app, world):
    browser = logged_in(app, world.seller.member.username)
    form_page = shown(browser, "/toko/produk/baru")
    assert world.shop.category in form_page.dom().xpath("//select[@id='category']/option/@value")
    fixed_name, auction_name = f"Keripik {unique('jual')}", f"Lukisan {unique('lelang')}"
    fixed = sold_id(posted(browser, "/toko/produk/baru", sell_form(world.shop.category, fixed_name)))
    auction = sold_id(posted(browser, "/toko/produk/baru", sell_form(
        world.shop.category, auction_name, saleMethod="AUCTION", price="", stock="", startPrice="750000",
        minIncrement="25.000", reservePrice="1000000", endsAt=in_wib(days=2).strftime("%Y-%m-%dT%H:%M"))))
    made = catalog(server).getProduct(productId=fixed)
    assert (made.name, made.price, made.stock, made.weightGrams, made.sellerUsername) == (
        fixed_name, 25_000, 12, 300, world.seller.member.username)
    assert list(made.photoUrls) == ["https://cdn.example.id/keripik-1.jpg", "https://cdn.example.id/keripik-2.jpg"]
    made = catalog(server).getProduct(productId=auction)
    assert (made.saleMethod, made.startPrice, made.minIncrement, made.hasReserve) == ("AUCTION", 750_000, 25_000, True)

    listing = shown(browser, "/toko")
    assert f'href="/toko/produk/{fixed}"' in listing.text and f'href="/toko/produk/{auction}"' in listing.text
    assert fixed_name in listing.text and auction_name in listing.text

    # the price changed through the edit form: only the price is sent, the rest stays
    edit = shown(browser, f"/toko/produk/{fixed}")
    values = {control.get("name"): control.value for control in edit.dom().xpath(
        "//form[.//button[text()='Simpan perubahan']]//*[@name and @name!='csrf']")}
    posted(browser, f"/toko/produk/{fixed}", {**values, "price": "27500"})
    changed = catalog(server).getProduct(productId=fixed)
    assert (changed.price, changed.stock, changed.name) == (27_500, 12, fixed_name)
    assert "Rp 27.500" in shown(browser, f"/toko/produk/{fixed}").text

    # a bid through SOAP: the seller sees it, and the auction can no longer be changed
    bids, auth = world.buyer.service(server, "Auction")
    bids.placeBid(productId=auction, amount=750_000, **auth)
    page = shown(browser, f"/toko/produk/{auction}")
    assert "Rp 750.000" in page.dom().xpath("string(//table[caption='Tawaran terbaru lebih dulu'])")
    assert not page.dom().xpath("//button[text()='Simpan perubahan']")

    # withdrawing needs a reason: without one, a message beside it and the auction still on sale
    refused = posted(browser, f"/toko/produk/{auction}/tarik", {"alasan": "  "}, 400)
    assert field_error(refused, "alasan") == "Tuliskan alasan produk ditarik."
    check_accessibility(refused.text, "withdraw refused")
    assert catalog(server).getProduct(productId=auction).status == "ACTIVE"
    done = posted(browser, f"/toko/produk/{auction}/tarik", {"alasan": "Barang rusak saat pemotretan"})
    assert done.header("Location") == "/toko"
    assert catalog(server).getProduct(productId=auction).status == "WITHDRAWN"
    after = shown(browser, "/toko")
    assert f'href="/toko/produk/{auction}"' not in after.text


def test_every_bad_field_is_shown_beside_it_and_nothing_is_listed(server, app, world):
    browser = logged_in(app, world.seller.member.username)
    before = own_listing(server, world.seller.member.username)
    bad = sell_form(world.shop.category, "ab", weightGrams="tiga ratus", price="0", stock="",
                    photoUrls="javascript:alert(1)")
    page = posted(browser, "/toko/produk/baru", bad, 400)
    check_accessibility(page.text, "sell form with errors")
    messages = {name: field_error(page, name) for name in ("name", "weightGrams", "price", "stock", "photoUrls")}
    assert messages["weightGrams"] == "Isi dengan angka bulat, misalnya 300."  # the storefront's own
    assert all(messages.values()) and len(set(messages.values())) == len(messages), messages
    dom = page.dom()
    assert dom.xpath("//input[@name='name']/@value") == ["ab"]
    assert dom.xpath("//input[@name='weightGrams']/@value") == ["tiga ratus"]
    assert dom.xpath("string(//textarea[@name='photoUrls'])") == "javascript:alert(1)"
    assert dom.xpath("//input[@name='saleMethod'][@checked]/@value") == ["FIXED"]
    assert own_listing(server, world.seller.member.username) == before


def test_paid_order_is_shipped_through_the_form_then_reported(server, app, world, banks):
    browser = logged_in(app, world.seller.member.username)
    name = f"Kopi {unique('kirim')}"
    world.seller.product_id = sold_id(posted(browser, "/toko/produk/baru", sell_form(world.shop.category, name)))
    invoice = bought(server, world.buyer, world.seller)
    transfer(banks, world.seller, invoice.amountDue, invoice.invoiceNumber)
    payment, auth = world.buyer.service(server, "Payment")
    payment.confirmPayment(invoiceNumber=invoice.invoiceNumber, **auth)
    wait_until_paid(server, world.buyer, invoice.invoiceNumber)
    checkout, buyer_auth = world.buyer.service(server, "Checkout")

    def order_status() -> str:
        return checkout.getInvoice(invoiceNumber=invoice.invoiceNumber, **buyer_auth).orderStatus

    waiting = shown(browser, "/toko/pesanan")
    assert f"Pesanan {invoice.orderNumber}" in waiting.text and name in waiting.text
    form = waiting.dom().xpath(f"//form[input[@name='pesanan' and @value='{invoice.orderNumber}']]")[0]
    assert form.xpath(".//select[@name='kurir']/option[@selected]/@value") == [invoice.courier]

    order = {"pesanan": invoice.orderNumber, "kurir": invoice.courier, "alasan": ""}
    refused = posted(browser, "/toko/pesanan/kirim", {**order, "resi": "ab!"}, 400)
    check_accessibility(refused.text, "ship refused")
    assert "resi" in field_error(refused, "resi").lower()
    assert refused.dom().xpath("//input[@name='resi'][@aria-invalid='true']/@value") == ["ab!"]
    assert order_status() == "PAID"

    driver = zeep.Client(f"{server.sandbox_url}/partners/courier/{invoice.courier}?wsdl",
                         settings=zeep.Settings(strict=False)).service
    waybill = driver.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                      service=invoice.courierService, receiverName="Siti Aminah").waybill
    posted(browser, "/toko/pesanan/kirim", {**order, "resi": waybill})
    assert order_status() == "SHIPPED"
    after = shown(browser, "/toko/pesanan")
    assert after.dom().xpath("string(//div[@role='status'])") == (
        f"Pesanan {invoice.orderNumber} sudah dikirim via {invoice.courier.upper()}, resi {waybill}.")
    assert not after.dom().xpath(f"//h2[contains(., '{invoice.orderNumber}')]")  # no longer waiting
    assert shown(browser, "/toko/pesanan").dom().xpath("//div[@role='status']") == []  # the notice, once
    again = posted(browser, "/toko/pesanan/kirim", {**order, "resi": waybill}, 400)  # shipped in another tab
    assert again.dom().xpath("string(//div[@role='alert'])").strip(), again.text[:3000]
    assert order_status() == "SHIPPED"

    report = shown(browser, "/toko/laporan")
    dom = report.dom()
    [row] = dom.xpath(f"//table[@id='faktur']//tr[td[1]='{invoice.invoiceNumber}']")
    assert row.xpath(".//a/@href") == [f"/lacak/{invoice.courier}/{waybill}"]  # Table II: to the shipment's page
    assert shown(browser, f"/lacak/{invoice.courier}/{waybill}").dom().xpath("string(//dd[@id='resi'])") == waybill
    today = datetime.now(WIB).date()
    bars = {bar.xpath("string(title)"): bar.xpath("rect/@height")[0] for bar in dom.xpath("//svg/g")}
    sold_today = f"{tanggal(today)}: {rupiah(invoice.goodsTotal)} (1 faktur)"
    assert sold_today in bars and float(bars[sold_today]) > 0, bars
    text_rows = [[cell.text_content() for cell in row.xpath("td")] for row in dom.xpath("//details//tbody/tr")]
    assert [tanggal(today), "1", rupiah(invoice.goodsTotal)] in text_rows  # the chart's text alternative
    reversed_period = browser.get("/toko/laporan", dari=today.isoformat(), sampai="2026-01-01")
    assert reversed_period.status == 400  # the platform's message, beside the field it names
    check_accessibility(reversed_period.text, "report with a reversed period")
    [invalid] = reversed_period.dom().xpath("//input[@aria-invalid='true']")
    assert reversed_period.dom().get_element_by_id(f"{invalid.get('id')}-error").text_content().strip()

    [link] = dom.xpath("//a[contains(@href, '/toko/laporan.csv')]/@href")
    download = browser.get(link)
    assert download.status == 200 and download.header("Content-Type") == "text/csv; charset=utf-8"
    assert (download.header("Content-Disposition") or "").startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(download.body.decode("utf-8-sig"))))
    assert any(invoice.invoiceNumber in row for row in rows), rows


def test_only_sellers_see_the_shop_pages(app, world):
    visitor = Browser(app)
    assert visitor.get("/toko").status == 303
    buyer = logged_in(app, world.buyer.member.username)
    for path in ("/toko", "/toko/produk/baru", "/toko/pesanan", "/toko/laporan", "/toko/laporan.csv"):
        page = buyer.get(path)
        assert page.status == 403 and "hanya untuk penjual" in page.text, path
