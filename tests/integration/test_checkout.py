"""Checkout against the test database (SQLite or MariaDB): orders and invoices per seller, unique codes,
stock that never oversells, refusals that change nothing, cancel and expiry restoring stock once."""
from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from emall_ws.db.models import (CartLine, Invoice, InvoiceStatusHistory, Notification, Order, OrderLine,
                                OrderStatusHistory, Product, ProductStatusHistory, ShippingQuote)
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import checkout, invoices, quoting
from emall_ws.services.checkout import CheckoutRefused, run_checkout
from emall_ws.services.invoices import expire_due_invoices
from emall_ws.services.quoting import Choice, ShipTo
from emall_ws.services.status import change_status
from tests.builders import (CHECKOUT_POLICY, FIXED_FORM, FakeCourier, NOW, REGIONS, add_member, check_out, couriers,
                            jne_for, put, quote, sell)
from tests.integration.catalog_fixtures import count, update
from tests.integration.checkout_fixtures import DAY, PHONES, shop, snapshot, stock, told, won_auction  # noqa: F401 (shop: a fixture)
from tests.races import at_once

def test_a_cart_from_two_sellers_becomes_two_orders_and_two_invoices(db, shop):
    buyer = shop.buyer
    put(db, buyer, shop.kopi, 2)
    put(db, buyer, shop.teh, 3)
    put(db, buyer, shop.batik, 2)
    adapters = couriers()
    invoices = check_out(db, buyer, [Choice("koperasi_semarang", "jne", "REG"), Choice("UKM_Bandung", "pos", "yes")],
                         adapters=adapters)
    assert [i.seller for i in invoices] == ["koperasi_semarang", "ukm_bandung"]
    semarang, bandung = invoices
    assert semarang.goods_total == 2 * 85_000 + 3 * 40_000 and semarang.weight_grams == 1050
    assert semarang.shipping_cost == 18_000 and semarang.courier == "jne" and semarang.courier_service == "REG"
    assert bandung.goods_total == 900_000 and bandung.shipping_cost == 14_000 and bandung.courier_service == "YES"
    for invoice in invoices:
        assert invoice.number.startswith("INV/20261128/") and invoice.order_number.startswith("ORD/20261128/")
        assert 1 <= invoice.unique_code <= 999
        assert invoice.amount_due == invoice.goods_total + invoice.shipping_cost + invoice.unique_code
        assert invoice.status == "UNPAID" and invoice.order_status == "AWAITING_PAYMENT"
        assert invoice.due_at == NOW + DAY and invoice.ship_city_code == "31.74"
    assert (semarang.payee_bank, semarang.payee_account, semarang.payee_holder) == (
        "bca", "1111111111", "KOPERASI KOPERASI_SEMARANG")
    assert [(line.name, line.quantity, line.unit_price) for line in semarang.lines] == [
        ("Kopi Gayo Arabika 250 g", 2, 85_000), ("Teh Kaligua", 3, 40_000)]
    # each courier was asked once per group, by the quote: seller's city -> buyer's city, with the group's
    # weight (the groups are quoted at once: in no particular order); the checkout itself asked no courier
    assert sorted(adapters["jne"].calls) == [("32.73", "31.74", 1000), ("33.74", "31.74", 1050)]
    assert stock(db, shop.kopi) == (8, "ACTIVE") and stock(db, shop.batik) == (0, "SOLD_OUT")
    assert count(db, CartLine) == 0
    assert count(db, InvoiceStatusHistory) == 2 and count(db, OrderStatusHistory) == 2
    with db.unit_of_work() as session:
        sent = sorted(session.execute(select(Notification.template, Notification.channel, Notification.recipient)))
    assert sent == [("invoice_issued", "EMAIL", "budi@example.co.id"), ("invoice_issued", "SMS", PHONES["buyer"]),
                    ("order_new", "EMAIL", "koperasi_semarang@example.co.id"),
                    ("order_new", "EMAIL", "ukm_bandung@example.co.id"),
                    ("order_new", "SMS", PHONES["semarang"]), ("order_new", "SMS", PHONES["bandung"])]
    # a person reads the courier and the bank by their names (domain.partners), never an upper-cased code
    with db.unit_of_work() as session:
        data = {(row.template, row.recipient): json.loads(row.data) for row in session.scalars(
            select(Notification).where(Notification.channel == "EMAIL"))}
    blocks = data["invoice_issued", "budi@example.co.id"]["invoices"]
    assert "  Ongkos kirim (JNE REG): Rp 18.000\n" in blocks
    assert "  Ongkos kirim (Pos Indonesia YES): Rp 14.000\n" in blocks
    assert "  Ke rekening: Bank Central Asia 1111111111 a.n." in blocks
    assert data["order_new", "ukm_bandung@example.co.id"]["courier"] == "Pos Indonesia YES"


def test_the_buyer_email_lists_every_invoice_with_amount_bank_and_account(db, shop):
    from emall_ws.notify.templates import render, render_sms
    import json

    put(db, shop.buyer, shop.kopi)
    put(db, shop.buyer, shop.batik)
    invoices = check_out(db, shop.buyer, jne_for("koperasi_semarang", "ukm_bandung"))
    with db.unit_of_work() as session:
        row = session.scalars(select(Notification).where(Notification.template == "invoice_issued",
                                                         Notification.channel == "EMAIL")).one()
    email = render("invoice_issued", json.loads(row.data))
    for invoice in invoices:
        amount = f"Rp {invoice.amount_due:,}".replace(",", ".")
        for text in (email.text, email.html):
            assert invoice.number in text and amount in text and invoice.payee_account in text
    assert "Bank Central Asia" in email.text and "Bank Mandiri" in email.text
    assert "29 November 2026 pukul 10.00 WIB" in email.text  # due: 24 h after 03.00 UTC
    sms = render_sms("invoice_issued", json.loads(row.data))
    assert len(sms) <= 160 and "2 faktur" in sms


def test_quotes_per_seller_group_leave_a_silent_courier_out(db, shop):
    put(db, shop.buyer, shop.kopi, 4)
    put(db, shop.buyer, shop.batik)
    quotation = quote(db, shop.buyer, ShipTo("Jl. Braga 5", "32.73"))
    quotes = quotation.groups
    assert quotation.destination_city_code == "32.73" and quotation.expires_at == NOW + timedelta(minutes=60)
    assert [(q.group.seller_username, q.group.origin_city_code, q.group.weight_grams) for q in quotes] == [
        ("koperasi_semarang", "33.74", 1200), ("ukm_bandung", "32.73", 500)]
    assert [(o.courier, o.service, o.cost) for o in quotes[0].options] == [
        ("jne", "REG", 18_000), ("jne", "YES", 36_000), ("pos", "REG", 14_000), ("pos", "YES", 28_000)]
    assert quotes[0].unavailable == ("tiki",)
    with db.unit_of_work() as session:  # every option is kept for the buyer's checkout
        kept = session.execute(select(ShippingQuote.seller_id, ShippingQuote.courier, ShippingQuote.service,
                                      ShippingQuote.cost, ShippingQuote.weight_grams, ShippingQuote.expires_at)
                               .order_by(ShippingQuote.id)).all()
    assert kept[:4] == [(shop.semarang.member_id, c, s, cost, 1200, NOW + timedelta(minutes=60))
                        for c, s, cost in (("jne", "REG", 18_000), ("jne", "YES", 36_000), ("pos", "REG", 14_000),
                                           ("pos", "YES", 28_000))]
    assert len(kept) == 8


class SlowCourier(FakeCourier):
    def __init__(self, courier: str, seconds: float):
        super().__init__(courier)
        self.seconds = seconds

    def get_tariff(self, origin_city_code, destination_city_code, weight_grams):
        time.sleep(self.seconds)
        return super().get_tariff(origin_city_code, destination_city_code, weight_grams)


def test_the_couriers_are_asked_at_once_and_the_late_ones_listed_at_the_deadline(db, shop):
    put(db, shop.buyer, shop.kopi)
    put(db, shop.buyer, shop.batik)
    adapters = {"jne": SlowCourier("jne", 0.3), "pos": SlowCourier("pos", 5), "tiki": SlowCourier("tiki", 0.3),
                "dhl": SlowCourier("dhl", 5)}
    started = time.monotonic()
    quotation = quoting.quote_shipping(db, shop.buyer, None, adapters, REGIONS, NOW,
                                        quoting.CheckoutPolicy(couriers_within=1.0))
    took = time.monotonic() - started
    assert 1.0 <= took < 1.5  # two groups x four couriers, asked at once: one deadline for all
    for group in quotation.groups:
        assert [(o.courier, o.service) for o in group.options] == [
            ("jne", "REG"), ("jne", "YES"), ("tiki", "REG"), ("tiki", "YES")]  # the couriers' order
        assert group.unavailable == ("pos", "dhl")
    with db.unit_of_work() as session:  # only what arrived is kept for checkout
        assert set(session.scalars(select(ShippingQuote.courier))) == {"jne", "tiki"}


@pytest.mark.parametrize("choices, error, code", [
    ([Choice("koperasi_semarang", "tiki", "REG")], InvalidState, "COURIER_NOT_QUOTED"),  # did not answer the quote
    ([Choice("koperasi_semarang", "dhl", "REG")], InvalidState, "COURIER_NOT_QUOTED"),
    ([Choice("koperasi_semarang", "jne", "SUPER")], InvalidState, "SERVICE_NOT_QUOTED"),
    ([], InvalidState, "CHOICE_MISSING"),
    ([Choice("koperasi_semarang", "jne", "REG"), Choice("nobody", "jne", "REG")], InvalidState,
     "CHOICE_UNKNOWN_SELLER"),
])
def test_a_bad_choice_is_refused_and_nothing_changes(db, shop, choices, error, code):
    put(db, shop.buyer, shop.kopi)
    quote(db, shop.buyer)
    before = snapshot(db)
    with pytest.raises(error) as refused:
        run_checkout(db, shop.buyer, choices, None, REGIONS, NOW, CHECKOUT_POLICY)
    assert refused.value.code == code
    assert snapshot(db) == before


def refused_checkout(db, buyer, choices, ship_to=None, now=NOW):
    """The code of a checkout that must be refused, having changed nothing."""
    before = snapshot(db)
    with pytest.raises(InvalidState) as refused:
        run_checkout(db, buyer, choices, ship_to, REGIONS, now, CHECKOUT_POLICY)
    assert snapshot(db) == before
    return refused.value.code


def quotes_kept(db):
    with db.unit_of_work() as session:
        return sorted(session.execute(select(ShippingQuote.courier, ShippingQuote.service, ShippingQuote.quoted_at)))


def test_a_checkout_without_a_quote_is_refused_and_nothing_changes(db, shop):
    put(db, shop.buyer, shop.kopi)
    assert refused_checkout(db, shop.buyer, jne_for("koperasi_semarang")) == "COURIER_NOT_QUOTED"


def test_a_courier_silent_when_quoted_is_refused_until_quoted_again(db, shop):
    put(db, shop.buyer, shop.kopi)
    quote(db, shop.buyer)  # tiki is down
    tiki = [Choice("koperasi_semarang", "tiki", "REG")]
    assert refused_checkout(db, shop.buyer, tiki) == "COURIER_NOT_QUOTED"
    adapters = dict(couriers(), tiki=FakeCourier("tiki", 8_000))  # tiki answers again
    quote(db, shop.buyer, adapters=adapters)
    [invoice] = run_checkout(db, shop.buyer, tiki, None, REGIONS, NOW, CHECKOUT_POLICY)
    assert (invoice.courier, invoice.shipping_cost) == ("tiki", 8_000)


def test_a_tariff_raised_after_the_quote_invoices_the_quoted_cost(db, shop):
    put(db, shop.buyer, shop.kopi)
    adapters = couriers()
    quote(db, shop.buyer, adapters=adapters)
    adapters["jne"].per_kg = 50_000  # the courier's tariff goes up; the buyer was quoted 9.000
    [invoice] = run_checkout(db, shop.buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW, CHECKOUT_POLICY)
    assert invoice.shipping_cost == 9_000 and invoice.amount_due == 85_000 + 9_000 + invoice.unique_code
    assert adapters["jne"].calls == [("33.74", "31.74", 300)]  # the quote's call only


def test_an_expired_quote_is_refused_and_quoting_again_drops_the_old_quotes(db, shop):
    put(db, shop.buyer, shop.kopi)
    quote(db, shop.buyer)
    later = NOW + timedelta(minutes=60)
    assert refused_checkout(db, shop.buyer, jne_for("koperasi_semarang"), now=later) == "QUOTE_EXPIRED"
    assert len(quotes_kept(db)) == 4
    quote(db, shop.buyer, now=later)
    assert {quoted_at for *_, quoted_at in quotes_kept(db)} == {later}  # the expired ones are gone
    quote(db, shop.buyer, now=later + timedelta(minutes=1))  # a new quote of the group replaces the last
    assert len(quotes_kept(db)) == 4
    [invoice] = run_checkout(db, shop.buyer, jne_for("koperasi_semarang"), None, REGIONS, later, CHECKOUT_POLICY)
    assert invoice.shipping_cost == 9_000


def test_a_cart_or_address_changed_since_the_quote_must_be_quoted_again(db, shop):
    put(db, shop.buyer, shop.kopi, 3)
    quote(db, shop.buyer)
    put(db, shop.buyer, shop.teh, 2)  # 900 g -> 1200 g: the quoted tariff no longer applies
    assert refused_checkout(db, shop.buyer, jne_for("koperasi_semarang")) == "QUOTE_OUTDATED"
    quote(db, shop.buyer)
    assert refused_checkout(db, shop.buyer, jne_for("koperasi_semarang"),
                            ShipTo("Jl. Braga 5", "32.73")) == "QUOTE_OUTDATED"
    [invoice] = run_checkout(db, shop.buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW, CHECKOUT_POLICY)
    assert (invoice.weight_grams, invoice.shipping_cost) == (1200, 18_000)


def test_an_empty_cart_and_an_unknown_region_are_refused(db, shop):
    with pytest.raises(InvalidState) as empty:
        check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    assert empty.value.code == "CART_EMPTY"
    put(db, shop.buyer, shop.kopi)
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as region:
        check_out(db, shop.buyer, jne_for("koperasi_semarang"), ShipTo("Jl. Entah", "99.99"))
    assert [(e.field, e.code) for e in region.value.errors] == [("cityCode", "UNKNOWN_CITY")]
    assert snapshot(db) == before


@pytest.mark.parametrize("ship_to, missing", [(ShipTo("Jl. Pengiriman Lain 99", None), "cityCode"),
                                              (ShipTo("  ", "32.73"), "address")])
def test_half_a_shipping_address_is_refused_never_dropped_for_the_registered_one(db, shop, ship_to, missing):
    put(db, shop.buyer, shop.kopi)
    quote(db, shop.buyer)
    before = snapshot(db)
    for attempt in (lambda: quote(db, shop.buyer, ship_to),
                    lambda: run_checkout(db, shop.buyer, jne_for("koperasi_semarang"), ship_to, REGIONS, NOW,
                                         CHECKOUT_POLICY)):
        with pytest.raises(ValidationFailed) as refused:
            attempt()
        assert [(e.field, e.code) for e in refused.value.errors] == [(missing, "REQUIRED")]
    assert snapshot(db) == before


def test_a_price_or_stock_change_refuses_the_whole_checkout_listing_the_lines(db, shop):
    buyer = shop.buyer
    put(db, buyer, shop.kopi, 2)
    put(db, buyer, shop.teh, 5)
    put(db, buyer, shop.batik)
    quote(db, buyer)
    update(db, shop.semarang, shop.kopi, price=90_000)
    update(db, shop.semarang, shop.teh, stock=4)
    before = snapshot(db)
    with pytest.raises(CheckoutRefused) as refused:
        run_checkout(db, buyer, jne_for("koperasi_semarang", "ukm_bandung"), None, REGIONS, NOW, CHECKOUT_POLICY)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        (f"product:{shop.kopi}", "CART_REPRICED"), (f"product:{shop.teh}", "CART_NOT_ENOUGH_STOCK")]
    assert snapshot(db) == before


def test_amounts_differ_among_open_invoices_to_one_account(db, shop):
    amounts = []
    for i in range(8):
        buyer = add_member(db, f"pembeli{i}", "BUYER")
        put(db, buyer, shop.kopi)
        amounts += [invoice.amount_due for invoice in check_out(db, buyer, jne_for("koperasi_semarang"))]
    assert len(set(amounts)) == 8
    with db.unit_of_work() as session:
        keys = list(session.scalars(select(Invoice.open_amount_key)))
    assert sorted(keys) == sorted(f"bca:1111111111:{amount}" for amount in amounts)


def test_a_code_whose_amount_another_open_invoice_to_the_account_has_is_never_chosen(db, shop, monkeypatch):
    """94.000 + 600 is open on the account: for a total of 94.100 the code 500 would make 94.600 again,
    and a credit of 94.600 would match two invoices (held as ambiguous), so 500 is not offered; the
    code 600 itself may repeat, since its amount (94.700) is no other open invoice's."""
    dearer = sell(db, shop.semarang, FIXED_FORM, name="Kopi Luwak", price=85_100).product_id
    offered = []

    def choice(free):
        offered.append(free)
        return next((code for code in (600, 500) if code in free), free[0])

    monkeypatch.setattr(checkout.random, "choice", choice)
    put(db, shop.buyer, shop.kopi)
    put(db, shop.other, dearer)
    first, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    second, = check_out(db, shop.other, jne_for("koperasi_semarang"))
    assert (first.unique_code, first.amount_due) == (600, 94_600)
    assert 500 not in offered[1] and 600 in offered[1] and len(offered[1]) == 998
    assert second.unique_code == 600 and second.amount_due == 94_700
    with db.unit_of_work() as session:
        keys = sorted(session.scalars(select(Invoice.open_amount_key)))
    assert keys == ["bca:1111111111:94600", "bca:1111111111:94700"]


def test_an_account_holds_more_than_999_open_invoices_each_amount_naming_one(db, shop):
    """Codes are 1-999, but only amounts must differ: with 1.000 invoices open to the account (every
    code taken, some twice) a checkout still gets a code, and its amount is no other open invoice's."""
    put(db, shop.buyer, shop.kopi)
    first, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:
        for n in range(1, 1000):
            total, code = 10_000 * n, 1 + n % 999
            order = Order(number=f"ORD/TEST/{n}", buyer_id=shop.buyer.member_id, seller_id=shop.semarang.member_id,
                          status="AWAITING_PAYMENT", courier="jne", courier_service="REG", shipping_cost=0,
                          ship_name="Budi", ship_address="Jl. Merdeka 1", ship_city_code="31.74",
                          origin_city_code="33.74", goods_total=total, weight_grams=300, created_at=NOW, updated_at=NOW)
            session.add(Invoice(
                number=f"INV/TEST/{n}", order=order, buyer_id=order.buyer_id, seller_id=order.seller_id,
                payee_bank="bca", payee_account="1111111111", payee_holder="X", goods_total=total, shipping_cost=0,
                unique_code=code, amount_due=total + code, status="UNPAID",
                open_amount_key=f"bca:1111111111:{total + code}", stock_restored=False, issued_at=NOW,
                due_at=NOW + DAY))
    put(db, shop.other, shop.kopi)
    second, = check_out(db, shop.other, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:
        amounts = list(session.scalars(select(Invoice.amount_due).where(Invoice.status == "UNPAID")))
    assert len(amounts) == 1001 and len(set(amounts)) == 1001 and second.amount_due in amounts


def test_the_database_refuses_a_second_open_invoice_with_the_same_amount(db, shop):
    from sqlalchemy.exc import IntegrityError

    put(db, shop.buyer, shop.kopi)
    put(db, shop.other, shop.kopi)
    first, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    second, = check_out(db, shop.other, jne_for("koperasi_semarang"))
    with pytest.raises(IntegrityError):
        with db.unit_of_work() as session:
            invoice = session.scalars(select(Invoice).where(Invoice.number == second.number)).one()
            invoice.open_amount_key = f"bca:1111111111:{first.amount_due}"
            session.flush()


def test_orders_and_invoices_are_born_through_their_status_pipelines(db, shop, monkeypatch):
    moves = []

    def recording(session, pipeline, entity, history, target, now, reason, actor):
        moves.append((pipeline.entity, entity.status, target, reason))
        return change_status(session, pipeline, entity, history, target, now, reason, actor)

    monkeypatch.setattr(invoices, "change_status", recording)
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    assert moves == [("order", None, "AWAITING_PAYMENT", "checkout"), ("invoice", None, "UNPAID", "checkout")]
    with db.unit_of_work() as session:
        assert session.execute(select(InvoiceStatusHistory.from_status, InvoiceStatusHistory.to_status)).all() == [
            (None, "UNPAID")]


def test_a_code_taken_by_a_checkout_not_yet_seen_is_retried_with_another(db, shop, monkeypatch):
    """The unique index decides a race: the loser's savepoint is rolled back (invoice and history row
    with it) and another code is tried."""
    put(db, shop.buyer, shop.kopi)
    put(db, shop.other, shop.kopi)  # the same total: the same code is the same amount
    first, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:  # still holds its key, but the scan of open invoices misses it
        session.execute(sql_update(Invoice).where(Invoice.number == first.number).values(status="PAID"))
    # the taken code, then 7, again should the transaction be run again (a Galera conflict reruns it)
    picks = itertools.cycle((first.unique_code, 7))
    monkeypatch.setattr(checkout.random, "choice", lambda free: next(picks))
    second, = check_out(db, shop.other, jne_for("koperasi_semarang"))
    assert second.unique_code == 7 and second.status == "UNPAID"
    with db.unit_of_work() as session:
        invoice_id = session.scalar(select(Invoice.id).where(Invoice.number == second.number))
        assert session.execute(select(InvoiceStatusHistory.from_status, InvoiceStatusHistory.to_status)
                               .where(InvoiceStatusHistory.invoice_id == invoice_id)).all() == [(None, "UNPAID")]
    assert count(db, Invoice) == 2 and count(db, InvoiceStatusHistory) == 2


def refused(call, *args) -> tuple:
    """The type and code of a refused call, and its message with the number asked for left out:
    the same for someone else's object and one that does not exist."""
    with pytest.raises(Exception) as raised:
        call(*args)
    params = {k: v for k, v in raised.value.params.items() if k != "number"}
    return (type(raised.value), raised.value.code) + ((params,) if params else ())


def test_invoices_are_seen_by_their_buyer_their_payee_and_admins_only(db, shop):
    put(db, shop.buyer, shop.kopi)
    put(db, shop.buyer, shop.batik)
    semarang, bandung = check_out(db, shop.buyer, jne_for("koperasi_semarang", "ukm_bandung"))
    with db.unit_of_work() as session:
        assert invoices.get_invoice(session, shop.buyer, semarang.number).amount_due == semarang.amount_due
        assert invoices.get_invoice(session, shop.semarang, semarang.number).number == semarang.number
        assert invoices.get_invoice(session, shop.admin, bandung.number).number == bandung.number
        for outsider in (shop.other, shop.bandung):  # someone else's answers as one that does not exist
            assert refused(invoices.get_invoice, session, outsider, semarang.number) \
                == refused(invoices.get_invoice, session, outsider, "INV/20261128/999999") \
                == (NotFound, "INVOICE_NOT_FOUND")
        assert [i.number for i in invoices.list_invoices(session, shop.buyer)] == [bandung.number, semarang.number]
        assert [i.number for i in invoices.list_invoices(session, shop.bandung)] == [bandung.number]
        assert invoices.list_invoices(session, shop.other) == []
        assert len(invoices.list_invoices(session, shop.admin, "unpaid")) == 2


def test_cancel_restores_stock_once_and_tells_both_sides(db, shop):
    put(db, shop.buyer, shop.batik, 2)
    invoice, = check_out(db, shop.buyer, jne_for("ukm_bandung"))
    assert stock(db, shop.batik) == (0, "SOLD_OUT")
    before = snapshot(db)
    for outsider in (shop.other, shop.bandung):  # the payee cannot cancel the buyer's invoice either
        with db.unit_of_work() as session:
            assert refused(invoices.cancel_invoice, session, outsider, invoice.number, NOW) \
                == refused(invoices.cancel_invoice, session, outsider, "INV/20261128/999999", NOW) \
                == (NotFound, "INVOICE_NOT_FOUND")
        assert snapshot(db) == before
    with db.unit_of_work() as session:  # an admin is told apart: it sees every invoice
        assert refused(invoices.cancel_invoice, session, shop.admin, invoice.number, NOW) \
            == (NotAuthorized, "INVOICE_NOT_YOURS")
    assert snapshot(db) == before
    with db.unit_of_work() as session:
        cancelled = invoices.cancel_invoice(session, shop.buyer, invoice.number, NOW + timedelta(hours=1))
    assert (cancelled.status, cancelled.order_status) == ("CANCELLED", "CANCELLED")
    assert stock(db, shop.batik) == (2, "ACTIVE")
    before = snapshot(db)
    with db.unit_of_work() as session:
        with pytest.raises(InvalidState) as again:
            invoices.cancel_invoice(session, shop.buyer, invoice.number, NOW)
    assert again.value.code == "INVOICE_NOT_CANCELLABLE"
    assert snapshot(db) == before
    assert told(db, "invoice_cancelled") == {"budi@example.co.id", "ukm_bandung@example.co.id", PHONES["buyer"],
                                             PHONES["bandung"]}  # both sides, by email and SMS
    assert expire_due_invoices(db, NOW + 2 * DAY) == 0 and stock(db, shop.batik) == (2, "ACTIVE")


def test_cancelling_a_paid_invoice_is_refused(db, shop):
    put(db, shop.buyer, shop.kopi)
    invoice, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:
        row = session.scalars(select(Invoice).where(Invoice.number == invoice.number)).one()
        invoices.set_invoice_status(session, row, "PAID", NOW, "test: paid", "bank:bca")
    before = snapshot(db)
    with db.unit_of_work() as session:
        with pytest.raises(InvalidState) as refused:
            invoices.cancel_invoice(session, shop.buyer, invoice.number, NOW)
    assert refused.value.code == "INVOICE_NOT_CANCELLABLE" and refused.value.params == {"status": "PAID"}
    assert snapshot(db) == before
    assert stock(db, shop.kopi) == (9, "ACTIVE")


def test_expiry_restores_stock_exactly_once_and_frees_the_code(db, shop):
    put(db, shop.buyer, shop.kopi, 3)
    put(db, shop.other, shop.kopi, 2)
    early, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    late, = check_out(db, shop.other, jne_for("koperasi_semarang"), now=NOW + timedelta(hours=5))
    assert stock(db, shop.kopi) == (5, "ACTIVE")
    assert expire_due_invoices(db, NOW + DAY - timedelta(seconds=1)) == 0
    assert expire_due_invoices(db, NOW + DAY) == 1
    assert stock(db, shop.kopi) == (8, "ACTIVE")
    assert expire_due_invoices(db, NOW + DAY) == 0  # a second run changes nothing
    assert stock(db, shop.kopi) == (8, "ACTIVE")
    with db.unit_of_work() as session:
        expired = invoices.get_invoice(session, shop.admin, early.number)
        row = session.scalars(select(Invoice).where(Invoice.number == early.number)).one()
        assert (expired.status, expired.order_status, row.open_amount_key, row.stock_restored) == (
            "EXPIRED", "CANCELLED", None, True)
        assert invoices.get_invoice(session, shop.admin, late.number).status == "UNPAID"
    assert told(db, "invoice_expired") == {"budi@example.co.id", "koperasi_semarang@example.co.id", PHONES["buyer"],
                                           PHONES["semarang"]}  # both sides of the expired one, by email and SMS
    assert expire_due_invoices(db, NOW + 2 * DAY) == 1 and stock(db, shop.kopi) == (10, "ACTIVE")


def test_expiry_brings_a_sold_out_product_back_on_sale(db, shop):
    put(db, shop.buyer, shop.batik, 2)
    check_out(db, shop.buyer, jne_for("ukm_bandung"))
    assert expire_due_invoices(db, NOW + DAY) == 1
    assert stock(db, shop.batik) == (2, "ACTIVE")
    with db.unit_of_work() as session:
        moves = list(session.execute(select(ProductStatusHistory.from_status, ProductStatusHistory.to_status)
                                     .where(ProductStatusHistory.product_id == shop.batik)
                                     .order_by(ProductStatusHistory.id)))
    assert moves == [(None, "ACTIVE"), ("ACTIVE", "SOLD_OUT"), ("SOLD_OUT", "ACTIVE")]


def test_fifty_buyers_racing_for_the_last_ten_units_never_oversell(db, shop):
    """Each buyer has 1 unit in the cart; 50 check out at once in their own threads and sessions."""
    product = sell(db, shop.semarang, FIXED_FORM, name="Rendang Kemasan", stock=10).product_id
    buyers = [add_member(db, f"racer{i:02d}", "BUYER") for i in range(50)]
    for buyer in buyers:
        put(db, buyer, product)
        quote(db, buyer, adapters={"jne": FakeCourier("jne")})
    outcomes = at_once(len(buyers), lambda i: run_checkout(db, buyers[i], jne_for("koperasi_semarang"), None,
                                                           REGIONS, NOW, CHECKOUT_POLICY))
    sold = [o for o in outcomes if isinstance(o, list)]
    refused = [o for o in outcomes if not isinstance(o, list)]
    assert len(sold) == 10, [repr(o) for o in refused if not isinstance(o, Conflict)]
    assert all(isinstance(o, CheckoutRefused) and o.errors[0].code in ("CART_SOLD_OUT", "CART_NOT_ENOUGH_STOCK")
               for o in refused), {repr(o) for o in refused}
    assert stock(db, product) == (0, "SOLD_OUT")
    with db.unit_of_work() as session:
        assert session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == product)) == 10
        codes = list(session.scalars(select(Invoice.unique_code)))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert count(db, CartLine) == 40  # the refused keep their carts


def test_one_cart_checked_out_twice_at_once_is_sold_once(db, shop):
    """A double click on "Kasir": two checkouts of one buyer's cart race, ten rounds; one wins each round,
    the other is refused (on MariaDB it waits for the winner's deletion of the cart, then finds it gone)."""
    product = sell(db, shop.semarang, FIXED_FORM, name="Gula Aren", stock=100).product_id
    buyer = shop.buyer
    policy = quoting.CheckoutPolicy(max_open_invoices=10)  # ten unpaid invoices of one buyer
    for _ in range(10):
        put(db, buyer, product, 2)
        quote(db, buyer)
        outcomes = at_once(2, lambda _i: run_checkout(db, buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW,
                                                      policy))
        sold = [o for o in outcomes if isinstance(o, list)]
        refused = [(type(o).__name__, o.code) for o in outcomes if not isinstance(o, list)]
        assert len(sold) == 1 and len(sold[0]) == 1, outcomes
        assert refused[0] in (("Conflict", "CART_CHANGED"), ("InvalidState", "CART_EMPTY")), outcomes
    assert stock(db, product) == (80, "ACTIVE")
    with db.unit_of_work() as session:
        assert session.scalar(select(func.sum(OrderLine.quantity)).where(OrderLine.product_id == product)) == 20
    assert count(db, Invoice) == 10 and count(db, Order) == 10 and count(db, CartLine) == 0


def test_the_database_refuses_a_negative_stock(db, shop):
    from sqlalchemy.exc import IntegrityError, OperationalError

    with pytest.raises((IntegrityError, OperationalError)):  # SQLite: IntegrityError; PyMySQL: error 4025
        with db.unit_of_work() as session:
            session.execute(sql_update(Product).where(Product.id == shop.batik).values(stock=-1))
    assert stock(db, shop.batik) == (2, "ACTIVE")


def test_a_won_auction_is_checked_out_by_its_winner_once(db, shop):
    product_id = won_auction(db, shop.semarang, shop.buyer)
    with pytest.raises(InvalidState) as not_won:
        quoting.quote_auction_shipping(db, shop.other, product_id, None, couriers(), REGIONS, NOW, CHECKOUT_POLICY)
    assert not_won.value.code == "AUCTION_NOT_WON"
    with pytest.raises(InvalidState) as not_won:
        checkout.run_auction_checkout(db, shop.other, product_id, Choice(None, "jne", "REG"), None, REGIONS, NOW,
                                      CHECKOUT_POLICY)
    assert not_won.value.code == "AUCTION_NOT_WON"
    before = snapshot(db)
    with pytest.raises(InvalidState) as unquoted:  # the winner must quote its shipping first
        checkout.run_auction_checkout(db, shop.buyer, product_id, Choice(None, "jne", "REG"), None, REGIONS, NOW,
                                      CHECKOUT_POLICY)
    assert unquoted.value.code == "COURIER_NOT_QUOTED" and snapshot(db) == before
    [group] = quoting.quote_auction_shipping(db, shop.buyer, product_id, None, couriers(), REGIONS, NOW,
                                             CHECKOUT_POLICY).groups
    assert (group.group.weight_grams, group.group.subtotal) == (800, 2_100_000)
    invoice = checkout.run_auction_checkout(db, shop.buyer, product_id, Choice(None, "jne", "REG"), None,
                                            REGIONS, NOW, CHECKOUT_POLICY)
    assert [(line.quantity, line.unit_price) for line in invoice.lines] == [(1, 2_100_000)]
    assert invoice.amount_due == 2_100_000 + 9_000 + invoice.unique_code
    with pytest.raises(Conflict) as twice:
        checkout.run_auction_checkout(db, shop.buyer, product_id, Choice(None, "jne", "REG"), None, REGIONS, NOW,
                                      CHECKOUT_POLICY)
    assert twice.value.code == "AUCTION_ALREADY_CHECKED_OUT"


def test_the_worker_expires_invoices_as_a_job_of_its_own(db, shop, tmp_path):
    from emall_ws.config import Settings
    from emall_ws.worker import build_worker

    settings = Settings.from_env({"EMALL_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
                                  "EMALL_VAR_DIR": str(tmp_path)})
    [job] = [job for job in build_worker(db, settings).jobs if job.name == "expire-invoices"]
    put(db, shop.buyer, shop.kopi, 4)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"), now=NOW - 2 * DAY)  # long overdue now
    assert stock(db, shop.kopi) == (6, "ACTIVE")
    assert job.run() == 1 and job.run() == 0
    assert stock(db, shop.kopi) == (10, "ACTIVE")


# --- the cap on a buyer's unpaid invoices ------------------------------------------------------------

def buy_kopi(db, buyer, shop, sellers=("koperasi_semarang",)):
    for seller in sellers:
        put(db, buyer, shop.kopi if seller == "koperasi_semarang" else shop.batik)
    return check_out(db, buyer, jne_for(*sellers))


def test_a_buyer_holds_at_most_five_unpaid_invoices_until_one_is_paid_or_cancelled(db, shop):
    buyer = shop.buyer
    held = [buy_kopi(db, buyer, shop)[0] for _ in range(5)]
    put(db, buyer, shop.kopi)
    quote(db, buyer)
    before = snapshot(db)
    with pytest.raises(Conflict) as refused:
        run_checkout(db, buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW, CHECKOUT_POLICY)
    assert (refused.value.code, refused.value.params) == ("TOO_MANY_UNPAID", {"open": 5, "adding": 1, "max": 5})
    assert snapshot(db) == before  # the cart kept, no stock taken
    with db.unit_of_work() as session:
        invoices.cancel_invoice(session, buyer, held[0].number, NOW)
        paid = session.scalars(select(Invoice).where(Invoice.number == held[1].number)).one()
        invoices.set_invoice_status(session, paid, "PAID", NOW, "test: paid", "bank:bca")
    assert len(run_checkout(db, buyer, jne_for("koperasi_semarang"), None, REGIONS, NOW, CHECKOUT_POLICY)) == 1
    assert len(buy_kopi(db, buyer, shop)) == 1  # five unpaid again: 2, 3, 4 and the two new ones
    assert len(buy_kopi(db, shop.other, shop)) == 1  # another buyer is not held up


def test_a_cart_of_several_sellers_counts_every_invoice_it_would_issue(db, shop):
    for _ in range(4):
        buy_kopi(db, shop.buyer, shop)
    put(db, shop.buyer, shop.kopi)
    put(db, shop.buyer, shop.batik)
    quote(db, shop.buyer)
    before = snapshot(db)
    with pytest.raises(Conflict) as refused:
        run_checkout(db, shop.buyer, jne_for("koperasi_semarang", "ukm_bandung"), None, REGIONS, NOW, CHECKOUT_POLICY)
    assert refused.value.params == {"open": 4, "adding": 2, "max": 5} and snapshot(db) == before


def test_a_won_auction_is_not_checked_out_past_the_cap(db, shop):
    product_id = won_auction(db, shop.semarang, shop.buyer)
    for _ in range(5):
        buy_kopi(db, shop.buyer, shop)
    quoting.quote_auction_shipping(db, shop.buyer, product_id, None, couriers(), REGIONS, NOW, CHECKOUT_POLICY)
    before = snapshot(db)
    with pytest.raises(Conflict) as refused:
        checkout.run_auction_checkout(db, shop.buyer, product_id, Choice(None, "jne", "REG"), None, REGIONS, NOW,
                                      CHECKOUT_POLICY)
    assert refused.value.code == "TOO_MANY_UNPAID" and snapshot(db) == before


def test_eight_buyers_flooding_one_seller_leave_an_honest_buyer_able_to_check_out(db, shop):
    """The attack of issue 21: self-registered buyers check out again and again from one seller to use
    up its unique codes. Each is stopped at five unpaid invoices; the seller's account, far from its
    codes' limit, still invoices an honest buyer at once."""
    product = sell(db, shop.semarang, FIXED_FORM, name="Gula Aren", stock=1_000).product_id
    issued = refused = 0
    for i in range(8):
        attacker = add_member(db, f"penyerang{i}", "BUYER")
        for _ in range(7):
            put(db, attacker, product)
            try:
                issued += len(check_out(db, attacker, jne_for("koperasi_semarang")))
            except Conflict as error:
                assert error.code == "TOO_MANY_UNPAID"
                refused += 1
    assert (issued, refused) == (40, 16)
    put(db, shop.buyer, product)
    honest, = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    assert honest.status == "UNPAID" and 1 <= honest.unique_code <= 999


# --- text that cannot forge ----------------------------------------------------------------------------

def test_forged_lines_stored_in_names_stay_inside_their_fields_of_the_checkout_emails(db, shop):
    """Values stored with line breaks (before single-line fields refused them) cannot add a line of
    platform text to the buyer's invoice email or the seller's new-order email."""
    import json

    from emall_ws.db.models import Member
    from emall_ws.notify.templates import render

    forged_payment = "PEMBAYARAN TELAH DITERIMA (LUNAS). SEGERA KIRIM."
    forged_account = "  Ke rekening: BCA 0000000000 a.n. PENIPU"
    with db.unit_of_work() as session:
        session.get(Product, shop.kopi).name = f"Kopi Gayo\n{forged_account}"
        session.get(Member, shop.buyer.member_id).name = f"Budi\r\n{forged_payment}"
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:
        rows = session.execute(select(Notification.template, Notification.data).where(
            Notification.channel == "EMAIL", Notification.template.in_(("invoice_issued", "order_new")))).all()
    assert {template for template, _ in rows} == {"invoice_issued", "order_new"}
    for template, data in rows:
        email = render(template, json.loads(data))
        for part in (email.text, email.html):
            forged = [line for line in part.splitlines() if "PENIPU" in line or forged_payment in line]
            assert forged and all(line.startswith("      | ") for line in forged), (template, forged)
