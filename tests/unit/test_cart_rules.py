"""Cart rules without a database: quantities, flags, grouping by seller."""
import pytest

from emall_ws.domain.cart import CartPolicy, LineState, build_cart, flags_of, validate_item
from emall_ws.domain.errors import ValidationFailed


def line(product_id=1, seller="ukm_a", **changes) -> LineState:
    values = dict(product_id=product_id, name="Kopi", photo_url=None, seller_username=seller,
                  seller_city_code="33.74", sale_method="FIXED", status="ACTIVE", stock=10, price=1000,
                  price_when_added=1000, quantity=2, unit_weight_grams=250)
    values.update(changes)
    return LineState(**values)


@pytest.mark.parametrize("quantity, code", [(None, "REQUIRED"), (0, "MIN_VALUE"), (-1, "MIN_VALUE"),
                                            (10_001, "MAX_VALUE")])
def test_quantities_are_whole_and_positive(quantity, code):
    with pytest.raises(ValidationFailed) as raised:
        validate_item(1, quantity, CartPolicy())
    assert [(e.field, e.code) for e in raised.value.errors] == [("quantity", code)]


def test_a_missing_product_and_a_bad_quantity_are_named_together():
    with pytest.raises(ValidationFailed) as raised:
        validate_item(None, 0, CartPolicy())
    assert [(e.field, e.code) for e in raised.value.errors] == [("productId", "REQUIRED"), ("quantity", "MIN_VALUE")]


@pytest.mark.parametrize("changes, flags", [
    ({}, ()),
    (dict(status="WITHDRAWN"), ("WITHDRAWN",)),
    (dict(status="SOLD_OUT", stock=0), ("SOLD_OUT",)),
    (dict(status="CLOSED"), ("UNAVAILABLE",)),
    (dict(stock=1), ("NOT_ENOUGH_STOCK",)),
    (dict(price=1200), ("REPRICED",)),
    (dict(price=900, stock=1), ("NOT_ENOUGH_STOCK", "REPRICED")),
])
def test_flags_say_what_changed(changes, flags):
    assert flags_of(line(**changes)) == flags


def test_groups_by_seller_and_sums_only_what_can_be_bought():
    cart = build_cart([line(1, "Ukm_b", price=500, price_when_added=400), line(2, "ukm_a"),
                       line(3, "Ukm_b", status="WITHDRAWN"), line(4, "ukm_a", quantity=1, unit_weight_grams=1000)])
    assert [g.seller_username for g in cart.groups] == ["ukm_a", "Ukm_b"]
    a, b = cart.groups
    assert (a.subtotal, a.weight_grams, a.item_count) == (3000, 1500, 3)
    assert (b.subtotal, b.weight_grams, b.item_count) == (1000, 500, 2)
    assert (cart.total, cart.weight_grams, cart.item_count) == (4000, 2000, 5)
    assert not cart.ready_for_checkout


def test_an_empty_cart_is_not_ready():
    cart = build_cart([])
    assert cart.groups == () and cart.total == 0 and not cart.ready_for_checkout
    assert build_cart([line()]).ready_for_checkout
