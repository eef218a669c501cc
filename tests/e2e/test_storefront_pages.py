"""The storefront (storefront/, docs/storefront.md) in-process against the real platform: every shop
datum made through SOAP as a seller would, then seen through the storefront's pages as a buyer would."""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from storefront.app import create_app
from storefront.platform import Platform, PlatformError
from storefront.sessions import COOKIE_NAME, SECURE_COOKIE_NAME
from tests.e2e.catalog import Member, Shop, auction_form, fixed_form, new_member, new_shop
from tests.e2e.members import PASSWORD
from tests.e2e.soap import unique
from tests.e2e.storefront_client import Browser, product_links


@dataclass
class World:
    shop: Shop
    seller: Member
    buyer: Member
    word: str  # in the name of every fixed-price product below, and nowhere else
    fixed: list[int]  # newest last, prices 10_000, 20_000 ... 70_000
    auction: int
    hostile: int


@pytest.fixture(scope="module")
def world(server, mailbox) -> World:
    shop = new_shop(server)
    seller, buyer = new_member(server, mailbox, seller=True), new_member(server, mailbox)
    catalog, auth = seller.service(server, "Catalog")
    word = unique("tokosf")
    fixed = [catalog.sellProduct(form=fixed_form(shop.category, name=f"Keripik {word} rasa {i}", price=i * 10_000),
                                 **auth).productId for i in range(1, 8)]
    auction = catalog.sellProduct(form=auction_form(shop.category, name=f"Lukisan {unique('lelangsf')}"),
                                  **auth).productId
    auction_service, bid_auth = buyer.service(server, "Auction")
    auction_service.placeBid(productId=auction, amount=750_000, **bid_auth)
    hostile = catalog.sellProduct(form=fixed_form(shop.category, name="<script>alert(1)</script>",
                                                  description='"><img src=x onerror=alert(2)>'),
                           **auth).productId
    return World(shop, seller, buyer, word, fixed, auction, hostile)


@pytest.fixture
def app(server, tmp_path):
    return create_app(server.url, tmp_path / "state", secure_cookies=True)


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app)


def logged_in(browser: Browser, username: str) -> None:
    form = browser.get("/masuk")
    answer = browser.post("/masuk", {"csrf": form.csrf(), "username": username, "password": PASSWORD})
    assert answer.status == 303 and answer.header("Location") == "/", answer.text[:2000]


def test_search_finds_products_made_through_soap_as_cards(browser, world):
    page = browser.get("/", q=world.word)
    assert page.status == 200 and page.header("Content-Type") == "text/html; charset=utf-8"
    links = product_links(page)
    assert links == list(reversed(world.fixed))[:12]  # newest first, all seven on one page
    dom = page.dom()
    assert dom.get("lang") == "id" and len(dom.xpath("//h1")) == 1
    assert "Rp 70.000" in page.text and world.seller.username in page.text


def test_filters_and_sorting(browser, world):
    page = browser.get("/", q=world.word, min="25.000", max="50000", urut="termurah")
    assert product_links(page) == world.fixed[2:5]  # 30, 40, 50 thousand, cheapest first
    assert product_links(browser.get("/", q=world.word, jenis="lelang")) == []
    assert product_links(browser.get("/", q=world.word, kategori=world.shop.category, urut="termahal"))[0] == \
        world.fixed[-1]
    assert product_links(browser.get("/", q=world.word, kategori="tidak-ada")) == []
    assert world.auction in product_links(browser.get("/", kategori=world.shop.category, jenis="lelang"))
    # the sellers of tests/e2e/members.py live in Jakarta Selatan (31, 31.74); the city list follows the province
    jakarta = browser.get("/", q=world.word, provinsi="31", kota="31.74")
    assert product_links(jakarta) == list(reversed(world.fixed))
    assert jakarta.dom().xpath("//select[@id='kota']/option[@value='31.74'][@selected]")
    assert product_links(browser.get("/", q=world.word, provinsi="32")) == []


def test_paging(app, world, browser, monkeypatch):
    monkeypatch.setattr("storefront.pages.catalog.PAGE_SIZE", 3)
    first = browser.get("/", q=world.word)
    newest = list(reversed(world.fixed))
    assert product_links(first) == newest[:3]
    next_link = first.dom().xpath("//a[@rel='next']/@href")[0]
    assert "hal=2" in next_link and f"q={world.word}" in next_link and not first.dom().xpath("//a[@rel='prev']")
    second = browser.request("GET", next_link)
    assert product_links(second) == newest[3:6]
    third = browser.request("GET", second.dom().xpath("//a[@rel='next']/@href")[0])
    assert product_links(third) == newest[6:] and not third.dom().xpath("//a[@rel='next']")
    assert third.dom().xpath("//a[@rel='prev']")


def test_a_bad_price_is_said_in_indonesian_beside_the_form(browser, world):
    page = browser.get("/", q=world.word, min="murah")
    assert page.status == 200 and "Harga terendah harus berupa angka" in page.text and product_links(page) == []


@pytest.mark.parametrize("name", ["min", "max"])
@pytest.mark.parametrize("value", ["²", "١٢", "12³", "\uff11\uff12"])  # superscripts, Arabic-Indic, fullwidth
def test_a_price_in_digits_that_are_not_ascii_is_refused_not_a_500(browser, world, name, value):
    page = browser.get("/", q=world.word, **{name: value})
    label = "Harga terendah" if name == "min" else "Harga tertinggi"
    assert page.status == 200 and f"{label} harus berupa angka" in page.text and product_links(page) == []


@pytest.mark.parametrize("value", ["²", "١٢", "0", "-1", "1234567"])
def test_a_page_number_that_is_not_one_is_page_one(browser, world, value):
    page = browser.get("/", q=world.word, hal=value)
    assert page.status == 200 and product_links(page) == list(reversed(world.fixed))


@pytest.mark.parametrize("field", ["q", "kategori"])
def test_control_characters_in_the_query_are_dropped_not_a_500(browser, world, field):
    page = browser.get("/", **{field: "a\x00b\x01c\x1f\ufffe"})
    assert page.status == 200 and "Traceback" not in page.text
    if field == "q":  # what XML cannot carry is gone from the form too
        assert page.dom().xpath("//input[@id='q']/@value") == ["abc"]
    # the product search still works around them
    assert product_links(browser.get("/", q=f"\x00{world.word}\x01")) == list(reversed(world.fixed))


def test_a_control_character_in_the_login_name_is_not_a_500(browser, world):
    form = browser.get("/masuk")
    page = browser.post("/masuk", {"csrf": form.csrf(), "username": "a\x01b", "password": PASSWORD})
    assert page.status == 400 and "Traceback" not in page.text and not page.set_cookies()
    assert page.dom().xpath("//input[@id='username']/@value") == ["ab"]
    # with the control character kept, the login name is still the buyer's: it is the buyer who logs in
    form = browser.get("/masuk")
    name = world.buyer.username
    page = browser.post("/masuk", {"csrf": form.csrf(), "username": f"{name[:2]}\x00{name[2:]}", "password": PASSWORD})
    assert page.status == 303 and world.buyer.username in browser.get("/").dom().xpath("string(//header)")


def test_text_xml_cannot_carry_is_a_validation_error_from_the_platform_client(app, world):
    with pytest.raises(PlatformError) as raised:
        app.platform.call("Catalog", "searchProducts", filters={"text": "a\x00b", "sort": "NEWEST"}, page=1,
                          pageSize=1)
    assert raised.value.fault_code == "Client.Validation" and raised.value.message
    assert "\x00" not in str(raised.value)


def test_the_product_page_shows_price_and_auction_state(browser, world):
    fixed = browser.get(f"/produk/{world.fixed[0]}")
    assert fixed.status == 200
    dom = fixed.dom()
    assert dom.xpath("string(//dd[@id='harga'])") == "Rp 10.000"
    assert dom.xpath("//img/@src") == ["https://cdn.example.id/keripik-1.jpg", "https://cdn.example.id/keripik-2.jpg"]
    assert all(dom.xpath("//img/@alt")) and "Keripik tempe renyah" in fixed.text

    auction = browser.get(f"/produk/{world.auction}").dom()
    assert auction.xpath("string(//dd[@id='harga'])") == "Rp 750.000"
    assert auction.xpath("string(//dd[@id='tawaran'])") == "1"
    assert auction.xpath("string(//dd[@id='berakhir'])").endswith(" WIB")
    assert auction.xpath("string(//dd[@id='status'])") == "Tersedia"


def test_output_is_escaped(browser, world):
    page = browser.get(f"/produk/{world.hostile}")
    assert page.status == 200
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text
    assert page.dom().xpath("string(//h1)") == "<script>alert(1)</script>"
    found = browser.get("/", q="alert", kategori=world.shop.category)
    assert world.hostile in product_links(found)  # else the check below would hold vacuously
    assert "<script>" not in found.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in found.text
    assert "script-src" not in (page.header("Content-Security-Policy") or "")  # default-src 'none': no script
    assert "default-src 'none'" in page.header("Content-Security-Policy")


@pytest.mark.parametrize("back, lands", [("/faktur", "/faktur"), ("//evil.example/x", "/"),
                                         ("/\\evil.example", "/"), ("https://evil.example/", "/")])
def test_login_returns_to_the_page_that_asked_and_only_to_this_site(browser, world, back, lands):
    asked = browser.get("/akun")
    assert asked.status == 303 and asked.header("Location") == "/masuk?kembali=%2Fakun"
    form = browser.get("/masuk", kembali=back)
    assert form.dom().xpath("//input[@name='kembali']/@value") == [lands]
    answer = browser.post("/masuk", {"csrf": form.csrf(), "username": world.buyer.username, "password": PASSWORD,
                                     "kembali": back})
    assert answer.status == 303 and answer.header("Location") == lands


@pytest.mark.parametrize("referer, back", [("http://toko.example/keranjang", "/keranjang"),
                                           ("http://elsewhere.example/keranjang", "/"), (None, "/")])
def test_a_form_whose_session_ended_returns_to_its_page_after_login(server, browser, world, referer, back):
    logged_in(browser, world.buyer.username)
    cart = browser.get("/keranjang")
    token = sqlite3.connect(browser.app.sessions.path).execute(  # the platform session ends elsewhere
        "SELECT token FROM session WHERE token IS NOT NULL").fetchone()[0]
    Platform(server.url).call("Member", "logout", token=token)
    answer = browser.post("/keranjang/ubah", {"csrf": cart.csrf(), "produk": str(world.fixed[0]), "jumlah": "1"},
                          referer=referer)
    assert answer.status == 303 and answer.header("Location") == "/masuk?" + urlencode({"kembali": back})
    assert "Sesi Anda telah berakhir" in browser.get("/masuk").text


def test_login_keeps_the_token_on_the_server(browser, app, world):
    form = browser.get("/masuk")
    anonymous = form.set_cookies()
    assert len(anonymous) == 1
    page = browser.post("/masuk", {"csrf": form.csrf(), "username": world.buyer.username, "password": PASSWORD})
    assert page.status == 303 and page.header("Location") == "/"
    [cookie] = page.set_cookies()
    attributes = [part.strip() for part in cookie.split(";")]
    assert {"HttpOnly", "SameSite=Lax", "Secure", "Path=/"} <= set(attributes)
    assert attributes[0].startswith(f"{SECURE_COOKIE_NAME}=") and SECURE_COOKIE_NAME == "__Host-sf_session"
    assert not any(a.lower().startswith("domain") for a in attributes)  # __Host-: no Domain, Path=/, Secure
    assert attributes[0].split("=", 1)[1] != anonymous[0].split(";")[0].split("=", 1)[1]  # a fresh reference

    home = browser.get("/")
    assert world.buyer.username in home.dom().xpath("string(//header)")
    with sqlite3.connect(app.sessions.path) as db:
        [(token,)] = db.execute("SELECT token FROM session WHERE token IS NOT NULL").fetchall()
    assert token and token not in cookie
    for page in (home, browser.get(f"/produk/{world.auction}"), browser.get("/", q=world.word, hal="2")):
        assert token not in page.text and token not in str(page.headers)


def test_without_secure_the_cookie_keeps_its_plain_name(server, tmp_path, world):
    app = create_app(server.url, tmp_path / "plain", secure_cookies=False)
    browser = Browser(app)
    [cookie] = browser.get("/masuk").set_cookies()
    attributes = [part.strip() for part in cookie.split(";")]
    assert attributes[0].startswith(f"{COOKIE_NAME}=") and "Secure" not in attributes
    logged_in(browser, world.buyer.username)
    assert list(browser.cookies) == [COOKIE_NAME]


@pytest.mark.parametrize("other", ['a={"x":1}', "a=b c", "b=é", "b=\u00c3\u00a9", "c", "=d", 'e="quoted"'])
def test_another_cookie_that_simplecookie_dislikes_does_not_cost_the_session(app, world, other):
    browser = Browser(app)
    logged_in(browser, world.buyer.username)
    reference = browser.cookies[app.cookie_name]
    for order in ([("other", other), ("session", reference)], [("session", reference), ("other", other)]):
        header = "; ".join(value if key == "other" else f"{app.cookie_name}={value}" for key, value in order)
        page = Browser(app, cookie_header=header).get("/")
        assert world.buyer.username in page.dom().xpath("string(//header)"), header
        [csrf] = page.dom().xpath("//form[@action='/keluar']/input[@name='csrf']/@value")
        assert csrf  # and a POST would find its session too (no 403)


def test_logging_in_again_ends_the_old_platform_session(browser, app, world, server):
    logged_in(browser, world.buyer.username)
    with sqlite3.connect(app.sessions.path) as db:
        [(old,)] = db.execute("SELECT token FROM session WHERE token IS NOT NULL").fetchall()
    home = browser.get("/")
    [csrf] = home.dom().xpath("//form[@action='/keluar']/input[@name='csrf']/@value")
    again = browser.post("/masuk", {"csrf": csrf, "username": world.buyer.username, "password": PASSWORD})
    assert again.status == 303
    with sqlite3.connect(app.sessions.path) as db:
        [(new,)] = db.execute("SELECT token FROM session WHERE token IS NOT NULL").fetchall()
    assert new != old and world.buyer.username in browser.get("/").dom().xpath("string(//header)")
    from tests.e2e.soap import client, fault_code, fault_of, with_token
    member = client(server, "Member")
    assert fault_code(fault_of(member.service.getProfile, **with_token(member, "Member", old))) == \
        "Client.Authentication"
    assert member.service.getProfile(**with_token(member, "Member", new)).username == world.buyer.username


def test_a_wrong_password_shows_the_platforms_message(browser, world):
    form = browser.get("/masuk")
    page = browser.post("/masuk", {"csrf": form.csrf(), "username": world.buyer.username, "password": "salah12345"})
    assert page.status == 400 and not page.set_cookies()
    message = page.dom().xpath("string(//div[@role='alert'])").strip()
    assert message and "Traceback" not in page.text
    assert world.buyer.username in page.dom().xpath("//input[@id='username']/@value")
    assert "Keluar" not in page.text


@pytest.mark.parametrize("csrf", [None, "", "salah"])
def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(browser, app, world, csrf):
    form = browser.get("/masuk")
    fields = {"username": world.buyer.username, "password": PASSWORD}
    if csrf is not None:
        fields["csrf"] = csrf
    page = browser.post("/masuk", fields)
    assert page.status == 403 and "Permintaan ditolak" in page.text and not page.set_cookies()
    assert "Keluar" not in browser.get("/").text  # not logged in

    logged_in(browser, world.buyer.username)
    sessions = app.sessions.count()
    refused = browser.post("/keluar", {} if csrf is None else {"csrf": csrf})
    assert refused.status == 403 and app.sessions.count() == sessions
    assert world.buyer.username in browser.get("/").dom().xpath("string(//header)")  # still logged in
    assert form.status == 200


def test_a_post_without_any_session_is_refused(app, world):
    page = Browser(app).post("/keluar", {"csrf": "x"})
    assert page.status == 403


def test_logout_ends_the_session_here_and_on_the_platform(browser, app, world, server):
    logged_in(browser, world.buyer.username)
    with sqlite3.connect(app.sessions.path) as db:
        [(token,)] = db.execute("SELECT token FROM session WHERE token IS NOT NULL").fetchall()
    reference = browser.cookies[app.cookie_name]
    home = browser.get("/")
    [csrf] = home.dom().xpath("//form[@action='/keluar']/input[@name='csrf']/@value")
    page = browser.post("/keluar", {"csrf": csrf})
    assert page.status == 303 and page.header("Location") == "/"
    assert "Max-Age=0" in page.set_cookies()[0] and app.cookie_name not in browser.cookies
    assert app.sessions.count() == 0 and app.sessions.get(reference) is None
    assert "Keluar" not in browser.get("/").text
    # the old cookie is worth nothing, and the platform's token is gone too
    assert Browser(app, {app.cookie_name: reference}).get("/").text.count("Keluar") == 0
    from tests.e2e.soap import client, fault_code, fault_of, with_token
    member = client(server, "Member")
    assert fault_code(fault_of(member.service.getProfile, **with_token(member, "Member", token))) == \
        "Client.Authentication"


def test_a_platform_fault_is_a_friendly_page(browser, world):
    missing = browser.get("/produk/999999999")
    assert missing.status == 404 and missing.dom().xpath("string(//h1)") == "Tidak ditemukan"
    assert missing.dom().xpath("string(//div[@role='alert'])").strip()  # the platform's own message
    inverted = browser.get("/", q=world.word, min="90000", max="10000")  # Client.Validation from searchProducts
    assert inverted.status == 200 and inverted.dom().xpath("string(//div[@role='alert'])").strip()
    assert product_links(inverted) == [] and "Traceback" not in inverted.text


class FaultingPlatform(BaseHTTPRequestHandler):
    """A platform whose Catalog answers every call with a Server.Internal fault: its WSDL is the committed
    wsdl/Catalog.wsdl with the address made this server's."""
    wsdl = (Path(__file__).resolve().parents[2] / "wsdl" / "Catalog.wsdl").read_text(encoding="utf-8")
    fault = ('<?xml version="1.0" encoding="utf-8"?>'
             '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
             '<faultcode>soap:Server.Internal</faultcode><faultstring>Kesalahan internal</faultstring>'
             '<detail><f:FaultDetail xmlns:f="urn:emall-kukm:fault"><f:code>INTERNAL</f:code></f:FaultDetail>'
             '</detail></soap:Fault></soap:Body></soap:Envelope>')

    def answer(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/ws/Catalog?wsdl":
            return self.answer(404, "")
        here = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.answer(200, self.wsdl.replace("http://127.0.0.1:8000", here))

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.answer(500, self.fault)

    def log_message(self, *args) -> None:
        pass


def test_a_server_fault_is_logged_and_a_friendly_page(tmp_path, caplog):
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FaultingPlatform)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    try:
        app = create_app(f"http://127.0.0.1:{fake.server_address[1]}", tmp_path / "state", secure_cookies=True)
        with caplog.at_level(logging.ERROR, logger="storefront.platform"):
            page = Browser(app).get("/produk/1")
    finally:
        fake.shutdown()
        fake.server_close()
    assert page.status == 502 and "Kesalahan internal" in page.text and "Traceback" not in page.text
    [record] = [r for r in caplog.records if r.name == "storefront.platform"]
    assert record.levelno == logging.ERROR and "Server.Internal" in record.getMessage()
    assert "INTERNAL" in record.getMessage() and "Catalog.getProduct" in record.getMessage()


def test_an_unreachable_platform_is_a_friendly_page(tmp_path, caplog):
    from tests.processes import free_port

    app = create_app(f"http://127.0.0.1:{free_port()}", tmp_path / "state", secure_cookies=False)
    browser = Browser(app)
    with caplog.at_level(logging.ERROR, logger="storefront.platform"):
        page = browser.get("/produk/1")
    assert page.status == 503 and "tidak dapat dihubungi" in page.text and "Traceback" not in page.text
    assert any("unreachable" in r.getMessage() for r in caplog.records)
    home = browser.get("/", q="kopi")  # the search form stays usable, the message above it
    assert home.status == 200 and "tidak dapat dihubungi" in home.dom().xpath("string(//div[@role='alert'])")
    form = browser.get("/masuk")
    login = browser.post("/masuk", {"csrf": form.csrf(), "username": "pembeli", "password": PASSWORD})
    assert login.status == 503 and "tidak dapat dihubungi" in login.dom().xpath("string(//div[@role='alert'])")
    assert login.dom().xpath("//input[@id='username']/@value") == ["pembeli"] and not login.set_cookies()


def test_a_wsdl_that_hangs_holds_back_only_its_own_service(monkeypatch):
    """Each service's client is built under its own lock; a read timeout keeps a built client."""
    release = threading.Event()
    built: list[str] = []

    class Client:
        def __init__(self, wsdl: str, transport) -> None:
            if "/Slow?" in wsdl:
                release.wait(10)
            built.append(wsdl)
            self.service = self

        def ping(self):
            raise requests.ReadTimeout("no answer")

    monkeypatch.setattr("storefront.platform.zeep.Client", Client)
    platform = Platform("http://platform.invalid")
    slow = threading.Thread(target=platform.client, args=("Slow",))
    slow.start()
    try:
        time.sleep(0.2)  # the slow WSDL's lock is held now
        started = time.monotonic()
        fast = platform.client("Fast")
        assert time.monotonic() - started < 1 and built == ["http://platform.invalid/ws/Fast?wsdl"]
    finally:
        release.set()
        slow.join(10)
    with pytest.raises(PlatformError) as raised:
        platform.call("Fast", "ping")
    assert raised.value.fault_code == "" and platform.client("Fast") is fast  # not built again
    assert len(built) == 2


def test_a_client_whose_wsdl_could_not_be_read_is_built_again(monkeypatch):
    attempts: list[str] = []

    class Client:
        def __init__(self, wsdl: str, transport) -> None:
            attempts.append(wsdl)
            if len(attempts) == 1:
                raise requests.ConnectionError("refused")
            self.service = self

        def ping(self):
            return "pong"

    monkeypatch.setattr("storefront.platform.zeep.Client", Client)
    platform = Platform("http://platform.invalid")
    with pytest.raises(PlatformError):
        platform.call("Catalog", "ping")
    assert platform.call("Catalog", "ping") == "pong" and len(attempts) == 2


def test_unknown_pages_and_methods(browser):
    page = browser.get("/tidak/ada")
    assert page.status == 404 and page.dom().get("lang") == "id" and "Halaman tidak ditemukan" in page.text
    assert browser.get("/produk/abc").status == 404
    wrong = browser.request("PUT", "/masuk")
    assert wrong.status == 405 and wrong.header("Allow") == "GET, POST"
    assert browser.get("/static/style.css").header("Content-Type").startswith("text/css")
    assert browser.get("/static/../app.py").status == 404


def test_a_login_error_is_tied_to_its_fields(browser, world):
    form = browser.get("/masuk")
    assert not form.dom().xpath("//*[@aria-invalid or @aria-describedby]")
    page = browser.post("/masuk", {"csrf": form.csrf(), "username": world.buyer.username, "password": "salah12345"})
    dom = page.dom()
    assert dom.get_element_by_id("login-error") is not None
    for field in ("username", "password"):
        [element] = dom.xpath(f"//input[@id='{field}']")
        assert element.get("aria-invalid") == "true" and element.get("aria-describedby") == "login-error"
    assert not dom.xpath("//form[@aria-describedby]")


def test_every_page_is_accessible_in_its_html(browser, world):
    for path in ("/", f"/produk/{world.auction}", f"/produk/{world.fixed[0]}", "/masuk", "/tidak/ada"):
        dom = browser.get(path).dom()
        assert dom.get("lang") == "id", path
        assert len(dom.xpath("//h1")) == 1, path
        levels = [int(h.tag[1]) for h in dom.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (path, levels)
        labelled = set(dom.xpath("//label/@for"))
        for field in dom.xpath("//input[not(@type='hidden')] | //select | //textarea"):
            assert field.get("id") in labelled, (path, field.get("name"))
        assert all(img.get("alt") for img in dom.xpath("//img")), path
        assert dom.xpath("//a[@class='skip']/@href") == ["#isi"] and dom.get_element_by_id("isi") is not None
