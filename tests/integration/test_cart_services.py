"""Cart use cases against the test database: lines grouped by seller, flags instead of silent changes,
and every refused call leaves the cart as it was."""
from dataclasses import replace

import pytest
from sqlalchemy import select

from emall_ws.db.models import CartLine
from emall_ws.domain.cart import CartPolicy
from emall_ws.domain.errors import Conflict, InvalidState, NotAuthorized, NotFound, ValidationFailed
from emall_ws.services import cart
from tests.builders import AUCTION_FORM, FIXED_FORM, NOW, Shop, add_category, add_member, sell
from tests.integration.catalog_fixtures import update, withdraw

POLICY = CartPolicy()


@pytest.fixture
def shop(db):
    add_category(db)
    semarang = add_member(db, "koperasi_semarang", "SELLER", city="33.74")
    bandung = add_member(db, "ukm_bandung", "SELLER", city="32.73")
    return Shop(semarang=semarang, bandung=bandung, buyer=add_member(db, "budi", "BUYER"),
                kopi=sell(db, semarang, FIXED_FORM).product_id,
                teh=sell(db, semarang, FIXED_FORM, name="Teh Kaligua", price=40_000, weight_grams=150,
                         stock=5).product_id,
                batik=sell(db, bandung, FIXED_FORM, name="Batik Tulis", price=450_000, weight_grams=500,
                           stock=2).product_id,
                tenun=sell(db, bandung, AUCTION_FORM).product_id)


def add(db, who, product_id, quantity=1, policy=POLICY):
    with db.unit_of_work() as session:
        return cart.add_item(session, who, product_id, quantity, NOW, policy)


def lines(db) -> list[tuple]:
    with db.unit_of_work() as session:
        return [(line.buyer_id, line.product_id, line.quantity, line.price_when_added)
                for line in session.scalars(select(CartLine).order_by(CartLine.id))]


def test_lines_group_by_seller_with_subtotals_weights_and_total(db, shop):
    buyer = shop.buyer
    add(db, buyer, shop.kopi, 2)
    add(db, buyer, shop.batik)
    state = add(db, buyer, shop.teh, 3)
    assert [g.seller_username for g in state.groups] == ["koperasi_semarang", "ukm_bandung"]
    semarang, bandung = state.groups
    assert [line.state.product_id for line in semarang.lines] == [shop.kopi, shop.teh]
    assert (semarang.subtotal, semarang.weight_grams, semarang.item_count) == (2 * 85_000 + 3 * 40_000, 1050, 5)
    assert (bandung.subtotal, bandung.weight_grams, bandung.seller_city_code) == (450_000, 500, "32.73")
    assert state.total == 740_000 and state.weight_grams == 1550 and state.item_count == 6
    assert state.ready_for_checkout


def test_adding_again_adds_to_the_line_and_the_cart_persists(db, shop):
    add(db, shop.buyer, shop.kopi, 2)
    add(db, shop.buyer, shop.kopi, 3)
    with db.unit_of_work() as session:
        again = cart.get_cart(session, shop.buyer)  # another session: what the database holds
    assert again.groups[0].lines[0].state.quantity == 5 and len(lines(db)) == 1


def test_a_seller_buys_from_others_but_not_their_own(db, shop):
    assert add(db, shop.bandung, shop.kopi).item_count == 1
    before = lines(db)
    with pytest.raises(NotAuthorized) as raised:
        add(db, shop.bandung, shop.batik)
    assert raised.value.code == "CART_OWN_PRODUCT" and lines(db) == before


def test_admins_do_not_shop(db, shop):
    admin = add_member(db, "admin1", "ADMIN")
    with pytest.raises(NotAuthorized) as raised:
        add(db, admin, shop.kopi)
    assert raised.value.code == "ROLE_REQUIRED" and lines(db) == []


@pytest.mark.parametrize("product, quantity, error, code", [
    ("kopi", 0, ValidationFailed, "VALIDATION_FAILED"),
    ("kopi", -2, ValidationFailed, "VALIDATION_FAILED"),
    ("kopi", None, ValidationFailed, "VALIDATION_FAILED"),
    ("kopi", 11, Conflict, "NOT_ENOUGH_STOCK"),
    ("tenun", 1, InvalidState, "AUCTION_NOT_FOR_CART"),
    (0, 1, NotFound, "UNKNOWN_PRODUCT"),
    (-7, 1, NotFound, "UNKNOWN_PRODUCT"),
    (987_654_321, 1, NotFound, "UNKNOWN_PRODUCT"),
])
def test_bad_additions_are_refused_and_change_nothing(db, shop, product, quantity, error, code):
    add(db, shop.buyer, shop.teh)
    before = lines(db)
    with pytest.raises(error) as raised:
        add(db, shop.buyer, shop.product_id(product), quantity)
    assert raised.value.code == code and lines(db) == before


@pytest.mark.parametrize("call, quantity, fields", [
    ("add", 1, [("productId", "REQUIRED")]),
    ("add", None, [("productId", "REQUIRED"), ("quantity", "REQUIRED")]),
    ("update", 0, [("productId", "REQUIRED"), ("quantity", "MIN_VALUE")]),
    ("remove", None, [("productId", "REQUIRED")]),
])
def test_a_missing_product_id_is_a_field_error_naming_it(db, shop, call, quantity, fields):
    """As placeBid says it: a missing field is REQUIRED, with every failing field at once."""
    add(db, shop.buyer, shop.kopi, 2)
    before = lines(db)
    with db.unit_of_work() as session, pytest.raises(ValidationFailed) as raised:
        if call == "remove":
            cart.remove_item(session, shop.buyer, None)
        else:
            getattr(cart, f"{call}_item")(session, shop.buyer, None, quantity, NOW, POLICY)
    assert [(e.field, e.code) for e in raised.value.errors] == fields
    assert lines(db) == before


def test_the_stock_limit_counts_what_the_cart_already_holds(db, shop):
    add(db, shop.buyer, shop.batik, 2)
    with pytest.raises(Conflict) as raised:
        add(db, shop.buyer, shop.batik, 1)
    assert raised.value.params == {"stock": 2}


def test_withdrawn_and_sold_out_products_cannot_be_added(db, shop):
    withdraw(db, shop.semarang, shop.kopi)
    update(db, shop.semarang, shop.teh, stock=0)
    for key in ("kopi", "teh"):
        with pytest.raises(InvalidState) as raised:
            add(db, shop.buyer, shop.product_id(key))
        assert raised.value.code == "PRODUCT_NOT_AVAILABLE"
    assert lines(db) == []


def test_changes_after_adding_are_flagged_not_applied(db, shop):
    buyer, semarang = shop.buyer, shop.semarang
    add(db, buyer, shop.kopi, 2)
    add(db, buyer, shop.teh, 4)
    add(db, buyer, shop.batik, 1)
    before = lines(db)
    update(db, semarang, shop.kopi, price=95_000)
    update(db, semarang, shop.teh, stock=3)
    withdraw(db, shop.bandung, shop.batik)
    with db.unit_of_work() as session:
        state = cart.get_cart(session, buyer)
    flags = {line.state.product_id: line.flags for g in state.groups for line in g.lines}
    assert flags == {shop.kopi: ("REPRICED",), shop.teh: ("NOT_ENOUGH_STOCK",), shop.batik: ("WITHDRAWN",)}
    assert lines(db) == before  # nothing changed behind the buyer's back
    # sums count what can be bought as it stands, at today's price; nothing is ready until seen
    assert state.total == 2 * 95_000 and not state.ready_for_checkout
    kopi = state.groups[0].lines[0].state
    assert (kopi.price, kopi.price_when_added) == (95_000, 85_000)

    with db.unit_of_work() as session:  # the buyer accepts the new price and the smaller stock
        cart.update_item(session, buyer, shop.kopi, 2, NOW, POLICY)
        cart.update_item(session, buyer, shop.teh, 3, NOW, POLICY)
        state = cart.remove_item(session, buyer, shop.batik)
    assert state.ready_for_checkout and state.total == 2 * 95_000 + 3 * 40_000


def test_sold_out_lines_are_flagged(db, shop):
    add(db, shop.buyer, shop.teh)
    update(db, shop.semarang, shop.teh, stock=0)
    with db.unit_of_work() as session:
        state = cart.get_cart(session, shop.buyer)
    assert state.groups[0].lines[0].flags == ("SOLD_OUT",) and state.total == 0


@pytest.mark.parametrize("call, product, quantity, error, code", [
    ("update", "kopi", 0, ValidationFailed, "VALIDATION_FAILED"),
    ("update", "kopi", 11, Conflict, "NOT_ENOUGH_STOCK"),
    ("update", "teh", 1, NotFound, "NOT_IN_CART"),
    ("update", 0, 1, NotFound, "UNKNOWN_PRODUCT"),
    ("remove", "teh", None, NotFound, "NOT_IN_CART"),
    ("remove", -1, None, NotFound, "UNKNOWN_PRODUCT"),
])
def test_bad_updates_and_removals_change_nothing(db, shop, call, product, quantity, error, code):
    add(db, shop.buyer, shop.kopi, 2)
    before = lines(db)
    product_id = shop.product_id(product)
    with db.unit_of_work() as session, pytest.raises(error) as raised:
        if call == "update":
            cart.update_item(session, shop.buyer, product_id, quantity, NOW, POLICY)
        else:
            cart.remove_item(session, shop.buyer, product_id)
    assert raised.value.code == code and lines(db) == before


def test_a_withdrawn_line_cannot_be_updated_only_removed(db, shop):
    add(db, shop.buyer, shop.kopi, 2)
    withdraw(db, shop.semarang, shop.kopi)
    before = lines(db)
    with db.unit_of_work() as session, pytest.raises(InvalidState) as raised:
        cart.update_item(session, shop.buyer, shop.kopi, 1, NOW, POLICY)
    assert (raised.value.code, raised.value.params) == ("PRODUCT_NOT_AVAILABLE", {"status": "WITHDRAWN"})
    assert lines(db) == before
    with db.unit_of_work() as session:
        assert cart.remove_item(session, shop.buyer, shop.kopi).groups == ()


def test_the_cart_has_a_size_limit(db, shop):
    small = replace(POLICY, lines_max=2)
    add(db, shop.buyer, shop.kopi, policy=small)
    add(db, shop.buyer, shop.teh, policy=small)
    with pytest.raises(Conflict) as raised:
        add(db, shop.buyer, shop.batik, policy=small)
    assert raised.value.code == "CART_FULL" and len(lines(db)) == 2


def test_clear_empties_only_the_callers_cart(db, shop):
    other = add_member(db, "sari", "BUYER")
    add(db, shop.buyer, shop.kopi)
    add(db, other, shop.kopi)
    with db.unit_of_work() as session:
        empty = cart.clear_cart(session, shop.buyer)
    assert empty.groups == () and empty.total == 0 and not empty.ready_for_checkout
    assert [line[0] for line in lines(db)] == [other.member_id]
