"""Catalogue use cases against the test database (SQLite or MariaDB): listing, updating, withdrawing,
viewing; every refused call leaves the database as it was."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from emall_ws.db.models import Bid, Category, Notification, Product, ProductPhoto, ProductStatusHistory
from emall_ws.domain.catalog import ProductForm
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import catalog
from tests.builders import AUCTION_FORM, FIXED_FORM, NOW, POLICY, add_category, add_member, sell
from tests.integration.catalog_fixtures import count, update, withdraw


@pytest.fixture
def seller(db):
    add_category(db)
    return add_member(db, "koperasi_maju", "SELLER", city="33.74")


def snapshot(db) -> tuple:
    """Every catalogue row, to show that a refused call changed nothing."""
    with db.unit_of_work() as session:
        return tuple(tuple(sorted(repr(sorted((k, v) for k, v in vars(row).items() if not k.startswith("_")))
                                  for row in session.scalars(select(model))))
                     for model in (Category, Product, ProductPhoto, ProductStatusHistory, Notification))


def test_a_seller_lists_a_fixed_price_product_with_history(db, seller):
    view = sell(db, seller)
    assert (view.status, view.action, view.price, view.stock) == ("ACTIVE", "BUY", 85_000, 10)
    assert view.seller_username == "koperasi_maju" and view.seller_city_code == "33.74"
    assert view.photo_urls == FIXED_FORM.photo_urls and view.category_code == "makanan"
    assert view.reserve_met is None and view.has_reserve is False
    assert count(db, ProductStatusHistory) == 1


def test_an_auction_shows_bid_and_hides_its_reserve(db, seller):
    view = sell(db, seller, AUCTION_FORM)
    assert (view.action, view.price, view.stock, view.current_price) == ("BID", 1_500_000, None, None)
    assert view.has_reserve is True and view.reserve_met is False
    assert not hasattr(view, "reserve_price")


def test_list_price_follows_the_leading_bid(db, seller):
    """list_price is the database's own (generated) column: a bid writer need not know it."""
    view = sell(db, seller, AUCTION_FORM)
    with db.unit_of_work() as session:
        product = session.get(Product, view.product_id)
        product.current_price, product.bid_count = 2_100_000, 1
    with db.unit_of_work() as session:
        shown = catalog.get_product(session, view.product_id, NOW)
    assert (shown.price, shown.current_price, shown.reserve_met) == (2_100_000, 2_100_000, True)


def test_a_buyer_cannot_sell(db, seller):
    buyer = add_member(db, "pembeli1", "BUYER")
    before = snapshot(db)
    with pytest.raises(NotAuthorized):
        sell(db, buyer)
    assert snapshot(db) == before


@pytest.mark.parametrize("changes, field, code", [
    (dict(name=""), "name", "REQUIRED"),
    (dict(name="ab"), "name", "TOO_SHORT"),
    (dict(name="x" * 201), "name", "TOO_LONG"),
    (dict(description="d" * 5001), "description", "TOO_LONG"),
    (dict(category="elektronik"), "category", "UNKNOWN_CATEGORY"),
    (dict(weight_grams=0), "weightGrams", "MIN_VALUE"),
    (dict(weight_grams=-5), "weightGrams", "MIN_VALUE"),
    (dict(price=0), "price", "MIN_VALUE"),
    (dict(price=-85_000), "price", "MIN_VALUE"),
    (dict(stock=0), "stock", "MIN_VALUE"),
    (dict(sale_method="BARTER"), "saleMethod", "UNKNOWN_SALE_METHOD"),
    (dict(start_price=10_000), "startPrice", "FIELD_NOT_FOR_METHOD"),
    (dict(photo_urls=("javascript:alert(1)",)), "photoUrls", "PHOTO_URL_INVALID"),
    (dict(photo_urls=("https://cdn.example.id/a.jpg",) * 9), "photoUrls", "TOO_MANY_PHOTOS"),
])
def test_a_bad_fixed_listing_is_refused_with_its_field_and_code(db, seller, changes, field, code):
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as raised:
        sell(db, seller, **changes)
    assert (field, code) in {(e.field, e.code) for e in raised.value.errors}
    assert snapshot(db) == before


@pytest.mark.parametrize("changes, field, code", [
    (dict(start_price=0), "startPrice", "MIN_VALUE"),
    (dict(min_increment=-1), "minIncrement", "MIN_VALUE"),
    (dict(reserve_price=1_000_000), "reservePrice", "RESERVE_BELOW_START"),
    (dict(ends_at=NOW + timedelta(minutes=59)), "endsAt", "AUCTION_END_TOO_SOON"),
    (dict(ends_at=NOW - timedelta(days=1)), "endsAt", "AUCTION_END_TOO_SOON"),
    (dict(ends_at=NOW + timedelta(days=31)), "endsAt", "AUCTION_END_TOO_LATE"),
    (dict(ends_at=None), "endsAt", "REQUIRED"),
    (dict(price=10_000), "price", "FIELD_NOT_FOR_METHOD"),
    (dict(stock=2), "stock", "FIELD_NOT_FOR_METHOD"),
])
def test_a_bad_auction_listing_is_refused_with_its_field_and_code(db, seller, changes, field, code):
    before = snapshot(db)
    with pytest.raises(ValidationFailed) as raised:
        sell(db, seller, AUCTION_FORM, **changes)
    assert (field, code) in {(e.field, e.code) for e in raised.value.errors}
    assert snapshot(db) == before


def test_one_fault_lists_every_problem_in_form_order(db, seller):
    with pytest.raises(ValidationFailed) as raised:
        sell(db, seller, ProductForm(category="nope", price=-1))
    fields = [e.field for e in raised.value.errors]
    assert fields == ["name", "description", "category", "weightGrams", "saleMethod"]


def test_the_seller_updates_only_the_fields_given(db, seller):
    view = sell(db, seller)
    later = NOW + timedelta(hours=1)
    updated = update(db, seller, view.product_id, now=later, price=90_000, photo_urls=("https://x.id/new.png",))
    assert (updated.price, updated.stock, updated.name) == (90_000, 10, FIXED_FORM.name)
    assert updated.photo_urls == ("https://x.id/new.png",) and updated.updated_at == later
    assert count(db, ProductPhoto) == 1


def test_stock_zero_is_sold_out_and_restocking_reactivates(db, seller):
    view = sell(db, seller)
    assert update(db, seller, view.product_id, stock=0).status == "SOLD_OUT"
    assert update(db, seller, view.product_id, stock=3).status == "ACTIVE"
    with db.unit_of_work() as session:
        moves = session.execute(select(ProductStatusHistory.from_status, ProductStatusHistory.to_status)
                                .order_by(ProductStatusHistory.id)).all()
    assert [tuple(m) for m in moves] == [(None, "ACTIVE"), ("ACTIVE", "SOLD_OUT"), ("SOLD_OUT", "ACTIVE")]


def test_another_seller_can_neither_update_nor_withdraw(db, seller):
    view = sell(db, seller)
    other = add_member(db, "saingan", "SELLER")
    before = snapshot(db)
    for attempt in (lambda: update(db, other, view.product_id, price=1), lambda: withdraw(db, other, view.product_id)):
        with pytest.raises(NotAuthorized) as raised:
            attempt()
        assert raised.value.code == "NOT_OWNER"
    assert snapshot(db) == before


def test_an_admin_may_withdraw_but_not_edit(db, seller):
    view = sell(db, seller)
    admin = add_member(db, "admin1", "ADMIN")
    with pytest.raises(NotAuthorized):
        update(db, admin, view.product_id, price=1)
    assert withdraw(db, admin, view.product_id, "melanggar ketentuan").status == "WITHDRAWN"


@pytest.mark.parametrize("product_id", [0, -1, 999_999_999])
def test_unknown_products_are_not_found(db, seller, product_id):
    before = snapshot(db)
    for attempt in (lambda: update(db, seller, product_id, price=1), lambda: withdraw(db, seller, product_id)):
        with pytest.raises(NotFound) as raised:
            attempt()
        assert raised.value.code == "UNKNOWN_PRODUCT"
    with db.unit_of_work() as session, pytest.raises(NotFound):
        catalog.get_product(session, product_id, NOW)
    assert snapshot(db) == before


def get(db, product_id):
    with db.unit_of_work() as session:
        return catalog.get_product(session, product_id, NOW)


def test_a_missing_product_id_is_a_field_error_naming_it(db, seller):
    sell(db, seller)
    before = snapshot(db)
    for attempt in (lambda: update(db, seller, None, price=1), lambda: withdraw(db, seller, None),
                    lambda: get(db, None)):
        with pytest.raises(ValidationFailed) as raised:
            attempt()
        assert [(e.field, e.code) for e in raised.value.errors] == [("productId", "REQUIRED")]
    assert snapshot(db) == before


def test_a_withdrawn_product_can_be_neither_edited_nor_withdrawn_again(db, seller):
    view = sell(db, seller)
    withdraw(db, seller, view.product_id)
    before = snapshot(db)
    with pytest.raises(InvalidState) as raised:
        update(db, seller, view.product_id, price=1)
    assert raised.value.code == "PRODUCT_NOT_EDITABLE"
    with pytest.raises(InvalidState) as raised:
        withdraw(db, seller, view.product_id)
    assert raised.value.code == "ILLEGAL_STATUS_CHANGE"
    assert snapshot(db) == before


def test_a_bad_update_changes_nothing(db, seller):
    view = sell(db, seller)
    before = snapshot(db)
    for changes, code in ((dict(price=0), "MIN_VALUE"), (dict(category="nope"), "UNKNOWN_CATEGORY"),
                          (dict(name="y" * 300), "TOO_LONG"), (dict(ends_at=NOW + timedelta(days=2)),
                                                                "FIELD_NOT_FOR_METHOD")):
        with pytest.raises(ValidationFailed) as raised:
            update(db, seller, view.product_id, **changes)
        assert raised.value.errors[0].code == code
    with pytest.raises(ValidationFailed):
        withdraw(db, seller, view.product_id, "r" * 201)
    assert snapshot(db) == before


def place_bids(db, product_id, bidders, amounts):
    with db.unit_of_work() as session:
        for bidder, amount in zip(bidders, amounts, strict=True):
            session.add(Bid(product_id=product_id, bidder_id=bidder.member_id, amount=amount, placed_at=NOW))
        product = session.get(Product, product_id)
        product.current_price, product.bid_count, product.leader_id = amounts[-1], len(amounts), bidders[-1].member_id


def test_an_auction_with_bids_cannot_be_updated_and_withdrawing_tells_each_bidder_once(db, seller):
    view = sell(db, seller, AUCTION_FORM)
    budi, sari = add_member(db, "budi", "BUYER"), add_member(db, "sari", "SELLER")
    place_bids(db, view.product_id, [budi, sari, budi], [1_500_000, 1_550_000, 1_600_000])
    before = snapshot(db)
    with pytest.raises(InvalidState) as raised:
        update(db, seller, view.product_id, name="Tenun Ikat Sumba")
    assert raised.value.code == "AUCTION_HAS_BIDS" and snapshot(db) == before
    assert withdraw(db, seller, view.product_id, "kain rusak").action == "NONE"
    with db.unit_of_work() as session:
        sent = session.scalars(select(Notification).order_by(Notification.recipient)).all()
    assert [(n.recipient, n.template) for n in sent if n.channel == "EMAIL"] == [
        ("budi@example.co.id", "auction_withdrawn"), ("sari@example.co.id", "auction_withdrawn")]
    data = json.loads(sent[0].data)
    assert data["product_name"] == AUCTION_FORM.name and data["reason"] == "kain rusak"


@pytest.mark.parametrize("bids", [0, 1])
@pytest.mark.parametrize("after_end", [timedelta(0), timedelta(minutes=5)])
def test_an_auction_past_its_end_time_waits_for_its_closing(db, seller, bids, after_end):
    """Ended but not yet closed by the worker: neither edited, revived nor withdrawn, whether or not
    it has bids; the outcome is the closing job's, however late it runs."""
    view = sell(db, seller, AUCTION_FORM)
    if bids:
        place_bids(db, view.product_id, [add_member(db, "budi", "BUYER")], [1_500_000])
    ended = AUCTION_FORM.ends_at + after_end
    before = snapshot(db)
    for changes in (dict(name="Tenun Ikat Sumba"), dict(ends_at=ended + timedelta(days=2))):
        with pytest.raises(InvalidState) as raised:
            update(db, seller, view.product_id, now=ended, **changes)
        assert raised.value.code == "AUCTION_ENDED"
    with pytest.raises(InvalidState) as raised:
        withdraw(db, seller, view.product_id, "batal", now=ended)
    assert raised.value.code == "WITHDRAW_AUCTION_ENDED"
    assert snapshot(db) == before
    with db.unit_of_work() as session:
        assert catalog.get_product(session, view.product_id, ended).action == "NONE"


def test_an_auction_without_bids_can_be_moved(db, seller):
    view = sell(db, seller, AUCTION_FORM)
    updated = update(db, seller, view.product_id, ends_at=NOW + timedelta(days=7), reserve_price=3_000_000)
    assert updated.ends_at == NOW + timedelta(days=7) and updated.has_reserve
    with pytest.raises(ValidationFailed) as raised:
        update(db, seller, view.product_id, start_price=4_000_000)  # above the reserve
    assert raised.value.errors[0].code == "RESERVE_BELOW_START"


def test_categories_are_unique_and_checked(db):
    add_category(db)
    before = snapshot(db)
    with db.unit_of_work() as session, pytest.raises(Conflict):
        catalog.create_category(session, "Makanan", "Lagi", NOW, POLICY)
    for code, name in (("Kain Tenun", "Kain"), ("", "Kain"), ("kain", ""), ("k" * 51, "Kain")):
        with db.unit_of_work() as session, pytest.raises(ValidationFailed):
            catalog.create_category(session, code, name, NOW, POLICY)
    assert snapshot(db) == before
    with db.unit_of_work() as session:
        assert [c.code for c in catalog.list_categories(session)] == ["makanan"]
