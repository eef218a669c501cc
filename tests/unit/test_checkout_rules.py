"""Checkout rules without a database: which stored quote a choice takes (and why none), what a
seller's group weighs and costs, what is wrong with a cart line."""
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from emall_ws.domain.checkout import GroupSums, Route, choices_by_seller, chosen_quote, group_sums, line_problem
from emall_ws.domain.errors import InvalidState

NOW = datetime(2026, 11, 28, 5, 0)
ROUTE = Route("33.74", "31.71", 500)


@dataclass(frozen=True)
class Choice:
    seller_username: str | None
    courier: str | None
    service: str | None


@dataclass(frozen=True)
class Quote:
    courier: str = "jne"
    service: str = "REG"
    origin_city_code: str = "33.74"
    destination_city_code: str = "31.71"
    weight_grams: int = 500
    expires_at: datetime = NOW + timedelta(minutes=30)
    cost: int = 18000


@dataclass(frozen=True)
class Product:
    id: int = 7
    name: str = "Kopi"
    status: str | None = "ACTIVE"
    sale_method: str = "FIXED"
    price: int | None = 25000
    stock: int | None = 10


def refusal(quotes, choice=Choice("koperasi", " JNE ", "reg")) -> tuple[str, dict]:
    with pytest.raises(InvalidState) as refused:
        chosen_quote(quotes, choice, "koperasi", ROUTE, NOW)
    return refused.value.code, refused.value.params


def test_the_newest_quote_of_the_chosen_courier_and_service_on_the_route_is_taken():
    newest, older = Quote(cost=19000), Quote(cost=18000)
    other_service = Quote(service="YES", cost=30000)
    assert chosen_quote([other_service, newest, older], Choice("koperasi", " JNE ", "reg"), "koperasi", ROUTE,
                        NOW) is newest


@pytest.mark.parametrize("quotes, code", [
    ([], "COURIER_NOT_QUOTED"),
    ([Quote(courier="tiki")], "COURIER_NOT_QUOTED"),
    ([Quote(service="YES")], "SERVICE_NOT_QUOTED"),
    ([Quote(weight_grams=750)], "QUOTE_OUTDATED"),  # the cart changed since
    ([Quote(destination_city_code="32.73")], "QUOTE_OUTDATED"),  # the address changed since
    ([Quote(expires_at=NOW)], "QUOTE_EXPIRED"),
    ([Quote(weight_grams=750), Quote(expires_at=NOW - timedelta(seconds=1))], "QUOTE_EXPIRED"),
])
def test_the_first_requirement_no_quote_meets_names_the_refusal(quotes, code):
    """The refusal's text is for a person: the courier by its name (domain.partners.COURIERS)."""
    assert refusal(quotes) == (code, {"courier": "JNE", "service": "reg", "seller": "koperasi"})


def test_a_refusal_names_the_courier_typed_in_any_case_by_its_name():
    assert refusal([Quote()], Choice("koperasi", "POS", "Kilat"))[1]["courier"] == "Pos Indonesia"


def test_the_refusal_shows_the_choice_cut_to_size():
    long = Choice("koperasi", "x" * 50, "y" * 50)
    assert refusal([Quote()], long)[1] == {"courier": "x" * 20, "service": "y" * 30, "seller": "koperasi"}


def test_choices_are_found_by_seller_whatever_the_case_and_an_unknown_seller_is_refused():
    first, second = Choice(" Koperasi ", "jne", "REG"), Choice("UKM_Bandung", "pos", "Kilat")
    assert choices_by_seller(["koperasi", "ukm_bandung"], [first, second]) == {"koperasi": first, "ukm_bandung": second}
    assert choices_by_seller(["koperasi"], None) == {}
    with pytest.raises(InvalidState) as refused:
        choices_by_seller(["koperasi"], [Choice("z" * 40, "jne", "REG")])
    assert (refused.value.code, refused.value.params) == ("CHOICE_UNKNOWN_SELLER", {"seller": "z" * 32})


def test_a_group_weighs_and_costs_the_sum_of_its_lines():
    sums = group_sums([(2, 250, 25000), (1, 1000, 40000)])
    assert (sums.weight_grams, sums.subtotal) == (1500, 90000)
    assert group_sums([]) == GroupSums(0, 0)


@pytest.mark.parametrize("product, quantity, expected", [
    (Product(), 2, None),
    (Product(stock=2), 2, None),
    (Product(status="SOLD_OUT"), 1, ("CART_SOLD_OUT", {"name": "Kopi"})),
    (Product(status="WITHDRAWN"), 1, ("CART_UNAVAILABLE", {"name": "Kopi"})),
    (Product(sale_method="AUCTION"), 1, ("CART_UNAVAILABLE", {"name": "Kopi"})),
    (Product(price=27500), 1, ("CART_REPRICED", {"name": "Kopi", "was": "Rp 25.000", "now": "Rp 27.500"})),
    (Product(stock=1), 2, ("CART_NOT_ENOUGH_STOCK", {"name": "Kopi", "stock": 1})),
    (Product(stock=None), 1, ("CART_NOT_ENOUGH_STOCK", {"name": "Kopi", "stock": 0})),
])
def test_a_cart_line_problem_is_named_on_its_product(product, quantity, expected):
    problem = line_problem(quantity, 25000, product)
    if expected is None:
        assert problem is None
    else:
        assert (problem.field, problem.code, problem.params) == ("product:7", *expected)
