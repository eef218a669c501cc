"""The storefront's account pages (storefront/pages/account.py, docs/storefront.md "Account") in-process
against the real platform: registering (Table I of the paper: every field's error beside its field),
activating with the code from the mailbox, resetting a password, the profile and its password; every
refusal checked through SOAP to have changed nothing."""
from __future__ import annotations

import re

import pytest
import zeep

from storefront.app import create_app
from storefront.platform import Platform, PlatformError
from tests.e2e.members import PASSWORD, as_member, form, login, register_and_activate, seller_form
from tests.e2e.soap import client
from tests.e2e.storefront_client import Browser, Page, check_accessibility
from tests.waiting import eventually


@pytest.fixture
def browser(server, tmp_path) -> Browser:
    return Browser(create_app(server.url, tmp_path / "state", secure_cookies=True))


def error_beside(page: Page, name: str) -> str:
    """The message shown beside the field `name`, which points at it (aria-invalid, aria-describedby)."""
    dom = page.dom()
    control = dom.get_element_by_id(name)
    assert control.get("aria-invalid") == "true", name
    assert f"{name}-galat" in (control.get("aria-describedby") or "").split(), name
    return dom.get_element_by_id(f"{name}-galat").text_content().strip()


def unmarked(page: Page, name: str) -> bool:
    control = page.dom().get_element_by_id(name)
    return control.get("aria-invalid") is None and not page.dom().xpath(f"//*[@id='{name}-galat']")


def value_of(page: Page, name: str) -> str | None:
    return page.dom().get_element_by_id(name).get("value")


def options_of(page: Page, name: str) -> list[str]:
    return [v for v in page.dom().xpath(f"//select[@id='{name}']/option/@value") if v]


def notice(page: Page) -> str:
    assert page.status == 200 and page.dom().xpath("//div[@class='notice']"), page.text[:3000]
    return " ".join(page.dom().xpath("//div[@class='notice']//text()")).strip()


def follow(browser: Browser, answer: Page) -> Page:
    assert answer.status == 303, answer.text[:3000]
    return browser.get(answer.header("Location"))


def login_fails(server, username: str, password: str) -> bool:
    try:
        login(server, username, password)
    except zeep.exceptions.Fault:
        return True
    return False


def reset_code(mailbox, address: str) -> str:
    """The code of the newest password-reset email to `address` (sent by the worker)."""
    message = eventually(lambda: next((m for m in reversed(mailbox.to(address))
                                       if "atur ulang" in str(m["Subject"]).lower()), None),
                         f"a password reset email to {address}")
    return re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)


def log_in(browser: Browser, username: str, password: str = PASSWORD) -> None:
    page = browser.get("/masuk")
    answer = browser.post("/masuk", {"csrf": page.csrf(), "username": username, "password": password})
    assert answer.status == 303, answer.text[:3000]


def register_through_pages(browser: Browser, mailbox, values: dict) -> Page:
    """Registers and activates `values` with the pages; answers the login page the activation led to."""
    page = browser.get("/daftar")
    check_accessibility(page.text, "/daftar")
    done = browser.post("/daftar", {"csrf": page.csrf(), **values})
    assert done.header("Location") == f"/aktivasi?u={values['username']}"
    activation = follow(browser, done)
    assert "kode aktivasi dikirim ke email" in notice(activation)
    assert value_of(activation, "username") == values["username"]
    check_accessibility(activation.text, "/aktivasi")
    code = mailbox.code_for(values["email"])
    return follow(browser, browser.post("/aktivasi", {"csrf": activation.csrf(), "username": values["username"],
                                                      "code": code}))


def test_a_buyer_registers_choosing_a_city_activates_and_logs_in(browser, server, mailbox):
    values = form()
    page = browser.get("/daftar")
    # without JavaScript: the province is sent with "Pilih kota", the form comes back with its cities
    step = browser.post("/daftar", {"csrf": page.csrf(), **values, "city": "", "aksi": "pilih-kota"})
    assert step.status == 200 and values["city"] in options_of(step, "city")
    assert value_of(step, "username") == values["username"] and value_of(step, "address") == values["address"]
    assert values["password"] not in step.text and value_of(step, "password") is None
    check_accessibility(step.text, "/daftar kota")
    first_button = step.dom().xpath("//form[@action='/daftar']//button[@type='submit']")[0]
    assert first_button.get("name") is None  # Enter in a field registers; it is not the "Pilih kota" step
    assert login_fails(server, values["username"], values["password"])  # nothing registered by the step

    done = browser.post("/daftar", {"csrf": step.csrf(), **values})
    activation = follow(browser, done)
    assert "kode aktivasi dikirim ke email" in notice(activation)
    code = mailbox.code_for(values["email"])
    wrong = browser.post("/aktivasi", {"csrf": activation.csrf(), "username": values["username"],
                                       "code": "000000" if code != "000000" else "111111"})
    assert wrong.status == 400 and error_beside(wrong, "code") and unmarked(wrong, "username")
    check_accessibility(wrong.text, "/aktivasi salah")
    assert login_fails(server, values["username"], values["password"])  # still pending
    again = follow(browser, browser.post("/aktivasi/kirim-ulang",
                                         {"csrf": wrong.csrf(), "username": values["username"]}))
    assert "kode baru" in notice(again) and value_of(again, "username") == values["username"]

    login_page = follow(browser, browser.post("/aktivasi", {"csrf": again.csrf(), "username": values["username"],
                                                            "code": code}))
    assert "sudah aktif" in notice(login_page)
    log_in(browser, values["username"])
    profile = browser.get("/akun")
    assert profile.status == 200 and "Pembeli" in profile.text and values["email"] in profile.text
    assert "Verifikasi penjual" not in profile.text
    check_accessibility(profile.text, "/akun pembeli")


def test_a_seller_registers_through_the_pages_and_sees_its_verification(browser, server, mailbox):
    values = seller_form()
    register_through_pages(browser, mailbox, values)
    log_in(browser, values["username"])
    profile = browser.get("/akun")
    assert profile.status == 200 and "Penjual" in profile.text and "Verifikasi penjual" in profile.text
    member, auth = as_member(server, "Member", login(server, values["username"]))
    shown = member.getProfile(**auth)
    assert shown.role == "SELLER" and shown.nikMasked in profile.text and values["nik"] not in profile.text
    assert values["accountNumber"] not in profile.text
    check_accessibility(profile.text, "/akun penjual")


def test_a_seller_without_a_birth_date_is_told_so_in_the_notice(browser, server):
    told = client(server, "Member").service.register(form=seller_form(birthDate=None)).warnings.Notice
    assert told  # what the platform warns of such a form
    values = seller_form(birthDate="")
    page = browser.get("/daftar")
    activation = follow(browser, browser.post("/daftar", {"csrf": page.csrf(), **values}))
    shown = notice(activation)
    assert "kode aktivasi dikirim ke email" in shown and all(w.message in shown for w in told)


def test_table_i_every_field_error_is_beside_its_field_and_no_member_is_made(browser, server, mailbox):
    values = form(email="bukan-email", password="pendek", phone="12", province="", city="", nik="123",
                  bankCode="BCA", accountNumber="", accountHolder="")
    try:  # what the platform says of this form, field by field (it makes nobody either)
        Platform(server.url).call("Member", "register", form=values)
        raise AssertionError("the platform took a form with bad fields")
    except PlatformError as error:
        expected = error.fields
    assert {"email", "password", "phone", "province", "city", "nik"} <= set(expected)
    page = browser.get("/daftar")
    refused = browser.post("/daftar", {"csrf": page.csrf(), **values})
    assert refused.status == 400
    for name, message in expected.items():
        assert error_beside(refused, name) == message
    assert unmarked(refused, "username") and unmarked(refused, "name") and unmarked(refused, "address")
    assert value_of(refused, "username") == values["username"] and value_of(refused, "email") == "bukan-email"
    assert value_of(refused, "nik") == "123" and value_of(refused, "password") is None
    check_accessibility(refused.text, "/daftar galat")
    # nothing made: the name is free for a good form afterwards
    assert login_fails(server, values["username"], values["password"])
    client(server, "Member").service.register(form=form(username=values["username"]))


def test_a_password_is_reset_with_the_emailed_code(browser, server, mailbox):
    values = register_and_activate(server, mailbox, form())
    page = browser.get("/lupa-sandi")
    check_accessibility(page.text, "/lupa-sandi")
    reset = follow(browser, browser.post("/lupa-sandi", {"csrf": page.csrf(), "usernameOrEmail": values["username"]}))
    assert "kode atur ulang" in notice(reset) and value_of(reset, "username") == values["username"]
    check_accessibility(reset.text, "/atur-ulang-sandi")
    code = reset_code(mailbox, values["email"])
    new_password = "sandiBaru789"

    wrong = browser.post("/atur-ulang-sandi", {"csrf": reset.csrf(), "username": values["username"],
                                               "code": "000000" if code != "000000" else "111111",
                                               "newPassword": new_password})
    assert wrong.status == 400 and error_beside(wrong, "code") and new_password not in wrong.text
    weak = browser.post("/atur-ulang-sandi", {"csrf": reset.csrf(), "username": values["username"], "code": code,
                                              "newPassword": "pendek"})
    assert weak.status == 400 and error_beside(weak, "newPassword") and unmarked(weak, "code")
    check_accessibility(weak.text, "/atur-ulang-sandi galat")
    assert login(server, values["username"])  # the old password still holds
    assert login_fails(server, values["username"], new_password)

    done = follow(browser, browser.post("/atur-ulang-sandi", {"csrf": reset.csrf(), "username": values["username"],
                                                              "code": code, "newPassword": new_password}))
    assert "sudah diganti" in notice(done)
    assert login(server, values["username"], new_password) and login_fails(server, values["username"], PASSWORD)


def test_the_profile_is_updated_and_a_failing_update_changes_nothing(browser, server, mailbox):
    values = register_and_activate(server, mailbox, form())
    member, auth = as_member(server, "Member", login(server, values["username"]))
    log_in(browser, values["username"])
    page = browser.get("/akun")
    assert value_of(page, "name") == values["name"]
    check_accessibility(page.text, "/akun")
    changed = {"bagian": "profil", "name": "Siti Aminah Rahayu", "address": "Jl. Asia Afrika No. 8",
               "province": "32", "city": ""}
    step = browser.post("/akun", {"csrf": page.csrf(), **changed, "aksi": "pilih-kota"})
    cities = options_of(step, "city")
    assert step.status == 200 and cities and all(c.startswith("32.") for c in cities)
    assert value_of(step, "name") == changed["name"]
    saved = follow(browser, browser.post("/akun", {"csrf": page.csrf(), **changed, "city": cities[0]}))
    assert "sudah disimpan" in notice(saved)
    profile = member.getProfile(**auth)
    assert (profile.name, profile.address, profile.provinceCode, profile.cityCode) == \
        (changed["name"], changed["address"], "32", cities[0])

    bad = browser.post("/akun", {"csrf": page.csrf(), "bagian": "profil", "name": "", "address": "Jl. Baru 1",
                                 "province": "31", "city": cities[0]})
    assert bad.status == 400 and error_beside(bad, "name") and error_beside(bad, "city")
    assert value_of(bad, "address") == "Jl. Baru 1" and unmarked(bad, "address")
    check_accessibility(bad.text, "/akun galat")
    again = member.getProfile(**auth)
    assert (again.name, again.address, again.provinceCode, again.cityCode) == \
        (changed["name"], changed["address"], "32", cities[0])


def test_the_password_is_changed_after_the_current_one(browser, server, mailbox):
    values = register_and_activate(server, mailbox, form())
    log_in(browser, values["username"])
    page = browser.get("/akun")
    new_password = "gantiSandi456"
    wrong = browser.post("/akun", {"csrf": page.csrf(), "bagian": "sandi", "currentPassword": "salahSandi999",
                                   "newPassword": new_password})
    assert wrong.status == 400 and error_beside(wrong, "currentPassword") and unmarked(wrong, "newPassword")
    assert new_password not in wrong.text and "salahSandi999" not in wrong.text
    check_accessibility(wrong.text, "/akun sandi salah")
    weak = browser.post("/akun", {"csrf": page.csrf(), "bagian": "sandi", "currentPassword": PASSWORD,
                                  "newPassword": "tanpaangkasama"})
    assert weak.status == 400 and error_beside(weak, "newPassword")
    assert browser.get("/akun").status == 200  # still logged in after both
    assert login(server, values["username"]) and login_fails(server, values["username"], new_password)

    done = follow(browser, browser.post("/akun", {"csrf": page.csrf(), "bagian": "sandi",
                                                  "currentPassword": PASSWORD, "newPassword": new_password}))
    assert done.status == 200 and "sudah diganti" in notice(done)  # this session goes on
    assert login(server, values["username"], new_password) and login_fails(server, values["username"], PASSWORD)


def test_the_forms_refuse_a_post_without_csrf_and_change_nothing(browser, server, mailbox):
    values = form()
    assert browser.post("/daftar", values).status == 403
    client(server, "Member").service.register(form=values)  # the username and email were still free
    member = register_and_activate(server, mailbox, form())
    for path, fields in [("/aktivasi", {"username": values["username"], "code": "123456"}),
                         ("/aktivasi/kirim-ulang", {"username": values["username"]}),
                         ("/lupa-sandi", {"usernameOrEmail": member["username"]}),
                         ("/atur-ulang-sandi", {"username": member["username"], "code": "123456",
                                                "newPassword": "sandiBaru789"})]:
        browser.get("/daftar")  # a session exists: its token is simply not sent
        assert browser.post(path, fields).status == 403, path
    log_in(browser, member["username"])
    for fields in [{"bagian": "profil", "name": "Orang Lain", "address": member["address"],
                    "province": member["province"], "city": member["city"]},
                   {"bagian": "sandi", "currentPassword": PASSWORD, "newPassword": "sandiBaru789"}]:
        assert browser.post("/akun", fields).status == 403
    profile_service, auth = as_member(server, "Member", login(server, member["username"]))
    assert profile_service.getProfile(**auth).name == member["name"]


def test_the_profile_needs_a_login(browser):
    answer = browser.get("/akun")
    assert answer.status == 303 and answer.header("Location") == "/masuk?kembali=%2Fakun"
    login_page = follow(browser, answer)
    assert "Silakan masuk" in notice(login_page)
    posted = browser.post("/akun", {"csrf": login_page.csrf(), "bagian": "profil", "name": "X"})
    assert posted.status == 303 and posted.header("Location") == "/masuk?kembali=%2Fakun"
