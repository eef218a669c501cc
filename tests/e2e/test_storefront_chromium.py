"""The storefront as a buyer's browser shows it: `emall-ws storefront` on a free port against the real
platform, driven by Debian's headless Chromium through the system chromedriver (selenium; Selenium
Manager kept offline, nothing downloaded). Home, search, a product, login with a member made through
SOAP; screenshots at a phone's and a desktop's size kept under the test's tmp dir and copied to
var/artifacts/storefront/; each page's HTML checked for accessibility basics.
Without chromium or chromedriver: a failure under CI=true, a skip with the reason elsewhere."""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.catalog import auction_form, fixed_form, new_member, new_shop
from tests.e2e.chromium import driver, shoot  # noqa: F401 (driver: a fixture)
from tests.e2e.members import PASSWORD
from tests.e2e.soap import unique
from tests.e2e.storefront_client import check_accessibility
from tests.processes import free_port, running

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Storefront:
    url: str
    home: Path

    def platform_tokens(self) -> list[str]:
        """The platform tokens the storefront's own sessions hold (storefront/sessions.py)."""
        with sqlite3.connect(self.home / "var" / "storefront" / "sessions.db") as db:
            return [token for (token,) in db.execute("SELECT token FROM session WHERE token IS NOT NULL")]


@pytest.fixture(scope="module")
def storefront(server, tmp_path_factory):
    home = tmp_path_factory.mktemp("storefront")
    port = free_port()
    env = dict(os.environ, EMALL_HOST="127.0.0.1", EMALL_WEB_PORT=str(port), EMALL_VAR_DIR=str(home / "var"),
               EMALL_STOREFRONT_PLATFORM_URL=server.url, PYTHONPATH=str(REPO))
    env.pop("EMALL_PUBLIC_URL", None)
    url = f"http://127.0.0.1:{port}"
    # no --insecure-cookies: the cookie is Secure (and __Host-) even over http, which Chromium takes
    # from 127.0.0.1, a secure context
    with running(["-m", "emall_ws.cli", "storefront"], env, home, home / "storefront.log", url,
                 path="/static/style.css"):
        yield Storefront(url, home)


def test_a_buyer_searches_opens_a_product_and_logs_in(server, mailbox, storefront, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    def arrives(condition) -> None:  # a click returns before the page it asked for may have loaded
        WebDriverWait(driver, 30).until(condition)

    storefront_url = storefront.url

    shop = new_shop(server)
    seller, buyer = new_member(server, mailbox, seller=True), new_member(server, mailbox)
    catalog, auth = seller.service(server, "Catalog")
    word = unique("kopisf")
    product = catalog.sellProduct(form=fixed_form(shop.category, name=f"Kopi {word} Gayo", price=85_000),
                                  **auth).productId
    catalog.sellProduct(form=auction_form(shop.category, name=f"Lukisan {word} Cirebon"), **auth)

    driver.get(storefront_url + "/")
    assert driver.title.endswith("Emall KUKM")
    check_accessibility(driver.page_source, "/")
    shoot(driver, tmp_path, "1-beranda")

    box = driver.find_element(By.ID, "q")
    box.send_keys(word)
    driver.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    arrives(expected_conditions.url_contains(f"q={word}"))
    cards = driver.find_elements(By.CSS_SELECTOR, ".cards .card h3 a")
    assert sorted(card.text for card in cards) == sorted([f"Kopi {word} Gayo", f"Lukisan {word} Cirebon"])
    check_accessibility(driver.page_source, "search")
    shoot(driver, tmp_path, "2-pencarian")

    driver.find_element(By.LINK_TEXT, f"Kopi {word} Gayo").click()
    arrives(expected_conditions.url_to_be(f"{storefront_url}/produk/{product}"))
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Kopi {word} Gayo"
    assert driver.find_element(By.ID, "harga").text == "Rp 85.000"
    check_accessibility(driver.page_source, "product")
    shoot(driver, tmp_path, "3-produk")

    driver.find_element(By.LINK_TEXT, "Masuk").click()
    arrives(expected_conditions.url_to_be(f"{storefront_url}/masuk"))
    check_accessibility(driver.page_source, "login")
    driver.find_element(By.ID, "username").send_keys(buyer.username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    shoot(driver, tmp_path, "4-masuk")
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    arrives(expected_conditions.url_to_be(storefront_url + "/"))
    assert buyer.username in driver.find_element(By.CSS_SELECTOR, "header.site").text
    [cookie] = driver.get_cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["secure"] and cookie["name"] == "__Host-sf_session"  # Secure works on http://127.0.0.1
    # the storefront's own platform token (not the test's SOAP login) shows nowhere in the browser
    [token] = storefront.platform_tokens()
    assert token and token != buyer.token
    seen = [driver.page_source, driver.current_url, str(driver.get_cookies())]
    for path in ("/", f"/produk/{product}", f"/?q={word}"):
        driver.get(storefront_url + path)
        seen += [driver.page_source, driver.current_url, str(driver.get_cookies())]
    assert buyer.username in driver.find_element(By.CSS_SELECTOR, "header.site").text
    assert all(token not in text for text in seen)
    driver.get(storefront_url + "/")
    shoot(driver, tmp_path, "5-masuk-berhasil")

    # the keyboard reaches the skip link first, and it is visible when focused
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.get_attribute("href").endswith("#isi") and focused.is_displayed()

    driver.find_element(By.CSS_SELECTOR, "form[action='/keluar'] button").click()
    arrives(expected_conditions.invisibility_of_element_located((By.CSS_SELECTOR, "form[action='/keluar']")))
    assert "Masuk" in driver.find_element(By.CSS_SELECTOR, "header.site").text and not driver.get_cookies()
