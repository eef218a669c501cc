"""Debian's headless Chromium driven through the system chromedriver (selenium; Selenium Manager kept
offline, nothing downloaded), and screenshots at a phone's and a desktop's size: what the storefront's
browser tests share (tests/e2e/test_storefront_chromium.py, tests/e2e/test_storefront_tables.py).
Without chromium, chromedriver or selenium: a failure under CI=true, a skip with the reason elsewhere."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.processes import required

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "var" / "artifacts" / "storefront"
SIZES = {"ponsel": (390, 844), "desktop": (1280, 900)}


def selenium_webdriver():
    try:
        from selenium import webdriver
    except ImportError:
        reason = "selenium is not installed (pip install -e .[test]): the storefront's browser test is not run"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return webdriver


@pytest.fixture
def driver(tmp_path):
    chromium, chromedriver = required("chromium"), required("chromedriver")
    webdriver = selenium_webdriver()
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager never fetches a browser or a driver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1280,900"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(executable_path=chromedriver, log_output=str(tmp_path / "driver.log")),
                               options=options)
    browser.set_page_load_timeout(60)
    try:
        yield browser
    finally:
        browser.quit()


def shoot(driver, tmp_path: Path, name: str) -> None:
    """The page at a phone's and a desktop's size, into tmp_path and var/artifacts/storefront/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        driver.set_window_size(width, height)
        path = tmp_path / f"{name}-{size}.png"
        assert driver.save_screenshot(str(path)), path
        assert path.stat().st_size > 5_000, f"{path}: a blank screenshot"
        shutil.copy(path, ARTIFACTS / path.name)
    driver.set_window_size(*SIZES["desktop"])
