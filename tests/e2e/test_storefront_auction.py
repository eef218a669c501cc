"""A won auction checked out through the storefront (storefront/pages/auctions.py, won_auctions.py),
in-process against the real platform: two bidders bid on the product page, the auction is closed, the
winner finds it on the product page and in the cart, chooses an address and a courier at the auction's
kasir, gets the invoice and pays it through the bank sandbox; the loser is refused; a refused form (no
courier, a bad address, an address changed after the quote) shows the platform's message beside its
field and invoices nothing (checked through SOAP); a second chance is answered on the product page and
checked out the same way.

Only the clock is helped along, in the database: an auction's end and an invoice's due time are moved into
the past, and the jobs the worker would run are run at once (it may run them first)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from emall_ws.clock import utcnow
from emall_ws.db.models import Invoice
from emall_ws.db.session import Database
from emall_ws.services.auction import close_due_auctions
from emall_ws.services.invoices import expire_due_invoices
from storefront.app import create_app
from tests.builders import set_ends_at
from tests.e2e.catalog import Shop, auction_form, new_shop
from tests.e2e.payments import Party, Seller, items, new_buyer, new_seller, transfer, wait_until_paid
from tests.e2e.storefront_client import Browser, Page
from tests.e2e.test_storefront_buying import accessible, followed, invoice_numbers, logged_in
from tests.waiting import eventually

NOT_WON = "Anda bukan pemenang lelang ini"


@dataclass
class World:
    shop: Shop
    seller: Seller


@pytest.fixture(scope="module")
def world(server, mailbox, banks) -> World:
    shop = new_shop(server)
    return World(shop, new_seller(server, mailbox, shop, banks, "bca"))


def browser_for(server, tmp_path, who: Party, name: str) -> Browser:
    browser = Browser(create_app(server.url, tmp_path / name, secure_cookies=True))
    logged_in(browser, who)
    return browser


def in_database(server, work) -> None:
    db = Database(server.database_url)
    try:
        work(db)
    finally:
        db.dispose()


def new_auction(server, world: World) -> int:
    """An auction of the seller's: start 750.000, increment 25.000, reserve 1.000.000."""
    catalog, auth = world.seller.service(server, "Catalog")
    return catalog.sellProduct(form=auction_form(world.shop.category), **auth).productId


def bid(browser: Browser, product_id: int, amount: int) -> None:
    page = browser.get(f"/produk/{product_id}")
    followed(browser, browser.post(f"/produk/{product_id}/tawar", {"csrf": page.csrf(), "nilai": str(amount)}),
             f"/produk/{product_id}")


def soap_bid(server, who: Party, product_id: int, amount: int) -> None:
    auction, auth = who.service(server, "Auction")
    auction.placeBid(productId=product_id, amount=amount, **auth)


def closed(server, world: World, product_id: int) -> None:
    """The auction's end moved into the past and the worker's closing job run: SOLD to its leader."""
    def close(db):
        set_ends_at(db, product_id, utcnow() - timedelta(seconds=1))
        close_due_auctions(db, utcnow())  # or the worker's job, first

    in_database(server, close)
    auction, _ = world.seller.service(server, "Auction")
    eventually(lambda: auction.getAuction(productId=product_id).status == "SOLD", "the auction closed, sold")


def expired(server, who: Party, number: str) -> None:
    def overdue(db):
        with db.unit_of_work() as session:
            session.execute(update(Invoice).where(Invoice.number == number)
                            .values(due_at=utcnow() - timedelta(seconds=1)))
        expire_due_invoices(db, utcnow())  # or the worker's job, first

    in_database(server, overdue)
    checkout, auth = who.service(server, "Checkout")
    eventually(lambda: checkout.getInvoice(invoiceNumber=number, **auth).status == "EXPIRED", "the invoice expired")


def kasir_form(page: Page, **fields: str) -> dict[str, str]:
    """The kasir's form as a browser sends it: the courier chosen on the page (the first one checked)
    unless `fields` say otherwise, and the address fields given."""
    form = {"csrf": page.csrf()}
    checked = page.dom().xpath("//input[@type='radio'][@name='kirim'][@checked]/@value")
    if checked:
        form["kirim"] = checked[0]
    form.update(fields)
    return form


def error_beside(page: Page, name: str) -> str:
    """The message beside the field `name`, after checking the field points to it."""
    dom = page.dom()
    controls = dom.xpath("//*[@name=$n][not(@type='hidden')]", n=name)
    assert controls, name
    for control in controls:
        assert control.get("aria-invalid") == "true", (name, page.text[:3000])
        assert f"{name}-galat" in (control.get("aria-describedby") or "").split(), name
    return dom.xpath("string(//*[@id=$i])", i=f"{name}-galat").strip()


def test_a_visitor_is_asked_to_log_in_at_the_auction_kasir(server, tmp_path, world):
    browser = Browser(create_app(server.url, tmp_path / "state", secure_cookies=True))
    answer = browser.request("GET", "/lelang/1/kasir")
    assert answer.status == 303 and answer.header("Location") == "/masuk?kembali=%2Flelang%2F1%2Fkasir"


def test_the_winner_checks_out_and_pays_the_loser_is_refused(server, mailbox, banks, tmp_path, world):
    seller = world.seller
    winner, loser = new_buyer(server, mailbox), new_buyer(server, mailbox)
    as_winner = browser_for(server, tmp_path, winner, "winner")
    as_loser = browser_for(server, tmp_path, loser, "loser")
    product_id = new_auction(server, world)
    bid(as_loser, product_id, 1_000_000)
    bid(as_winner, product_id, 1_050_000)
    closed(server, world, product_id)
    kasir = f"/lelang/{product_id}/kasir"

    # the winner finds it on the product page and in the cart
    product = accessible(as_winner.get(f"/produk/{product_id}"), "product, won")
    assert product.dom().xpath("string(//h2[@id='posisi-anda'])") == "Anda memenangkan lelang ini"
    assert product.dom().xpath("//a[@id='kasir-lelang']/@href") == [kasir]
    cart = accessible(as_winner.get("/keranjang"), "cart, a won auction")
    [row] = cart.dom().xpath("//table[@id='lelang-belum-dibayar']/tbody/tr")
    assert row.xpath(".//a/@href") == [f"/produk/{product_id}", kasir]
    assert row.xpath("string(td[@class='num'])") == "Rp 1.050.000"

    # the loser: no win on the product page, and the kasir refused with the platform's message
    lost = accessible(as_loser.get(f"/produk/{product_id}"), "product, lost")
    assert "Anda memenangkan" not in lost.text and not lost.dom().xpath("//a[@id='kasir-lelang']")
    assert lost.dom().xpath("string(//h2[@id='posisi-anda'])") == "Kesempatan kedua"
    assert not as_loser.get("/keranjang").dom().xpath("//table[@id='lelang-belum-dibayar']")
    refused = accessible(as_loser.get(kasir), "auction kasir, not won")
    assert refused.status == 400 and NOT_WON in refused.dom().xpath("string(//div[@id='kasir-galat'])")
    assert not refused.dom().xpath("//form[@action=$a]", a=kasir)
    posted = as_loser.post(kasir, {"csrf": refused.csrf(), "kirim": "jne|REG"})
    assert posted.status == 400 and NOT_WON in posted.dom().xpath("string(//div[@id='kasir-galat'])")
    assert invoice_numbers(server, loser) == [] and invoice_numbers(server, winner) == []

    # the kasir: the registered address, the courier choices quoted for it
    page = accessible(as_winner.get(kasir), "auction kasir")
    assert page.status == 200
    dom = page.dom()
    assert "Jl. Jenderal Gatot Subroto Kav. 94" in dom.xpath("string(//p[@id='alamat-terdaftar'])")
    assert dom.xpath("string(//strong[@id='harga-lelang'])") == "Rp 1.050.000"
    radios = dom.xpath("//input[@type='radio'][@name='kirim']")
    assert radios and all(dom.xpath("//label[@for=$i]", i=r.get("id")) for r in radios)

    # refused: no courier chosen, said beside the choices without a call
    form = kasir_form(page)
    del form["kirim"]
    none = accessible(as_winner.post(kasir, form), "auction kasir, no courier")
    assert none.status == 400 and error_beside(none, "kirim") == "Pilih kurir dan layanan pengiriman."
    # refused: half an address (no city), the platform's REQUIRED beside the city
    half = accessible(as_winner.post(kasir, kasir_form(page, address="Jl. Braga No. 10")), "auction kasir, no city")
    assert half.status == 400 and "wajib diisi" in error_beside(half, "cityCode")
    assert half.dom().xpath("//input[@id='address']/@value") == ["Jl. Braga No. 10"]  # as typed
    # refused: a city without an address, REQUIRED beside the address
    no_street = as_winner.post(kasir, kasir_form(page, province="32", cityCode="32.73"))
    assert no_street.status == 400 and "wajib diisi" in error_beside(no_street, "address")
    assert no_street.dom().xpath("//select[@id='cityCode']/option[@selected]/@value") == ["32.73"]
    # refused: the address changed after the quote (QUOTE_OUTDATED beside the courier), then quoted afresh
    moved = accessible(as_winner.post(kasir, kasir_form(page, address="Jl. Braga No. 10", province="32",
                                                        cityCode="32.73")), "auction kasir, outdated quote")
    assert moved.status == 400 and "berubah" in error_beside(moved, "kirim")
    assert invoice_numbers(server, winner) == []

    # "Hitung ongkos kirim" for the other address, then the order: the invoice, shipped there
    quoted = as_winner.post(kasir, kasir_form(moved, address="Jl. Braga No. 10", province="32", cityCode="32.73",
                                              aksi="hitung"))
    assert quoted.status == 200 and quoted.dom().xpath("//input[@name='kirim']")
    chosen = kasir_form(quoted, address="Jl. Braga No. 10", province="32", cityCode="32.73")
    invoice_page = accessible(followed(as_winner, as_winner.post(kasir, chosen), "/faktur/INV/"), "invoice, auction")
    [number] = invoice_numbers(server, winner)
    checkout, auth = winner.service(server, "Checkout")
    invoice = checkout.getInvoice(invoiceNumber=number, **auth)
    assert [(line.productId, line.quantity, line.unitPrice) for line in items(invoice.lines, "InvoiceLine")] == [
        (product_id, 1, 1_050_000)]
    assert (invoice.shipAddress, invoice.shipCityCode) == ("Jl. Braga No. 10", "32.73")
    assert f"{invoice.courier}|{invoice.courierService}" == chosen["kirim"]
    amount = "Rp " + f"{invoice.amountDue:,}".replace(",", ".")
    assert invoice_page.dom().xpath("string(//dd[@id='jumlah-transfer'])") == amount

    # checked out: the product page and the kasir lead to the invoice; the cart no longer lists it
    again = as_winner.get(f"/produk/{product_id}").dom()
    assert again.xpath("//a[@id='faktur-lelang']/@href") == [f"/faktur/{number}"]
    assert not again.xpath("//a[@id='kasir-lelang']")
    assert not as_winner.get("/keranjang").dom().xpath("//table[@id='lelang-belum-dibayar']")
    done = accessible(as_winner.get(kasir), "auction kasir, checked out")
    assert done.dom().xpath("//p[@id='sudah-checkout']/a/@href") == [f"/faktur/{number}"]
    twice = as_winner.post(kasir, chosen)
    assert twice.status == 400 and "sudah di-checkout" in twice.dom().xpath("string(//div[@id='kasir-galat'])")
    assert invoice_numbers(server, winner) == [number]

    # paid through the bank sandbox, confirmed on the invoice's page: LUNAS
    transfer(banks, seller, invoice.amountDue, number)
    wait_until_paid(server, winner, number)
    paid = as_winner.get(f"/faktur/{number}")
    assert paid.dom().xpath("string(//strong[@id='status-faktur'])") == "LUNAS"
    assert "(LUNAS)" in as_winner.get(f"/produk/{product_id}").dom().xpath("string(//section[@class='standing'])")


def test_a_second_chance_is_accepted_on_the_product_page_and_checked_out(server, mailbox, tmp_path, world):
    winner, runner_up = new_buyer(server, mailbox), new_buyer(server, mailbox)
    product_id = new_auction(server, world)
    soap_bid(server, runner_up, product_id, 1_000_000)
    soap_bid(server, winner, product_id, 1_100_000)
    closed(server, world, product_id)
    as_winner = browser_for(server, tmp_path, winner, "winner")
    page = as_winner.get(f"/lelang/{product_id}/kasir")
    followed(as_winner, as_winner.post(f"/lelang/{product_id}/kasir", kasir_form(page)), "/faktur/INV/")
    [number] = invoice_numbers(server, winner)
    expired(server, winner, number)

    # the winner who did not pay: the product page says so, the kasir is the platform's refusal
    lapsed = as_winner.get(f"/produk/{product_id}").dom()
    assert "tidak dapat di-checkout lagi" in lapsed.xpath("string(//section[@class='standing'])")
    assert as_winner.get(f"/lelang/{product_id}/kasir").status == 400

    # the runner-up answers before any offer: the platform's refusal above the forms, nothing changed
    admin, admin_auth = world.shop.admin.service(server, "Auction")

    def record():
        return [(n.username, n.status) for n in admin.listNonPayers(**admin_auth) if n.productId == product_id]

    assert record() == [(winner.member.username, "AWAITING_SELLER")]
    as_runner_up = browser_for(server, tmp_path, runner_up, "runner-up")
    product = accessible(as_runner_up.get(f"/produk/{product_id}"), "product, second chance")
    assert product.dom().xpath("//form[@action=$a]", a=f"/lelang/{product_id}/terima")
    early = as_runner_up.post(f"/lelang/{product_id}/terima", {"csrf": product.csrf()})
    assert early.status == 400 and early.dom().xpath("string(//div[@id='kesempatan-galat'])").strip()
    accessible(early, "product, second chance refused")
    assert record() == [(winner.member.username, "AWAITING_SELLER")]

    # offered by the seller (SOAP), accepted on the product page: the kasir at the runner-up's own bid
    seller_auction, seller_auth = world.seller.service(server, "Auction")
    seller_auction.offerSecondChance(productId=product_id, **seller_auth)
    kasir = followed(as_runner_up, as_runner_up.post(f"/lelang/{product_id}/terima", {"csrf": product.csrf()}),
                     f"/lelang/{product_id}/kasir")
    accessible(kasir, "auction kasir, second chance")
    assert "Rp 1.000.000" in kasir.dom().xpath("string(//div[@role='status'])")
    assert kasir.dom().xpath("string(//strong[@id='harga-lelang'])") == "Rp 1.000.000"
    followed(as_runner_up, as_runner_up.post(f"/lelang/{product_id}/kasir", kasir_form(kasir)), "/faktur/INV/")
    [bought] = invoice_numbers(server, runner_up)
    checkout, auth = runner_up.service(server, "Checkout")
    assert checkout.getInvoice(invoiceNumber=bought, **auth).goodsTotal == 1_000_000
    assert as_runner_up.get(f"/produk/{product_id}").dom().xpath("//a[@id='faktur-lelang']/@href") == [
        f"/faktur/{bought}"]


def test_a_second_chance_declined_on_the_product_page(server, mailbox, tmp_path, world):
    winner, runner_up = new_buyer(server, mailbox), new_buyer(server, mailbox)
    product_id = new_auction(server, world)
    soap_bid(server, runner_up, product_id, 1_000_000)
    soap_bid(server, winner, product_id, 1_025_000)
    closed(server, world, product_id)
    checkout, auth = winner.service(server, "Checkout")
    quote = checkout.quoteAuctionShipping(productId=product_id, **auth)
    option = items(quote.options, "ShippingOption")[0]
    invoice = checkout.checkoutAuction(productId=product_id, choice={"courier": option.courier,
                                                                     "service": option.service}, **auth)
    expired(server, winner, invoice.invoiceNumber)
    seller_auction, seller_auth = world.seller.service(server, "Auction")
    seller_auction.offerSecondChance(productId=product_id, **seller_auth)

    as_runner_up = browser_for(server, tmp_path, runner_up, "runner-up")
    product = as_runner_up.get(f"/produk/{product_id}")
    declined = followed(as_runner_up, as_runner_up.post(f"/lelang/{product_id}/tolak", {"csrf": product.csrf()}),
                        f"/produk/{product_id}")
    assert "menolak kesempatan kedua" in declined.dom().xpath("string(//div[@role='status'])")
    admin, admin_auth = world.shop.admin.service(server, "Auction")
    assert [n.status for n in admin.listNonPayers(**admin_auth) if n.productId == product_id] == ["ENDED"]
    # the offer ended: accepting it now is the platform's refusal, and nothing is invoiced
    late = as_runner_up.post(f"/lelang/{product_id}/terima", {"csrf": product.csrf()})
    assert late.status == 400 and late.dom().xpath("string(//div[@id='kesempatan-galat'])").strip()
    assert as_runner_up.get(f"/lelang/{product_id}/kasir").status == 400
    assert invoice_numbers(server, runner_up) == []
