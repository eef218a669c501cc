"""The paper's Tables I-III clicked through in Debian's headless Chromium, on the storefront that
`emall-ws serve` runs itself (`server.storefront_url`). Everything a member does is typed and clicked in
the browser; only what the bank and the courier do happens at their sandboxes over SOAP (as
tests/e2e/flows.py does), and the admin's category is made over SOAP (tests/e2e/catalog.py).

Table I: the empty registration form, each "wajib diisi" beside its field; a province's cities; a seller
(with a NIK) and a buyer (without) registered, activated with the emailed code and logged in, each with
its role. Table III: the seller sells a fixed-price product through the form; the buyer finds it, puts
it in the cart, checks out at the Kasir (the invoice emailed), transfers the exact amount and confirms:
LUNAS, both told by email and SMS. Table I row 10: the seller enters the courier's waybill, the buyer is
told by SMS. The courier delivers; the buyer follows the timeline and confirms receipt. Table II: the
purchase and the sales report list the invoice in a table whose waybill opens the shipment's page.
Each page is checked for accessibility basics and shot at a phone's and a desktop's size."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

import zeep

from tests.e2e.catalog import ADMIN_PASSWORD, Member, create_admin, new_category
from tests.e2e.chromium import driver, shoot  # noqa: F401 (driver: a fixture)
from tests.e2e.flows import told
from tests.e2e.members import PASSWORD, SELLER_NIK, login
from tests.e2e.payments import Party, Seller, items, transfer, unique_account, unique_mobile
from tests.e2e.soap import unique
from tests.e2e.storefront_client import check_accessibility
from tests.waiting import eventually

try:  # without selenium the `driver` fixture skips (fails under CI=true) before any of this is used
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # pragma: no cover
    pass

REQUIRED = ("province", "city", "address", "phone", "name", "username", "password", "email")  # Table I rows 1-8
OPTIONAL = ("nik", "nib", "birthDate", "bankCode", "accountNumber", "accountHolder")
HOLDER = "Koperasi Maju Bersama"  # the payout account's holder at the bank sandbox
PROVINCE, CITY = "31", "31.74"  # DKI Jakarta, Jakarta Selatan
PAGE_WAIT = 30  # seconds a page may take on a loaded machine


def left(page: WebElement) -> bool:
    """The browser has left the document `page` belongs to. Chromium answers an old document's node in
    the middle of a navigation with "Node with given id does not belong to the document" (an unknown
    error), not as stale, so selenium's staleness_of would raise instead of saying it is gone."""
    try:
        page.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" not in str(error):
            raise
        return True
    return False


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


@dataclass
class Person:
    """A member as typed into the registration form, with the phone its SMS go to."""
    username: str
    phone: str  # as typed
    msisdn: str  # E.164, where the SMS sandbox files its SMS

    @property
    def email(self) -> str:
        return f"{self.username}@example.co.id"


@dataclass
class Shipment:
    order: str
    courier: str
    waybill: str
    events: list[str]  # the courier's events, oldest first, as the platform tells them


def new_person(prefix: str) -> Person:
    typed, msisdn = unique_mobile()
    return Person(unique(prefix), typed, msisdn)


class Browser:
    """The storefront in Chromium: pages opened, forms typed and sent, each page waited for, checked
    for accessibility and shot."""

    def __init__(self, driver, url: str, tmp_path):
        self.driver, self.url, self.tmp_path = driver, url, tmp_path
        self.shots = 0

    def wait(self, condition):
        return WebDriverWait(self.driver, PAGE_WAIT).until(condition)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.find(css).text.strip()

    def texts(self, css: str) -> list[str]:
        return [element.text.strip() for element in self.find_all(css)]

    def by_id(self, element_id: str) -> WebElement:
        return self.driver.find_element(By.ID, element_id)

    def button(self, text: str, within: str = "main") -> WebElement:
        """The visible button of `within` whose text is `text` (not the off-screen default of a form)."""
        found = [b for b in self.find(within).find_elements(By.TAG_NAME, "button")
                 if b.text.strip() == text and b.is_displayed()]
        assert len(found) == 1, (text, [b.text for b in self.find_all("button")])
        return found[0]

    def open(self, path: str) -> None:
        self.driver.get(self.url + path)
        self.wait(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))

    def press(self, element: WebElement, landing: str) -> None:
        """Clicks what sends a form (or follows a link) and waits for the page it leads to."""
        page = self.find("html")
        element.click()
        self.wait(lambda _driver: left(page))
        self.wait(expected_conditions.url_contains(landing))
        self.wait(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))

    def reload(self) -> None:
        self.driver.refresh()
        self.wait(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))

    def type(self, field_id: str, text: str) -> None:
        field = self.by_id(field_id)
        field.clear()
        field.send_keys(text)

    def type_date(self, field_id: str, iso: str) -> None:
        """Types a date into a date input, its parts in the order of the browser's locale (en-US: month,
        day, year), as a person would."""
        order = self.driver.execute_script(
            "return new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2000, 0, 2))"
            ".filter(part => part.type !== 'literal').map(part => part.type)")
        year, month, day = iso.split("-")
        self.by_id(field_id).send_keys("".join({"year": year, "month": month, "day": day}[part] for part in order))
        assert self.by_id(field_id).get_attribute("value") == iso, order

    def choose(self, field_id: str, value: str) -> None:
        Select(self.by_id(field_id)).select_by_value(value)

    def options(self, field_id: str) -> list[str]:
        return [o.get_attribute("value") for o in Select(self.by_id(field_id)).options if o.get_attribute("value")]

    def notice(self) -> str:
        return self.text("div.notice")

    def seen(self, where: str) -> None:
        """The page checked for accessibility and shot at a phone's and a desktop's size."""
        check_accessibility(self.driver.page_source, where)
        self.shots += 1
        shoot(self.driver, self.tmp_path, f"tabel-{self.shots:02d}-{re.sub(r'[^a-z0-9]+', '-', where.lower())}")

    def log_out(self) -> None:
        if self.find_all("form[action='/keluar']"):
            self.press(self.find("form[action='/keluar'] button"), "/")

    def log_in(self, username: str) -> None:
        self.log_out()
        self.open("/masuk")
        self.type("username", username)
        self.type("password", PASSWORD)
        self.press(self.button("Masuk"), "/")
        assert username in self.text("header.site")


# --- Table I: registration ---

def error_beside(browser: Browser, name: str) -> str:
    """The message shown beside field `name`: in the field's own box, named by its aria-describedby."""
    control = browser.by_id(name)
    error = browser.by_id(f"{name}-galat")
    assert control.get_attribute("aria-invalid") == "true", name
    assert f"{name}-galat" in (control.get_attribute("aria-describedby") or "").split(), name
    box = "ancestor::div[contains(concat(' ', @class, ' '), ' field ')][1]"
    assert error.find_element(By.XPATH, box) == control.find_element(By.XPATH, box), name
    assert error.is_displayed(), name
    return error.text.strip()


def empty_form_refused(browser: Browser) -> None:
    browser.open("/daftar")
    form = browser.find("form[action='/daftar']")
    # Chromium itself holds back a form with empty required fields; the paper's rows are the platform's
    # answers, so the browser's own check is switched off for this one submission
    assert browser.driver.execute_script("return arguments[0].checkValidity()", form) is False
    browser.driver.execute_script("arguments[0].noValidate = true", form)
    browser.press(browser.button("Daftar", "form[action='/daftar']"), "/daftar")
    for name in REQUIRED:
        assert "wajib diisi" in error_beside(browser, name), name
    for name in OPTIONAL:
        assert browser.by_id(name).get_attribute("aria-invalid") is None, name
    summary = [a.get_attribute("href").rsplit("#", 1)[1] for a in browser.find_all("div.alert a")]
    assert set(REQUIRED) <= set(summary)
    browser.seen("daftar wajib diisi")


def cities_offered(browser: Browser) -> None:
    assert browser.options("city") == []
    browser.choose("province", PROVINCE)
    browser.press(browser.button("Pilih kota", "form[action='/daftar']"), "/daftar")
    cities = browser.options("city")
    assert CITY in cities and all(city.startswith(PROVINCE + ".") for city in cities)
    assert Select(browser.by_id("province")).first_selected_option.get_attribute("value") == PROVINCE
    browser.seen("daftar pilih kota")


def register(browser: Browser, mailbox, person: Person, seller_part: dict[str, str] | None) -> None:
    """Types the registration form (the seller's part when given), sends it and activates the account
    with the emailed code, leaving the browser on the login page."""
    if browser.driver.current_url != browser.url + "/daftar":
        browser.open("/daftar")
    browser.choose("province", PROVINCE)
    if CITY not in browser.options("city"):
        browser.press(browser.button("Pilih kota", "form[action='/daftar']"), "/daftar")
    for field_id, text in (("name", "Siti Aminah"), ("username", person.username), ("email", person.email),
                           ("password", PASSWORD), ("phone", person.phone),
                           ("address", "Jl. Jenderal Gatot Subroto Kav. 94")):
        browser.type(field_id, text)
    browser.choose("city", CITY)
    for field_id, text in (seller_part or {}).items():
        if field_id == "bankCode":
            browser.choose(field_id, text)
        elif field_id == "birthDate":
            browser.type_date(field_id, text)
        else:
            browser.type(field_id, text)
    browser.seen(f"daftar {'penjual' if seller_part else 'pembeli'}")
    browser.press(browser.button("Daftar", "form[action='/daftar']"), "/aktivasi")
    assert "kode aktivasi dikirim ke email" in browser.notice()
    assert browser.by_id("username").get_attribute("value") == person.username
    browser.type("code", mailbox.code_for(person.email))
    browser.seen("aktivasi")
    browser.press(browser.button("Aktifkan"), "/masuk")
    assert "sudah aktif" in browser.notice()


def role_shown(browser: Browser) -> str:
    browser.open("/akun")
    return browser.driver.find_element(By.XPATH, "//dt[.='Peran']/following-sibling::dd[1]").text.strip()


# --- Table III: selling, buying, paying ---

def sell(browser: Browser, category: str, name: str) -> int:
    """The product sold at a fixed price through /toko/produk/baru: its id."""
    browser.open("/toko/produk/baru")
    browser.type("name", name)
    browser.choose("category", category)
    browser.type("description", "Kopi arabika Gayo sangrai sedang, 250 gram.")
    browser.type("weightGrams", "300")
    browser.by_id("saleMethod-FIXED").click()
    browser.type("price", "85.000")
    browser.type("stock", "10")
    browser.type("photoUrls", "https://cdn.example.id/kopi-gayo.jpg")
    assert browser.by_id("saleMethod-FIXED").is_selected() and not browser.by_id("saleMethod-AUCTION").is_selected()
    browser.seen("jual produk")
    browser.press(browser.button("Jual produk"), "/toko/produk/")
    assert "sudah dijual" in browser.notice()
    product_id = int(re.fullmatch(r".*/toko/produk/([0-9]+)", browser.driver.current_url).group(1))
    browser.seen("produk terjual")
    return product_id


def add_to_cart(browser: Browser, word: str, name: str, product_id: int) -> None:
    browser.open("/")
    browser.type("q", word)
    browser.press(browser.find("form.search button[type=submit]"), f"q={word}")
    assert [a.text for a in browser.find_all(".cards .card h3 a")] == [name]
    browser.seen("cari produk")
    browser.press(browser.driver.find_element(By.LINK_TEXT, name), f"/produk/{product_id}")
    assert browser.text("#harga") == "Rp 85.000"
    browser.type("jumlah", "2")
    browser.seen("produk")
    browser.press(browser.button("Tambah ke keranjang"), "/keranjang")  # Table III row 1: "Beli"
    assert "ditambahkan ke keranjang" in browser.notice()
    [line] = browser.find_all("tr.line")
    assert line.find_element(By.CSS_SELECTOR, "a").get_attribute("href").endswith(f"/produk/{product_id}")
    assert line.find_element(By.CSS_SELECTOR, "input[name=jumlah]").get_attribute("value") == "2"
    assert browser.text("#total") == "Rp 170.000"
    browser.seen("keranjang")


def check_out(browser: Browser) -> tuple[str, str]:
    """Kasir: a courier chosen (JNE when it answered), the order made. (invoice number, courier code)."""
    browser.press(browser.driver.find_element(By.LINK_TEXT, "Lanjut ke kasir"), "/kasir")
    radios = browser.find_all("input[type=radio][name^='kirim:']")
    labels = {r.get_attribute("value"): browser.find(f"label[for='{r.get_attribute('id')}']").text for r in radios}
    chosen = next((value for value in labels if value.startswith("jne|")), next(iter(labels)))
    browser.find(f"input[type=radio][value='{chosen}']").click()
    assert "Rp " in labels[chosen] and "hari" in labels[chosen]
    browser.seen("kasir")
    browser.press(browser.button("Buat pesanan"), "/faktur/INV")
    number = unquote(browser.driver.current_url.split("/faktur/", 1)[1])
    return number, chosen.split("|")[0]


def sms_to(gateway, msisdn: str, *parts: str) -> str:
    """The SMS the gateway sandbox holds for `msisdn` with every one of `parts`, waited for."""
    [text] = eventually(lambda: [s.text for s in (gateway.listMessages(msisdn=msisdn) or [])
                                 if all(part in s.text for part in parts)][-1:],
                        f"an SMS to {msisdn} with {parts}")
    return text


# --- Table II: reports ---

def report_row(browser: Browser, path: str, number: str, where: str) -> WebElement:
    browser.open(path)
    rows = [row for row in browser.find_all("table#faktur tbody tr") if number in row.text]
    assert len(rows) == 1, (path, number, browser.text("main")[:2000])
    assert browser.find_all("table#faktur th")
    browser.seen(where)
    return rows[0]


def waybill_opens_its_shipment(browser: Browser, row: WebElement, shipment: Shipment, where: str) -> None:
    """The row's waybill is a link to the shipment's own page, /lacak/<courier>/<waybill>, which shows the
    courier's events up to delivery."""
    [link] = row.find_elements(By.CSS_SELECTOR, "a[href^='/lacak/']")
    assert shipment.waybill in link.text
    href = link.get_dom_attribute("href")
    assert href == f"/lacak/{shipment.courier}/{shipment.waybill}", href
    browser.press(link, href)
    assert shipment.order in browser.text("main")
    assert browser.text("#resi") == shipment.waybill and browser.text("#status-kirim").startswith("Terkirim")
    assert browser.texts("#riwayat li .what") == shipment.events
    browser.seen(where)


def test_tables_one_to_three_clicked_through(server, mailbox, driver, tmp_path):
    gateway = zeep.Client(f"{server.sandbox_url}/partners/sms?wsdl").service
    bank = zeep.Client(f"{server.sandbox_url}/partners/bank/bca?wsdl").service
    admin_name = create_admin(server)
    category = new_category(server, Member(admin_name, login(server, admin_name, ADMIN_PASSWORD)))
    browser = Browser(driver, server.storefront_url, tmp_path)

    # Table I rows 1-8: each empty field's "wajib diisi" beside it; a province offers its cities
    empty_form_refused(browser)
    cities_offered(browser)

    # Table I: with a NIK (and the payout account, opened at the bank sandbox) a seller, without a buyer
    seller, buyer = new_person("penjual"), new_person("pembeli")
    account = unique_account("bca")
    bank.openAccount(accountNumber=account, holderName=HOLDER, openingBalance=0)
    register(browser, mailbox, seller, {"nik": SELLER_NIK, "birthDate": "1990-01-15", "bankCode": "BCA",
                                        "accountNumber": account, "accountHolder": HOLDER})
    browser.log_in(seller.username)
    assert role_shown(browser) == "Penjual"
    browser.seen("akun penjual")
    browser.log_out()
    register(browser, mailbox, buyer, None)
    browser.log_in(buyer.username)
    assert role_shown(browser) == "Pembeli"
    browser.seen("akun pembeli")
    # the same members over SOAP, to check what the pages did and to name them to the sandboxes
    selling = Seller(Member(seller.username, login(server, seller.username)), seller.msisdn, "bca", account)
    buying = Party(Member(buyer.username, login(server, buyer.username)), buyer.msisdn)
    member, auth = selling.service(server, "Member")
    assert member.getProfile(**auth).role == "SELLER"
    member, auth = buying.service(server, "Member")
    assert member.getProfile(**auth).role == "BUYER"

    # Table III row 4: the seller sells through the form, the sale method chosen
    word = unique("kopitabel")
    name = f"Kopi {word} Gayo"
    browser.log_in(seller.username)
    product_id = sell(browser, category, name)
    product = zeep.Client(server.wsdl_url("Catalog")).service.getProduct(productId=product_id)
    assert (product.saleMethod, product.price, product.stock, product.sellerUsername) == \
        ("FIXED", 85_000, 10, seller.username)

    # Table III rows 1-2: Beli puts it in the cart; Kasir makes the invoice, emailed to the buyer
    browser.log_in(buyer.username)
    add_to_cart(browser, word, name, product_id)
    number, courier = check_out(browser)
    checkout, auth = buying.service(server, "Checkout")
    invoice = checkout.getInvoice(invoiceNumber=number, **auth)
    assert invoice.status == "UNPAID" and invoice.goodsTotal == 170_000 and invoice.payeeAccount == account
    assert browser.text("h1") == f"Faktur {number}" and browser.text("#status-faktur") == "Belum dibayar"
    assert browser.text("#jumlah-transfer") == rupiah(invoice.amountDue)
    assert browser.text("#jumlah-transfer mark") == f"{invoice.uniqueCode:03d}"
    assert (browser.text("#bank"), browser.text("#rekening")) == ("BCA", account)
    browser.seen("faktur belum dibayar")
    mail = told(mailbox, gateway, buying, "Faktur pembelian")
    text = mail.get_body(("plain",)).get_content()
    assert number in text and account in text

    # Table III row 3: the exact amount transferred; "Konfirmasi pembayaran" reads the mutation: LUNAS
    transfer({"bca": bank}, selling, invoice.amountDue, number)
    browser.press(browser.button("Konfirmasi pembayaran"), f"/faktur/{number}")
    assert "LUNAS" in browser.notice() and browser.text("#status-faktur") == "LUNAS"
    browser.seen("faktur lunas")
    for party in (buying, selling):
        told(mailbox, gateway, party, f"Pembayaran faktur {number}", f"Pembayaran faktur {number}")

    # Table I row 10: the seller enters the courier's waybill; the buyer is told by SMS
    parcels = zeep.Client(f"{server.sandbox_url}/partners/courier/{courier}?wsdl",
                          settings=zeep.Settings(strict=False)).service
    waybill = parcels.registerShipment(waybill=None, originCityCode=CITY, destinationCityCode=CITY,
                                       service=invoice.courierService, receiverName="Siti Aminah").waybill
    browser.log_in(seller.username)
    browser.open("/toko/pesanan")
    order = invoice.orderNumber
    [article] = [a for a in browser.find_all("article.seller-order") if f"Pesanan {order}" in a.text]
    assert number in article.text
    field = article.find_element(By.CSS_SELECTOR, "input[name=resi]")
    assert Select(article.find_element(By.CSS_SELECTOR, "select[name=kurir]")).first_selected_option \
        .get_attribute("value") == courier  # the buyer's choice
    field.send_keys(waybill)
    browser.seen("pesanan untuk dikirim")
    browser.press(article.find_element(By.XPATH, f".//button[.='Kirim pesanan {order}']"), "/toko/pesanan")
    assert "sudah dikirim" in browser.notice() and waybill in browser.notice()
    browser.seen("pesanan dikirim")
    sms_to(gateway, buyer.msisdn, f"nomor faktur {number} telah dikirim via", f"resi {waybill}")

    # the courier delivers; the worker's poll sees it; the buyer follows the timeline and confirms receipt
    eventually(lambda: parcels.advanceShipment(waybill=waybill, failAttempt=False).delivered,
               "the courier sandbox to deliver the parcel", interval=0)
    browser.log_in(buyer.username)
    browser.open(f"/faktur/{number}")
    browser.press(browser.by_id("lacak"), f"/pesanan/{order}")

    def delivered_shown() -> bool:
        browser.reload()
        return browser.text("#status-pesanan") == "Sampai di tujuan"

    eventually(delivered_shown, "the tracking page to show the delivery", interval=0.5)
    shipping, auth = buying.service(server, "Shipping")
    events = sorted(items(shipping.trackOrder(orderNumber=order, **auth).events, "TrackingEvent"),
                    key=lambda event: event.time)
    shipment = Shipment(order, courier, waybill, [event.description for event in events])
    assert browser.texts("#riwayat li .what") == shipment.events and len(shipment.events) >= 3
    assert browser.text("#status-kirim").startswith("Terkirim") and browser.text("#resi") == waybill
    browser.seen("lacak terkirim")
    browser.press(browser.button("Pesanan diterima"), f"/pesanan/{order}")
    assert "Pesanan selesai" in browser.notice() and browser.text("#status-pesanan") == "Selesai"
    browser.seen("pesanan selesai")

    # Table II: the purchase and the sales report, each waybill leading to the shipment's own page
    bought = report_row(browser, "/laporan", number, "laporan pembelian")
    assert order in bought.text and rupiah(invoice.amountDue) in bought.text
    waybill_opens_its_shipment(browser, bought, shipment, "laporan pembelian resi")
    browser.log_in(seller.username)
    sold = report_row(browser, "/toko/laporan", number, "laporan penjualan")
    assert order in sold.text and rupiah(invoice.amountDue) in sold.text and buyer.username in sold.text
    waybill_opens_its_shipment(browser, sold, shipment, "laporan penjualan resi")
