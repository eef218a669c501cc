"""Checkout's pure rules, without a database: which stored quote a buyer's choice takes, what a
seller's group of lines weighs and costs, and what is wrong with a cart line at checkout."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Protocol, Sequence, TypeVar

from emall_ws.domain.auction import rupiah
from emall_ws.domain.catalog import FIXED
from emall_ws.domain.errors import FieldError, InvalidState
from emall_ws.domain.partners import COURIERS, courier_code
from emall_ws.domain.pipelines import ProductStatus


class Chosen(Protocol):
    """A buyer's courier choice for one seller's group, as the buyer typed it."""
    @property
    def seller_username(self) -> str | None: ...
    @property
    def courier(self) -> str | None: ...
    @property
    def service(self) -> str | None: ...


class StoredQuote(Protocol):
    """An option quoted to the buyer and stored (emall_ws.db.models.ShippingQuote)."""
    courier: str
    service: str
    origin_city_code: str
    destination_city_code: str
    weight_grams: int
    expires_at: datetime


@dataclass(frozen=True)
class Route:
    """Where a group goes from and to, and what it weighs: a quote is for exactly this."""
    origin_city_code: str
    destination_city_code: str
    weight_grams: int


ChoiceT = TypeVar("ChoiceT", bound=Chosen)
QuoteT = TypeVar("QuoteT", bound=StoredQuote)


def choices_by_seller(sellers: Iterable[str], choices: Iterable[ChoiceT] | None) -> dict[str, ChoiceT]:
    """The choices by lower-cased seller username (a later one for the same seller wins); a choice for
    a seller who is not one of `sellers` is refused."""
    known = {seller.lower() for seller in sellers}
    by_seller = {}
    for choice in choices or ():
        key = (choice.seller_username or "").strip().lower()
        if key not in known:
            raise InvalidState("CHOICE_UNKNOWN_SELLER", seller=(choice.seller_username or "")[:32])
        by_seller[key] = choice
    return by_seller


def chosen_quote(quotes: Sequence[QuoteT], choice: Chosen, seller: str, route: Route, now: datetime) -> QuoteT:
    """The newest of the seller's `quotes` (newest first) for the chosen courier and service, on the
    group's route and unexpired. Each requirement narrows the quotes in turn, and the first that
    leaves none names the refusal."""
    courier, service = courier_code(choice.courier), (choice.service or "").strip()
    requirements: tuple[tuple[str, Callable[[QuoteT], bool]], ...] = (
        ("COURIER_NOT_QUOTED", lambda q: q.courier == courier),
        ("SERVICE_NOT_QUOTED", lambda q: q.service.lower() == service.lower()),
        ("QUOTE_OUTDATED", lambda q: _route_of(q) == route),  # the cart or the address changed since
        ("QUOTE_EXPIRED", lambda q: q.expires_at > now),
    )
    for refusal, met in requirements:
        quotes = [q for q in quotes if met(q)]
        if not quotes:
            # a person reads the refusal: the courier by its name (a code no courier has as typed)
            raise InvalidState(refusal, courier=COURIERS.get(courier, courier[:20]), service=service[:30],
                               seller=seller)
    return quotes[0]


def _route_of(quote: StoredQuote) -> Route:
    return Route(quote.origin_city_code, quote.destination_city_code, quote.weight_grams)


@dataclass(frozen=True)
class GroupSums:
    weight_grams: int
    subtotal: int


def group_sums(lines: Iterable[tuple[int, int, int]]) -> GroupSums:
    """What a seller's lines, each (quantity, unit weight in grams, unit price), weigh and cost."""
    weight = subtotal = 0
    for quantity, unit_weight, unit_price in lines:
        weight += quantity * unit_weight
        subtotal += quantity * unit_price
    return GroupSums(weight, subtotal)


class ForSale(Protocol):
    """A product as checkout re-checks it (emall_ws.db.models.Product)."""
    id: int
    name: str
    status: str
    sale_method: str
    price: int | None
    stock: int | None


def line_problem(quantity: int, price_when_added: int, product: ForSale) -> FieldError | None:
    """Why a cart line cannot be bought as it went into the cart, on field product:<id>; None if it can."""
    field_name = f"product:{product.id}"
    if product.status != ProductStatus.ACTIVE or product.sale_method != FIXED or product.price is None:
        code = "CART_SOLD_OUT" if product.status == ProductStatus.SOLD_OUT else "CART_UNAVAILABLE"
        return FieldError(field_name, code, {"name": product.name})
    if product.price != price_when_added:
        return FieldError(field_name, "CART_REPRICED",
                          {"name": product.name, "was": rupiah(price_when_added), "now": rupiah(product.price)})
    if quantity > (product.stock or 0):
        return FieldError(field_name, "CART_NOT_ENOUGH_STOCK", {"name": product.name, "stock": product.stock or 0})
    return None
