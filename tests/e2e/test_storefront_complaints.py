"""The storefront's complaint and refund pages (storefront/pages/complaints.py, and /admin/keluhan in
admin.py) in-process against the real platform, each party in a browser of its own: a buyer complains about
a shipped order, the seller offers a partial refund, the buyer accepts it and names the refund account, the
seller records the transfer and the buyer confirms it; a return for a refund (the buyer's return waybill,
the seller's word that the goods came back); an offer of nothing escalated and decided by an admin, whose
refund's transfer the buyer disputes. Every refusal shows the platform's message beside its field, or above
the page for a form the sender has not got, and changes nothing (checked through SOAP).

Orders are paid through the bank sandbox and shipped, not delivered: a SHIPPED order may be complained about
at any time, so EMALL_COMPLAINT_DAYS (the window after delivery) plays no part."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pytest
import zeep

from storefront.app import create_app
from storefront.words import TRACKING_STATUS
from tests.e2e.catalog import ADMIN_PASSWORD, Member, Shop, new_shop
from tests.e2e.members import PASSWORD
from tests.e2e.payments import Party, Seller, buy, new_buyer, new_seller
from tests.e2e.storefront_client import Browser, Page, check_accessibility, check_structure
from tests.e2e.test_storefront_buying import followed, shipped


@dataclass
class World:
    shop: Shop  # its admin decides escalated complaints
    seller: Seller


@dataclass
class Case:
    """A shipped order the buyer complained about through the storefront."""
    buyer: Party
    browser: Browser  # the buyer's, logged in
    number: str
    paid: int  # the invoice's amountDue: what a full refund gives back


@pytest.fixture(scope="module")
def world(server, mailbox, banks) -> World:
    shop = new_shop(server)
    return World(shop, new_seller(server, mailbox, shop, banks, "bri"))


@pytest.fixture(scope="module")
def app(server, tmp_path_factory):
    return create_app(server.url, tmp_path_factory.mktemp("storefront-complaints") / "state", secure_cookies=True)


@pytest.fixture(scope="module")
def seller(app, world) -> Browser:
    return logged_in(app, world.seller.member.username)


@pytest.fixture(scope="module")
def admin(app, world) -> Browser:
    return logged_in(app, world.shop.admin.username, ADMIN_PASSWORD)


def logged_in(app, username: str, password: str = PASSWORD) -> Browser:
    browser = Browser(app)
    form = browser.get("/masuk")
    answer = browser.post("/masuk", {"csrf": form.csrf(), "username": username, "password": password})
    assert answer.status == 303, answer.text[:2000]
    return browser


def complained(server, mailbox, banks, app, world: World, reason: str = "DAMAGED") -> Case:
    """A new buyer's order of the seller's product, paid and shipped, complained about on its tracking page."""
    buyer = new_buyer(server, mailbox)
    invoice = buy(server, buyer, world.seller)
    shipped(server, banks, world.seller, invoice)
    browser = logged_in(app, buyer.member.username)
    path = f"/pesanan/{invoice.orderNumber}"
    page = browser.get(path)
    followed(browser, browser.post(f"{path}/keluhan", {"csrf": page.csrf(), "alasan": reason,
                                                       "uraian": "Dus penyok,\nisinya pecah."}), path)
    return Case(buyer, browser, invoice.orderNumber, invoice.amountDue)


# --- reading the pages --------------------------------------------------------------------------------

def accessible(page: Page, where: str) -> Page:
    assert page.status in (200, 400), (where, page.status, page.text[:2000])
    check_accessibility(page.text, where)
    check_structure(page.text, where)
    return page


def forms(page: Page) -> list[str]:
    """The complaint page's forms the viewer has, by key (/keluhan/<order>/<key>)."""
    return [form.get("action").rsplit("/", 1)[1] for form in page.dom().forms
            if form.get("action", "").startswith("/keluhan/")]


def send(browser: Browser, page: Page, key: str, **fields: str) -> Page:
    """The page's form `key` sent as shown (hidden fields, defaults), with `fields` typed over it."""
    [form] = [f for f in page.dom().forms if f.get("action", "").endswith(f"/{key}")]
    return browser.post(form.get("action"), {**dict(form.form_values()), **fields})


def forced(browser: Browser, number: str, key: str, **fields: str) -> Page:
    """A form the viewer was not given, sent all the same (from another tab, or made by hand)."""
    page = browser.get(f"/keluhan/{number}")
    assert key not in forms(page)
    return browser.post(f"/keluhan/{number}/{key}", {"csrf": page.csrf(), **fields})


def field_error(page: Page, field_id: str) -> str:
    """The error shown beside the field, which points at it."""
    assert page.status == 400, page.text[:2000]
    dom = page.dom()
    field = dom.get_element_by_id(field_id)
    assert field.get("aria-invalid") == "true", field_id
    [error] = [dom.get_element_by_id(i) for i in field.get("aria-describedby").split() if i.endswith("-galat")]
    return error.text_content().strip()


def alert(page: Page) -> str:
    """The refusal of a form the sender has not got, said above the page."""
    assert page.status == 400, page.text[:2000]
    return page.dom().xpath("string(//div[@id='pesan-galat'])").strip()


def text(page: Page, element_id: str) -> str:
    return page.dom().xpath("string(//*[@id=$i])", i=element_id).strip()


def notice(page: Page) -> str:
    return page.dom().xpath("string(//div[@class='notice'])").strip()


def done(browser: Browser, answer: Page, number: str) -> Page:
    return followed(browser, answer, f"/keluhan/{number}")


# --- the platform's record, through SOAP ----------------------------------------------------------------

def complaint_of(server, member: Member | Party, number: str) -> dict:
    order, auth = member.service(server, "Order")
    return zeep.helpers.serialize_object(order.getComplaint(orderNumber=number, **auth), dict)


def refund_of(server, member: Member | Party, number: str) -> dict:
    order, auth = member.service(server, "Order")
    return zeep.helpers.serialize_object(order.getRefund(orderNumber=number, **auth), dict)


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


# --- the whole way of a partial refund -----------------------------------------------------------------

def test_a_partial_refund_offered_accepted_transferred_and_confirmed(server, mailbox, banks, app, world, seller):
    case = complained(server, mailbox, banks, app, world)
    number, buyer = case.number, case.browser
    tracking = accessible(buyer.get(f"/pesanan/{number}"), "tracking, complained")
    assert text(tracking, "status-keluhan") == "Menunggu jawaban penjual"
    assert tracking.dom().xpath("//a[@id='tindak-lanjut']/@href") == [f"/keluhan/{number}"]

    # the seller finds it from the shop's pages, listed as theirs to answer
    assert "/keluhan" in seller.get("/toko").dom().xpath("//p[@class='seller-links']/a/@href")
    assert seller.get("/toko/pesanan").dom().xpath("//a[@id='keluhan-pembeli']/@href") == ["/keluhan"]
    listed = accessible(seller.get("/keluhan"), "/keluhan, seller")
    [row] = listed.dom().xpath("//table[@id='daftar-keluhan']//tr[td/a/@href=$h]", h=f"/keluhan/{number}")
    assert row.xpath("string(td[2])") == "Penjual" and row.xpath("string(td[@class='giliran'])") == "Anda"
    page = accessible(seller.get(f"/keluhan/{number}"), "complaint, seller, open")
    assert forms(page) == ["jawab"] and text(page, "dibayar") == rupiah(case.paid)
    before = complaint_of(server, world.seller, number)

    # refusals of the answer: each beside its field, the typed answer kept, nothing changed
    empty = accessible(send(seller, page, "jawab", message="  ", offer="PARTIAL_REFUND", amount="5000"),
                       "complaint, no message")
    assert "wajib diisi" in field_error(empty, "jawab-message")
    too_much = accessible(send(seller, page, "jawab", message="Maaf", offer="PARTIAL_REFUND",
                               amount=str(case.paid)), "complaint, amount above paid")
    assert "kurang dari jumlah yang dibayar" in field_error(too_much, "jawab-amount")
    assert too_much.dom().xpath("string(//textarea[@id='jawab-message'])") == "Maaf"
    assert too_much.dom().xpath("//select[@id='jawab-offer']/option[@selected]/@value") == ["PARTIAL_REFUND"]
    unreadable = send(seller, page, "jawab", message="Maaf", offer="PARTIAL_REFUND", amount="lima ribu")
    assert field_error(unreadable, "jawab-amount").startswith("Isi dengan angka rupiah")
    unchosen = send(seller, page, "jawab", message="Maaf", offer="")
    assert field_error(unchosen, "jawab-offer") == "Pilih salah satu."
    # the buyer may not answer for the seller, nor accept an offer not made yet: said above the page
    assert forms(buyer.get(f"/keluhan/{number}")) == []
    not_theirs = accessible(forced(buyer, number, "jawab", message="Setuju", offer="FULL_REFUND"),
                            "complaint, a buyer answering")
    assert "hanya untuk peran" in alert(not_theirs)
    early = forced(buyer, number, "terima")
    assert "tidak dapat diterima" in alert(early)
    assert complaint_of(server, world.seller, number) == before

    answered = done(seller, send(seller, page, "jawab", message="Maaf, kami ganti sebagian.",
                                 offer="PARTIAL_REFUND", amount="5.000"), number)
    assert notice(answered) == "Jawaban dan tawaran Anda terkirim ke pembeli." and forms(answered) == []
    offered = complaint_of(server, world.seller, number)
    assert (offered["status"], offered["offer"], offered["offerAmount"], offered["sellerMessage"]) == (
        "OFFERED", "PARTIAL_REFUND", 5_000, "Maaf, kami ganti sebagian.")

    # the buyer accepts: resolved, a refund of the offer due
    page = accessible(buyer.get(f"/keluhan/{number}"), "complaint, buyer, offered")
    assert forms(page) == ["terima", "teruskan"]
    assert text(page, "tawaran") == "Pengembalian dana sebagian Rp 5.000"
    accepted = accessible(done(buyer, send(buyer, page, "terima"), number), "complaint, accepted")
    resolved = complaint_of(server, case.buyer, number)
    assert (resolved["status"], resolved["decision"], resolved["decisionAmount"]) == ("RESOLVED", "PARTIAL_REFUND",
                                                                                      5_000)
    assert text(accepted, "status-keluhan") == "Selesai" and forms(accepted) == ["rekening"]
    due = refund_of(server, case.buyer, number)
    assert (due["status"], due["amount"], due["bankCode"]) == ("DUE", 5_000, None)

    # the seller cannot record a transfer before the buyer names the account
    waiting = seller.get(f"/keluhan/{number}")
    assert forms(waiting) == [] and text(waiting, "menunggu-rekening")
    too_soon = forced(seller, number, "transfer", transferReference="TRF-1", amount="5000",
                      transferredAt="2026-01-01T10:00")
    assert "belum mengisi rekening" in alert(too_soon)
    assert refund_of(server, case.buyer, number) == due

    # the buyer's account: a number of the wrong length first
    short = accessible(send(buyer, accepted, "rekening", bankCode="bni", accountNumber="12345",
                            accountHolder="Budi Santoso"), "refund account, short number")
    assert "10 digit" in field_error(short, "rekening-accountNumber")
    assert short.dom().xpath("//input[@id='rekening-accountHolder']/@value") == ["Budi Santoso"]
    assert refund_of(server, case.buyer, number) == due
    named = done(buyer, send(buyer, accepted, "rekening", bankCode="bni", accountNumber="1234567890",
                             accountHolder="Budi Santoso"), number)
    assert forms(named) == [] and text(named, "rekening-tujuan") == "BNI 1234567890 a.n. Budi Santoso"
    assert refund_of(server, case.buyer, number)["bankCode"] == "bni"

    # the seller's transfer: the wrong amount, a time yet to come, then as the form offers it
    page = accessible(seller.get(f"/keluhan/{number}"), "refund, seller")
    assert forms(page) == ["transfer"]
    assert page.dom().xpath("//input[@id='transfer-amount']/@value") == ["5000"]
    before = refund_of(server, world.seller, number)
    wrong = send(seller, page, "transfer", transferReference="TRF-001", amount="4000")
    assert rupiah(5_000) in field_error(wrong, "transfer-amount")
    later = send(seller, page, "transfer", transferReference="TRF-001", transferredAt="2099-01-01T10:00")
    assert "masa depan" in field_error(later, "transfer-transferredAt")
    assert refund_of(server, world.seller, number) == before
    recorded = done(seller, send(seller, page, "transfer", transferReference="TRF-001"), number)
    assert notice(recorded) == "Transfer pengembalian dana tercatat; pembeli diberi tahu." and forms(recorded) == []
    transferred = refund_of(server, world.seller, number)
    assert (transferred["status"], transferred["transferReference"], transferred["transferredAmount"]) == (
        "TRANSFERRED", "TRF-001", 5_000)

    # the buyer confirms it arrived
    page = accessible(buyer.get(f"/keluhan/{number}"), "refund, transferred")
    assert forms(page) == ["dana-diterima", "sanggah"]
    confirmed = done(buyer, send(buyer, page, "dana-diterima"), number)
    assert text(confirmed, "status-refund") == "Diterima" and forms(confirmed) == []
    assert refund_of(server, case.buyer, number)["status"] == "CONFIRMED"
    mine = accessible(buyer.get("/keluhan"), "/keluhan, buyer")
    [row] = mine.dom().xpath("//table[@id='daftar-refund']//tr[td/a/@href=$h]", h=f"/keluhan/{number}")
    assert row.xpath("string(td[2])") == "Pembeli" and row.xpath("string(td[@class='giliran'])") == "-"


# --- a return for a refund ---------------------------------------------------------------------------

def test_goods_returned_for_a_full_refund(server, mailbox, banks, app, world, seller):
    case = complained(server, mailbox, banks, app, world, reason="NOT_AS_DESCRIBED")
    number, buyer = case.number, case.browser
    page = seller.get(f"/keluhan/{number}")
    # an amount typed for a remedy that takes none is left out rather than refused
    done(seller, send(seller, page, "jawab", message="Silakan kembalikan barangnya.", offer="RETURN_FOR_REFUND",
                      amount="1.000"), number)
    offered = complaint_of(server, world.seller, number)
    assert (offered["offer"], offered["offerAmount"]) == ("RETURN_FOR_REFUND", None)
    accepted = done(buyer, send(buyer, buyer.get(f"/keluhan/{number}"), "terima"), number)
    assert complaint_of(server, case.buyer, number)["status"] == "RETURN_REQUESTED"
    assert forms(accepted) == ["retur"] and forms(seller.get(f"/keluhan/{number}")) == []
    accessible(accepted, "complaint, return requested")
    assert set(accepted.dom().xpath("//select[@id='retur-courier']/option/@value")) >= {"jne", "tiki", "pos"}

    # a waybill the courier's format refuses, beside its field; nothing recorded
    before = complaint_of(server, case.buyer, number)
    bad = accessible(send(buyer, accepted, "retur", courier="jne", waybill="12"), "return, bad waybill")
    assert field_error(bad, "retur-waybill")
    assert complaint_of(server, case.buyer, number) == before

    jne = zeep.Client(f"{server.sandbox_url}/partners/courier/jne?wsdl", settings=zeep.Settings(strict=False))
    parcel = jne.service.registerShipment(waybill=None, originCityCode="31.74", destinationCityCode="31.74",
                                          service="REG", receiverName="Koperasi Maju Bersama")
    sent = done(buyer, send(buyer, accepted, "retur", courier="jne", waybill=parcel.waybill), number)
    assert text(sent, "resi-kembali") == f"JNE, resi {parcel.waybill}" and forms(sent) == []
    returning = complaint_of(server, case.buyer, number)
    assert (returning["status"], returning["returnCourier"], returning["returnWaybill"]) == (
        "RETURNING", "jne", parcel.waybill)

    # the seller follows the parcel back (Order.trackReturn) and says it came; the buyer may not say so
    page = accessible(seller.get(f"/keluhan/{number}"), "complaint, returning")
    assert forms(page) == ["barang-kembali"] and page.dom().xpath("//h3[@id='paket-kembali']")
    order, auth = world.seller.service(server, "Order")
    told = order.trackReturn(orderNumber=number, **auth)  # the page says what the platform says of the parcel
    assert text(page, "status-kembali") == (TRACKING_STATUS.get(told.status, told.status)
                                            + (f" ({told.courierStatus})" if told.courierStatus else "")
                                            if told.status else "Kurir belum memberi kabar tentang resi ini.")
    not_theirs = forced(buyer, number, "barang-kembali")
    assert "hanya untuk peran" in alert(not_theirs)
    assert complaint_of(server, case.buyer, number) == returning
    back = done(seller, send(seller, page, "barang-kembali"), number)
    resolved = complaint_of(server, world.seller, number)
    assert (resolved["status"], resolved["decision"], resolved["decisionAmount"], resolved["orderStatus"]) == (
        "RESOLVED", "FULL_REFUND", case.paid, "COMPLETED")
    assert text(back, "jumlah-refund") == rupiah(case.paid) and text(back, "keputusan").startswith(
        "Pengembalian dana penuh")
    assert refund_of(server, case.buyer, number)["status"] == "DUE"


# --- escalated and decided by an admin ---------------------------------------------------------------

def test_an_offer_refused_is_escalated_decided_by_an_admin_and_its_transfer_disputed(server, mailbox, banks, app,
                                                                                      world, seller, admin):
    case = complained(server, mailbox, banks, app, world)
    number, buyer = case.number, case.browser
    done(seller, send(seller, seller.get(f"/keluhan/{number}"), "jawab", message="Barang dikirim dalam keadaan baik.",
                      offer="NONE"), number)

    # an offer of nothing cannot be accepted, only taken to an admin, with a reason
    page = accessible(buyer.get(f"/keluhan/{number}"), "complaint, offer of nothing")
    assert forms(page) == ["teruskan"]
    before = complaint_of(server, case.buyer, number)
    assert "tidak dapat diterima" in alert(forced(buyer, number, "terima"))
    blank = accessible(send(buyer, page, "teruskan", reason=" "), "escalation, no reason")
    assert "wajib diisi" in field_error(blank, "teruskan-reason")
    assert complaint_of(server, case.buyer, number) == before
    escalated = done(buyer, send(buyer, page, "teruskan", reason="Foto menunjukkan botol pecah."), number)
    assert text(escalated, "status-keluhan") == "Diteruskan ke admin" and forms(escalated) == []
    assert complaint_of(server, case.buyer, number)["status"] == "ESCALATED"

    # the admin's list, from the admin's index; the complaint's page with the decision form
    assert "/admin/keluhan" in admin.get("/admin").dom().xpath("//main//ul//a/@href")
    listed = accessible(admin.get("/admin/keluhan", status="ESCALATED"), "/admin/keluhan")
    assert f"/keluhan/{number}" in listed.dom().xpath("//tbody//a/@href")
    assert listed.dom().xpath("//select[@id='saring-status']/option[@value='ESCALATED'][@selected]")
    page = accessible(admin.get(f"/keluhan/{number}"), "complaint, admin")
    assert forms(page) == ["putuskan"] and forms(seller.get(f"/keluhan/{number}")) == []
    assert page.dom().xpath("//p[@class='crumbs']/a/@href")[0] == "/admin/keluhan"

    # refused decisions: more than was paid, no note, no decision; and a seller may not decide
    before = complaint_of(server, world.shop.admin, number)
    too_much = accessible(send(admin, page, "putuskan", decision="PARTIAL_REFUND", amount=str(case.paid + 1),
                               note="Sebagian"), "decision, amount above paid")
    assert "kurang dari jumlah yang dibayar" in field_error(too_much, "putuskan-amount")
    no_note = send(admin, page, "putuskan", decision="FULL_REFUND", note="")
    assert "wajib diisi" in field_error(no_note, "putuskan-note")
    assert field_error(send(admin, page, "putuskan", decision="", note="x"), "putuskan-decision") == "Pilih salah satu."
    assert "hanya untuk peran" in alert(forced(seller, number, "putuskan", decision="NONE", note="Saya menang"))
    assert complaint_of(server, world.shop.admin, number) == before

    decided = done(admin, send(admin, page, "putuskan", decision="PARTIAL_REFUND", amount="10.000",
                               note="Separuh isi pecah menurut foto."), number)
    assert notice(decided) == "Keluhan sudah diputuskan." and forms(decided) == []
    resolved = complaint_of(server, world.shop.admin, number)
    assert (resolved["status"], resolved["decision"], resolved["decisionAmount"]) == ("RESOLVED", "PARTIAL_REFUND",
                                                                                      10_000)
    assert refund_of(server, case.buyer, number)["amount"] == 10_000

    # the refund runs; its transfer disputed (a reason needed), so the seller records it again
    done(buyer, send(buyer, buyer.get(f"/keluhan/{number}"), "rekening", bankCode="bca", accountNumber="1234567890",
                     accountHolder="Budi Santoso"), number)
    done(seller, send(seller, seller.get(f"/keluhan/{number}"), "transfer", transferReference="TRF-002"), number)
    page = buyer.get(f"/keluhan/{number}")
    transferred = refund_of(server, case.buyer, number)
    no_reason = accessible(send(buyer, page, "sanggah", reason=""), "dispute, no reason")
    assert "wajib diisi" in field_error(no_reason, "sanggah-reason")
    assert refund_of(server, case.buyer, number) == transferred
    disputed = done(buyer, send(buyer, page, "sanggah", reason="Dana belum masuk."), number)
    assert text(disputed, "status-refund") == "Dipersoalkan" and forms(disputed) == []
    assert refund_of(server, case.buyer, number)["disputeReason"] == "Dana belum masuk."
    assert forms(seller.get(f"/keluhan/{number}")) == ["transfer"]


# --- who may see the pages ---------------------------------------------------------------------------

def test_the_pages_are_for_the_orders_parties_and_admins(server, mailbox, banks, app, world, seller):
    case = complained(server, mailbox, banks, app, world)
    path = f"/keluhan/{case.number}"
    visitor = Browser(app)
    answer = visitor.get(path)
    assert (answer.status, answer.header("Location")) == (303, f"/masuk?kembali={quote(path, safe='')}")
    stranger = logged_in(app, new_buyer(server, mailbox).member.username)
    assert stranger.get(path).status == 404
    home = stranger.get("/")
    assert stranger.post(f"{path}/terima", {"csrf": home.csrf()}).status == 404  # as if there were no such order
    assert complaint_of(server, case.buyer, case.number)["status"] == "OPEN"
    for member in (case.browser, seller):
        assert member.get("/admin/keluhan").status == 403
    assert visitor.get("/admin/keluhan").status == 303
