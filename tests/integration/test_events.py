"""The change feed (services/events.py): each change told to the members it concerns in the transaction of
the change, numbered in commit order; read with a cursor, nothing is skipped or repeated, also while
checkouts and payments commit concurrently; what rolls back (a transaction, a savepoint) tells nobody."""
from __future__ import annotations

import itertools
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from emall_ws.db.models import ChangeEvent, Invoice, Member, Product
from emall_ws.domain.errors import ValidationFailed
from emall_ws.platform import Platform
from emall_ws.services import api_keys, auction, checkout, events
from emall_ws.services.auth import Credentials
from emall_ws.services.invoices import set_invoice_status
from tests.builders import (FIXED_FORM, NOW, PASSWORDS, add_member, check_out, create_auction, jne_for, pay, put, sell,
                            set_ends_at, signed_in)
from tests.feed_following import Page, follow_while
from tests.integration.checkout_fixtures import shop  # noqa: F401 - the fixture
from tests.races import at_once

RETENTION = timedelta(days=30)


@pytest.fixture
def platform(db, settings):
    return Platform(settings, db, passwords=PASSWORDS, clock=lambda: NOW)


def read(db, member_id: int, cursor: str | None = None, limit: int | None = 500, now=NOW) -> events.ChangePage:
    with db.unit_of_work() as session:
        return events.list_changes(session, member_id, cursor, limit, now, RETENTION)


def read_all(db, member_id: int, cursor: str | None = None, limit: int = 500) -> tuple[list[ChangeEvent], str]:
    found: list[ChangeEvent] = []
    while True:
        page = read(db, member_id, cursor, limit)
        found += page.events
        cursor = page.cursor
        if not page.has_more:
            return found, cursor


def kinds(rows: list[ChangeEvent]) -> list[tuple[str, str | None]]:
    return [(row.type, row.status) for row in rows]


def event_count(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(ChangeEvent))


def test_a_checkout_and_its_payment_tell_the_buyer_and_the_seller_with_the_numbers_to_fetch(db, shop):
    put(db, shop.buyer, shop.kopi)
    [invoice] = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    pay(db, invoice.number)
    expected = [("order.created", "AWAITING_PAYMENT"), ("invoice.issued", "UNPAID"), ("invoice.paid", "PAID"),
                ("order.paid", "PAID")]
    for member in (shop.buyer, shop.semarang):
        rows, _ = read_all(db, member.member_id)
        assert kinds(rows) == expected
        assert {(row.invoice_number or invoice.number, row.order_number) for row in rows} == {
            (invoice.number, invoice.order_number)}
        assert rows[0].courier == "jne" and rows[1].invoice_number == invoice.number
    assert read_all(db, shop.bandung.member_id)[0] == []  # the other seller is told nothing


def test_a_change_rolled_back_tells_nobody(db, shop):
    put(db, shop.buyer, shop.kopi)
    [invoice] = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    before = event_count(db)
    with pytest.raises(RuntimeError):
        with db.unit_of_work() as session:
            row = session.scalars(select(Invoice).where(Invoice.number == invoice.number)).one()
            set_invoice_status(session, row, "PAID", NOW, "paid (test)", "bank:bca")
            session.flush()
            raise RuntimeError("the use case failed after the change")
    assert event_count(db) == before
    pay(db, invoice.number)  # the next transaction of the same kind is told as usual
    assert event_count(db) == before + 4  # invoice.paid and order.paid, to buyer and seller


def test_a_savepoint_rolled_back_takes_its_change_along_and_keeps_what_came_before(db, shop, monkeypatch):
    """A checkout's invoice meets a taken unique code: its savepoint (invoice and history) rolls back and
    another code is tried. The order created before the savepoint is told once, the invoice once."""
    put(db, shop.buyer, shop.kopi)
    put(db, shop.other, shop.kopi)
    [first] = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:  # it still holds its amount key, but the scan of open invoices misses it
        session.execute(update(Invoice).where(Invoice.number == first.number).values(status="PAID"))
    picks = itertools.cycle((first.unique_code, 7))
    monkeypatch.setattr(checkout.random, "choice", lambda free: next(picks))
    [second] = check_out(db, shop.other, jne_for("koperasi_semarang"))
    assert second.unique_code == 7
    rows, _ = read_all(db, shop.other.member_id)
    assert kinds(rows) == [("order.created", "AWAITING_PAYMENT"), ("invoice.issued", "UNPAID")]
    assert rows[1].invoice_number == second.number


def test_pages_join_at_the_cursor_and_an_idle_cursor_stays_valid(db, shop):
    for _ in range(3):
        put(db, shop.buyer, shop.kopi)
        [invoice] = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
        pay(db, invoice.number)
    whole, end = read_all(db, shop.buyer.member_id)
    paged, paged_end = read_all(db, shop.buyer.member_id, limit=5)
    assert [row.seq for row in paged] == [row.seq for row in whole] and len(whole) == 12
    assert read(db, shop.buyer.member_id, end).events == []
    # a cursor is renewed by every reading, events or not: one kept reading never expires
    later = NOW + RETENTION - timedelta(days=1)
    renewed = read(db, shop.buyer.member_id, paged_end, now=later).cursor
    assert read(db, shop.buyer.member_id, renewed, now=later + timedelta(days=20)).events == []


def test_a_bad_a_foreign_or_an_expired_cursor_and_a_bad_limit_are_refused(db, shop):
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    cursor = read(db, shop.buyer.member_id, limit=1).cursor
    for member_id, given, limit, now, code in (
            (shop.buyer.member_id, "%%%", 10, NOW, "CURSOR_INVALID"),
            (shop.buyer.member_id, "bm90OmEtY3Vyc29y", 10, NOW, "CURSOR_INVALID"),  # base64, not ours
            (shop.other.member_id, cursor, 10, NOW, "CURSOR_INVALID"),  # another member's
            (shop.buyer.member_id, cursor, 10, NOW + RETENTION + timedelta(seconds=1), "CURSOR_EXPIRED"),
            (shop.buyer.member_id, cursor, 0, NOW, "MIN_VALUE")):
        with pytest.raises(ValidationFailed) as refused:
            read(db, member_id, given, limit, now)
        assert [error.code for error in refused.value.errors] == [code]
    assert len(read(db, shop.buyer.member_id, limit=10_000).events) == 2  # more than the most: capped, not refused


def test_events_older_than_the_retention_are_forgotten(db, shop):
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"), now=NOW - RETENTION - timedelta(minutes=1))
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    assert events.forget_old(db, NOW, RETENTION) == 4  # the old checkout's two events, to buyer and seller
    assert kinds(read_all(db, shop.buyer.member_id)[0]) == [("order.created", "AWAITING_PAYMENT"),
                                                           ("invoice.issued", "UNPAID")]


def test_a_product_sold_out_and_restocked_is_told_to_its_seller(db, shop):
    put(db, shop.buyer, shop.teh, quantity=5)  # its whole stock
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    rows, _ = read_all(db, shop.semarang.member_id)
    assert ("product.sold_out", "SOLD_OUT") in kinds(rows)
    assert next(row for row in rows if row.type == "product.sold_out").product_id == shop.teh
    assert "product.sold_out" not in [row.type for row in read_all(db, shop.buyer.member_id)[0]]


def test_the_outbid_bidder_and_the_winner_are_told(db, shop):
    product_id = create_auction(db, shop.bandung.member_id, start_price=100_000, min_increment=5_000)
    bidders = [add_member(db, name, "BUYER") for name in ("citra", "dewi")]
    for bidder, amount in zip(bidders, (100_000, 110_000), strict=True):
        with db.unit_of_work() as session:
            auction.place_bid(session, bidder, product_id, amount, lambda: NOW)
    set_ends_at(db, product_id, NOW - timedelta(minutes=1))
    with db.unit_of_work() as session:
        assert auction.close_auction(session, session.get_one(Product, product_id), NOW)
    assert kinds(read_all(db, bidders[0].member_id)[0]) == [("auction.outbid", None)]
    assert kinds(read_all(db, bidders[1].member_id)[0]) == [("auction.won", None)]
    [closed] = read_all(db, shop.bandung.member_id)[0]
    assert (closed.type, closed.status, closed.product_id) == ("auction.closed", "CLOSED", product_id)


def test_concurrent_checkouts_and_payments_are_read_each_once_in_commit_order(db, shop, platform):
    """Eight buyers check out and pay at once, twice each, while the seller's integrator reads its feed with
    the cursor all along: what it read is exactly the whole feed read afterwards, in the same order."""
    seller = shop.semarang
    product = sell(db, seller, FIXED_FORM, name="Kopi Toraja", stock=1_000).product_id
    buyers = [add_member(db, f"pembeli{i}", "BUYER") for i in range(8)]
    credentials = signed_in(db, seller)

    def read_page(cursor: str | None) -> Page:  # as listChanges reads: outside any unit of work
        page = platform.events.list_changes(credentials, cursor, 7)
        return Page([row.seq for row in page.events], page.cursor, page.has_more)

    def buy_twice(i: int) -> None:
        for _ in range(2):
            put(db, buyers[i], product)
            [invoice] = check_out(db, buyers[i], jne_for(seller.username))
            pay(db, invoice.number)

    outcomes, followed = follow_while(lambda: at_once(len(buyers), buy_twice), read_page)
    assert outcomes == [None] * len(buyers)
    whole = [row.seq for row in read_all(db, seller.member_id)[0]]
    assert len(whole) == 8 * 2 * 4  # order created, invoice issued, invoice paid, order paid
    assert followed == whole  # nothing skipped, nothing repeated, in the order of the whole feed
    assert whole == sorted(whole)


def test_a_feed_is_read_without_waiting_for_a_writer(db, shop, platform):
    """listChanges only reads: its caller is identified and its feed read outside any unit of work, at once
    while another transaction holds the write lock (SQLite's BEGIN IMMEDIATE; a row lock on MariaDB)."""
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    credentials = signed_in(db, shop.buyer)
    with db.unit_of_work() as writer:
        writer.execute(update(Member).where(Member.id == shop.buyer.member_id).values(name="Budi Baru"))
        started = time.monotonic()
        page = platform.events.list_changes(credentials, None, None)
        assert time.monotonic() - started < 1  # not the busy timeout's 5 s
    assert kinds(page.events) == [("order.created", "AWAITING_PAYMENT"), ("invoice.issued", "UNPAID")]
    assert read(db, shop.buyer.member_id, page.cursor).events == []  # its cursor continues the feed


def test_a_feed_is_read_with_an_api_key_or_a_password_too(db, shop, platform):
    put(db, shop.buyer, shop.kopi)
    check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    with db.unit_of_work() as session:
        key, secret = api_keys.create(session, shop.buyer, "Toko", platform.secret_box, NOW)
        session.get_one(Member, shop.buyer.member_id).password_hash = PASSWORDS.hash("rahasia123")
    for credentials in (Credentials(username=key.key_id, password=secret),
                        Credentials(username=shop.buyer.username, password="rahasia123")):
        assert len(platform.events.list_changes(credentials, None, None).events) == 2


def test_each_buyers_feed_holds_only_its_own_orders(db, shop):
    put(db, shop.buyer, shop.kopi)
    [mine] = check_out(db, shop.buyer, jne_for("koperasi_semarang"))
    put(db, shop.other, shop.batik)
    [theirs] = check_out(db, shop.other, jne_for("ukm_bandung"))
    assert {row.order_number for row in read_all(db, shop.buyer.member_id)[0]} == {mine.order_number}
    assert {row.order_number for row in read_all(db, shop.other.member_id)[0]} == {theirs.order_number}
