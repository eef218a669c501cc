"""The admins' pages of the storefront (storefront/pages/admin.py) in-process against the real platform: an
admin made by the operator's command logs in through the storefront; what the pages list is made through
SOAP, and what their forms do is checked through SOAP."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pytest

from storefront.app import create_app
from tests.e2e.catalog import ADMIN_PASSWORD, Member, Shop, new_member, new_shop
from tests.e2e.members import PASSWORD, as_member
from tests.e2e.payments import Party, Seller, buy, new_buyer, new_seller, transfer
from tests.e2e.soap import client, detail_code, fault_code, fault_of, unique
from tests.e2e.storefront_client import Browser, Page, check_accessibility, check_structure
from tests.waiting import eventually

PAGES = ("/admin", "/admin/mutasi", "/admin/anggota", "/admin/kategori", "/admin/verifikasi", "/admin/keluhan")
HELD_TIMEOUT = 20  # seconds the worker (every 1 s) or reconcileNow may take to record a credit


@dataclass
class World:
    shop: Shop  # its admin logs in through the storefront
    seller: Seller  # with a payee account at the bank sandbox
    buyer: Party
    held_mutation: str  # a credit of the wrong amount to the seller's account: held as NO_MATCH


@pytest.fixture(scope="module")
def world(server, mailbox, banks) -> World:
    shop = new_shop(server)
    seller = new_seller(server, mailbox, shop, banks, "bni")
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, seller)
    mutation = transfer(banks, seller, invoice.amountDue + 1, invoice.invoiceNumber)
    return World(shop, seller, buyer, mutation.mutationId)


@pytest.fixture(scope="module")
def app(server, tmp_path_factory):
    return create_app(server.url, tmp_path_factory.mktemp("storefront-admin") / "state", secure_cookies=True)


def logged_in(app, username: str, password: str) -> Browser:
    browser = Browser(app)
    form = browser.get("/masuk")
    answer = browser.post("/masuk", {"csrf": form.csrf(), "username": username, "password": password})
    assert answer.status == 303, answer.text[:2000]
    return browser


@pytest.fixture(scope="module")
def admin(app, world) -> Browser:
    return logged_in(app, world.shop.admin.username, ADMIN_PASSWORD)


def accessible(page: Page, where: str) -> None:
    check_accessibility(page.text, where)
    check_structure(page.text, where)


def posted(browser: Browser, page: Page, action: str, fields: dict) -> Page:
    """The form of `page` that posts to `action` (for `fields["username"]` when given), sent with `fields`
    over its hidden ones."""
    forms = page.dom().xpath(f"//form[@action='{action}']")
    [form] = [f for f in forms if "username" not in fields
              or f.xpath(".//input[@name='username']/@value") == [fields["username"]]]
    values = {i.get("name"): i.get("value", "") for i in form.xpath(".//input[@type='hidden']")}
    return browser.post(action, {**values, **fields})


def page_with_row(browser: Browser, path: str, row_id: str, **query) -> Page:
    """The list page holding the row: lists end with what changed last, so from the last page back."""
    page = browser.get(path, **query)
    last = page.dom().xpath("//nav[@class='paging']/a[@class='last']/@href")
    if last:
        page = browser.request("GET", last[0])
    while page.dom().get_element_by_id(row_id, None) is None:
        previous = page.dom().xpath("//a[@rel='prev']/@href")
        assert previous, f"{row_id} on no page of {path}"
        page = browser.request("GET", previous[0])
    return page


def cell(page: Page, row_id: str, css: str) -> str:
    return page.dom().get_element_by_id(row_id).xpath(f"string(.//td[@class='{css}'])").strip()


def field_error(page: Page, field_id: str) -> str:
    """The error shown beside the field, which points at it."""
    dom = page.dom()
    field = dom.get_element_by_id(field_id)
    assert field.get("aria-invalid") == "true", field_id
    [error] = [dom.get_element_by_id(i) for i in field.get("aria-describedby").split() if i.endswith("-galat")]
    return error.text_content().strip()


def notice(page: Page) -> str:
    return page.dom().xpath("string(//div[@class='notice'])").strip()


def own_profile(server, token: str):
    """The member's profile as its own session token shows it (SOAP)."""
    service, auth = as_member(server, "Member", token)
    return service.getProfile(**auth)


def soap_login(server, username: str):
    return client(server, "Member").service.login(username=username, password=PASSWORD)


# --- who may see the pages --------------------------------------------------------------------------

def test_a_visitor_is_sent_to_login_and_buyers_and_sellers_are_refused(server, app, world):
    visitor = Browser(app)
    for path in PAGES:
        answer = visitor.get(path)
        assert (answer.status, answer.header("Location")) == (303, f"/masuk?kembali={quote(path, safe='')}"), path
    for member, password in ((world.buyer.member, PASSWORD), (world.seller.member, PASSWORD)):
        browser = logged_in(app, member.username, password)
        for path in PAGES:
            page = browser.get(path)
            assert page.status == 403 and "hanya untuk admin" in page.text, (member.username, path)
        # nor may they post an admin's form: nothing is done
        home = browser.get("/")
        refused = browser.post("/admin/anggota/tangguhkan", {"csrf": home.csrf(), "alasan": "Coba-coba",
                                                            "username": world.buyer.member.username})
        assert refused.status == 403
    assert own_profile(server, world.buyer.member.token).status == "ACTIVE"


def test_the_index_links_every_admin_page(admin):
    page = admin.get("/admin")
    assert page.status == 200 and "Admin" in page.dom().xpath("string(//header)")
    assert set(page.dom().xpath("//main//ul//a/@href")) == set(PAGES[1:])
    accessible(page, "/admin")


# --- bank mutations ---------------------------------------------------------------------------------

def test_held_credits_are_listed_after_a_reconciliation_from_the_button(server, admin, world):
    page = admin.get("/admin/mutasi")
    done = posted(admin, page, "/admin/mutasi/rekonsiliasi", {})
    assert (done.status, done.header("Location")) == (303, "/admin/mutasi")
    # reconcileNow skips an account the worker is reading: the worker (every second) records it then
    listed = eventually(lambda: (p := admin.get("/admin/mutasi", status="NO_MATCH")).status == 200
                        and world.held_mutation in p.text and p, "the held credit on /admin/mutasi", HELD_TIMEOUT)
    [row] = [r for r in listed.dom().xpath("//tbody/tr") if world.held_mutation in r.text_content()]
    assert world.seller.account in row.text_content() and "Tidak ada faktur" in row.text_content()
    accessible(listed, "/admin/mutasi")
    assert listed.dom().xpath("//select[@id='saring-status']/option[@value='NO_MATCH'][@selected]")


# --- members ----------------------------------------------------------------------------------------

def test_a_member_is_suspended_with_a_reason_and_reinstated(server, mailbox, admin, monkeypatch):
    monkeypatch.setattr("storefront.pages.admin.MEMBER_PAGE", 2)  # several pages: a form returns to its own
    member = new_member(server, mailbox)
    row = f"anggota-{member.username}"
    page = page_with_row(admin, "/admin/anggota", row)
    here = page.dom().xpath("//input[@name='username'][@value=$name]/../input[@name='hal']/@value",
                            name=member.username)
    assert cell(page, row, "status") == "Aktif"
    accessible(page, "/admin/anggota")

    blank = posted(admin, page, "/admin/anggota/tangguhkan", {"username": member.username, "alasan": "  "})
    assert blank.status == 400 and field_error(blank, f"alasan-{member.username}") == "Alasan wajib diisi."
    accessible(blank, "/admin/anggota (no reason)")
    assert own_profile(server, member.token).status == "ACTIVE"  # nothing was done

    done = posted(admin, page, "/admin/anggota/tangguhkan", {"username": member.username,
                                                            "alasan": "Penipuan berulang"})
    assert (done.status, done.header("Location")) == (303, f"/admin/anggota?hal={here[0]}")
    page = admin.request("GET", done.header("Location"))
    assert cell(page, row, "status") == "Ditangguhkan"
    # the platform ended the member's sessions and refuses its password, saying why
    assert fault_code(fault_of(own_profile, server, member.token)) == "Client.Authentication"
    assert detail_code(fault_of(soap_login, server, member.username)) == "ACCOUNT_SUSPENDED"
    suspended = page_with_row(admin, "/admin/anggota", row, status="SUSPENDED")  # the filter finds it
    assert suspended.dom().xpath("//select[@id='saring-status']/option[@value='SUSPENDED'][@selected]")

    again = posted(admin, page, "/admin/anggota/aktifkan", {"username": member.username})
    assert again.status == 303
    page = page_with_row(admin, "/admin/anggota", row)
    assert cell(page, row, "status") == "Aktif"
    assert own_profile(server, soap_login(server, member.username).token).status == "ACTIVE"


def test_reinstating_a_member_who_is_not_suspended_says_why(server, mailbox, admin):
    member = new_member(server, mailbox)
    home = admin.get("/")
    answer = admin.post("/admin/anggota/aktifkan", {"csrf": home.csrf(), "username": member.username})
    assert answer.status == 400 and answer.dom().xpath("string(//div[@role='alert'])").strip()
    accessible(answer, "/admin/anggota (not suspended)")
    assert own_profile(server, member.token).status == "ACTIVE"


# --- categories -------------------------------------------------------------------------------------

def category_codes(server) -> dict[str, str]:
    return {c.code: c.name for c in client(server, "Catalog").service.listCategories() or []}


def test_a_category_is_created_and_listed(server, admin, world):
    page = admin.get("/admin/kategori")
    assert world.shop.category in page.dom().xpath("//tbody//td/text()")  # made through SOAP
    accessible(page, "/admin/kategori")
    code = unique("kopi-bubuk-")
    done = admin.post("/admin/kategori", {"csrf": page.csrf(), "kode": code, "nama": "Kopi Bubuk Gayo"})
    assert done.status == 303
    assert category_codes(server)[code] == "Kopi Bubuk Gayo"
    listed = admin.get("/admin/kategori")
    assert code in listed.dom().xpath("//tbody//td/text()")


def test_a_bad_category_shows_errors_beside_its_fields_and_makes_nothing(server, admin, world):
    before = category_codes(server)
    page = admin.get("/admin/kategori")
    bad = admin.post("/admin/kategori", {"csrf": page.csrf(), "kode": "Kopi Bubuk!", "nama": ""})
    assert bad.status == 400
    assert field_error(bad, "kode") and field_error(bad, "nama")
    assert bad.dom().xpath("//input[@id='kode']/@value") == ["Kopi Bubuk!"]
    accessible(bad, "/admin/kategori (errors)")
    twin = admin.post("/admin/kategori", {"csrf": page.csrf(), "kode": world.shop.category, "nama": "Kembar"})
    assert twin.status == 400 and field_error(twin, "kode")
    assert not twin.dom().xpath("//input[@id='nama'][@aria-invalid]")
    assert category_codes(server) == before


# --- sellers' verifications -------------------------------------------------------------------------

def verification(server, admin_member: Member, username: str):
    service, auth = admin_member.service(server, "Member")
    return service.getSellerVerification(username=username, **auth)


def test_a_seller_verification_is_overridden_with_a_reason_and_re_run(server, admin, world, monkeypatch):
    monkeypatch.setattr("storefront.pages.admin.VERIFICATION_PAGE", 1)
    seller = world.seller.member.username
    # the worker checks a new seller within seconds; an admin decides once it has
    checked = eventually(lambda: (v := verification(server, world.shop.admin, seller)).checkedAt and v,
                         "the worker's first check of the seller", HELD_TIMEOUT)
    verdict = "REJECTED" if checked.status == "VERIFIED" else "VERIFIED"
    row = f"penjual-{seller}"
    page = admin.get("/admin/verifikasi", penjual=seller)
    assert page.dom().get_element_by_id(row) is not None
    accessible(page, "/admin/verifikasi?penjual")

    blank = posted(admin, page, "/admin/verifikasi/putuskan", {"username": seller, "putusan": verdict, "alasan": ""})
    assert blank.status == 400 and field_error(blank, f"alasan-{seller}") == "Alasan wajib diisi."
    assert blank.dom().xpath(f"//select[@id='putusan-{seller}']/option[@selected]/@value") == [verdict]
    assert verification(server, world.shop.admin, seller).status == checked.status

    done = posted(admin, page, "/admin/verifikasi/putuskan", {"username": seller, "putusan": verdict,
                                                             "alasan": "Dokumen diperiksa langsung"})
    assert (done.status, done.header("Location")) == (303, f"/admin/verifikasi?penjual={seller}")
    decided = verification(server, world.shop.admin, seller)
    assert (decided.status, decided.reasons) == (verdict, ["OVERRIDDEN"])
    last = decided.changes.VerificationChange[-1]
    assert (last.reason, last.actor) == ("Dokumen diperiksa langsung", f"admin:{world.shop.admin.username}")
    shown = admin.get("/admin/verifikasi", penjual=seller)
    assert "Dokumen diperiksa langsung" in shown.text and cell(shown, row, "status") in ("Terverifikasi", "Ditolak")
    listed = page_with_row(admin, "/admin/verifikasi", row, status=verdict)
    accessible(listed, "/admin/verifikasi")

    again = posted(admin, shown, "/admin/verifikasi/periksa-ulang", {"username": seller})
    assert again.status == 303
    # the re-run made the seller UNVERIFIED until the worker's next round, which may have come already
    changes = verification(server, world.shop.admin, seller).changes.VerificationChange
    rerun = changes[len(decided.changes.VerificationChange)]
    assert (rerun.fromStatus, rerun.toStatus, rerun.actor) == (verdict, "UNVERIFIED",
                                                               f"admin:{world.shop.admin.username}")


# --- what a done form says ----------------------------------------------------------------------------

def test_a_done_form_says_what_it_did_once(admin):
    """The reconciliation's result, and a made category, shown once on the next page (app.notice_then)."""
    page = admin.get("/admin/mutasi")
    assert posted(admin, page, "/admin/mutasi/rekonsiliasi", {}).status == 303
    shown = admin.get("/admin/mutasi")
    assert notice(shown).startswith("Rekonsiliasi selesai:") and "rekening dibaca" in notice(shown)
    assert notice(admin.get("/admin/mutasi")) == ""  # once
    code = unique("madu-")
    assert admin.post("/admin/kategori", {"csrf": page.csrf(), "kode": code, "nama": "Madu Hutan"}).status == 303
    assert notice(admin.get("/admin/kategori")) == f"Kategori Madu Hutan ({code}) dibuat."
